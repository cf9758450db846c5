# Imports the app the way uWSGI will (module:callable), as $u with the environment file's
# variables, so a missing library, a typo in the module or a database that refuses the password
# fails here, before the release can go live. Root reads its own environment file and hands it
# to the user's Python on stdin; nothing of the release runs as root.
: "${u:?}" "${module:?}" "${releases:?}" "${env_file:?}"
set -euo pipefail
site_lock
name=$(link_target next)
[ -n "$name" ] || { echo "no release is being built (next is missing): run the stage again" >&2; exit 1; }
status=$(mark_get "$name" status)
if [ "$status" = built ] || [ "$status" = good ]; then
  echo "release $name was checked already"
  exit 0
fi
home=$(getent passwd "$u" | cut -d: -f6)
program=$(
  cat <<'PY'
import importlib, os, sys

folder, spec = sys.argv[1:3]
# The environment file as systemd reads it, from stdin: KEY=VALUE lines, # comments, optional
# quotes.
for line in sys.stdin:
    line = line.strip()
    if not line or line.startswith("#") or "=" not in line:
        continue
    key, value = line.split("=", 1)
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    os.environ[key.strip()] = value
os.chdir(folder)
sys.path.insert(0, folder)
name, _, attr = spec.partition(":")
module = importlib.import_module(name)
app = getattr(module, attr or "application", None)
if not callable(app):
    sys.exit(f"{name} has no WSGI app named {attr or 'application'}: check [app] module")
print(f"{spec} imports and is a WSGI app")
PY
)
envf=$(env_for_next)
[ -f "$envf" ] || envf=/dev/null
as_owner env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 \
  "$releases/$name/venv/bin/python" -c "$program" "$releases/$name" "$module" < "$envf"
