# The background download (systemd runs it as droplift-prefetch, niced, with idle disk
# priority): fetches, and never installs, what the later stages will install, so each of them
# installs from this cache instead of waiting for the network. apt works on its own copy of
# the package lists and its own cache ($apt_cache), and takes none of dpkg's locks: it can
# neither block nor be blocked by the student's apt or the droplet's own updates. The app's
# Python wheels go to $wheels (only complete files appear there), fetched by pip running as a
# user of its own, never as root. Anything failing here only costs time: every stage downloads
# whatever is missing itself.
: "${apt_cache:?}" "${wheels:?}" "${pip_tool:?}" "${pip_cache:?}" "${pip_unit:?}" "${packages:?}"
: "${want_uwsgi:?}" "${requirements?}"
set -euo pipefail
say() { echo "$(date -u +%T) $*"; }
opts=(-o "Dir::State::Lists=$apt_cache/lists/" -o "Dir::Cache=$apt_cache/" -o Debug::NoLocking=1)
install -d -m 755 "$apt_cache" "$apt_cache/lists/partial" "$apt_cache/archives/partial"
# Present once the packages are fetched: install steps need not wait for the wheels.
rm -f "$apt_cache/downloaded"
# A copy of the system's lists: the refresh then asks the mirror only for what changed.
cp -a /var/lib/apt/lists/. "$apt_cache/lists/" 2>/dev/null || true
say "refreshing droplift's copy of the package lists"
DEBIAN_FRONTEND=noninteractive apt-get -q "${opts[@]}" update
read -ra wanted <<<"$packages"
if [ "$want_uwsgi" = yes ]; then
  read -ra more <<<"$(uwsgi_packages "${opts[@]}")"
  wanted+=("${more[@]}")
fi
missing=()
for p in "${wanted[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "downloading ${missing[*]} and what they depend on (one apt transaction, download only)"
  DEBIAN_FRONTEND=noninteractive apt-get -y -q "${opts[@]}" install --download-only "${missing[@]}"
fi
touch "$apt_cache/downloaded"
if [ -n "$requirements" ]; then
  # pip never runs as root here: a package that comes as source runs its own build code while
  # pip reads it, so pip runs in a unit of its own as a user systemd makes up for it
  # (DynamicUser: no home, no groups, nothing of the system writable but its own folder
  # /var/cache/$pip_cache). Only wheels are accepted, but for uWSGI (the one source package the
  # sample app may need, when the system's uWSGI cannot serve it). pip itself and the
  # requirements are put where that user can read them: $pip_tool, root's.
  rm -rf "$pip_tool"
  install -d -m 755 "$pip_tool"
  pip=(python3 -m pip)
  if ! python3 -m pip --version >/dev/null 2>&1; then
    # The system has no pip: the pip wheel that python3-venv brings (just downloaded;
    # unpacked, not installed).
    whl=$(find /usr/share/python-wheels -maxdepth 1 -name 'pip-*.whl' 2>/dev/null | head -n 1 || true)
    if [ -z "$whl" ]; then
      deb=$(find "$apt_cache/archives" -maxdepth 1 -name 'python3-pip-whl_*.deb' | head -n 1 || true)
      [ -n "$deb" ] || { say "no pip to download the wheels with"; exit 0; }
      dpkg-deb -x "$deb" "$pip_tool/deb"
      whl=$(find "$pip_tool/deb/usr/share/python-wheels" -maxdepth 1 -name 'pip-*.whl' | head -n 1 || true)
      [ -n "$whl" ] || { say "no pip wheel in python3-pip-whl"; exit 0; }
    fi
    pip=(python3 "$whl/pip")
  fi
  printf '%s\n' "$requirements" > "$pip_tool/requirements.txt"
  if [ "$want_uwsgi" = yes ] && [ "$(uwsgi_choice "${opts[@]}")" = system ]; then
    # The distribution's uWSGI serves the app: the release leaves a uWSGI line out, so do we.
    grep -viE '^[[:space:]]*uwsgi([^a-z0-9_.-]|$)' "$pip_tool/requirements.txt" > "$pip_tool/r.txt" || true
    mv "$pip_tool/r.txt" "$pip_tool/requirements.txt"
  fi
  chmod -R a+rX "$pip_tool"
  say "downloading the app's Python wheels into $wheels (pip runs as an unprivileged user)"
  # systemd makes the download's folder afresh, owned by that user (really in /var/cache/private,
  # which only root may enter); whatever an earlier run left there goes first.
  out=/var/cache/$pip_cache
  kept=/var/cache/private/$pip_cache
  rm -rf "$kept"
  systemctl reset-failed "$pip_unit" >/dev/null 2>&1 || true
  systemd-run --quiet --wait --pipe --collect --unit="$pip_unit" \
    -p DynamicUser=yes -p CacheDirectory="$pip_cache" -p WorkingDirectory="$out" \
    -p Environment=HOME="$out" -p NoNewPrivileges=yes -p PrivateDevices=yes \
    -p Nice=10 -p IOSchedulingClass=idle -p RuntimeMaxSec=600 \
    "${pip[@]}" download --no-input --progress-bar off --disable-pip-version-check --no-cache-dir \
    --only-binary=:all: --no-binary=uwsgi -d "$out" -r "$pip_tool/requirements.txt" </dev/null
  # That unit has ended, and every process of its user with it: nothing can swap a file for a
  # link now. Only plain files that are packages are taken; root's copies are what pip (as the
  # app's user) reads later, readable by all and writable by root alone.
  install -d -m 755 "$wheels"
  for f in "$kept"/*; do
    if [ ! -f "$f" ] || [ -L "$f" ]; then continue; fi
    case "${f##*/}" in
      *.whl | *.tar.gz | *.zip) ;;
      *) continue ;;
    esac
    install -m 644 "$f" "$wheels/.${f##*/}.new"
    mv -f "$wheels/.${f##*/}.new" "$wheels/${f##*/}"
  done
  rm -rf "$kept" "$pip_tool"
fi
say "done"
