# Gives the new release its own virtualenv and installs its requirements.txt there, as $u:
# pip's output streams to the log. Wheels the background download fetched are used first.
# uWSGI: with the distribution's (uwsgi.sh), venv/bin/uwsgi starts it with its python3 plugin
# and a uWSGI line in requirements.txt is left out (it would be compiled for nothing); else pip
# builds uWSGI (about 15 s the first time, then pip reuses the wheel from $u's cache).
: "${u:?}" "${releases:?}" "${wheels:?}"
set -euo pipefail
name=$(link_target next)
[ -n "$name" ] || { echo "no release is being built (next is missing): run the stage again" >&2; exit 1; }
status=$(mark_get "$name" status)
if [ "$status" = built ] || [ "$status" = good ]; then
  echo "release $name has its virtualenv already"
  exit 0
fi
home=$(getent passwd "$u" | cut -d: -f6)
cd "$releases/$name"
as_user() { runuser -u "$u" -- env HOME="$home" "$@"; }
pip_install() { as_user venv/bin/pip install --no-input --progress-bar off --disable-pip-version-check "$@"; }
choice=$(uwsgi_choice)
# The wheels come last in the background download: wait for them (apt/lib.sh).
wait_for_prefetch all
requirements=requirements.txt
if [ "$choice" = system ] && grep -qiE '^[[:space:]]*uwsgi([^a-z0-9_.-]|$)' requirements.txt; then
  echo "requirements.txt names uWSGI; this server runs the distribution's uWSGI with its python3 plugin instead, so that line is left out (nothing to compile)"
  requirements=.droplift-requirements.txt
  grep -viE '^[[:space:]]*uwsgi([^a-z0-9_.-]|$)' requirements.txt > "$requirements" || true
  chown "$u" "$requirements"
fi
as_user python3 -m venv venv
# Compile errors pip can meet without a compiler or headers (the distribution's uWSGI needs
# neither, so they are installed only when a library in requirements.txt must be built).
needs_build_tools() {
  grep -qE "command '[^']*gcc' failed|gcc: (command )?not found|Python\.h: No such file|pg_config executable not found|error: command 'x86_64-linux-gnu-gcc'" "$1"
}
links=()
[ ! -d "$wheels" ] || links=(--find-links "$wheels")
pip_requirements() {
  local log
  log=$(mktemp)
  if [ -n "$(find "$wheels" -maxdepth 1 -name '*.whl' -print -quit 2>/dev/null)" ]; then
    echo "installing from the wheels fetched in the background ($wheels) …"
    if pip_install --no-index --find-links "$wheels" -r "$requirements" 2>&1 | tee "$log"; then
      rm -f "$log"
      return 0
    fi
    echo "some of them were not fetched in the background: pip asks PyPI for the rest"
  fi
  if pip_install "${links[@]}" -r "$requirements" 2>&1 | tee "$log"; then
    rm -f "$log"
    return 0
  fi
  if needs_build_tools "$log" && ! command -v gcc >/dev/null 2>&1; then
    echo "a library in requirements.txt must be compiled here: installing build-essential, python3-dev and libpq-dev, then pip tries again"
    apt_install build-essential python3-dev libpq-dev
    rm -f "$log"
    pip_install "${links[@]}" -r "$requirements"
    return
  fi
  rm -f "$log"
  return 1
}
if [ "$choice" != system ]; then
  echo "uWSGI is built by pip, because ${choice#pip: }"
  # With wheel, pip builds uWSGI into a wheel it keeps in $u's cache: the next release reuses
  # it instead of compiling again.
  pip_install wheel
fi
pip_requirements
if [ "$choice" = system ]; then
  # The unit runs current/venv/bin/uwsgi for every release; here that is the system's uWSGI
  # with the plugin for this Python (exec keeps the pid systemd watches).
  printf '#!/bin/sh\n# Written by droplift: the distribution'"'"'s uWSGI with its Python 3 plugin.\nexec /usr/bin/uwsgi-core --plugin python3 "$@"\n' > venv/bin/uwsgi
  chown "$u" venv/bin/uwsgi
  chmod 755 venv/bin/uwsgi
  mark_set "$name" uwsgi system
elif [ ! -x venv/bin/uwsgi ]; then
  echo "requirements.txt does not install uWSGI, which the service runs: pip builds $(uwsgi_pip_pin)"
  pip_install "$(uwsgi_pip_pin)"
  mark_set "$name" uwsgi pip
else
  mark_set "$name" uwsgi pip
fi
echo "release $name: $(venv/bin/python --version), uWSGI $(venv/bin/uwsgi --version)"
