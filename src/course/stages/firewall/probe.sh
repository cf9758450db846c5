# Read-only: lists the rules this stage sets with why, then compares them with what ufw has:
# the missing rules (+), droplift's old rules no longer wanted (-), others kept as they are.
: "${web:?}" "${extra?}"
set -euo pipefail
if ! want=$(wanted); then
  echo "droplift-state: drifted cannot read the port sshd listens on (sshd -T failed); droplift will not turn on a firewall without an SSH rule"
  exit 0
fi
echo "The firewall's rules after this stage:"
while IFS=$'\t' read -r rule label why; do
  printf '  allow %-9s %s: %s\n' "$rule" "$label" "$why"
done <<<"$want"
echo "  deny  everything else coming in"
if ! command -v ufw >/dev/null 2>&1; then
  echo "droplift-state: pending ufw (the firewall) is not installed yet"
  exit 0
fi
now=$(added)
todo=()
if ! ufw status | grep -q '^Status: active'; then
  echo "+ turn the firewall on (now: off)"
  todo+=("the firewall is off")
fi
while IFS=$'\t' read -r rule _ _; do
  if ! has_rule "$rule" "$now"; then
    echo "+ allow $rule"
    todo+=("$rule is not allowed yet")
  fi
done <<<"$want"
for rule in $(stale_rules "$want" "$now"); do
  echo "- allow $rule (droplift added it earlier; it is no longer in your list)"
  todo+=("$rule is allowed but no longer in your list")
done
grep -v "comment 'droplift" <<<"$now" | grep . | sed 's/^/  kept as it is (not droplift'"'"'s): /' || true
if ! grep -q '^DEFAULT_INPUT_POLICY="DROP"' /etc/default/ufw 2>/dev/null; then
  echo "+ deny incoming by default"
  todo+=("incoming connections are not denied by default")
fi
if [ "${#todo[@]}" -eq 0 ]; then
  echo "droplift-state: done the firewall is on with SSH, web and your ports; everything else is denied"
else
  echo "droplift-state: pending ${todo[0]}"
fi
