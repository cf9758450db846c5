# Checks the result: the release to serve is built with uWSGI in its virtualenv, and the
# environment file it goes live with holds DATABASE_URL, readable by root alone, that
# PostgreSQL accepts.
: "${u:?}" "${releases:?}" "${env_file:?}" "${staging:?}"
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
uwsgi="$releases/$name/venv/bin/uwsgi"
as_owner test -x "$uwsgi" || { echo "$uwsgi is missing" >&2; exit 1; }
# Run as the user: the virtualenv is theirs, so nothing in it runs as root.
echo "  uWSGI $(as_owner "$uwsgi" --version) in its virtualenv"
envf=$(env_for_next)
[ -f "$envf" ] || { echo "there is no environment file $envf" >&2; exit 1; }
perms=$(stat -c '%a %U' "$envf")
[ "$perms" = "600 root" ] || { echo "$envf is $perms, not 600 root" >&2; exit 1; }
grep -q '^DATABASE_URL=postgresql://' "$envf" || { echo "$envf has no DATABASE_URL in the standard form (postgresql://…)" >&2; exit 1; }
echo "  $envf: mode 600, root's (systemd reads it for the service), DATABASE_URL set (not shown)"
# The database password step (env_file.sh), earlier in this run, logged in with exactly this
# file: that login is not repeated. Used once: any other verify logs in.
accepted="$staging/db-accepted"
if [ -f "$accepted" ] && [ "$(head -n 1 "$accepted")" = "$(sha256sum < "$envf" | cut -d ' ' -f 1)" ]; then
  said=$(sed -n 2p "$accepted")
  rm -f "$accepted"
  echo "  PostgreSQL accepted it earlier in this run: logged in as $said"
else
  rm -f "$accepted"
  if ! said=$(url_login); then
    echo "PostgreSQL refuses the DATABASE_URL in $envf: $said" >&2
    exit 1
  fi
  echo "  PostgreSQL accepts it: logged in as $said"
fi
