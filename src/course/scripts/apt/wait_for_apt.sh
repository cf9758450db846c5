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
  # Every 20 s is enough to show it is alive; unattended-upgr is the droplet's own updater.
  if [ $((waited % 20)) -eq 0 ]; then
    case "$name" in
      unattended-upgr*) what="The droplet is installing its own security updates (2–10 minutes on a new one)." ;;
      *) what="Another program ($name, pid $holder) is using apt." ;;
    esac
    echo "waiting for apt: $what droplift waits; $waited s so far."
  fi
  if [ "$waited" -ge 900 ]; then
    echo "apt is still busy after 15 minutes ($name, pid $holder). Don't restart the droplet while it installs: wait a few minutes, then press Enter to try again." >&2
    exit 1
  fi
  sleep 5
  waited=$((waited + 5))
done
echo "apt is free"
