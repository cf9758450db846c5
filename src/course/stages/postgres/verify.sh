# From the role's side: its password (on stdin) logs in over the socket and over 127.0.0.1, a
# wrong one is refused, and the database exists and belongs to the role, which alone may connect
# to it. pg_hba.conf has no errors.
: "${role:?}" "${db:?}"
set -euo pipefail
IFS= read -r password
errors=$(pg_sql <<<'SELECT line_number || $$: $$ || error FROM pg_hba_file_rules WHERE error IS NOT NULL')
if [ -n "$errors" ]; then echo "pg_hba.conf has errors: $errors" >&2; exit 1; fi
socket=$(pg_socket)
for host in "$socket" 127.0.0.1; do
  if who=$(login_as_role "$host" "$password"); then
    echo "with its password over $host: logged in as $who"
  else
    echo "$role could not log in over $host with its password: $who" >&2
    exit 1
  fi
  if login_as_role "$host" "${password}x" >/dev/null; then
    echo "a wrong password was accepted over $host: a line in pg_hba.conf lets $role in without checking (e.g. trust)" >&2
    exit 1
  fi
  echo "with a wrong password over $host: refused"
done
socket_wants_password || { echo "a socket login without a password is not refused for want of one" >&2; exit 1; }
echo "without a password over the socket: refused (a password is required)"
owner=$(pg_sql <<<"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'db'")
[ "$owner" = "$role" ] || { echo "the database $db belongs to '$owner', not $role" >&2; exit 1; }
echo "the database $db exists and belongs to $role"
public=$(pg_sql <<<"SELECT has_database_privilege('public', oid, 'CONNECT') FROM pg_database WHERE datname = :'db'")
[ "$public" = f ] || { echo "every role may connect to the database $db" >&2; exit 1; }
echo "no other role may connect to $db (CONNECT is not granted to PUBLIC)"
