# The background download (systemd runs it as droplift-prefetch, niced, with idle disk
# priority): fetches, and never installs, what the later stages will install, so each of them
# installs from this cache instead of waiting for the network. apt works on its own copy of
# the package lists and its own cache ($apt_cache), and takes none of dpkg's locks: it can
# neither block nor be blocked by the student's apt or the droplet's own updates. The app's
# Python wheels go to $wheels (only complete files appear there). Anything failing here only
# costs time: every stage downloads whatever is missing itself.
: "${apt_cache:?}" "${wheels:?}" "${packages:?}" "${want_uwsgi:?}" "${requirements?}"
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
  # pip itself: the system's, else the pip wheel that python3-venv brings (just downloaded;
  # unpacked into a temporary folder, not installed).
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  pip=(python3 -m pip)
  if ! python3 -m pip --version >/dev/null 2>&1; then
    whl=$(find /usr/share/python-wheels -maxdepth 1 -name 'pip-*.whl' 2>/dev/null | head -n 1 || true)
    if [ -z "$whl" ]; then
      deb=$(find "$apt_cache/archives" -maxdepth 1 -name 'python3-pip-whl_*.deb' | head -n 1 || true)
      [ -n "$deb" ] || { say "no pip to download the wheels with"; exit 0; }
      dpkg-deb -x "$deb" "$tmp/pip"
      whl=$(find "$tmp/pip/usr/share/python-wheels" -maxdepth 1 -name 'pip-*.whl' | head -n 1 || true)
      [ -n "$whl" ] || { say "no pip wheel in python3-pip-whl"; exit 0; }
    fi
    pip=(python3 "$whl/pip")
  fi
  printf '%s\n' "$requirements" > "$tmp/requirements.txt"
  if [ "$want_uwsgi" = yes ] && [ "$(uwsgi_choice "${opts[@]}")" = system ]; then
    # The distribution's uWSGI serves the app: the release leaves a uWSGI line out, so do we.
    grep -viE '^[[:space:]]*uwsgi([^a-z0-9_.-]|$)' "$tmp/requirements.txt" > "$tmp/r.txt" || true
    mv "$tmp/r.txt" "$tmp/requirements.txt"
  fi
  say "downloading the app's Python wheels into $wheels"
  "${pip[@]}" download --no-input --progress-bar off --disable-pip-version-check --no-cache-dir \
    -d "$tmp/wheels" -r "$tmp/requirements.txt"
  install -d -m 755 "$wheels"
  for f in "$tmp/wheels"/*; do
    [ -e "$f" ] || continue
    install -m 644 "$f" "$wheels/.${f##*/}.new"
    mv -f "$wheels/.${f##*/}.new" "$wheels/${f##*/}"
  done
fi
say "done"
