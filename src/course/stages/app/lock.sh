# One droplift run at a time per site (docs/design.md): held by the SSH connection the run came
# in on, so a run that dies frees it; a second run waits, saying who holds it, takes over an idle
# holder (whose next step then stops), and gives up after lock_wait seconds.
: "${staging:?}"
set -euo pipefail
lock_wait=${lock_wait:-240}
lock_idle=${lock_idle:-90}

# Each step locks: bash does the work here, not programs (1-2 ms each).

# Field $2 of /proc/$1/stat after the name (2: parent, 20: start time) in $field.
proc_field() {
  local l="" f
  field=""
  { read -r l < "/proc/$1/stat"; } 2>/dev/null || return 0
  read -r -a f <<< "${l##*) }"
  field=${f[$2 - 1]-}
}

# In $connection: the sshd of this run's connection (the first above it), else this script.
connection_pid() {
  local pid=$$ comm
  connection=$$
  while [ "${pid:-0}" -gt 1 ]; do
    { read -r comm < "/proc/$pid/comm"; } 2>/dev/null || break
    case "$comm" in
      sshd | sshd-session)
        connection=$pid
        return 0
        ;;
    esac
    proc_field "$pid" 2
    pid=$field
  done
}

# Takes the site's lock for this run (at once when it holds it already), or waits; fails with
# the reason when the lock was taken from this run or the wait is over.
site_lock() {
  local id waited=0 idle=0 hpid hstart hsince hwho rest holder alive
  connection_pid
  proc_field "$connection" 20
  id="$connection $field"
  [ -d "$staging" ] || install -d -m 700 "$staging"
  exec 8>> "$staging/lock.flock" 9>> "$staging/step.flock"
  while :; do
    flock 8
    if grep -qxF "$id" "$staging/lock.lost" 2>/dev/null; then
      flock -u 8
      echo "another droplift run took this site over while yours waited between steps: nothing more is changed by this one; run it again" >&2
      exit 1
    fi
    hpid="" hstart="" hsince=0 hwho=""
    if [ -f "$staging/lock" ]; then read -r hpid hstart hsince hwho rest < "$staging/lock" || true; fi
    holder="another droplift run (${hwho:-someone}'s, since $(TZ=UTC printf '%(%H:%M:%S)T' "${hsince:-0}") UTC)"
    alive=""
    [ -z "$hpid" ] || { proc_field "$hpid" 20; alive=$field; }
    if systemctl is-active --quiet "droplift-go-live-${staging##*/}" 2>/dev/null; then
      # A go-live runs by itself, whoever started it: nobody else changes the site meanwhile.
      flock -u 8
      holder="a go-live (it runs on the server by itself)"
    elif [ "$hpid $hstart" = "$id" ] || [ -z "$hpid" ] || [ "$alive" != "$hstart" ]; then
      # Free, ours, or its connection is gone. A step of ours never overlaps another of ours.
      flock 9
      if [ "$hpid $hstart" != "$id" ]; then
        printf '%s %(%s)T %s\n' "$id" -1 "${SUDO_USER:-$(id -un)}" > "$staging/lock.new"
        mv -f "$staging/lock.new" "$staging/lock"
      fi
      flock -u 8
      return 0
    elif flock -n 9; then
      # Its connection is there, but it runs no step now.
      idle=$((idle + 1))
      if [ "$idle" -ge "$lock_idle" ]; then
        echo "$hpid $hstart" >> "$staging/lock.lost"
        printf '%s %(%s)T %s\n' "$id" -1 "${SUDO_USER:-$(id -un)}" > "$staging/lock.new"
        mv -f "$staging/lock.new" "$staging/lock"
        flock -u 8
        echo "took the site over from ${hwho:-another}'s droplift run, which has changed nothing for ${idle} s (its connection may be lost)"
        return 0
      fi
      flock -u 9
      flock -u 8
    else
      idle=0
      flock -u 8
    fi
    if [ "$waited" -ge "$lock_wait" ]; then
      echo "$holder is still changing this site after ${waited} s: nothing was changed; run this again when it is done" >&2
      exit 1
    fi
    if [ $((waited % 15)) -eq 0 ]; then
      echo "$holder is changing this site: waiting for it to end (${waited} s so far)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

# Gives the site's lock back when this run holds it.
site_unlock() {
  local hpid hstart rest
  [ -f "$staging/lock" ] || return 0
  connection_pid
  proc_field "$connection" 20
  exec 8>> "$staging/lock.flock"
  flock 8
  read -r hpid hstart rest < "$staging/lock" || true
  if [ "$hpid $hstart" = "$connection $field" ]; then rm -f "$staging/lock"; fi
  flock -u 8
}
