# Makes a release the one serving. `current` is switched to it (a new link renamed over the old:
# atomic), the staged uwsgi.ini and unit (if any) must pass systemd-analyze verify before they
# are installed, the environment file prepared for the release replaces the live one (which is
# kept as app.env.old), the service restarts, and GET $health (the app's health path) through
# nginx must answer 2xx (the sample app's /items: 200 with JSON). If any of that fails, the
# previous release serves again with the files it had, and a new release is marked failed: it
# never stays current. Everything root changes here is root's own (/etc, root's folder for the
# site); the `current` link is made by the site's user.
#
# The go-live runs on the server by itself, as a systemd unit of its own (droplift-go-live-SITE),
# so a closed laptop, a lost connection or a cancelled step cannot stop it half-way: this script
# starts it and shows what it says. It writes where it is to go-live/phase (in root's folder for
# the site) before each step; a signal or any failed step puts the previous state back. Killed
# outright, it leaves the phase file: this script then undoes it; if this script is gone too (the
# server itself stopped), the next go-live, deploy or rollback finds the file and undoes it
# first.
: "${base:?}" "${staging:?}" "${unit:?}" "${target:?}" "${ini:?}" "${env_file:?}"
: "${u:?}" "${releases:?}" "${server_name:?}" "${health:?}" "${health_json:?}"
set -euo pipefail
state="$staging/go-live"
backup="$state/before"
unit_file="/etc/systemd/system/$unit.service"
golive="droplift-go-live-$(basename "$staging")"

# Records the phase $1 (planned, switched, passed) and what it is about.
phase() {
  printf 'phase=%s\nname=%s\nold=%s\nwas=%s\n' "$1" "$name" "$old" "$was" > "$state/phase.new"
  mv -f "$state/phase.new" "$state/phase"
}

# Puts back the files and the release that served before.
undo() {
  if [ -e "$backup/uwsgi.ini" ]; then cp -a "$backup/uwsgi.ini" "$ini"; else rm -f "$ini"; fi
  if [ -e "$backup/unit" ]; then cp -a "$backup/unit" "$unit_file"; else rm -f "$unit_file"; fi
  if [ -e "$backup/app.env" ]; then cp -a "$backup/app.env" "$env_file"; else rm -f "$env_file"; fi
  systemctl daemon-reload
  if [ "$was" = built ]; then mark_set "$name" status failed; fi
  if [ "$(link_target next)" = "$name" ]; then
    drop_link next
    rm -f "$env_file.next" "$staging/uwsgi.ini" "$staging/$unit.service"
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
  rm -rf -- "$state"
}

# Says why ($1; $2: what GET $health answered), puts everything back, and stops.
fail() {
  trap - EXIT TERM INT HUP
  echo "$1" >&2
  diagnose
  local short
  short=$(summary "${2:-not asked: the service did not start}")
  undo
  echo failed > "$staging/go-live.result"
  echo "$short" >&2
  if [ "$was" = built ]; then
    echo "release $name is marked failed; current is ${old:-unset}" >&2
  else
    echo "release $name did not pass; current is ${old:-unset}" >&2
  fi
  exit 1
}

# The release passed: it is marked good and the go-live's state goes.
finish() {
  mark_set "$name" status good
  install -d -m 700 "$staging/inis"
  cp "$ini" "$staging/inis/$name"
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
  rm -rf -- "$state"
}

# A go-live the server stopped in the middle of (its unit is gone, its phase file stays): a
# release that passed is finished, anything else is undone.
recover() {
  local was_phase
  [ -f "$state/phase" ] || return 0
  was_phase=$(sed -n 's/^phase=//p' "$state/phase")
  name=$(sed -n 's/^name=//p' "$state/phase")
  old=$(sed -n 's/^old=//p' "$state/phase")
  was=$(sed -n 's/^was=//p' "$state/phase")
  if [ "$was_phase" = passed ]; then
    echo "a go-live of release $name was cut short after it passed: it is finished now"
    finish
  else
    echo "a go-live of release $name was cut short (at: $was_phase): the release before, ${old:-none}, is put back first"
    undo
  fi
}

# The go-live itself, in its own unit: name, old and was are set; $backup holds the files.
go_live_detached() {
  set -euo pipefail
  trap 'fail "the go-live was stopped by a signal: everything is put back" "not asked: the go-live was stopped first"' TERM INT HUP
  trap 'fail "a step of the go-live failed (above): everything is put back" "not asked: a step before it failed"' EXIT
  echo "release $name goes live${old:+ (serving until now: $old)}"
  phase switched
  switch_link current "$name"
  # The files stage 9 staged are for the release it makes live (`next`); a rollback to another
  # release goes live with the uwsgi.ini that release served with.
  if [ "$(link_target next)" = "$name" ] && [ -e "$staging/$unit.service" ] && [ -e "$staging/uwsgi.ini" ]; then
    # verify reads the unit where it is; the copy has the real name, so it is judged as installed.
    if ! out=$(systemd-analyze verify "$staging/$unit.service" 2>&1); then
      echo "$out" >&2
      fail "systemd-analyze verify found a problem in the unit (above); it was not installed"
    fi
    [ -z "$out" ] || echo "$out"
    echo "systemd-analyze verify: the unit is valid"
    install -d -m 755 "$(dirname "$ini")"
    install -T -m 644 "$staging/uwsgi.ini" "$ini.new"
    mv -f "$ini.new" "$ini"
    install -T -m 644 "$staging/$unit.service" "/etc/systemd/system/.$unit.service.new"
    mv -f "/etc/systemd/system/.$unit.service.new" "$unit_file"
    systemctl daemon-reload
    systemctl enable --quiet "$unit"
    echo "installed $ini and $unit_file; $unit starts at boot"
  elif [ -f "$staging/inis/$name" ] && ! cmp -s "$staging/inis/$name" "$ini"; then
    # A release goes live with the uwsgi.ini it served with (its entry point may differ).
    install -T -m 644 "$staging/inis/$name" "$ini.new"
    mv -f "$ini.new" "$ini"
    echo "uwsgi.ini is back as release $name served with it (module $(sed -n 's/^module = //p' "$ini"))"
  fi
  if [ "$(link_target next)" = "$name" ] && [ -f "$env_file.next" ]; then
    mv -f "$env_file.next" "$env_file"
    echo "the environment file prepared for release $name is live: $env_file"
  fi
  if ! systemctl restart "$unit"; then
    fail "$unit did not start"
  fi
  if ! said=$(smoke_wait 20); then
    fail "$unit runs, but GET $health through nginx does not answer $(smoke_wanted)" "$said"
  fi
  phase passed
  trap - EXIT TERM INT HUP
  finish
  echo passed > "$staging/go-live.result"
  echo "GET $health through nginx: $said"
  echo "release $name is live and marked good"
}

site_lock
trap site_unlock EXIT
recover
if ! name=$(resolve_target "$target"); then
  echo "$name" >&2
  exit 1
fi
old=$(link_target current)
was=$(mark_get "$name" status)
rm -rf -- "$state"
install -d -m 700 "$state" "$backup"
[ ! -e "$ini" ] || cp -a "$ini" "$backup/uwsgi.ini"
[ ! -e "$unit_file" ] || cp -a "$unit_file" "$backup/unit"
[ ! -e "$env_file" ] || cp -a "$env_file" "$backup/app.env"
phase planned
# The go-live's own script: this one's values and functions, then the go-live.
{
  # shellcheck disable=SC2154 # marks is set by lib.sh
  declare -p base staging unit target ini env_file u releases server_name health health_json \
    marks state backup unit_file golive name old was
  declare -f
  echo go_live_detached
} > "$staging/go-live.sh"
: > "$staging/go-live.out"
: > "$staging/go-live.err"
rm -f "$staging/go-live.result"
# The unit of the go-live before is gone once systemd has collected it (a moment after it ended).
for _ in $(seq 50); do
  systemctl reset-failed "$golive" >/dev/null 2>&1 || true
  [ "$(systemctl show -p LoadState --value "$golive" 2>/dev/null)" = loaded ] || break
  sleep 0.2
done
systemd-run --unit "$golive" --description "droplift: release $name goes live" --quiet \
  --collect --service-type=exec -p StandardOutput="append:$staging/go-live.out" \
  -p StandardError="append:$staging/go-live.err" -p TimeoutStopSec=120 /bin/bash "$staging/go-live.sh"
declare -A at=([out]=0 [err]=0)
while :; do
  case "$(systemctl show -p ActiveState --value "$golive" 2>/dev/null)" in
    active | activating | deactivating | reloading) running=yes ;;
    *) running=no ;;
  esac
  for f in out err; do
    size=$(stat -c %s "$staging/go-live.$f")
    if [ "$size" -gt "${at[$f]}" ]; then
      # What the go-live said since last time: stdout to stdout, stderr to stderr. head reads
      # the file and tail all of head's output: no end of the pipe closes early (SIGPIPE would
      # stop this script under pipefail), however much the go-live wrote meanwhile.
      if [ "$f" = err ]; then
        head -c "$size" "$staging/go-live.$f" | tail -c +"$((at[$f] + 1))" >&2
      else
        head -c "$size" "$staging/go-live.$f" | tail -c +"$((at[$f] + 1))"
      fi
      at[$f]=$size
    fi
  done
  [ "$running" = yes ] || break
  sleep 0.3
done
# The go-live says how it ended. A phase file left means it was stopped before it could put
# things back itself (killed outright): this script does it now.
if [ -f "$state/phase" ]; then
  echo "the go-live stopped before its end, without putting things back: that is done now" >&2
  recover >&2
  exit 1
fi
[ "$(cat "$staging/go-live.result" 2>/dev/null)" = passed ]
