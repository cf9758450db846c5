# Gives the new release its own virtualenv and installs its requirements.txt there. The whole
# build runs as $u in the release's folder (build_as_owner below): root only chooses uWSGI, waits
# for the background download and, when pip must compile a library, installs the compiler.
# pip's output streams to the log. Wheels the background download fetched are used first.
# uWSGI: with the distribution's (uwsgi.sh), venv/bin/uwsgi starts it with its python3 plugin
# and a uWSGI line in requirements.txt is left out (it would be compiled for nothing); else pip
# builds uWSGI (about 15 s the first time, then pip reuses the wheel from $u's cache).
: "${u:?}" "${releases:?}" "${wheels:?}"
set -euo pipefail
site_lock
name=$(link_target next)
[ -n "$name" ] || { echo "no release is being built (next is missing): run the stage again" >&2; exit 1; }
status=$(mark_get "$name" status)
if [ "$status" = built ] || [ "$status" = good ]; then
  echo "release $name has its virtualenv already"
  exit 0
fi
home=$(getent passwd "$u" | cut -d: -f6)
choice=$(uwsgi_choice)
# The wheels come last in the background download: wait for them (apt/lib.sh).
wait_for_prefetch all

# The build, as the app's user in release folder $1; $2 is the uWSGI choice, $3 the folder of
# fetched wheels, $4 the uWSGI pip builds. Exits 3 when a library must be compiled and there is
# no compiler (root installs one, then the build runs again).
build() {
  set -euo pipefail
  local dir=$1 choice=$2 wheels=$3 pin=$4 requirements=requirements.txt log
  local -a links=()
  cd "$dir"
  pip_install() { venv/bin/pip install --no-input --progress-bar off --disable-pip-version-check "$@"; }
  # Compile errors pip can meet without a compiler or headers.
  needs_build_tools() {
    grep -qE "command '[^']*gcc' failed|gcc: (command )?not found|Python\.h: No such file|pg_config executable not found|error: command 'x86_64-linux-gnu-gcc'" "$1"
  }
  if [ "$choice" = system ] && grep -qiE '^[[:space:]]*uwsgi([^a-z0-9_.-]|$)' requirements.txt; then
    echo "requirements.txt names uWSGI; this server runs the distribution's uWSGI with its python3 plugin instead, so that line is left out (nothing to compile)"
    requirements=$(mktemp)
    grep -viE '^[[:space:]]*uwsgi([^a-z0-9_.-]|$)' requirements.txt > "$requirements" || true
  fi
  [ -x venv/bin/python ] || python3 -m venv venv
  [ ! -d "$wheels" ] || links=(--find-links "$wheels")
  if [ "$choice" != system ]; then
    echo "uWSGI is built by pip, because ${choice#pip: }"
    # With wheel, pip builds uWSGI into a wheel it keeps in the user's cache: the next release
    # reuses it instead of compiling again.
    pip_install wheel
  fi
  log=$(mktemp)
  if [ -n "$(find "$wheels" -maxdepth 1 -name '*.whl' -print -quit 2>/dev/null)" ]; then
    echo "installing from the wheels fetched in the background ($wheels) …"
    if pip_install --no-index --find-links "$wheels" -r "$requirements" 2>&1 | tee "$log"; then
      requirements=""
    else
      echo "some of them were not fetched in the background: pip asks PyPI for the rest"
    fi
  fi
  if [ -n "$requirements" ] && ! pip_install "${links[@]}" -r "$requirements" 2>&1 | tee "$log"; then
    if needs_build_tools "$log" && ! command -v gcc >/dev/null 2>&1; then
      rm -f "$log"
      exit 3
    fi
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  if [ "$choice" = system ]; then
    # The unit runs current/venv/bin/uwsgi for every release; here that is the system's uWSGI
    # with the plugin for this Python (exec keeps the pid systemd watches).
    rm -f venv/bin/uwsgi
    printf '#!/bin/sh\n# Written by droplift: the distribution'"'"'s uWSGI with its Python 3 plugin.\nexec /usr/bin/uwsgi-core --plugin python3 "$@"\n' > venv/bin/uwsgi
    chmod 755 venv/bin/uwsgi
  elif [ ! -x venv/bin/uwsgi ]; then
    echo "requirements.txt does not install uWSGI, which the service runs: pip builds $pin"
    pip_install "$pin"
  fi
  echo "release $(basename "$dir"): $(venv/bin/python --version), uWSGI $(venv/bin/uwsgi --version)"
}

build_as_owner() {
  as_owner env HOME="$home" bash -c "$(declare -f build); build \"\$@\"" build \
    "$releases/$name" "$choice" "$wheels" "$(uwsgi_pip_pin)"
}

rc=0
build_as_owner || rc=$?
if [ "$rc" -eq 3 ]; then
  echo "a library in requirements.txt must be compiled here: installing build-essential, python3-dev and libpq-dev, then pip tries again"
  apt_install build-essential python3-dev libpq-dev
  build_as_owner
elif [ "$rc" -ne 0 ]; then
  exit "$rc"
fi
if [ "$choice" = system ]; then mark_set "$name" uwsgi system; else mark_set "$name" uwsgi pip; fi
