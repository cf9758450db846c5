# The safety net, armed before anything changes: a transient systemd timer runs the revert script
# unless droplift cancels it after fresh logins prove that access still works.
: "${state:?}" "${undo_unit:?}" "${undo_after:?}"
set -euo pipefail
test -x "$state/revert.sh"
systemctl stop "$undo_unit.timer" 2>/dev/null || true
systemctl reset-failed "$undo_unit.service" "$undo_unit.timer" 2>/dev/null || true
systemd-run --quiet --unit="$undo_unit" --on-active="$undo_after" /bin/bash "$state/revert.sh"
systemctl is-active --quiet "$undo_unit.timer"
echo "the old settings come back by themselves in $undo_after s unless droplift cancels this"
