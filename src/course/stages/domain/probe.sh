# Read-only: does nginx already serve the domain over HTTPS with a certificate from certbot, does
# the app's health path ($health) answer 2xx there, and is the weekly renewal check on?
: "${domain:?}" "${health:?}"
set -euo pipefail
if [ ! -e "/etc/letsencrypt/live/$domain/fullchain.pem" ]; then
  echo "droplift-state: pending there is no certificate for $domain yet"
elif ! code=$(curl --noproxy '*' -s -g -o /dev/null -w '%{http_code}' --max-time 10 --resolve "$domain:443:127.0.0.1" "https://$domain$health"); then
  echo "droplift-state: pending nginx does not answer https://$domain yet"
elif [[ $code != 2[0-9][0-9] ]]; then
  echo "droplift-state: pending https://$domain$health answers $code"
elif [ ! -x /usr/local/lib/droplift/certbot-check ] || ! systemctl is-enabled --quiet droplift-certbot-check.timer 2> /dev/null; then
  echo "droplift-state: pending the weekly check that the renewal works (droplift-certbot-check.timer) is not on yet"
else
  echo "certificate: $(openssl x509 -noout -enddate -in "/etc/letsencrypt/live/$domain/fullchain.pem" 2>/dev/null || echo present)"
  echo "droplift-state: done https://$domain$health answers $code with a certificate from Let's Encrypt"
fi
