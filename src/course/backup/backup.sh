# One backup of the site's database, as the timer (or `droplift backup now`) runs it: pg_dump's
# custom format, checked with pg_restore --list before it counts, kept in a folder only root
# may open; then the oldest are removed, keeping the newest of each of the last 7 days and of
# each of the last 4 weeks. Installed by droplift as /usr/local/lib/droplift/backup-SITE.
: "${site:?}" "${db:?}"
set -euo pipefail
umask 077
dir=/var/lib/droplift/backups/$site
install -d -m 700 /var/lib/droplift/backups "$dir"
cd /
stamp=$(date -u +%Y%m%dT%H%M%SZ)
file="$dir/$db-$stamp.dump"
tmp="$dir/.$db-$stamp.partial"
trap 'rm -f "$tmp"' EXIT
# postgres reads the database; root writes the file (postgres cannot open this folder).
runuser -u postgres -- pg_dump --format=custom --dbname="$db" > "$tmp"
if ! pg_restore --list "$tmp" > /dev/null; then
  echo "the dump of $db is not a readable archive: nothing is kept" >&2
  exit 1
fi
mv "$tmp" "$file"
echo "backup: $file ($(stat -c %s "$file") bytes)"

# Retention: newest first; a file stays when it is less than a day old, or the newest of its
# day (7 days) or of its ISO week (4 weeks).
days="" weeks="" ndays=0 nweeks=0 now=$(date +%s)
for old in $(find "$dir" -maxdepth 1 -name "$db-*.dump" -printf '%f\n' | sort -r); do
  when=${old#"$db-"}
  when=${when%.dump}
  day=${when%%T*}
  week=$(date -u -d "$day" +%G%V)
  keep=no
  made=$(date -u -d "$day ${when:9:2}:${when:11:2}:${when:13:2}" +%s)
  [ $((now - made)) -ge 86400 ] || keep=yes
  case " $days " in *" $day "*) ;; *)
    if [ "$ndays" -lt 7 ]; then keep=yes days="$days $day" ndays=$((ndays + 1)); fi ;;
  esac
  case " $weeks " in *" $week "*) ;; *)
    if [ "$nweeks" -lt 4 ]; then keep=yes weeks="$weeks $week" nweeks=$((nweeks + 1)); fi ;;
  esac
  if [ "$keep" = no ]; then
    rm -f "$dir/$old"
    echo "removed (older than what is kept): $old"
  fi
done
