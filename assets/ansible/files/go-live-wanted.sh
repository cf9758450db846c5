# Read-only, for the export's stage 9 (after droplift's lib.sh and slots.sh): does the release the
# play chose ($release) serve already, in a slot with the files the play rendered ($play/uwsgi.ini
# and the unit), running and started at boot? Prints "serving SLOT" when so (the go-live is
# skipped: a second run changes nothing), else "go-live: WHY".
: "${staging:?}" "${unit:?}" "${env_file:?}" "${release:?}" "${play:?}"
set -euo pipefail
slot=$(serving_slot)
cur=$(link_target current)
nxt=$(link_target next)
why=""
case "$slot" in
  a | b) ;;
  legacy) why="the one unit of before ($unit.service) serves: the go-live moves it to two slots" ;;
  *) why="no uWSGI slot serves the app yet" ;;
esac
if [ -z "$why" ]; then
  if [ "$cur" != "$release" ]; then
    why="release $release is not the one serving (${cur:-none})"
  elif [ -n "$nxt" ] && [ "$nxt" != "$cur" ]; then
    why="release $nxt waits to go live"
  elif [ -f "$env_file.next" ]; then
    why="a new environment file waits to go live"
  elif [ "$(slot_release "$slot")" != "$cur" ]; then
    why="$(slot_unit "$slot") is set to serve release $(slot_release "$slot"), not $cur"
  elif ! cmp -s "$play/uwsgi.ini" "$(slot_ini "$slot")"; then
    why="uWSGI's settings changed"
  elif ! cmp -s "$play/$unit@.service" "/etc/systemd/system/$unit@.service"; then
    why="the slots' unit changed"
  elif ! systemctl is-active --quiet "$(slot_unit "$slot")"; then
    why="$(slot_unit "$slot") is not running"
  elif ! systemctl is-enabled --quiet "$(slot_unit "$slot")"; then
    why="$(slot_unit "$slot") does not start at boot"
  elif [ "$(mark_get "$cur" status)" != good ]; then
    why="release $cur has not passed the smoke test"
  fi
fi
if [ -n "$why" ]; then echo "go-live: $why"; else echo "serving $slot"; fi
