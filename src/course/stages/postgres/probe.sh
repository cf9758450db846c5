# Read-only: is PostgreSQL installed and running, does the role log in with the password on
# stdin, does the database exist and belong to it, and does a socket login need a password?
: "${role:?}" "${db:?}"
set -euo pipefail
IFS= read -r password || true
if ! command -v psql >/dev/null 2>&1 || ! id postgres >/dev/null 2>&1; then
  echo "PostgreSQL is not installed yet. Once it is, droplift changes one line of pg_hba.conf:"
  echo "-local   all             all                                     peer"
  echo "+local   all             all                                     scram-sha-256"
  echo "droplift-state: pending PostgreSQL is not installed yet"
  exit 0
fi
# One psql for every fact (each psql as postgres costs about 0.1 s), one per line in this order:
# the port, the first socket folder, pg_hba.conf's path, the database's owner, and the role's
# login and password kind, and whether every role (PUBLIC) may connect to the database.
if ! facts=$(pg_sql <<<"SELECT v FROM (VALUES
    (1, current_setting('port')),
    (2, trim(split_part(current_setting('unix_socket_directories'), ',', 1))),
    (3, current_setting('hba_file')),
    (4, coalesce((SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'db'), '')),
    (5, coalesce((SELECT rolcanlogin::text || ' ' || coalesce(left(rolpassword, 13), 'none')
                  FROM pg_authid WHERE rolname = :'role'), '')),
    (6, coalesce((SELECT has_database_privilege('public', oid, 'CONNECT')::text
                  FROM pg_database WHERE datname = :'db'), ''))) AS f(n, v) ORDER BY n" 2>/dev/null); then
  echo "droplift-state: pending PostgreSQL is installed but not running"
  exit 0
fi
mapfile -t fact <<<"$facts"
# shellcheck disable=SC2034 # reason: lib.sh's pg_port and pg_socket read them
known_port=${fact[0]:-} known_socket=${fact[1]:-}
hba=${fact[2]:-}
owner=${fact[3]:-}
account=${fact[4]:-}
public_connect=${fact[5]:-}
if [ -n "$owner" ] && [ "$owner" != "$role" ]; then
  echo "droplift-state: drifted the database $db already exists and belongs to $owner, not $role; choose another database name"
  exit 0
fi
todo=()
hba_diff "$hba" && todo+=("pg_hba.conf lets ordinary users in over the socket without a password")
# Until the database exists, the password is tried on the postgres database (any role may
# connect there), so a missing database is not mistaken for a wrong password.
try_db=postgres
[ -z "$owner" ] || try_db=$db
case "$account" in
  "") todo+=("the role $role does not exist yet") ;;
  "false "*) todo+=("the role $role may not log in") ;;
  *" SCRAM-SHA-256") login_as_role 127.0.0.1 "$password" "$try_db" >/dev/null \
      || todo+=("the role $role has a different password than the one you typed") ;;
  *) todo+=("the role $role's password is not stored as scram-sha-256") ;;
esac
[ -n "$owner" ] || todo+=("the database $db does not exist yet")
[ "$public_connect" != true ] || todo+=("every role may connect to the database $db (PostgreSQL's default), not only $role")
if [ "${#todo[@]}" -eq 0 ] && ! socket_wants_password; then
  todo+=("PostgreSQL still lets $role in over the socket without a password")
fi
if [ "${#todo[@]}" -eq 0 ]; then
  echo "droplift-state: done $role logs in with its password; the database $db belongs to it"
else
  printf 'to do: %s\n' "${todo[@]}"
  echo "droplift-state: pending ${todo[0]}"
fi
