# Asks the server's own resolver where the domain points, and compares that with the server's
# addresses. Nothing is changed: when they differ, DNS is explained and the stage stops here.
: "${domain:?}"
set -euo pipefail
explain() {
  cat >&2 <<TEXT
A domain name is a label; DNS is the internet's address book that turns it into the server's
address. Your registrar (where you bought $domain) keeps its records: add an A record for $domain
with the droplet's IPv4 address (and an AAAA record for its IPv6 one, if it has one), then wait
for it to spread (minutes, sometimes hours) and run this stage again. Nothing was changed.
TEXT
}
pointed=$(getent ahosts "$domain" 2>/dev/null | awk '{ print $1 }' | sort -u || true)
if [ -z "$pointed" ]; then
  echo "DNS check on the server: $domain does not resolve to any address" >&2
  explain
  exit 1
fi
mine=$(ip -o addr show scope global 2>/dev/null | awk '{ split($4, a, "/"); print a[1] }' | sort -u)
while read -r address; do
  if ! grep -qxF "$address" <<<"$mine"; then
    echo "DNS check on the server: $domain points at $address, which is not this server (its addresses: $(paste -sd ' ' <<<"$mine"))" >&2
    explain
    exit 1
  fi
done <<<"$pointed"
echo "DNS check on the server: $domain points here ($(paste -sd ' ' <<<"$pointed"))"
