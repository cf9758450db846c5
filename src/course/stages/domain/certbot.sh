# Installs certbot with its nginx plugin and asks Let's Encrypt for a certificate: certbot proves
# the domain is ours over port 80 through nginx, and keeps nginx's files as they are (certonly).
# droplift then writes its own HTTPS file, which the site includes, tests nginx's whole
# configuration and reloads; a failure removes the file again. A certificate that is still good
# for 30 days is kept, not asked for again (Let's Encrypt limits how often). Renewal is certbot's
# systemd timer; its hook reloads nginx. droplift's own weekly timer tries that renewal
# (certbot renew --dry-run, renew_check.sh) and keeps the result for the health board.
: "${domain:?}" "${email:?}" "${site:?}" "${tls_conf:?}"
: "${check_script:?}" "${check_unit:?}" "${check_timer:?}"
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
available="/etc/nginx/sites-available/$site"
live="/etc/letsencrypt/live/$domain"
snippet="/etc/nginx/droplift/$site-tls.conf"
names_domain() {
  awk -v d="$domain" '$1 == "server_name" { for (i = 2; i <= NF; i++) { w = $i; sub(/;$/, "", w); if (w == d) found = 1 } }
    END { exit !found }' "$available"
}
if ! names_domain; then
  echo "the nginx site $site does not name $domain in server_name: set [nginx] server_name = \"$domain\" and run the nginx stage first" >&2
  exit 1
fi
if ! grep -qE "^[[:space:]]*include[[:space:]]+(/etc/nginx/)?droplift/$site-tls\*\.conf;" "$available"; then
  echo "the nginx site $site has no line 'include droplift/$site-tls*.conf;' (the course's site has it): add it inside server { }, run the nginx stage, then this one" >&2
  exit 1
fi
missing=()
for p in certbot python3-certbot-nginx; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}" || { apt-get update -q && apt_install "${missing[@]}"; }
fi
if [ -s "$live/fullchain.pem" ] && openssl x509 -checkend 2592000 -noout -in "$live/fullchain.pem" >/dev/null 2>&1; then
  echo "the certificate for $domain is good for 30 days or more: it is kept"
else
  certbot certonly --nginx --non-interactive --agree-tos --email "$email" --domain "$domain" \
    --deploy-hook 'systemctl reload nginx'
fi
install -d -m 755 /etc/nginx/droplift
backup=""
if [ -e "$snippet" ]; then
  backup=$(mktemp)
  cp -a "$snippet" "$backup"
fi
printf '%s' "$tls_conf" > "$snippet.new"
chmod 644 "$snippet.new"
mv -f "$snippet.new" "$snippet"
if ! out=$(nginx -t 2>&1); then
  echo "$out" >&2
  if [ -n "$backup" ]; then mv -f "$backup" "$snippet"; else rm -f "$snippet"; fi
  echo "nginx does not accept the HTTPS lines in $snippet; they were taken out again" >&2
  exit 1
fi
rm -f "$backup"
systemctl reload nginx
echo "nginx serves https://$domain with the certificate in $live (HTTPS lines: $snippet)"

# The weekly renewal check: root's script and its unit and timer, checked, switched on, and run
# once now in the background (its result is there in a minute).
check=droplift-certbot-check
install -d -m 755 /usr/local/lib/droplift
printf '%s' "$check_script" > /usr/local/lib/droplift/certbot-check.new
chmod 700 /usr/local/lib/droplift/certbot-check.new
mv -f /usr/local/lib/droplift/certbot-check.new /usr/local/lib/droplift/certbot-check
printf '%s' "$check_unit" > "/etc/systemd/system/$check.service.new"
printf '%s' "$check_timer" > "/etc/systemd/system/$check.timer.new"
chmod 644 "/etc/systemd/system/$check.service.new" "/etc/systemd/system/$check.timer.new"
mv -f "/etc/systemd/system/$check.service.new" "/etc/systemd/system/$check.service"
mv -f "/etc/systemd/system/$check.timer.new" "/etc/systemd/system/$check.timer"
systemd-analyze verify "/etc/systemd/system/$check.service" "/etc/systemd/system/$check.timer"
systemctl daemon-reload
systemctl enable --now "$check.timer"
systemctl start --no-block "$check.service"
echo "a weekly dry run of the renewal is on ($check.timer): droplift status shows its last result"
