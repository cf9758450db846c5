# Imports the app the way uWSGI will (module:object, or module:factory() called with no
# arguments), as $u with the environment file's variables, so a missing library, a typo in the
# module or a database that refuses the password fails here, before the release can go live.
# Root reads its own environment file and hands it to the user's Python on stdin; nothing of the
# release runs as root.
: "${u:?}" "${module:?}" "${releases:?}" "${env_file:?}" "${staging:?}" "${unit:?}" "${release_cmds?}"
set -euo pipefail
site_lock
name=$(link_target next)
[ -n "$name" ] || { echo "no release is being built (next is missing): run the stage again" >&2; exit 1; }
status=$(mark_get "$name" status)
if [ "$status" = built ] || [ "$status" = good ]; then
  echo "release $name was checked already"
  exit 0
fi
# A site on two slots: its go-live starts the release in the idle slot, where uWSGI imports it
# (need-app) and droplift asks it on its own socket before nginx sends it a request; a release
# that fails there never serves. Not imported twice, unless release commands come first: they
# change the database, so the code must import before they run.
slot=""
read -r slot < "$staging/slot" 2>/dev/null || true
if [ -z "$release_cmds" ] && [[ $slot =~ ^[ab]$ ]] && [ -e "/etc/systemd/system/$unit@.service" ]; then
  echo "release $name: the go-live imports $module in the idle slot and asks it before it serves (a failure there changes nothing): no import here"
  exit 0
fi
home=$(getent passwd "$u" | cut -d: -f6)
IFS= read -r -d '' loader <<'PY' || true

import importlib, os, sys

folder, spec = sys.argv[1:3]
# The environment file as systemd reads it, from stdin (appenv.sh).
os.environ.update(read_env(sys.stdin))
os.chdir(folder)
sys.path.insert(0, folder)


def load_app(spec):
    """The WSGI app for `spec` as uWSGI finds it: module:object (a Django project's
    proj.wsgi:application sets DJANGO_SETTINGS_MODULE itself unless the environment file
    does), or module:factory() called with no arguments, as uWSGI 2.0 calls it."""
    name, _, attr = spec.partition(":")
    attr = attr or "application"
    factory = attr.endswith("()")
    attr = attr.removesuffix("()")
    module = importlib.import_module(name)
    found = getattr(module, attr, None)
    if found is None:
        sys.exit(f"{name} has no {attr}: check [app] module")
    if factory:
        if not callable(found):
            sys.exit(f"{name}.{attr} is not a function uWSGI can call: check [app] module")
        found = found()
        if not callable(found):
            sys.exit(f"{name}.{attr}() returned {type(found).__name__}, not a WSGI app: "
                     "the factory must return the app (e.g. return app at its end)")
    elif not callable(found):
        sys.exit(f"{name}.{attr} is not a WSGI app: check [app] module")
    return found


load_app(spec)
print(f"{spec} imports and is a WSGI app")
PY
# shellcheck disable=SC2154 # reason: appenv.sh sets read_env_py
program="$read_env_py$loader"
envf=$(env_for_next)
[ -f "$envf" ] || envf=/dev/null
as_owner env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 \
  "$releases/$name/venv/bin/python" -c "$program" "$releases/$name" "$module" < "$envf"
