# Read-only: does nginx already serve the domain over HTTPS with a certificate from certbot?
: "${domain:?}"
set -euo pipefail
if [ ! -e "/etc/letsencrypt/live/$domain/fullchain.pem" ]; then
  echo "droplift-state: pending there is no certificate for $domain yet"
elif ! code=$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 10 --resolve "$domain:443:127.0.0.1" "https://$domain/items"); then
  echo "droplift-state: pending nginx does not answer https://$domain yet"
elif [ "$code" != 200 ]; then
  echo "droplift-state: pending https://$domain/items answers $code"
else
  echo "certificate: $(openssl x509 -noout -enddate -in "/etc/letsencrypt/live/$domain/fullchain.pem" 2>/dev/null || echo present)"
  echo "droplift-state: done https://$domain/items answers 200 with a certificate from Let's Encrypt"
fi
