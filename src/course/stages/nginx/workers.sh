# Shared by the steps that reload nginx: a reload returns before nginx's new workers take over,
# so the check that follows waits until none of the old workers is left.
set -euo pipefail

# The workers of nginx's master now, as "PID PID …" (nothing when nginx does not run).
nginx_workers() {
  local master
  master=$(cat /run/nginx.pid 2>/dev/null || true)
  [ -n "$master" ] || return 0
  cat "/proc/$master/task/$master/children" 2>/dev/null || true
}

# Waits (5 s at most) until none of the workers $1 ("PID PID …", from nginx_workers before the
# reload) is still among the master's children.
wait_old_workers() {
  local now pid left
  [ -n "$1" ] || return 0
  for _ in $(seq 50); do
    now=" $(nginx_workers) "
    left=no
    for pid in $1; do
      case "$now" in *" $pid "*) left=yes ;; esac
    done
    [ "$left" = no ] && return 0
    sleep 0.1
  done
}
