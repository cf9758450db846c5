# DATABASE_URL for the app: the role, its password (read from stdin) and the database, each
# percent-encoded so a password with @ : / ? # % stays one password. The standard form
# postgresql://, as Heroku, Render and DigitalOcean's App Platform give it: Django's
# dj-database-url, psycopg 3 and SQLAlchemy all read it (an app that wants a driver other than
# SQLAlchemy's default names it in its own code, as the sample app does).
: "${role:?}" "${db:?}"
set -euo pipefail

# Prints the URL; the password comes from stdin and never reaches a command line.
database_url() {
  local port
  port=$(cd / && runuser -u postgres -- psql -X -A -t -c 'SHOW port' 2>/dev/null) || port=5432
  python3 -c '
import sys, urllib.parse
role, db, port = sys.argv[1:4]
password = sys.stdin.readline().rstrip("\n")
q = lambda text: urllib.parse.quote(text, safe="")
print(f"postgresql://{q(role)}:{q(password)}@127.0.0.1:{port}/{q(db)}")
' "$role" "$db" "${port:-5432}"
}

# Prints the DATABASE_URL of the environment file $1 when it names $role and $db (the password is
# then the one stage 5 set, kept on the server); fails when there is none such.
live_database_url() {
  [ -f "$1" ] || return 1
  python3 -I -c '
import sys, urllib.parse as up
role, db, path = sys.argv[1:4]
for line in open(path):
    if line.startswith("DATABASE_URL="):
        url = line.split("=", 1)[1].strip()
        parts = up.urlsplit(url)
        if (parts.scheme == "postgresql" and up.unquote(parts.username or "") == role
                and up.unquote(parts.path[1:]) == db and parts.password):
            print(url)
            sys.exit(0)
sys.exit(1)
' "$role" "$db" "$1"
}
