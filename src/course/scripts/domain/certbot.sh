# Installs certbot with its nginx plugin and asks Let's Encrypt for a certificate: certbot proves
# the domain is ours over port 80, adds the certificate to the site whose server_name is the
# domain, redirects http to https, and sets up renewal (a systemd timer). No questions asked.
: "${domain:?}" "${email:?}" "${site:?}"
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
names_domain() {
  awk -v d="$domain" '$1 == "server_name" { for (i = 2; i <= NF; i++) { w = $i; sub(/;$/, "", w); if (w == d) found = 1 } }
    END { exit !found }' "/etc/nginx/sites-available/$site"
}
if ! names_domain; then
  echo "the nginx site $site does not name $domain in server_name: set [nginx] server_name = \"$domain\" and run the nginx stage first" >&2
  exit 1
fi
missing=()
for p in certbot python3-certbot-nginx; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get install -y -q -o DPkg::Lock::Timeout=300 "${missing[@]}" ||
    { apt-get update -q && apt-get install -y -q -o DPkg::Lock::Timeout=300 "${missing[@]}"; }
fi
certbot --nginx --non-interactive --agree-tos --email "$email" --redirect --domain "$domain"
nginx -t
