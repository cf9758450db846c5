# Read-only: is the release built from your code serving under systemd, in one of the two slots
# with droplift's uwsgi.ini and unit, and does GET $health (the app's health path) through nginx
# answer as the smoke test wants? A server droplift set up before serves from one unit that
# restarts in place: with droplift's files of then it is done too, and its next go-live moves it
# to the two slots.
: "${ini:?}" "${unit:?}" "${env_file:?}" "${staging:?}" "${ini_sha:?}" "${unit_sha:?}" "${health:?}"
: "${legacy_ini_sha:?}" "${legacy_unit_sha:?}" "${static_file:?}" "${static_sha?}" "${base:?}"
set -euo pipefail
cur=$(link_target current)
nxt=$(link_target next)
todo=()
if systemctl is-active --quiet "droplift-go-live-${staging##*/}" 2>/dev/null; then
  echo "droplift-state: pending a go-live is running on the server now"
  exit 0
fi
if [ -f "$staging/go-live/phase" ]; then
  todo+=("a go-live of release $(sed -n 's/^name=//p' "$staging/go-live/phase") was cut short: the next go-live puts the release before back first")
fi
super=$(supervisor_verdict "$base")
case "$super" in
  conflict\ *)
    echo "droplift-state: drifted supervisor runs ${super#conflict } from $base: stop it first (sudo supervisorctl stop NAME, then move its file out of /etc/supervisor/conf.d and run sudo supervisorctl update), or it and droplift's uWSGI units fight for the app's socket. droplift never changes supervisor's files"
    exit 0
    ;;
  note\ *)
    read -r _ count names <<<"$super"
    echo "supervisor runs $count program(s) here ($names): droplift runs this app with systemd units instead (two slots, so a release is tested beside the one serving before it takes over; limits and a lock per site) and leaves supervisor's files and programs alone"
    ;;
esac
if [ -z "$cur" ] && [ -z "$nxt" ]; then
  echo "droplift-state: pending no release is built yet (the app stage builds one)"
  exit 0
fi
[ -z "$nxt" ] || [ "$nxt" = "$cur" ] || todo+=("release $nxt waits to go live")
[ ! -f "$env_file.next" ] || todo+=("a new environment file (stage 8 wrote it) waits to go live with release ${nxt:-$cur}")
# The files are compared by their SHA-256 with the ones droplift would write.
sha_of() { sha256sum "$1" 2>/dev/null | cut -d ' ' -f 1; }
slot=$(serving_slot)
svc=$(slot_unit "${slot:-a}")
note=""
case "$slot" in
  legacy)
    [ "$(sha_of "$ini")" = "$legacy_ini_sha" ] || todo+=("$ini is not the one droplift writes yet")
    [ "$(sha_of "/etc/systemd/system/$unit.service")" = "$legacy_unit_sha" ] ||
      todo+=("/etc/systemd/system/$unit.service is not the one droplift writes yet")
    note=" (one unit that restarts in place, as droplift set it up before: the next deploy or rollback moves it to two slots, which drop no request)"
    ;;
  a | b)
    [ "$(sha_of "$(slot_ini "$slot")")" = "$ini_sha" ] || todo+=("$(slot_ini "$slot") is not the one droplift writes yet")
    [ "$(sha_of "/etc/systemd/system/$unit@.service")" = "$unit_sha" ] ||
      todo+=("/etc/systemd/system/$unit@.service is not the one droplift writes yet")
    [ "$(slot_release "$slot")" = "$cur" ] || todo+=("$svc is set to serve release $(slot_release "$slot"), not $cur")
    ;;
  *) todo+=("no uWSGI slot serves the app yet") ;;
esac
if [ -n "$static_sha" ]; then
  [ "$(sha_of "$static_file")" = "$static_sha" ] || todo+=("nginx does not serve the static folders ([app] static) as asked yet ($static_file)")
elif [ -e "$static_file" ]; then
  todo+=("$static_file serves static folders that [app] static no longer names")
fi
systemctl is-enabled --quiet "$svc" 2>/dev/null || todo+=("$svc does not start at boot yet")
systemctl is-active --quiet "$svc" 2>/dev/null || todo+=("$svc is not running")
if [ -n "$cur" ] && [ "$(mark_get "$cur" status)" != good ]; then
  todo+=("release $cur has not passed the smoke test")
fi
said=""
if [ "${#todo[@]}" -eq 0 ] && ! said=$(smoke_test); then
  todo+=("GET $health through nginx answers $said")
fi
if [ "${#todo[@]}" -eq 0 ]; then
  echo "GET $health: $said"
  echo "droplift-state: done $svc serves release $cur$note; GET $health answers $(smoke_wanted)"
else
  printf 'to do: %s\n' "${todo[@]}"
  echo "droplift-state: pending ${todo[0]}"
fi
