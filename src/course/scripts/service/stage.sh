# Writes uwsgi.ini and the systemd unit into droplift's staging folder (not live yet) and
# shows how they differ from the installed ones. They are checked and installed when the
# release goes live, so a mistake never reaches the running service.
: "${staging:?}" "${base:?}" "${unit:?}" "${ini:?}" "${unit_text:?}"
set -euo pipefail
install -d -m 700 "$staging"
printf '%s\n' "$ini" > "$staging/uwsgi.ini"
printf '%s\n' "$unit_text" > "$staging/$unit.service"
for pair in "$staging/uwsgi.ini:$base/uwsgi.ini" "$staging/$unit.service:/etc/systemd/system/$unit.service"; do
  new=${pair%%:*}
  old=${pair#*:}
  if [ ! -e "$old" ]; then
    echo "new: $old"
  elif cmp -s "$new" "$old"; then
    echo "unchanged: $old"
  else
    diff -u --label "$old (now)" --label "$old (new)" "$old" "$new" || true
  fi
done
