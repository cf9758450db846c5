# Reads DATABASE_URL from an environment file (root's own) and logs in to PostgreSQL with it,
# the way the app will: this judges the file by what PostgreSQL says, with no password from
# droplift.
: "${env_file:?}"
set -euo pipefail

# The environment file the next release will read: the one waiting to go live with it, else the
# live one.
env_for_next() {
  if [ -f "$env_file.next" ]; then echo "$env_file.next"; else echo "$env_file"; fi
}

# Prints "role database" from the DATABASE_URL of file $1 (default: env_for_next; decoded;
# never the password).
url_names() {
  python3 - "${1:-$(env_for_next)}" <<'PY'
import sys, urllib.parse
for line in open(sys.argv[1]):
    if line.startswith("DATABASE_URL="):
        url = urllib.parse.urlsplit(line.strip().split("=", 1)[1])
        print(urllib.parse.unquote(url.username or ""))
        print(urllib.parse.unquote(url.path.lstrip("/")))
PY
}

# Logs in with the DATABASE_URL of file $1 (default: env_for_next); prints PostgreSQL's answer.
# The password reaches libpq through a pgpass file only root can read, never a command line or
# the environment.
url_login() {
  local file=${1:-$(env_for_next)} pass fields rc=0
  local -a where
  pass=$(mktemp)
  fields=$(mktemp)
  python3 - "$file" "$pass" > "$fields" <<'PY'
import sys, urllib.parse
env_file, pass_file = sys.argv[1:3]
esc = lambda s: s.replace("\\", "\\\\").replace(":", "\\:")
for line in open(env_file):
    if line.startswith("DATABASE_URL="):
        url = urllib.parse.urlsplit(line.strip().split("=", 1)[1])
        host, port = url.hostname or "localhost", str(url.port or 5432)
        user = urllib.parse.unquote(url.username or "")
        db = urllib.parse.unquote(url.path.lstrip("/"))
        with open(pass_file, "w") as out:
            out.write(":".join(["*", "*", "*", "*", esc(urllib.parse.unquote(url.password or ""))]) + "\n")
        print(host, port, user, db, sep="\n")
PY
  mapfile -t where < "$fields"
  rm -f "$fields"
  if [ "${#where[@]}" -lt 4 ]; then
    rm -f "$pass"
    echo "no DATABASE_URL in $file"
    return 1
  fi
  PGPASSFILE=$pass PGHOST=${where[0]} PGPORT=${where[1]} PGUSER=${where[2]} PGDATABASE=${where[3]} \
    PGCONNECT_TIMEOUT=10 LC_ALL=C psql -X -w -A -t -c "SELECT current_user || ' in ' || current_database()" 2>&1 || rc=$?
  rm -f "$pass"
  return "$rc"
}
