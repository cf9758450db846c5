# Installs the packages without questions, keeping configuration files already there. Package
# lists older than a day are refreshed first: they may name versions the mirror no longer has.
: "${packages:?}"
set -euo pipefail
read -ra wanted <<<"$packages"
if [ -z "$(find /var/cache/apt/pkgcache.bin -mmin -1440 2>/dev/null)" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update
fi
apt_install "${wanted[@]}"
