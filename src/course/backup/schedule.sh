# Checks the unit and its timer with systemd-analyze verify, then switches the timer on.
: "${unit:?}"
set -euo pipefail
systemd-analyze verify "/etc/systemd/system/$unit.service" "/etc/systemd/system/$unit.timer"
systemctl daemon-reload
systemctl enable --now "$unit.timer"
systemctl list-timers --all --no-pager "$unit.timer"
