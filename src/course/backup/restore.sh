# A real restore of the site's database from one of its backups, under the site's lock: a
# backup of the present state first, the app's service stopped, the backup restored in one
# transaction (a failure changes nothing), the service started again and the app's health path
# asked through nginx. If the app does not answer on the restored data, the present state is
# restored back the same way and the app serves it again.
: "${site:?}" "${db:?}" "${backup:?}" "${staging:?}" "${server_name:?}" "${health:?}"
set -euo pipefail
cd /
dir=/var/lib/droplift/backups/$site
file=$dir/$backup
if [ ! -f "$file" ]; then
  echo "there is no backup $backup of $site (droplift backup list names them)" >&2
  exit 1
fi
if ! pg_restore --list "$file" > /dev/null; then
  echo "the backup $backup is not a readable archive: nothing was changed" >&2
  exit 1
fi
site_lock
trap site_unlock EXIT

echo "first, a backup of the database as it is now:"
before=$("/usr/local/lib/droplift/backup-$site" | sed -n 's/^backup: \([^ ]*\) .*/\1/p')
if [ -z "$before" ] || [ ! -f "$before" ]; then
  echo "the backup of the present state failed: nothing was changed" >&2
  exit 1
fi
echo "  $before"

# The app's services (whatever serves the site: one unit, or one per release).
mapfile -t units < <(systemctl list-units --plain --no-legend --state=active "uwsgi-$site.service" "uwsgi-$site@*.service" | awk '{ print $1 }')
start_units() {
  local u
  for u in "${units[@]}"; do systemctl start "$u" || true; done
}

# GET $health through nginx, as a visitor naming the site: 2xx within 30 s.
healthy() {
  local code i
  for i in $(seq 30); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -g \
      --resolve "$server_name:80:127.0.0.1" "http://$server_name$health" || true)
    case "$code" in 2??) echo "GET $health through nginx: $code"; return 0 ;; esac
    [ "$i" -eq 30 ] || sleep 1
  done
  echo "GET $health through nginx: ${code:-no answer} after 30 s"
  return 1
}

# Restores $1 into the database in one transaction: all of it, or nothing.
restore_from() {
  runuser -u postgres -- pg_restore --clean --if-exists --single-transaction --exit-on-error \
    --dbname="$db" < "$1"
}

echo "stopping the app: ${units[*]:-nothing was running}"
for u in "${units[@]}"; do systemctl stop "$u"; done
if ! restore_from "$file"; then
  start_units
  echo "the backup $backup did not restore: the database is as it was, and the app serves it again" >&2
  exit 1
fi
echo "restored $backup into $db"
start_units
if [ "${#units[@]}" -eq 0 ] || healthy; then
  echo "droplift-state: done $db holds the data of $backup (the state before is kept as $(basename "$before"))"
  exit 0
fi
echo "the app does not answer on the restored data: putting the state before back" >&2
for u in "${units[@]}"; do systemctl stop "$u"; done
restore_from "$before"
start_units
healthy || true
echo "the database is back as it was before the restore ($(basename "$before")); $backup was not kept" >&2
exit 1
