# Read-only: the app's logs. The site's uWSGI units' journal (the slots uwsgi-SITE@a/b and the
# one unit of before), uWSGI's own log (the site's user's file: read as that user) and the lines
# of nginx's error log that name the site's folder (its socket): the last $log_lines lines of each,
# or, with log_follow=yes, every new line of the three as it comes, each marked with where it came
# from. Printable characters only: the app's output can hold terminal escapes.
: "${base:?}" "${unit:?}" "${log_lines:?}" "${log_follow:?}"
set -euo pipefail
uwsgi_log="$base/log/uwsgi.log"
nginx_log=/var/log/nginx/error.log
clean() { tr -cd '[:print:]\t\n'; }
mark() { sed -u "s/^/[$1] /"; }
journal() { journalctl --no-pager -o short-iso -u "$unit@*" -u "$unit" "$@" 2>&1; }
site_lines() { grep --line-buffered -F -- "$base/" || true; }
if [ "$log_follow" = yes ]; then
  echo "Following the journal of $unit@*, $uwsgi_log and $nginx_log (lines naming $base/); Ctrl-C stops."
  trap 'kill 0' EXIT
  journal -n 0 -f | clean | mark journal &
  as_owner tail -n 0 -F -- "$uwsgi_log" 2>/dev/null | clean | mark uwsgi.log &
  tail -n 0 -F -- "$nginx_log" 2>/dev/null | site_lines | clean | mark nginx &
  wait
  exit 0
fi
echo "── journal of $unit@* (last $log_lines lines)"
journal -n "$log_lines" | clean
echo "── $uwsgi_log (last $log_lines lines)"
if as_owner test -f "$uwsgi_log"; then
  as_owner tail -n "$log_lines" -- "$uwsgi_log" | clean
else
  echo "(no uWSGI log yet: the app has not run)"
fi
echo "── $nginx_log, lines naming $base/ (last $log_lines)"
if [ -f "$nginx_log" ]; then
  site_lines < "$nginx_log" | tail -n "$log_lines" | clean
fi
echo "droplift-state: done logs of $(basename "$base")"
