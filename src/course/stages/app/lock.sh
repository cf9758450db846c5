# One droplift run at a time per site (docs/design.md): held by the SSH connection the run came
# in on, so a run that dies frees it; a second run waits, saying who holds it, takes over an idle
# holder (whose next step then stops), and gives up after lock_wait seconds.
: "${staging:?}"
set -euo pipefail
lock_wait=${lock_wait:-240}
lock_idle=${lock_idle:-90}

# Field $2 of /proc/$1/stat after the command's name (1: state, 2: parent, 20: start time).
proc_field() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d ' ' -f "$2"; }

# The sshd process of the connection this script came in on (the first sshd above it), else
# this script itself.
connection_pid() {
  local pid=$$ comm
  while [ "${pid:-0}" -gt 1 ]; do
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || break
    case "$comm" in
      sshd | sshd-session)
        echo "$pid"
        return 0
        ;;
    esac
    pid=$(proc_field "$pid" 2)
  done
  echo "$$"
}

# Takes the site's lock for this run (at once when it holds it already), or waits; fails with
# the reason when the lock was taken from this run or the wait is over.
site_lock() {
  local me id waited=0 idle=0 hpid hstart hsince hwho rest holder
  me=$(connection_pid)
  id="$me $(proc_field "$me" 20)"
  install -d -m 700 "$staging"
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
    holder="another droplift run (${hwho:-someone}'s, since $(date -u -d "@${hsince:-0}" +%H:%M:%S) UTC)"
    if systemctl is-active --quiet "droplift-go-live-$(basename "$staging")" 2>/dev/null; then
      # A go-live runs by itself, whoever started it: nobody else changes the site meanwhile.
      flock -u 8
      holder="a go-live (it runs on the server by itself)"
    elif [ "$hpid $hstart" = "$id" ] || [ -z "$hpid" ] || [ "$(proc_field "$hpid" 20)" != "$hstart" ]; then
      # Free, ours, or its connection is gone. A step of ours never overlaps another of ours.
      flock 9
      if [ "$hpid $hstart" != "$id" ]; then
        printf '%s %s %s\n' "$id" "$(date +%s)" "${SUDO_USER:-$(id -un)}" > "$staging/lock.new"
        mv -f "$staging/lock.new" "$staging/lock"
      fi
      flock -u 8
      return 0
    elif flock -n 9; then
      # Its connection is there, but it runs no step now.
      idle=$((idle + 1))
      if [ "$idle" -ge "$lock_idle" ]; then
        echo "$hpid $hstart" >> "$staging/lock.lost"
        printf '%s %s %s\n' "$id" "$(date +%s)" "${SUDO_USER:-$(id -un)}" > "$staging/lock.new"
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
  local me hpid hstart rest
  me=$(connection_pid)
  [ -f "$staging/lock" ] || return 0
  exec 8>> "$staging/lock.flock"
  flock 8
  read -r hpid hstart rest < "$staging/lock" || true
  if [ "$hpid $hstart" = "$me $(proc_field "$me" 20)" ]; then rm -f "$staging/lock"; fi
  flock -u 8
}
