# Fails while anything is left to upgrade.
set -euo pipefail
n=$(apt-get -s -o Debug::NoLocking=1 upgrade | grep -c '^Inst ' || true)
echo "upgrades left: $n"
test "$n" -eq 0
