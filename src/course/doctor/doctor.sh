# Read-only diagnostics of a site for `droplift doctor`: what nginx, systemd, uWSGI, ufw and the
# kernel say, each in its own section (a line `\036doctor: NAME`), as the tools print it; droplift
# reads the sections on the laptop and turns what it finds into cards. Nothing here changes the
# server. Root reads nothing inside the site's folder (its user could have put a link there to a
# file of root's): the socket, its link and the app's log are read as that user, and whether
# nginx may use the socket is asked as nginx's own user.
: "${u:?}" "${base:?}" "${staging:?}" "${unit:?}" "${domain?}"
# No -e: one tool missing or failing must not hide the other sections.
set -uo pipefail
section() { printf '\036doctor: %s\n' "$1"; }
as_user() { (cd / && runuser -u "$u" -- "$@"); }
printable() { tr -cd '[:print:]\t\n'; }

# nginx's error log is in local time: these two let droplift count only lines newer than both
# a quarter of an hour ago and the serving slot's last start (a stopped one: when it stopped).
section since
date -d '15 minutes ago' '+%Y/%m/%d %H:%M:%S'
slot=$(head -n 1 "$staging/slot" 2>/dev/null | tr -cd 'ab')
started=$(systemctl show "$unit${slot:+@$slot}.service" -p ActiveEnterTimestamp --value 2>/dev/null)
if [ -z "$started" ] && [ "$(systemctl show "$unit${slot:+@$slot}.service" -p SubState --value 2>/dev/null)" = dead ]; then
  started=$(systemctl show "$unit${slot:+@$slot}.service" -p InactiveEnterTimestamp --value 2>/dev/null)
fi
if [ -n "$started" ]; then date -d "$started" '+%Y/%m/%d %H:%M:%S' 2>/dev/null; fi

section nginx-user
nginx_user=$(sed -n 's/^[[:space:]]*user[[:space:]]\{1,\}\([^[:space:];]\{1,\}\).*/\1/p' /etc/nginx/nginx.conf 2>/dev/null | head -n 1)
echo "${nginx_user:-www-data}"

section serving
echo "${slot:-legacy}"

section sockets
for name in socket.sock socket-a.sock socket-b.sock socket-legacy.sock; do
  as_user stat -L -c '%n %a %U %G %F' -- "$base/$name" 2>&1 | printable
done
as_user readlink -- "$base/socket.sock" 2>/dev/null | printable

section nginx-access
if runuser -u "${nginx_user:-www-data}" -- test -w "$base/socket.sock" 2>/dev/null; then
  echo "may write $base/socket.sock"
else
  echo "may not write $base/socket.sock"
fi

section units
for name in "$unit@a" "$unit@b" "$unit"; do
  systemctl show "$name.service" -p Id,LoadState,ActiveState,SubState,Result,ExecMainCode,ExecMainStatus,UnitFileState,NRestarts,User,Group,ExecStart,FragmentPath,DropInPaths 2>&1
  echo
done

section accounts
for name in "$unit@a" "$unit@b" "$unit"; do
  for field in User Group; do
    who=$(systemctl show "$name.service" -p "$field" --value 2>/dev/null)
    [ -n "$who" ] || continue
    if [ "$field" = User ]; then db=passwd; else db=group; fi
    if getent "$db" "$who" >/dev/null; then echo "$field $who exists"; else echo "$field $who missing"; fi
  done
done | sort -u

section listening
ss -xlnH 2>/dev/null | grep -F -- "$base/" || true

section uwsgi-log
as_user tail -n 80 -- "$base/log/uwsgi.log" 2>&1 | printable

section journal
journalctl -u "$unit@a.service" -u "$unit@b.service" -u "$unit.service" -n 30 --no-pager -o short-iso 2>&1 | printable

section nginx-errors
tail -n 2000 /var/log/nginx/error.log 2>/dev/null | grep -F -- "$base/" | tail -n 8 | printable

section ufw
ufw status verbose 2>&1

section tcp-listening
ss -ltnpH 2>/dev/null

section disk
df -PB1 / /var/lib/postgresql /var/log /var/www/html 2>/dev/null

section memory
grep -E '^(MemTotal|MemAvailable|SwapTotal|SwapFree):' /proc/meminfo

if [ -n "$domain" ]; then
  section dns
  getent ahosts "$domain" 2>&1 | awk '{print $1}' | sort -u
  section addresses
  ip -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d / -f 1
fi
section end
echo "droplift-state: done the doctor read the server"
