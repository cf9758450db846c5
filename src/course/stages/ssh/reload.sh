# Reloads whichever unit runs sshd here (ssh on Debian/Ubuntu, sshd elsewhere; a socket-activated
# sshd reads the new settings at the next connection), then waits until it listens again.
# Refuses to reload unless the automatic undo is armed.
: "${undo_unit:?}"
set -euo pipefail
if ! systemctl is-active --quiet "$undo_unit.timer"; then
  echo "the automatic undo is not armed; sshd is not reloaded" >&2
  exit 1
fi
if systemctl is-active --quiet ssh.service; then systemctl reload ssh.service
elif systemctl is-active --quiet sshd.service; then systemctl reload sshd.service
elif systemctl is-active --quiet ssh.socket; then echo "sshd starts per connection (ssh.socket): new logins read the new settings"
else echo "no running SSH service found (ssh or sshd)" >&2; exit 1
fi
# sshd re-executes itself on reload and briefly stops listening: wait until it answers again.
port=$(sshd -T 2>/dev/null | awk '$1 == "port" { print $2; exit }' || true)
for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/${port:-22}") 2>/dev/null; then echo "sshd is listening again"; exit 0; fi
  sleep 0.2
done
echo "sshd did not come back on port ${port:-22}" >&2
exit 1
