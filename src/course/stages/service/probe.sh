# Read-only: is the release built from your code serving under systemd, with droplift's
# uwsgi.ini and unit installed, and does GET $health (the app's health path) through nginx answer
# as the smoke test wants?
: "${ini:?}" "${unit:?}" "${env_file:?}" "${staging:?}" "${ini_sha:?}" "${unit_sha:?}" "${health:?}"
set -euo pipefail
cur=$(link_target current)
nxt=$(link_target next)
todo=()
if systemctl is-active --quiet "droplift-go-live-$(basename "$staging")" 2>/dev/null; then
  echo "droplift-state: pending a go-live is running on the server now"
  exit 0
fi
if [ -f "$staging/go-live/phase" ]; then
  todo+=("a go-live of release $(sed -n 's/^name=//p' "$staging/go-live/phase") was cut short: the next go-live puts the release before back first")
fi
if [ -z "$cur" ] && [ -z "$nxt" ]; then
  echo "droplift-state: pending no release is built yet (the app stage builds one)"
  exit 0
fi
[ -z "$nxt" ] || [ "$nxt" = "$cur" ] || todo+=("release $nxt waits to go live")
[ ! -f "$env_file.next" ] || todo+=("a new environment file (stage 8 wrote it) waits to go live with release ${nxt:-$cur}")
# The files are compared by their SHA-256 with the ones droplift would write.
sha_of() { sha256sum "$1" 2>/dev/null | cut -d ' ' -f 1; }
[ "$(sha_of "$ini")" = "$ini_sha" ] || todo+=("$ini is not the one droplift writes yet")
[ "$(sha_of "/etc/systemd/system/$unit.service")" = "$unit_sha" ] ||
  todo+=("/etc/systemd/system/$unit.service is not the one droplift writes yet")
systemctl is-enabled --quiet "$unit" 2>/dev/null || todo+=("$unit does not start at boot yet")
systemctl is-active --quiet "$unit" 2>/dev/null || todo+=("$unit is not running")
if [ -n "$cur" ] && [ "$(mark_get "$cur" status)" != good ]; then
  todo+=("release $cur has not passed the smoke test")
fi
said=""
if [ "${#todo[@]}" -eq 0 ] && ! said=$(smoke_test); then
  todo+=("GET $health through nginx answers $said")
fi
if [ "${#todo[@]}" -eq 0 ]; then
  echo "GET $health: $said"
  echo "droplift-state: done $unit serves release $cur; GET $health answers $(smoke_wanted)"
else
  printf 'to do: %s\n' "${todo[@]}"
  echo "droplift-state: pending ${todo[0]}"
fi
