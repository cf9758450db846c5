# Hands the squad's database to the instructor for one SFTP read (`class remove` saves it before
# anything goes): pg_dump's custom format, read by postgres, written by root into a new folder of
# root's that others may only pass through, the file readable by the login user alone.
: "${site:?}" "${db:?}" "${owner:?}"
set -euo pipefail
if [ ! -f "/var/lib/droplift/class/$site" ]; then
  echo "$site is not a squad droplift class set up (no /var/lib/droplift/class/$site): nothing was saved or removed" >&2
  exit 1
fi
if ! (cd / && runuser -u postgres -- psql -X -At -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -qx 1); then
  echo "there is no database $db on the server: nothing to save (give --without-saving to remove the squad anyway)" >&2
  exit 1
fi
hand=$(mktemp -d /tmp/droplift-pull.XXXXXXXX)
name="$site-$(date -u +%Y%m%dT%H%M%SZ).dump"
if ! (umask 077 && cd / && runuser -u postgres -- env PGDATABASE="$db" pg_dump --format=custom >"$hand/$name"); then
  rm -rf "$hand"
  echo "pg_dump of $db failed: nothing was saved, nothing was removed" >&2
  exit 1
fi
pg_restore --list "$hand/$name" >/dev/null
chown "$owner" "$hand/$name"
chmod 600 "$hand/$name"
chmod 711 "$hand"
echo "the database $db: $name ($(stat -c %s "$hand/$name") bytes)"
echo "droplift-fetch: $hand/$name"
