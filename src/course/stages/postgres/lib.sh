# Shared by the check, the change and the verification: asking PostgreSQL as its administrator
# (the postgres account, which logs in by "peer": the system vouches for it), finding where it
# listens, and the one change droplift makes to pg_hba.conf.
: "${role:?}" "${db:?}"
set -euo pipefail
# runuser keeps the current folder, and psql as postgres may not enter root's home.
cd /

# Runs the SQL on stdin as postgres. The names reach SQL only through psql's own quoting,
# :'role' (a string) and :"role" (a name), never pasted into the text.
pg_sql() {
  runuser -u postgres -- psql -X -w -q -A -t -v ON_ERROR_STOP=1 -v VERBOSITY=terse \
    -v role="$role" -v db="$db" -d postgres
}

# Prints pg_hba.conf ($1) as droplift leaves it. Rules are read top-down and the first match
# wins: ordinary users' socket logins ("local all all peer") now need a password
# (scram-sha-256), and the postgres administrator's own peer line stays above that line (it is
# added if missing), so droplift and the system's maintenance still get in. Every other line
# stays exactly as it is.
hba_after() {
  awk '
    $1 == "local" && $2 == "all" && $3 == "postgres" && $4 == "peer" { admin = 1 }
    $1 == "local" && $2 == "all" && $3 == "all" && $4 == "peer" {
      if (!admin) { print "local   all             postgres                                peer"; admin = 1 }
      sub(/peer/, "scram-sha-256")
    }
    { print }
  ' "$1"
}

# Prints the change to pg_hba.conf ($1) as a diff. Succeeds when there is something to change.
hba_diff() {
  local file=$1 new
  new=$(mktemp)
  hba_after "$file" > "$new"
  if cmp -s "$file" "$new"; then rm -f "$new"; return 1; fi
  echo "The change to $file:"
  diff -u --label "$file (now)" --label "$file (after)" "$file" "$new" || true
  rm -f "$new"
}

# Where the server listens: its first socket folder, and its port.
# A script that asked already sets known_socket and known_port (each psql costs about 0.1 s).
pg_socket() {
  if [ -n "${known_socket:-}" ]; then echo "$known_socket"; return; fi
  pg_sql <<<'SHOW unix_socket_directories' | cut -d, -f1 | sed 's/^ *//'
}
pg_port() {
  if [ -n "${known_port:-}" ]; then echo "$known_port"; return; fi
  pg_sql <<<'SHOW port'
}

# Logs in as the role with password $2 over $1 (a socket folder or 127.0.0.1), into database $3
# (default: the stage's database), and prints who it is. The password reaches libpq through a
# pgpass file only root can read (mktemp makes it mode 600), never through a command line or an
# environment variable; names go in the environment, where libpq never reads them as
# connection strings.
login_as_role() {
  local host=$1 password=$2 database=${3:-$db} port pass escaped rc=0
  port=$(pg_port)
  pass=$(mktemp)
  escaped=${password//\\/\\\\}
  escaped=${escaped//:/\\:}
  printf '*:*:*:*:%s\n' "$escaped" > "$pass"
  PGPASSFILE=$pass PGHOST=$host PGPORT=$port PGUSER=$role PGDATABASE=$database \
    PGCONNECT_TIMEOUT=10 LC_ALL=C psql -X -w -A -t \
    -c "SELECT current_user || ' in ' || current_database()" 2>&1 || rc=$?
  rm -f "$pass"
  return "$rc"
}

# Succeeds when a socket login as the role without a password is turned away because a
# password is needed (not let in, and not judged by peer).
socket_wants_password() {
  local out socket port
  socket=$(pg_socket)
  port=$(pg_port)
  if out=$(PGPASSFILE=/nonexistent/droplift PGHOST=$socket PGPORT=$port \
      PGUSER=$role PGDATABASE=$db PGCONNECT_TIMEOUT=10 LC_ALL=C \
      psql -X -w -A -t -c 'SELECT 1' 2>&1); then
    return 1
  fi
  grep -q 'no password supplied' <<<"$out"
}
