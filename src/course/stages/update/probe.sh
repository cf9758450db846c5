# Read-only: how many upgrades are waiting, did droplift update this system in the last day, and
# are automatic security updates on? (A new droplet's package lists can look fresh and still miss
# its updates and security suites.) The count comes from upgrades.sh's memo when apt's state is
# unchanged since it was written.
: "${stamp:?}"
set -euo pipefail
pending=$(upgrades_waiting)
recent=$(find "$stamp" -mmin -1440 2>/dev/null || true)
auto=$(apt-config dump APT::Periodic::Unattended-Upgrade 2>/dev/null || true)
echo "upgrades waiting: $pending"
if [ "$pending" -gt 0 ]; then echo "droplift-state: pending $pending updates are waiting"
elif [ -z "$recent" ]; then echo "droplift-state: pending the list of packages was not refreshed today"
elif ! grep -q '"1"' <<<"$auto" || ! command -v unattended-upgrade >/dev/null; then echo "droplift-state: pending automatic security updates are off"
else echo "droplift-state: done the system is up to date"
fi
