# Says whether the update needs a restart to finish (a new kernel, a new C library).
: "${reboot_needed:?}"
set -euo pipefail
if [ -f /var/run/reboot-required ]; then
  echo "$reboot_needed to finish the update (reboot-required):"
  cat /var/run/reboot-required.pkgs 2>/dev/null || true
else
  echo "No restart needed."
fi
