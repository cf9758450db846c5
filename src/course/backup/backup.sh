# One backup of the site's database, as the timer (or `droplift backup now`) runs it: pg_dump's
# custom format, checked with pg_restore --list before it counts, kept in a folder only root
# may open; then the oldest are removed, keeping the newest of each of the last 7 days and of
# each of the last 4 weeks. Installed by droplift as /usr/local/lib/droplift/backup-SITE.
: "${site:?}" "${db:?}"
set -euo pipefail
umask 077
dir=/var/lib/droplift/backups/$site
cd /
name="$db-$(date -u +%Y%m%dT%H%M%SZ).dump"
trap 'rm -f "$dir/.${name%.dump}.partial"' EXIT
dump_db "$dir" "$db" "$name"

# Retention: newest first; a file stays when it is less than a day old, or the newest of its
# day (7 days) or of its ISO week (4 weeks). A deploy's backup (named after its release) is
# kept apart: the five newest of those.
days="" weeks="" ndays=0 nweeks=0 now=$(date +%s)
for old in $(find "$dir" -maxdepth 1 -name "$db-*.dump" ! -name "$db-*-before-*.dump" -printf '%f\n' | sort -r); do
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
thin_before "$dir" "$db"
