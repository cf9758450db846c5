# The site's backups, newest first, and what the timer did last and does next.
: "${site:?}" "${unit:?}"
set -euo pipefail
dir=/var/lib/droplift/backups/$site
printf '  %-44s %10s  %s\n' BACKUP BYTES "MADE (UTC)"
n=0
if [ -d "$dir" ]; then
  while read -r made size name; do
    printf '  %-44s %10s  %s\n' "$name" "$size" "$(date -u -d "@${made%.*}" '+%Y-%m-%d %H:%M:%S')"
    n=$((n + 1))
  done < <(find "$dir" -maxdepth 1 -name '*.dump' -printf '%T@ %s %f\n' | sort -rn)
fi
last=$(systemctl show "$unit.service" -p Result --value 2>/dev/null || true)
when=$(systemctl show "$unit.service" -p ExecMainExitTimestamp --value 2>/dev/null || true)
next=$(systemctl show "$unit.timer" -p NextElapseUSecRealtime --value 2>/dev/null || true)
enabled=$(systemctl is-enabled "$unit.timer" 2>/dev/null || true)
echo "  the timer: ${enabled:-not installed}${next:+, next run $next}"
if [ -n "$when" ]; then echo "  the last run: $last, at $when"; fi
if [ "$n" -eq 0 ]; then
  echo "droplift-state: pending no backup yet"
else
  echo "droplift-state: done $n backup(s)"
fi
