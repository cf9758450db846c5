# Everything was proven from fresh connections: the automatic undo is cancelled.
: "${state:?}" "${undo_unit:?}"
set -euo pipefail
systemctl stop "$undo_unit.timer" 2>/dev/null || true
systemctl reset-failed "$undo_unit.service" 2>/dev/null || true
if systemctl is-active --quiet "$undo_unit.timer"; then
  echo "the automatic undo is still scheduled ($undo_unit.timer)" >&2
  exit 1
fi
rm -f "$state/pending"
echo "the automatic undo is cancelled: the new settings stay"
