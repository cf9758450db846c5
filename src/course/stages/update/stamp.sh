# Records when the system was last brought up to date (the probe trusts it for a day) and how
# many upgrades apt still sees, in upgrades.sh's memo, so later checks need not ask apt again.
: "${stamp:?}"
set -euo pipefail
mkdir -p "$(dirname "$stamp")"
touch "$stamp"
echo "upgrades left: $(remember_upgrades)"
