# Gives ufw its rules, SSH first (a firewall that is on already applies each rule at once), then
# removes droplift's old rules that are no longer wanted; other rules stay.
set -euo pipefail
want=$(wanted)
if ! grep -q '^DEFAULT_INPUT_POLICY="DROP"' /etc/default/ufw; then ufw default deny incoming; fi
now=$(added)
while IFS=$'\t' read -r rule label _; do
  if has_rule "$rule" "$now"; then
    echo "allowed already: $rule"
  else
    ufw allow "$rule" comment "droplift: $label" >/dev/null
    echo "allowed: $rule ($label)"
  fi
done <<<"$want"
for rule in $(stale_rules "$want"); do
  ufw delete allow "$rule" >/dev/null
  echo "removed: $rule (no longer in your list)"
done
