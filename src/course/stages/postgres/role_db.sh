# Creates the role (if missing) and sets its password, then the database it owns (if missing),
# which only its owner may connect to: PostgreSQL lets every role (PUBLIC) connect to a new
# database, and on a droplet with several sites another site's role must not.
# The password comes on stdin and reaches psql on psql's stdin, written as an SQL string (every '
# doubled); it is never on a command line, and statement logging is off for this session so it
# never reaches the server's log either.
: "${role:?}" "${db:?}"
set -euo pipefail
IFS= read -r password
literal=${password//"'"/"''"}
{
  echo "SET log_statement = 'none';"
  echo "SET log_min_duration_statement = -1;"
  echo "SET standard_conforming_strings = on;"
  echo "SET password_encryption = 'scram-sha-256';"
  echo "SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec"
  printf "ALTER ROLE :\"role\" LOGIN PASSWORD '%s';\n" "$literal"
  echo "SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec"
  echo "REVOKE CONNECT, TEMPORARY ON DATABASE :\"db\" FROM PUBLIC;"
} | pg_sql
pg_sql <<<"SELECT 'role ' || rolname || ': may log in, password stored as ' || split_part(rolpassword, '\$', 1) FROM pg_authid WHERE rolname = :'role'"
pg_sql <<<"SELECT 'database ' || datname || ': owned by ' || pg_get_userbyid(datdba) || ', other roles may not connect' FROM pg_database WHERE datname = :'db'"
