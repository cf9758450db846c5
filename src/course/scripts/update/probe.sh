# Read-only: how many upgrades are waiting, and did droplift update this system in the last day?
# (A new droplet's package lists can look fresh and still miss its updates and security suites.)
: "${stamp:?}"
set -euo pipefail
pending=$(apt-get -s -o Debug::NoLocking=1 upgrade 2>/dev/null | grep -c '^Inst ' || true)
recent=$(find "$stamp" -mmin -1440 2>/dev/null || true)
echo "upgrades waiting: $pending"
if [ -z "$recent" ]; then echo "droplift-state: pending droplift has not updated this system in the last day"
elif [ "$pending" -gt 0 ]; then echo "droplift-state: pending $pending packages can be upgraded"
else echo "droplift-state: done the system is up to date"
fi
