# Makes sure PostgreSQL starts at boot and runs now, and waits until it answers (a fresh
# install starts it, but the first start can take a few seconds).
set -euo pipefail
systemctl enable --now postgresql >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  if version=$(pg_sql <<<'SHOW server_version' 2>/dev/null); then
    echo "PostgreSQL $version is running"
    exit 0
  fi
  sleep 1
done
echo "PostgreSQL does not answer (systemctl status postgresql says why)" >&2
exit 1
