# Fails while anything is left to upgrade.
set -euo pipefail
n=$(apt-get -s -o Debug::NoLocking=1 upgrade | grep -c '^Inst ' || true)
echo "upgrades left: $n"
test "$n" -eq 0
auto=$(apt-config dump APT::Periodic::Unattended-Upgrade)
echo "$auto"
grep -q '"1"' <<<"$auto" || { echo "automatic security updates are not on" >&2; exit 1; }
command -v unattended-upgrade >/dev/null || { echo "unattended-upgrades is not installed" >&2; exit 1; }
