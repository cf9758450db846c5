# Makes a release the one serving. `current` is switched to it (a new link renamed over the old:
# atomic), the staged uwsgi.ini and unit (if any) must pass systemd-analyze verify before they
# are installed, the environment file prepared for the release replaces the live one (which is
# kept as app.env.old), the service restarts, and GET /items through nginx must answer 200 with
# JSON. If any of that fails, the previous release serves again with the files it had, and a
# new release is marked failed: it never stays current. Everything root changes here is root's
# own (/etc, root's folder for the site); the `current` link is made by the site's user.
: "${base:?}" "${staging:?}" "${unit:?}" "${target:?}" "${ini:?}" "${env_file:?}"
set -euo pipefail
site_lock
trap site_unlock EXIT
if ! name=$(resolve_target "$target"); then
  echo "$name" >&2
  exit 1
fi
old=$(link_target current)
was=$(mark_get "$name" status)
unit_file="/etc/systemd/system/$unit.service"
backup="$staging/before"
rm -rf -- "$backup"
install -d -m 700 "$backup"
trap 'rm -rf -- "$backup"; site_unlock' EXIT
[ ! -e "$ini" ] || cp -a "$ini" "$backup/uwsgi.ini"
[ ! -e "$unit_file" ] || cp -a "$unit_file" "$backup/unit"
[ ! -e "$env_file" ] || cp -a "$env_file" "$backup/app.env"

# Puts back the files and the release that served before.
undo() {
  if [ -e "$backup/uwsgi.ini" ]; then cp -a "$backup/uwsgi.ini" "$ini"; else rm -f "$ini"; fi
  if [ -e "$backup/unit" ]; then cp -a "$backup/unit" "$unit_file"; else rm -f "$unit_file"; fi
  if [ -e "$backup/app.env" ]; then cp -a "$backup/app.env" "$env_file"; else rm -f "$env_file"; fi
  systemctl daemon-reload
  if [ "$was" = built ]; then mark_set "$name" status failed; fi
  if [ "$(link_target next)" = "$name" ]; then
    drop_link next
    rm -f "$env_file.next"
  fi
  if [ -n "$old" ]; then
    switch_link current "$old"
    systemctl restart "$unit" 2>/dev/null || true
    if said=$(smoke_wait 20); then
      echo "release $old serves again"
    else
      echo "release $old does not answer either: $said"
    fi
  else
    drop_link current
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
    echo "nothing serves: this was the first release"
  fi
}

# Says why ($1; $2: what GET /items answered), puts everything back, and stops.
fail() {
  echo "$1" >&2
  diagnose
  local short
  short=$(summary "${2:-not asked: the service did not start}")
  undo
  echo "$short" >&2
  if [ "$was" = built ]; then
    echo "release $name is marked failed; current is ${old:-unset}" >&2
  else
    echo "release $name did not pass; current is ${old:-unset}" >&2
  fi
  exit 1
}

echo "release $name goes live${old:+ (serving until now: $old)}"
switch_link current "$name"
if [ -e "$staging/$unit.service" ] && [ -e "$staging/uwsgi.ini" ]; then
  # verify reads the unit where it is; the copy has the real name, so it is judged as installed.
  if ! out=$(systemd-analyze verify "$staging/$unit.service" 2>&1); then
    echo "$out" >&2
    fail "systemd-analyze verify found a problem in the unit (above); it was not installed"
  fi
  [ -z "$out" ] || echo "$out"
  echo "systemd-analyze verify: the unit is valid"
  install -d -m 755 "$(dirname "$ini")"
  install -m 644 "$staging/uwsgi.ini" "$ini.new"
  mv -f "$ini.new" "$ini"
  install -m 644 "$staging/$unit.service" "/etc/systemd/system/.$unit.service.new"
  mv -f "/etc/systemd/system/.$unit.service.new" "$unit_file"
  systemctl daemon-reload
  systemctl enable --quiet "$unit"
  echo "installed $ini and $unit_file; $unit starts at boot"
fi
if [ "$(link_target next)" = "$name" ] && [ -f "$env_file.next" ]; then
  mv -f "$env_file.next" "$env_file"
  echo "the environment file prepared for release $name is live: $env_file"
fi
if ! systemctl restart "$unit"; then
  fail "$unit did not start"
fi
if ! said=$(smoke_wait 20); then
  fail "$unit runs, but GET /items through nginx does not answer 200 with JSON" "$said"
fi
mark_set "$name" status good
if [ "$(link_target next)" = "$name" ]; then drop_link next; fi
rm -f "$staging/uwsgi.ini" "$staging/$unit.service"
if [ -e "$backup/app.env" ] && ! cmp -s "$backup/app.env" "$env_file"; then
  cp -a "$backup/app.env" "$env_file.old"
  echo "the environment file before is kept as $env_file.old"
fi
# The files droplift kept in the site's folder before it kept them in root's places go, once
# the unit installed reads root's.
if grep -qxF "EnvironmentFile=$env_file" "$unit_file" 2>/dev/null; then
  as_owner rm -f -- "$base/app.env" "$base/uwsgi.ini"
fi
echo "GET /items through nginx: $said"
echo "release $name is live and marked good"
