# Runs the backup now, exactly as the timer would (its unit), and shows what it said.
: "${unit:?}"
set -euo pipefail
since=$(date '+%Y-%m-%d %H:%M:%S')
if systemctl start "$unit.service"; then ok=yes; else ok=no; fi
journalctl -u "$unit.service" --since "$since" --no-pager -o cat | grep -v '^Starting\|^Finished\|Deactivated\|^Failed\|pam_unix(' || true
if [ "$ok" = no ]; then
  echo "the backup failed (systemctl status $unit.service says more)" >&2
  exit 1
fi
