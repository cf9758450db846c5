# Is the nightly backup set up: its script, unit and timer in place, and the timer on?
: "${unit:?}" "${script_path:?}"
set -euo pipefail
missing=""
for f in "$script_path" "/etc/systemd/system/$unit.service" "/etc/systemd/system/$unit.timer"; do
  [ -f "$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
  echo "droplift-state: pending not set up yet (missing:$missing)"
  exit 0
fi
if ! systemctl is-enabled --quiet "$unit.timer"; then
  echo "droplift-state: pending the timer is off"
  exit 0
fi
echo "droplift-state: done the nightly backup is on ($(systemctl show "$unit.timer" -p NextElapseUSecRealtime --value))"
