# Installs what building and running a Python app needs: python3-venv (virtual environments),
# python3-dev and build-essential (pip compiles uWSGI with them), libpq-dev (PostgreSQL's
# client library) and, for code from a git repository, git. Lists are refreshed only when apt
# cannot find a package.
: "${packages:?}"
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
read -ra wanted <<<"$packages"
missing=()
for p in "${wanted[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "installed already: ${wanted[*]}"
  exit 0
fi
apt_install() {
  apt-get install -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confold "$@"
}
apt_install "${missing[@]}" || { apt-get update -q && apt_install "${missing[@]}"; }
