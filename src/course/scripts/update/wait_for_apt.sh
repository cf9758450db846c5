# Waits while another program holds the dpkg lock, saying who and for how long. The holder is
# found in /proc/locks by the lock file's inode, so no extra tool is needed.
set -euo pipefail
waited=0
while :; do
  holder=""
  for lock in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock; do
    [ -e "$lock" ] || continue
    inode=$(stat -c %i "$lock")
    holder=$(awk -v ino="$inode" '{ n = split($6, a, ":"); if (a[n] == ino) { print $5; exit } }' /proc/locks)
    [ -n "$holder" ] && break
  done
  [ -z "$holder" ] && break
  name=$(cat "/proc/$holder/comm" 2>/dev/null || echo "another program")
  echo "waiting for apt: $name, pid $holder, $waited s"
  if [ "$waited" -ge 900 ]; then
    echo "apt has been busy for 15 minutes; try again later or reboot the droplet" >&2
    exit 1
  fi
  sleep 5
  waited=$((waited + 5))
done
echo "apt is free"
