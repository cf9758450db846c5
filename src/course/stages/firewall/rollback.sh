# Something failed after the firewall started to change: off again at once, over the open
# connection. Fails loudly (and leaves the undo timer to try again) when that does not work.
: "${state:?}" "${undo_unit:?}"
set -euo pipefail
if [ -e "$state/pending" ]; then
  bash "$state/revert.sh"
  echo "the firewall is off again: SSH works as it did before this stage"
fi
systemctl stop "$undo_unit.timer" 2>/dev/null || true
systemctl reset-failed "$undo_unit.service" "$undo_unit.timer" 2>/dev/null || true
