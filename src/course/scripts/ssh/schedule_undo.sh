# The safety net: a transient systemd timer runs the revert script unless droplift cancels it.
: "${state:?}" "${undo_unit:?}" "${undo_after:?}"
set -euo pipefail
systemctl stop "$undo_unit.timer" 2>/dev/null || true
systemctl reset-failed "$undo_unit.service" 2>/dev/null || true
systemd-run --quiet --unit="$undo_unit" --on-active="$undo_after" /bin/sh "$state/revert.sh"
echo "the old settings come back by themselves in $undo_after s unless droplift cancels this"
