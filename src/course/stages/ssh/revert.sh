#!/bin/bash
# Installed on the server as /var/lib/droplift/sshd/revert.sh (run by the undo timer, the
# rollback, or a second run): puts sshd's settings back as they were before droplift's change,
# makes sshd use them (reload, or restart, or start when it had stopped), and fails loudly unless
# sshd is listening again. "pending" is cleared only when all of that worked.
set -euo pipefail
state=$(cd "$(dirname "$0")" && pwd)
target=$(cat "$state/target")
if [ -e "$state/backup" ]; then cp -a "$state/backup" "$target"; else rm -f "$target"; fi
# sshd -t needs its privilege separation folder, which systemd removes when sshd has stopped.
if [ ! -d /run/sshd ]; then install -d -m 0755 /run/sshd; fi
if ! sshd -t; then
  echo "the restored SSH settings do not pass sshd -t" >&2
  exit 1
fi
unit=""
for candidate in ssh.service sshd.service; do
  if systemctl cat "$candidate" >/dev/null 2>&1; then unit=$candidate; break; fi
done
if [ -n "$unit" ]; then
  systemctl reload-or-restart "$unit" || systemctl start "$unit"
elif ! systemctl is-active --quiet ssh.socket; then
  echo "no SSH service found (ssh or sshd)" >&2
  exit 1
fi
port=$(sshd -T 2>/dev/null | awk '$1 == "port" { print $2; exit }' || true)
for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/${port:-22}") 2>/dev/null; then
    rm -f "$state/pending"
    echo "the old SSH settings are back and sshd is listening on port ${port:-22}"
    exit 0
  fi
  sleep 0.2
done
echo "sshd is not listening on port ${port:-22} after the revert" >&2
exit 1
