# Asks ufw what is in force now: it is on, incoming is denied by default, and every wanted rule
# is allowed.
: "${web:?}" "${extra?}"
set -euo pipefail
want=$(wanted)
status=$(ufw status verbose)
echo "$status"
grep -q '^Status: active' <<<"$status" || { echo "the firewall is not on" >&2; exit 1; }
grep -q 'deny (incoming)' <<<"$status" || { echo "incoming connections are not denied by default" >&2; exit 1; }
while IFS=$'\t' read -r rule _ _; do
  grep -Eq "^(${rule}|${rule%/*}) +ALLOW IN" <<<"$status" || { echo "$rule is not allowed" >&2; exit 1; }
done <<<"$want"
