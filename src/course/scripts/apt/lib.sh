# Installing packages, shared by every stage that does: the background download (prefetch.sh)
# may be fetching the very packages a stage installs, so the stage waits for it (at most ten
# minutes) and then installs from its cache; whatever it did not fetch, apt downloads as usual.
# A failed or stopped background download therefore only costs the time of downloading here.
: "${apt_cache:?}" "${prefetch_unit:?}"
set -euo pipefail

# Waits while the background download fetches what $1 names: "packages", or "all" (also the
# wheels, which it fetches last); stops it after ten minutes.
wait_for_prefetch() {
  local what=$1 waited=0
  while systemctl is-active --quiet "$prefetch_unit" 2>/dev/null; do
    if [ "$what" = packages ] && [ -e "$apt_cache/downloaded" ]; then break; fi
    if [ $((waited % 15)) -eq 0 ]; then
      echo "the background download is still fetching; waiting for it (${waited} s so far)"
    fi
    if [ "$waited" -ge 600 ]; then
      echo "the background download takes too long: it is stopped, apt downloads what is missing"
      systemctl stop "$prefetch_unit" 2>/dev/null || true
      break
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

# Removes the downloaded packages that are installed now, at the version downloaded.
forget_installed_debs() {
  local deb file name version
  for deb in "$apt_cache"/archives/*.deb; do
    [ -e "$deb" ] || continue
    file=${deb##*/}
    name=${file%%_*}
    version=${file#*_}
    version=${version%_*}
    version=${version//%3a/:}
    if [ "$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$name" 2>/dev/null || true)" = "installed $version" ]; then
      rm -f "$deb"
    fi
  done
}

# apt-get install without questions, keeping configuration files already there, waiting for
# dpkg's lock; packages the background download fetched come from its cache.
apt_install() {
  local cache=()
  wait_for_prefetch packages
  if [ -d "$apt_cache/archives/partial" ]; then
    cache=(-o "Dir::Cache::Archives=$apt_cache/archives/")
    echo "packages fetched in the background: $(find "$apt_cache/archives" -maxdepth 1 -name '*.deb' | wc -l) in $apt_cache/archives"
  fi
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get -y -q \
    -o DPkg::Lock::Timeout=300 \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${cache[@]}" install "$@"
  if [ "${#cache[@]}" -gt 0 ]; then forget_installed_debs; fi
  refresh_upgrades_memo
}
