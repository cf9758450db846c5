# Checks from the server: https://DOMAIN/items answers 200 with the new certificate, and plain
# http is redirected to it.
: "${domain:?}"
set -euo pipefail
code=$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 10 --resolve "$domain:443:127.0.0.1" "https://$domain/items")
[ "$code" = 200 ] || { echo "https://$domain/items answers $code" >&2; exit 1; }
echo "https://$domain/items: 200"
redirect=$(curl --noproxy '*' -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 10 -H "Host: $domain" http://127.0.0.1/items)
echo "http://$domain/items: $redirect"
