# Everything was proven from fresh connections: the automatic undo is cancelled, and it is checked
# that it really is (a timer left running would later undo a verified change). If the undo has
# started already, it is allowed to finish, and the student is told the change was undone, never
# that it stays.
: "${state:?}" "${undo_unit:?}"
set -euo pipefail
case "$(stop_undo "$undo_unit")" in
  armed)
    echo "the automatic undo could not be stopped, so this stage's change would be undone later; nothing is kept" >&2
    exit 1
    ;;
  running)
    echo "the automatic undo started before droplift could cancel it (time ran out) and is still putting the old settings back: this stage's change is being undone, not kept; run this stage again once it has finished" >&2
    exit 1
    ;;
  failed)
    echo "the automatic undo started before droplift could cancel it (time ran out) and failed part-way: this stage's change is not kept, and the old settings may be only partly back; droplift puts them back now" >&2
    exit 1
    ;;
esac
if [ ! -e "$state/pending" ]; then
  echo "the automatic undo ran before droplift could cancel it (time ran out): this stage's change was undone and the old settings are back; nothing of it is kept; run this stage again" >&2
  exit 1
fi
systemctl reset-failed "$undo_unit.service" "$undo_unit.timer" 2>/dev/null || true
rm -f "$state/pending"
echo "the new settings stay"
