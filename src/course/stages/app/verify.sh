# Checks the result: the release to serve is built with uWSGI in its virtualenv, and the
# environment file holds DATABASE_URL, readable by $u alone.
: "${u:?}" "${releases:?}" "${env_file:?}"
set -euo pipefail
name=$(link_target next)
[ -n "$name" ] || name=$(link_target current)
[ -n "$name" ] || { echo "there is no release to serve" >&2; exit 1; }
status=$(mark_get "$name" status)
if [ "$status" != built ] && [ "$status" != good ]; then
  echo "release $name is marked ${status:-unknown}" >&2
  exit 1
fi
echo "release $name ($status): $(mark_get "$name" source)"
[ -x "$releases/$name/venv/bin/uwsgi" ] || { echo "$releases/$name/venv/bin/uwsgi is missing" >&2; exit 1; }
echo "  uWSGI $("$releases/$name/venv/bin/uwsgi" --version) in its virtualenv"
perms=$(stat -c '%a %U' "$env_file")
[ "$perms" = "600 $u" ] || { echo "$env_file is $perms, not 600 $u" >&2; exit 1; }
grep -q '^DATABASE_URL=postgresql://' "$env_file" || { echo "$env_file has no DATABASE_URL in the standard form (postgresql://…)" >&2; exit 1; }
echo "  $env_file: mode 600, owner $u, DATABASE_URL set (not shown)"
if ! said=$(url_login); then
  echo "PostgreSQL refuses the DATABASE_URL in $env_file: $said" >&2
  exit 1
fi
echo "  PostgreSQL accepts it: logged in as $said"
