# Gives the new release its own virtualenv and installs its requirements.txt there, as $u:
# pip's output streams to the log; uWSGI is compiled from source (about 15 s the first time,
# then pip reuses the wheel it built, from $u's cache).
: "${u:?}" "${releases:?}"
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
as_user python3 -m venv venv
# With wheel, pip builds uWSGI into a wheel it keeps in $u's cache: the next release reuses it
# instead of compiling again.
pip_install wheel
pip_install -r requirements.txt
if [ ! -x venv/bin/uwsgi ]; then
  echo "requirements.txt does not install uWSGI, which the service runs (venv/bin/uwsgi): add a line like uWSGI==2.0.31" >&2
  exit 1
fi
echo "release $name: $(venv/bin/python --version), uWSGI $(venv/bin/uwsgi --version)"
