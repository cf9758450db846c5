# Serves the app's static folders ([app] static) with nginx itself, from the release that serves
# (`current`, so a go-live or a rollback changes them with the code): the lines go to droplift's
# own file, /etc/nginx/droplift/SITE-static.conf, which the site includes (stage 7's site has the
# line), so the site file stays as stage 7 or the student wrote it. nginx -t before the reload;
# if it refuses, the file before is put back and nginx keeps its configuration. No static folders:
# the file goes.
: "${site:?}" "${base:?}" "${releases:?}" "${static_file:?}" "${static_conf?}" "${static_lines?}"
set -euo pipefail
site_lock
available="/etc/nginx/sites-available/$site"
reload_nginx() {
  local out
  if ! out=$(nginx -t 2>&1); then
    echo "$out" >&2
    return 1
  fi
  systemctl reload nginx
}
if [ -z "$static_lines" ]; then
  if [ -e "$static_file" ]; then
    backup=$(mktemp)
    cp -a "$static_file" "$backup"
    rm -f "$static_file"
    if ! reload_nginx; then
      mv -f "$backup" "$static_file"
      echo "nginx refused its configuration without $static_file: it was put back" >&2
      exit 1
    fi
    rm -f "$backup"
    echo "no static folders ([app] static): $static_file is removed, the app answers every path"
  else
    echo "no static folders ([app] static): the app answers every path"
  fi
  exit 0
fi
if ! grep -qE "^[[:space:]]*include[[:space:]]+(/etc/nginx/)?droplift/$site-static\*\.conf;" "$available" 2>/dev/null; then
  echo "the nginx site $site has no line 'include droplift/$site-static*.conf;' (droplift's site has it since static folders came): run the nginx stage again, or add the line inside server { } of your own site file" >&2
  exit 1
fi
cur=$(link_target current)
while read -r prefix folder; do
  if [ -n "$cur" ] && ! as_owner test -d "$releases/$cur/$folder"; then
    echo "note: release $cur has no folder $folder: $prefix answers 404 until a release has it (does a release command make it, e.g. collectstatic?)"
  fi
done <<<"$static_lines"
install -d -m 755 /etc/nginx/droplift
printf '%s' "$static_conf" > "$static_file.new"
chmod 644 "$static_file.new"
backup=""
if [ -e "$static_file" ]; then
  if cmp -s "$static_file" "$static_file.new"; then
    rm -f "$static_file.new"
    echo "unchanged: $static_file"
    exit 0
  fi
  backup=$(mktemp)
  cp -a "$static_file" "$backup"
fi
mv -f "$static_file.new" "$static_file"
if ! reload_nginx; then
  if [ -n "$backup" ]; then mv -f "$backup" "$static_file"; else rm -f "$static_file"; fi
  echo "nginx does not accept the static lines in $static_file; the file before was put back" >&2
  exit 1
fi
rm -f "$backup"
while read -r prefix folder; do
  echo "nginx serves $prefix from $base/current/$folder/"
done <<<"$static_lines"
