# Read-only: is nginx installed and running, with exactly the student's site enabled (and the
# default site off when asked)? The site is known here by its SHA-256 (`digest`), so the check
# needs no stdin; nginx itself is asked (nginx -T), however the site got there.
: "${site:?}" "${remove_default:?}" "${digest:?}"
set -euo pipefail
available="/etc/nginx/sites-available/$site"
enabled="/etc/nginx/sites-enabled/$site"
if ! command -v nginx >/dev/null 2>&1; then
  echo "droplift-state: pending nginx is not installed yet"
elif [ ! -e "$available" ]; then
  echo "droplift-state: pending there is no site $site yet"
elif [ "$(sha256sum < "$available" | cut -d' ' -f1)" != "$digest" ]; then
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
