# Fails while anything is left to upgrade (upgrades.sh: apt's count, or its memo of it when
# apt's state is unchanged since the last step counted).
set -euo pipefail
n=$(upgrades_waiting)
echo "upgrades left: $n"
test "$n" -eq 0
auto=$(apt-config dump APT::Periodic::Unattended-Upgrade)
echo "$auto"
grep -q '"1"' <<<"$auto" || { echo "automatic security updates are not on" >&2; exit 1; }
command -v unattended-upgrade >/dev/null || { echo "unattended-upgrades is not installed" >&2; exit 1; }
