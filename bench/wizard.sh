#!/usr/bin/env bash
# The wizard as a student uses it, against the plain script, in the same run: droplift runs in
# tmux at 80x24 and gets its keys typed with pauses (PAUSE seconds, default 20, for reading each
# stage's text and filling its form, 5 s for reading each preview), from the connect form to
# the API answering GET /items from this computer; on a second fresh droplet of the same OS the
# plain script (bench/plain_course.sh, as bench/course.sh sends it) runs over one OpenSSH
# connection. Prints both wall times and their ratio; the wizard's downloads run while the
# student reads and types, and (MODE=ahead, the default) each stage applies while the student
# answers the next one (`n`); MODE=wait watches each stage to the end first. Needs root and
# tmux. Usage: [MODE=ahead|wait] bench/wizard.sh [PAUSE] [OS]
set -euo pipefail
cd "$(dirname "$0")/.."
pause=${1:-20}
os=${2:-debian-12}
mode=${MODE:-ahead}
cargo build --release --quiet
bin=$PWD/target/release/droplift
work=$(mktemp -d)
session="dlw$$"
names=()
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  # up runs in a process substitution (a subshell), so the wizard's droplet is named here too.
  for n in "${names[@]}" "${name:-}"; do [ -z "$n" ] || "$bin" practice down "$n" >/dev/null 2>&1 || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
# Always named: the practice droplet's default system is Ubuntu 24.04 now.
os_args=(--os "$os")
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }

up() { # boots droplet $1; prints "address root_password"
  "$bin" practice up "${os_args[@]}" "$1" > "$work/up-$1.txt"
  names+=("$1")
  echo "$(grep -o '10\.213\.[0-9]*\.2' "$work/up-$1.txt" | head -n 1) $(awk '/root password:/ { print $NF; exit }' "$work/up-$1.txt")"
}

# (a) the plain script: bench/course.sh knows how to send it; run it alone with one run.
plain=$(KEEP='' bash bench/course.sh 1 "$os" 2>/dev/null | awk '/^run 1:/ { print $5 }') || true
[ -n "$plain" ] || { echo "the plain script's run failed (bench/course.sh 1 $os)" >&2; exit 1; }

# (b) the wizard, with a home of its own (after the plain run: its cargo needs the real HOME).
export HOME=$work DROPLIFT_DATA_DIR=$work/data
unset SSH_AUTH_SOCK
name="bw$$"; name=${name:0:11}
read -r address root_pw < <(up "$name")
tmux new-session -d -s "$session" -x 80 -y 24 \
  "env HOME='$HOME' DROPLIFT_DATA_DIR='$DROPLIFT_DATA_DIR' TERM=xterm-256color '$bin'; sleep 600"
sleep 1
log() { cat "$DROPLIFT_DATA_DIR"/logs/droplift-*.log 2>/dev/null || true; }
screen() { tmux capture-pane -p -t "$session"; }
keys() { tmux send-keys -t "$session" "$@"; }
text() { tmux send-keys -t "$session" -l "$1"; }
wait_for() { # $1 what, $2 a command that succeeds when it is there; at most 15 minutes
  local start; start=$(now)
  until eval "$2"; do
    if [ "$(since "$start" | cut -d. -f1)" -ge 900 ]; then
      echo "timed out waiting for $1; screen:" >&2; screen >&2; log | tail -n 30 >&2; exit 1
    fi
    if log | grep -q '^\[fail\]'; then echo "the wizard failed ($1):" >&2; log | grep '^\[fail\]' >&2; screen >&2; exit 1; fi
    sleep 0.5
  done
}
count() { log | grep -c -- "$1" || true; }
# Reaches stage $1's form: after `n` the wizard is there already; a stage that ended first
# (or one found done) says "Enter: on to the next stage".
to_stage() {
  local waited=0
  until screen | grep -q "Stage $1 of 10 ·"; do
    # One Enter, then time for the screen to change (a second one would confirm the form).
    if [ "$waited" -le 0 ] && screen | grep -q 'Enter: on to the next stage'; then keys Enter; waited=10; fi
    waited=$((waited - 1))
    sleep 0.2
  done
}
# Stage $1 ($2 its title): reads the text and fills the form ($@ after those: every field, ""
# keeps a default; Tab between them, so Enter lands on the last field, where it confirms), waits
# for the preview, reads it, applies. With MODE=ahead (the default) the student then presses `n`
# and answers the next stage while this one runs; with MODE=wait they watch it to the end.
stage() {
  local number=$1 title=$2; shift 2
  local todo; todo=$(count '^\[info\] To do:')
  to_stage "$number"
  sleep "$pause"
  local first=1
  for field in "$@"; do
    [ "$first" = 1 ] || keys Tab
    first=0
    [ -z "$field" ] || text "$field"
  done
  keys Enter
  wait_for "the preview of $title" "[ \$(count '^\[info\] To do:') -gt $todo ] || [ \$(count '^\[ok\] $title: done') -gt 0 ]"
  if [ "$(count "^\[ok\] $title: done")" -eq 0 ]; then
    sleep 5
    if [ "$title" = "nginx site" ]; then keys C-s; else keys Enter; fi
    if [ "$mode" = ahead ]; then
      keys n
      echo "  $title applying from $(since "$t0") s"
      return
    fi
    wait_for "$title" "[ \$(count '^\[ok\] $title: done') -gt 0 ]"
  fi
  echo "  $title done at $(since "$t0") s"
}

# The first screen asks where the droplet is: "I have a droplet" is chosen already.
wait_for "the first choice" "screen | grep -q 'Where is your droplet?'"
keys Enter
wait_for "the connect form" "screen | grep -q 'Host'"
sleep "$pause"
text "$address"; keys Tab Tab; text "$root_pw"
t0=$(now)
keys Enter
( until curl -fsS --max-time 2 "http://$address/items" >/dev/null 2>&1; do sleep 0.5; done; since "$t0" > "$work/api_at" ) &
wait_for "the host key question" "screen | grep -q 'Is this really your droplet'"
keys y
wait_for "the password change" "screen | grep -q 'Choose a new root password'"
sleep 5
text "wizard root pw 3"; keys Tab; text "wizard root pw 3"; keys Enter
wait_for "the check of every stage" "log | grep -q 'On this server: '"
echo "  logged in and checked at $(since "$t0") s"
log | grep -m 1 'Fetching in the background' | sed 's/^/  log: /' || true
stage 2 "Update system"
stage 3 "New sudo user" erin "wizard user pw 1" "wizard user pw 1"
stage 4 "SSH key & hardening" "" "" ""
stage 5 "PostgreSQL" "" items-db "wizard db pw 2" "wizard db pw 2"
stage 6 "Firewall" ""
stage 7 "nginx site" "" "" ""
stage 8 "The app" "" "" ""
stage 9 "uWSGI service"
wait_for "the API" "[ -s '$work/api_at' ]"
wizard=$(cat "$work/api_at")
echo
echo "OS $os, pause $pause s per form, $mode: plain script ${plain} s; wizard, first login to GET /items answering: ${wizard} s"
awk -v a="$wizard" -v b="$plain" 'BEGIN { printf "ratio wizard / plain: %.2f (load %s)\n", a / b, "'"$(cut -d ' ' -f 1-3 /proc/loadavg)"'" }'
