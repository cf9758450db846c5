# Records when the system was last brought up to date; the probe trusts it for a day.
: "${stamp:?}"
set -euo pipefail
mkdir -p "$(dirname "$stamp")"
touch "$stamp"
