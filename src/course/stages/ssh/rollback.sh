# Something failed after sshd was changed: put the old settings back over the open connection.
# Fails loudly (and leaves the undo timer to try again) when the revert does not work.
: "${state:?}" "${undo_unit:?}"
set -euo pipefail
if [ -e "$state/pending" ]; then
  bash "$state/revert.sh"
fi
systemctl stop "$undo_unit.timer" 2>/dev/null || true
systemctl reset-failed "$undo_unit.service" "$undo_unit.timer" 2>/dev/null || true
echo "sshd's settings are as they were before this stage"
