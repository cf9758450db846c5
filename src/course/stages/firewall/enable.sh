# Turns the firewall on, but only when the SSH rule is really in place.
set -euo pipefail
want=$(wanted)
now=$(added)
while IFS=$'\t' read -r rule label _; do
  if [ "$label" = SSH ] && ! has_rule "$rule" "$now"; then
    echo "the SSH rule for $rule is missing, so the firewall stays off" >&2
    exit 1
  fi
done <<<"$want"
ufw --force enable
