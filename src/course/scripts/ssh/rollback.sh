# Something failed after sshd was changed: put the old settings back over the open connection.
: "${state:?}" "${undo_unit:?}"
set -euo pipefail
systemctl stop "$undo_unit.timer" 2>/dev/null || true
if [ -e "$state/pending" ]; then sh "$state/revert.sh"; echo "the old SSH settings are back"; fi
