# A release goes live in the other slot, asked on its own socket before nginx's socket name moves
# to it; a failure puts the old slot back; a rerun finishes or undoes one killed (docs/design.md).
: "${base:?}" "${staging:?}" "${unit:?}" "${target:?}" "${ini:?}" "${env_file:?}"
: "${u:?}" "${releases:?}" "${server_name:?}" "${health:?}" "${health_json:?}"
set -euo pipefail
state="$staging/go-live"
backup="$state/before"
unit_file="/etc/systemd/system/$unit@.service"
golive="droplift-go-live-${staging##*/}"

# Records the phase $1 (planned, started, switched, passed) and what it is about.
phase() {
  at=$1
  printf 'phase=%s\nname=%s\nold=%s\nwas=%s\nslot=%s\nfrom=%s\n' \
    "$at" "$name" "$old" "$was" "$slot" "$from" > "$state/phase.new"
  mv -f "$state/phase.new" "$state/phase"
}

# Puts file $1 back as it was (kept in $backup as $2).
put_back() {
  if [ -e "$backup/$2" ]; then cp -a "$backup/$2" "$1"; else rm -f "$1"; fi
}

# nginx's socket name back at the old slot, the new one stopped, the files and release put back.
undo() {
  if [ -n "$from" ]; then
    systemctl start "$(slot_unit "$from")" 2>/dev/null || true
    if [ "$at" = switched ] || [ "$at" = passed ]; then
      point_socket "$from" 2>/dev/null || echo "nginx's socket name could not be pointed back at $(slot_unit "$from")" >&2
    fi
    [ "$from" != legacy ] || as_owner rm -f -- "$base/$(slot_socket legacy)"
  else
    as_owner rm -f -- "$base/socket.sock"
  fi
  systemctl disable --quiet --no-reload --now "$(slot_unit "$slot")" 2>/dev/null || true
  # Stopped while it started, it may read "failed": it is simply stopped.
  systemctl reset-failed "$(slot_unit "$slot")" 2>/dev/null || true
  put_back "$(slot_ini "$slot")" slot.ini
  put_back "$(slot_env "$slot")" slot.env
  put_back "$unit_file" unit
  put_back "$env_file" app.env
  systemctl daemon-reload
  if [ "$was" = built ]; then mark_set "$name" status failed; fi
  if [ "$(link_target next)" = "$name" ]; then
    drop_link next
    rm -f "$env_file.next" "$staging/uwsgi.ini" "$staging/$unit@.service"
  fi
  if [ -n "$old" ]; then
    switch_link current "$old"
    if said=$(smoke_wait 20); then
      echo "release $old serves again (it never stopped: $(slot_unit "$from"))"
    else
      echo "release $old does not answer either: $said"
    fi
  else
    drop_link current
    echo "nothing serves: this was the first release"
  fi
  rm -rf -- "$state"
}

# Says why ($1; $2: what GET $health answered), puts everything back, and stops.
fail() {
  trap - EXIT TERM INT HUP
  rm -f "$env_file.restart"
  echo "$1" >&2
  diagnose "$(slot_unit "$slot")"
  local short
  short=$(summary "${2:-not asked: the service did not start}" "$(slot_unit "$slot")" "${3-}" "${log_since-}")
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

# The release passed: marked good, its slot serves and starts at boot, the old one drains.
finish() {
  mark_set "$name" status good
  install -d -m 700 "$staging/inis"
  cp "$(slot_ini "$slot")" "$staging/inis/$name"
  install -T -m 644 "$(slot_ini "$slot")" "$ini.new"
  mv -f "$ini.new" "$ini"
  printf '%s\n' "$slot" > "$staging/.slot.new"
  mv -f "$staging/.slot.new" "$staging/slot"
  # Links read at boot: no reload needed.
  systemctl enable --quiet --no-reload "$(slot_unit "$slot")"
  if [ -n "$from" ] && [ "$from" != "$slot" ]; then
    drain_slot "$from" 20
    if [ "$from" = legacy ]; then
      systemctl disable --quiet --now "$unit" 2>/dev/null || true
      rm -f "/etc/systemd/system/$unit.service"
      systemctl daemon-reload
      as_owner rm -f -- "$base/$(slot_socket legacy)"
      echo "the one unit of before, $unit, answered its last requests and is gone: releases go live in two slots from now on"
    else
      # Its stop waits for uWSGI's graceful end (about a second, nothing left to answer): it
      # goes on by itself after the go-live, which has nothing more to wait for.
      systemctl disable --quiet --no-reload "$(slot_unit "$from")" 2>/dev/null || true
      systemctl stop --no-block "$(slot_unit "$from")" 2>/dev/null || true
      echo "$(slot_unit "$from") answered its last requests and stops"
    fi
  fi
  if [ "$(link_target next)" = "$name" ]; then drop_link next; fi
  rm -f "$staging/uwsgi.ini" "$staging/$unit@.service"
  if [ -e "$backup/app.env" ] && ! cmp -s "$backup/app.env" "$env_file"; then
    cp -a "$backup/app.env" "$env_file.old"
    echo "the environment file before is kept as $env_file.old"
  fi
  # Files of an older droplift in the site's folder go.
  if grep -qxF "EnvironmentFile=$env_file" "$unit_file" 2>/dev/null; then
    as_owner rm -f -- "$base/app.env" "$base/uwsgi.ini"
  fi
  rm -rf -- "$state"
}

# A go-live cut short (its phase file stays): finished once passed, else undone.
recover() {
  [ -f "$state/phase" ] || return 0
  at=$(sed -n 's/^phase=//p' "$state/phase")
  name=$(sed -n 's/^name=//p' "$state/phase")
  old=$(sed -n 's/^old=//p' "$state/phase")
  was=$(sed -n 's/^was=//p' "$state/phase")
  slot=$(sed -n 's/^slot=//p' "$state/phase")
  from=$(sed -n 's/^from=//p' "$state/phase")
  if [ "$at" = passed ]; then
    echo "a go-live of release $name was cut short after it passed: it is finished now"
    finish
  else
    echo "a go-live of release $name was cut short (at: $at): the release before, ${old:-none}, is put back first"
    undo
  fi
}

# The uwsgi.ini for release $name: `next`'s is staged; a rollback's is the one it served with,
# or one from before the slots made a slot's (the staged one with its module line).
release_ini() {
  local kept="$staging/inis/$name" module line
  if [ "$(link_target next)" = "$name" ] && [ -e "$staging/uwsgi.ini" ]; then
    cat "$staging/uwsgi.ini"
  elif [ -f "$kept" ] && grep -qF 'DROPLIFT_SLOT' "$kept"; then
    cat "$kept"
  elif [ -f "$kept" ] && [ -e "$staging/uwsgi.ini" ] && module=$(grep -m 1 '^module = ' "$kept"); then
    while IFS= read -r line; do
      if [[ $line == "module = "* ]]; then echo "$module"; else printf '%s\n' "$line"; fi
    done < "$staging/uwsgi.ini"
  elif [ -e "$staging/uwsgi.ini" ]; then
    cat "$staging/uwsgi.ini"
  else
    echo "there is no uwsgi.ini for release $name: droplift stages one first (stage 9, or rollback)" >&2
    return 1
  fi
}

# The go-live itself, in its own unit.
go_live_detached() {
  set -euo pipefail
  trap 'fail "the go-live was stopped by a signal: everything is put back" "not asked: the go-live was stopped first"' TERM INT HUP
  trap 'fail "a step of the go-live failed (above): everything is put back" "not asked: a step before it failed"' EXIT
  local new_unit out
  log_since=$(printf '%(%Y/%m/%d %H:%M:%S)T' -1)
  new_unit=$(slot_unit "$slot")
  echo "release $name goes live in $new_unit${old:+ (serving until now: $old, in $(slot_unit "$from"))}"
  phase started
  if [ -e "$staging/$unit@.service" ]; then
    cp "$staging/$unit@.service" "$state/$unit@.service"
  elif [ -e "$unit_file" ]; then
    cp "$unit_file" "$state/$unit@.service"
  else
    fail "the unit for the two slots ($unit_file) is neither installed nor staged: stage 9 stages it"
  fi
  if ! cmp -s "$state/$unit@.service" "$unit_file"; then
    # verify judges the copy by its name, the real one.
    if ! out=$(systemd-analyze verify "$state/$unit@.service" 2>&1); then
      echo "$out" >&2
      fail "systemd-analyze verify found a problem in the unit (above); it was not installed"
    fi
    [ -z "$out" ] || echo "$out"
    echo "systemd-analyze verify: the unit is valid"
    install -T -m 644 "$state/$unit@.service" "/etc/systemd/system/.$unit@.service.new"
    mv -f "/etc/systemd/system/.$unit@.service.new" "$unit_file"
    systemctl daemon-reload
    echo "installed $unit_file"
  fi
  install -d -m 755 "${ini%/*}"
  release_ini > "$state/slot.ini"
  if [ -f "$staging/inis/$name" ] && [ "$(link_target next)" != "$name" ] && ! cmp -s "$state/slot.ini" "$ini"; then
    echo "uwsgi.ini is back as release $name served with it (module $(sed -n 's/^module = //p' "$state/slot.ini"))"
  fi
  install -T -m 644 "$state/slot.ini" "$(slot_ini "$slot").new"
  mv -f "$(slot_ini "$slot").new" "$(slot_ini "$slot")"
  printf 'DROPLIFT_RELEASE=%s\n' "$name" > "$(slot_env "$slot").new"
  chmod 644 "$(slot_env "$slot").new"
  mv -f "$(slot_env "$slot").new" "$(slot_env "$slot")"
  if [ "$(link_target next)" = "$name" ] && [ -f "$env_file.next" ]; then
    mv -f "$env_file.next" "$env_file"
    echo "the environment file prepared for release $name is live: $env_file"
  elif [ "$target" = restart ] && [ -f "$env_file.restart" ]; then
    mv -f "$env_file.restart" "$env_file"
    echo "the environment file of droplift env is live"
  fi
  # Not serving: a restart drops nothing (no "changed on disk": enable's --no-reload, harmless).
  if ! systemctl restart "$new_unit" 2> >(grep -v 'changed on disk' >&2); then
    fail "$new_unit did not start"
  fi
  if ! said=$(smoke_wait 20 "$base/check-$slot.sock"); then
    fail "$new_unit runs, but GET $health on its own socket does not answer $(smoke_wanted); nginx never sent it a request" "$said" "on its own socket"
  fi
  echo "GET $health on $new_unit's own socket, before nginx sends it anything: $said"
  phase switched
  point_socket "$slot"
  switch_link current "$name"
  echo "nginx's socket name ($base/socket.sock) points at $(slot_socket "$slot"): new requests go to release $name"
  if ! said=$(smoke_wait 20); then
    fail "$new_unit runs, but GET $health through nginx does not answer $(smoke_wanted)" "$said"
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
at=""
recover
if ! name=$(resolve_target "$target"); then
  echo "$name" >&2
  exit 1
fi
[ "$target" = restart ] || rm -f "$env_file.restart"
old=$(link_target current)
was=$(mark_get "$name" status)
from=$(serving_slot)
slot=$(other_slot "$from")
rm -rf -- "$state"
install -d -m 700 "$state" "$backup"
[ ! -e "$(slot_ini "$slot")" ] || cp -a "$(slot_ini "$slot")" "$backup/slot.ini"
[ ! -e "$(slot_env "$slot")" ] || cp -a "$(slot_env "$slot")" "$backup/slot.env"
[ ! -e "$unit_file" ] || cp -a "$unit_file" "$backup/unit"
[ ! -e "$env_file" ] || cp -a "$env_file" "$backup/app.env"
if [ "$from" = legacy ]; then
  # The one unit of before listens on socket.sock itself: a second name to point back to.
  as_owner ln -f -- "$base/socket.sock" "$base/$(slot_socket legacy)"
fi
phase planned
{
  # shellcheck disable=SC2154 # marks and running_as are set by lib.sh, etc_dir by slots.sh
  declare -p base staging unit target ini env_file u releases server_name health health_json \
    marks etc_dir state backup unit_file golive name old was slot from at running_as
  declare -f
  echo go_live_detached
} > "$staging/go-live.sh"
: > "$staging/go-live.out"
: > "$staging/go-live.err"
rm -f "$staging/go-live.result"
for i in $(seq 150); do
  systemctl reset-failed "$golive" >/dev/null 2>&1 || true
  [ "$(systemctl show -p LoadState --value "$golive" 2>/dev/null)" = loaded ] || break
  [ "$i" != 150 ] || systemctl status "$golive" --no-pager --lines 0 >&2 || true
  sleep 0.2
done
systemd-run --unit "$golive" --description "droplift: release $name goes live" --quiet \
  --collect --service-type=exec -p StandardOutput="append:$staging/go-live.out" \
  -p StandardError="append:$staging/go-live.err" -p TimeoutStopSec=120 /bin/bash "$staging/go-live.sh"
declare -A seen=([out]=0 [err]=0)
while :; do
  case "$(systemctl show -p ActiveState --value "$golive" 2>/dev/null)" in
    active | activating | deactivating | reloading) running=yes ;;
    *) running=no ;;
  esac
  for f in out err; do
    size=$(stat -c %s "$staging/go-live.$f")
    if [ "$size" -gt "${seen[$f]}" ]; then
      fd=1
      [ "$f" = out ] || fd=2
      # head then tail: no end of the pipe closes early (SIGPIPE under pipefail).
      head -c "$size" "$staging/go-live.$f" | tail -c +"$((seen[$f] + 1))" >&"$fd"
      seen[$f]=$size
    fi
  done
  [ "$running" = yes ] || break
  sleep 0.05
done
# A phase file left: the go-live was killed outright.
if [ -f "$state/phase" ]; then
  if [ "$(sed -n 's/^phase=//p' "$state/phase")" = passed ]; then
    echo "the go-live stopped while it was finishing: it is finished now"
    recover
    echo "release $name is live and marked good"
    exit 0
  fi
  echo "the go-live stopped before its end, without putting things back: that is done now" >&2
  recover >&2
  exit 1
fi
[ "$(cat "$staging/go-live.result" 2>/dev/null)" = passed ]
