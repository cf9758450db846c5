# Read-only: is nginx installed and running, with exactly the site on stdin enabled (and the
# default site off when asked)? nginx itself is asked (nginx -T), however the site got there.
: "${site:?}" "${remove_default:?}"
set -euo pipefail
available="/etc/nginx/sites-available/$site"
enabled="/etc/nginx/sites-enabled/$site"
want=$(mktemp)
trap 'rm -f "$want"' EXIT
cat > "$want"
same=no
change=""
if [ -e "$available" ]; then
  if cmp -s "$available" "$want"; then
    same=yes
  else
    change=$(diff -u --label "$available (now)" --label "$available (after)" "$available" "$want" || true)
  fi
fi
rm -f "$want"

if ! command -v nginx >/dev/null 2>&1; then
  echo "droplift-state: pending nginx is not installed yet"
elif [ ! -e "$available" ]; then
  echo "droplift-state: pending there is no site $site yet"
elif [ "$same" = no ]; then
  echo "The change to your site file:"
  echo "$change"
  echo "droplift-state: pending the site file on the server is not yours yet"
elif ! config=$(nginx -T 2>&1); then
  problem=$(grep -m1 -E '\[(emerg|alert|crit)\]' <<<"$config" || echo "nginx -t failed")
  echo "$config" | tail -n 5
  echo "droplift-state: drifted nginx's configuration does not pass its own test: ${problem#*: }"
elif ! grep -qxF "# configuration file $enabled:" <<<"$config"; then
  echo "droplift-state: pending the site $site is not enabled"
elif [ "$remove_default" = yes ] && grep -qxF "# configuration file /etc/nginx/sites-enabled/default:" <<<"$config"; then
  echo "droplift-state: pending nginx's default site is still on"
elif ! systemctl is-active --quiet nginx; then
  echo "droplift-state: pending nginx is not running"
else
  echo "droplift-state: done nginx serves the site $site"
fi
