# A restore drill: the backup is restored into a scratch database beside the live one, and the
# two are compared table by table (rows counted); with release_check=yes the release serving
# now is started against the copy on a socket of its own and asked its health path
# (drill_release.sh); then everything scratch goes. The site and its database are never touched.
: "${site:?}" "${db:?}" "${backup:?}" "${release_check:?}"
set -euo pipefail
cd /
export LC_ALL=C
file=/var/lib/droplift/backups/$site/$backup
if [ ! -f "$file" ]; then
  echo "there is no backup $backup of $site (droplift backup list names them)" >&2
  exit 1
fi
scratch="droplift_drill_$$"
pg() { runuser -u postgres -- "$@"; }
# The drill's uWSGI stops first: its connections would keep the copy from being dropped.
drop_scratch() {
  if [ "$release_check" = yes ]; then drill_release_clean; fi
  pg dropdb --if-exists --force "$scratch" 2> /dev/null || true
}
trap drop_scratch EXIT
pg createdb "$scratch"
# root opens the backup (only root may); pg_restore reads it on stdin as postgres.
if ! pg pg_restore --no-owner --no-privileges --exit-on-error --dbname="$scratch" < "$file"; then
  echo "the backup $backup does not restore: it cannot be relied on" >&2
  exit 1
fi
counts() {
  local table
  # quote_ident: the app named its tables; the name goes back into SQL only quoted.
  pg psql -XAtq -d "$1" -c "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1" |
    while IFS= read -r table; do
      printf '%s\t%s\n' "$table" "$(pg psql -XAtq -d "$1" -c "SELECT count(*) FROM $table")"
    done
}
restored=$(counts "$scratch")
live=$(counts "$db")
printf '  %-40s %12s %12s\n' TABLE "IN BACKUP" "LIVE NOW"
join -t "$(printf '\t')" -a 1 -a 2 -e '-' -o '0,1.2,2.2' <(echo "$restored" | sort) <(echo "$live" | sort) |
  while IFS="$(printf '\t')" read -r table before now; do
    [ -n "$table" ] || continue
    printf '  %-40s %12s %12s\n' "$table" "$before" "$now"
  done
tables=$(printf '%s\n' "$restored" | grep -c . || true)
if [ "$release_check" = yes ] && ! drill_release "$scratch"; then
  echo "the backup $backup restores ($tables tables), but the release serving now does not answer on it: see above" >&2
  exit 1
fi
echo "droplift-state: done the backup $backup restores ($tables tables; rows as above)"
