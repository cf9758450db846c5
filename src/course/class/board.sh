# The class's board, read-only (`droplift class status`): one line per squad,
#   squad|NAME|RELEASE|DEPLOYED (epoch seconds)|HEALTH (HTTP code through nginx)|FAILED|LAST ERROR
# from root's records for its site (which release serves and since when, the releases marked
# failed), its health path asked through nginx as a visitor would, and the last line of its
# units' journal since then that reads like an error. $squads: one line per squad, "NAME HEALTH HOST PREFIX"
# (PREFIX "-" for a squad with a server_name of its own).
: "${squads:?}"
set -uo pipefail
clean() { tr -cd '[:print:]' | tr '|' '/' | cut -c 1-200; }
while read -r name health host prefix; do
  [ -n "$name" ] || continue
  state=/var/lib/droplift/app/$name
  release="" deployed="" failed=0 code=000 error=""
  if [ -f "$state/current" ]; then
    release=$(head -n 1 "$state/current" | clean)
    deployed=$(stat -c %Y "$state/current")
  fi
  if [ -d "$state/marks" ]; then
    failed=$(grep -lx 'status=failed' "$state"/marks/* 2>/dev/null | wc -l)
  fi
  [ "$prefix" != - ] || prefix=""
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' -H "Host: $host" "http://127.0.0.1$prefix$health" 2>/dev/null) || true
  # Since the serving release went live (a squad removed and set up again, or an old crash,
  # is not today's error); nothing before its first release.
  if [ -n "$deployed" ]; then
    error=$(journalctl -q --no-pager -o cat -n 300 --since "@$deployed" -u "uwsgi-$name@*" 2>/dev/null |
      grep -iE 'error|traceback|exception|killed|no python application' | tail -n 1 | clean)
  fi
  printf 'squad|%s|%s|%s|%s|%s|%s\n' "$name" "$release" "$deployed" "${code:-000}" "$failed" "$error"
done <<<"$squads"
echo "droplift-state: done the class's board"
