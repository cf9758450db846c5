# The restore drill's second half: the release that serves now, started against the scratch
# copy on a socket of its own (a transient uWSGI by systemd-run, as the site's user with the
# service's group, from the environment file with DATABASE_URL naming the scratch copy), asked
# its health path on that socket, then stopped: nothing of it stays. The live slots, nginx and
# the live database are never touched.
: "${site:?}" "${role:?}" "${u:?}" "${base:?}" "${releases:?}" "${staging:?}" "${env_file:?}" "${ini:?}"
: "${health:?}"
set -euo pipefail
drill_unit="droplift-drill-$site"
drill_env="$staging/drill.env"
drill_sock="$base/drill.sock"

# Stops the drill's uWSGI and removes its files (the socket as the site's user: their folder).
drill_release_clean() {
  systemctl stop "$drill_unit" 2> /dev/null || true
  systemctl reset-failed "$drill_unit" 2> /dev/null || true
  rm -f -- "$drill_env"
  as_owner rm -f -- "$drill_sock" 2> /dev/null || true
}

# drill_release SCRATCH: the serving release on the scratch database; prints what it answered
# and fails when it did not start or answer as the smoke test wants.
drill_release() {
  local scratch=$1 cur slot slot_file module said
  cur=$(link_target current)
  if [ -z "$cur" ]; then
    echo "no release serves on this server: the drill checks the data only"
    return 0
  fi
  slot=$(serving_slot)
  case "$slot" in
    a | b) slot_file=$(slot_ini "$slot") ;;
    legacy) slot_file=$ini ;;
    *)
      echo "no uWSGI slot serves release $cur: the drill checks the data only"
      return 0
      ;;
  esac
  module=$(sed -n 's/^module = //p' "$slot_file" | head -n 1)
  # The app's role may use the scratch copy as it uses the live database (it owns the copy;
  # the restored objects are granted to it, names quoted by PostgreSQL).
  runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -v role="$role" -d "$scratch" > /dev/null <<'SQL'
SELECT format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', nspname, :'role'),
       format('GRANT ALL ON ALL TABLES IN SCHEMA %I TO %I', nspname, :'role'),
       format('GRANT ALL ON ALL SEQUENCES IN SCHEMA %I TO %I', nspname, :'role')
  FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
\gexec
SQL
  # The live environment file with its DATABASE_URL's database swapped for the scratch copy:
  # root reads its own file and writes root's, so the password is never on a command line.
  drill_release_clean
  (umask 077 && sed -E "s#^(DATABASE_URL=\"?[^\"]*/)[^/\"]*(\"?)\$#\\1$scratch\\2#" "$env_file" > "$drill_env")
  if ! grep -q "^DATABASE_URL=.*/$scratch\"\\?\$" "$drill_env"; then
    echo "the environment file names no DATABASE_URL: release $cur was not started on the copy" >&2
    return 1
  fi
  echo "starting release $cur on the scratch copy, on a socket of its own ($drill_sock)"
  # Type=notify: uWSGI says when the app has loaded (need-app: an import error fails the start).
  if ! systemd-run --quiet --unit="$drill_unit" --property=Type=notify --property=NotifyAccess=all \
    --property=User="$u" --property=Group=www-data --property=EnvironmentFile="$drill_env" \
    --property=WorkingDirectory=/ --property=TimeoutStartSec=90 \
    /usr/bin/env "$releases/$cur/venv/bin/uwsgi" --http-socket "$drill_sock" --chmod-socket=660 \
    --chdir "$releases/$cur" --virtualenv "$releases/$cur/venv" --module "$module" \
    --need-app --master --processes 1 --die-on-term --vacuum; then
    echo "release $cur did not start on the scratch copy; uWSGI said:" >&2
    journalctl -u "$drill_unit" -n 15 --no-pager -o cat 2>&1 | tr -cd '[:print:]\t\n' >&2 || true
    return 1
  fi
  if said=$(smoke_wait 20 "$drill_sock"); then
    echo "release $cur on the scratch copy: GET $health on its socket answers $said"
  else
    echo "release $cur on the scratch copy: GET $health on its socket answers $said" >&2
    journalctl -u "$drill_unit" -n 15 --no-pager -o cat 2>&1 | tr -cd '[:print:]\t\n' >&2 || true
    return 1
  fi
}
