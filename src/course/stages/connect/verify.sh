# Fails unless this command runs as root (directly, or through sudo).
set -euo pipefail
test "$(id -u)" -eq 0
