# Read-only: does nginx serve this site at /$site/ on the site $under's server block: the site
# $under enabled and including droplift/under/$under/*.conf, droplift's file for this site there
# (known by its SHA-256, `digest`), nginx's configuration passing its test, nginx running?
: "${site:?}" "${under:?}" "${digest:?}"
set -euo pipefail
host_file=/etc/nginx/sites-enabled/$under
file=/etc/nginx/droplift/under/$under/$site.conf
if ! command -v nginx >/dev/null 2>&1; then
  echo "droplift-state: pending nginx is not installed yet (stage 7 of the site $under installs it)"
elif [ ! -e "$host_file" ]; then
  echo "droplift-state: drifted there is no enabled site $under to serve /$site/ under: apply stage 7 with $under's answers first"
elif ! grep -Eq "^[[:space:]]*include[[:space:]]+droplift/under/$under/\*\.conf;" "$host_file"; then
  echo "droplift-state: drifted the site $under does not include droplift/under/$under/*.conf: apply stage 7 with $under's answers again (droplift's site has the line now), or add the line to its server block"
elif [ ! -f "$file" ]; then
  echo "droplift-state: pending nginx does not serve /$site/ under the site $under yet"
elif [ "$(sha256sum < "$file" | cut -d' ' -f1)" != "$digest" ]; then
  echo "droplift-state: pending $file is not the one droplift writes yet"
elif ! config=$(nginx -T 2>&1); then
  problem=$(grep -m1 -E '\[(emerg|alert|crit)\]' <<<"$config" || echo "nginx -t failed")
  echo "droplift-state: drifted nginx's configuration does not pass its own test: ${problem#*: }"
elif ! systemctl is-active --quiet nginx; then
  echo "droplift-state: pending nginx is not running"
else
  echo "droplift-state: done nginx serves /$site/ on the site $under"
fi
