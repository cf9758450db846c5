# Something failed after the firewall started to change: it goes back as it was before this
# stage (on with its old rules, or off) at once, over the open connection. The automatic undo is
# stopped first, and a revert it started already is allowed to finish. Fails loudly (and leaves
# the undo timer to try again) when putting the firewall back does not work.
: "${state:?}" "${undo_unit:?}"
set -euo pipefail
undo=$(stop_undo "$undo_unit")
if [ "$undo" = failed ] || [ "$undo" = running ]; then
  echo "the automatic undo had started already (time ran out) and did not finish; droplift puts the firewall back itself"
fi
if [ -e "$state/pending" ]; then
  bash "$state/revert.sh"
else
  echo "the firewall is as it was before this stage"
fi
systemctl reset-failed "$undo_unit.service" "$undo_unit.timer" 2>/dev/null || true
