# Is the squad's database set up? Its environment file (root's, in root's folder for the site)
# holds a DATABASE_URL for its role and database: the password stage 5 set, kept on the server
# and never sent again. Read-only.
: "${site:?}" "${role:?}" "${db:?}"
set -euo pipefail
if live_database_url "/var/lib/droplift/app/$site/app.env" >/dev/null; then
  echo "droplift-state: done the database $db and its role $role are set up (the password is kept on the server)"
else
  echo "droplift-state: pending no DATABASE_URL for $role and $db yet"
fi
