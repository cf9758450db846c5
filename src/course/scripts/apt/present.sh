# Ends the whole script at once when every package named is installed already, so a stage that
# installs software neither waits for apt nor touches anything on a second run.
: "${packages:?}"
set -euo pipefail
read -ra wanted <<<"$packages"
missing=()
for p in "${wanted[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "installed already: $packages"
  exit 0
fi
echo "to install: ${missing[*]}"
