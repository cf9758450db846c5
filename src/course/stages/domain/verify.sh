# Checks from the server: https://DOMAIN plus the app's health path ($health) answers 2xx with the
# new certificate, and plain http is redirected to it.
: "${domain:?}" "${health:?}"
set -euo pipefail
code=$(curl --noproxy '*' -s -g -o /dev/null -w '%{http_code}' --max-time 10 --resolve "$domain:443:127.0.0.1" "https://$domain$health")
[[ $code == 2[0-9][0-9] ]] || { echo "https://$domain$health answers $code" >&2; exit 1; }
echo "https://$domain$health: $code"
redirect=$(curl --noproxy '*' -s -g -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 10 -H "Host: $domain" "http://127.0.0.1$health")
echo "http://$domain$health: $redirect"
