# Serves the site at /$site/ on the site $under's server block: droplift's file of location lines
# (on stdin) goes to /etc/nginx/droplift/under/$under/$site.conf, which that block includes; nginx
# -t tests the whole configuration and nginx reloads. Any failure puts the file before back (or
# takes the new one out) and nginx keeps the configuration it has.
: "${site:?}" "${under:?}"
set -euo pipefail
host_file=/etc/nginx/sites-enabled/$under
dir=/etc/nginx/droplift/under/$under
file=$dir/$site.conf
if [ ! -e "$host_file" ]; then
  echo "There is no enabled site $under to serve /$site/ under: apply stage 7 with $under's answers first." >&2
  exit 1
fi
if ! grep -Eq "^[[:space:]]*include[[:space:]]+droplift/under/$under/\*\.conf;" "$host_file"; then
  echo "The site $under does not include droplift/under/$under/*.conf: apply stage 7 with $under's" >&2
  echo "answers again (droplift's site has the line now), or add the line to its server block." >&2
  exit 1
fi
install -d -m 755 /etc/nginx/droplift /etc/nginx/droplift/under
install -d -m 755 "$dir"
backup=$(mktemp)
trap 'rm -f "$backup"' EXIT
had=no
if [ -f "$file" ]; then cp -a "$file" "$backup"; had=yes; fi
put_back() {
  if [ "$had" = yes ]; then cp -a "$backup" "$file"; else rm -f "$file"; fi
  echo "The file before is back; nginx keeps the configuration it has." >&2
}
cat >"$file.droplift-new"
chmod 644 "$file.droplift-new"
mv -f "$file.droplift-new" "$file"
echo "Wrote $file:"
sed 's/^/  /' "$file"
if ! out=$(nginx -t 2>&1); then
  echo "$out" >&2
  put_back
  exit 1
fi
old_workers=$(nginx_workers)
if ! systemctl reload nginx; then
  echo "nginx did not reload:" >&2
  journalctl -u nginx -n 5 --no-pager >&2 || true
  put_back
  exit 1
fi
wait_old_workers "$old_workers"
echo "nginx reloaded: /$site/ goes to the site $site's socket"
