# Something failed after sshd was changed: put the old settings back over the open connection.
# The automatic undo is stopped first, and a revert it started already is allowed to finish.
# Fails loudly (and leaves the undo timer to try again) when the revert does not work.
: "${state:?}" "${undo_unit:?}"
set -euo pipefail
undo=$(stop_undo "$undo_unit")
if [ "$undo" = failed ] || [ "$undo" = running ]; then
  echo "the automatic undo had started already (time ran out) and did not finish; droplift puts the old settings back itself"
fi
if [ -e "$state/pending" ]; then
  bash "$state/revert.sh"
fi
systemctl reset-failed "$undo_unit.service" "$undo_unit.timer" 2>/dev/null || true
echo "sshd's settings are as they were before this stage"
