# Would certbot's renewal work today? Run weekly by droplift's timer (droplift-certbot-check):
# `certbot renew --dry-run` goes through every step of a renewal against Let's Encrypt's test
# server and changes no certificate. Its time, exit status and last lines go to root's
# /var/lib/droplift/certbot/last, which the health board of `droplift status` reads: a renewal
# that would fail is seen weeks before the certificate ends. Installed by droplift (stage 10) as
# /usr/local/lib/droplift/certbot-check.
set -uo pipefail
cd /
rc=0
out=$(certbot renew --dry-run --no-random-sleep-on-renew 2>&1) || rc=$?
printf '%s\n' "$out"
dir=/var/lib/droplift/certbot
install -d -m 700 "$dir"
{
  echo "$(date +%s) $rc"
  printf '%s\n' "$out" | tr -cd '[:print:]\n' | grep -v '^ *$' | tail -n 4
} > "$dir/last.new"
chmod 600 "$dir/last.new"
mv -f "$dir/last.new" "$dir/last"
exit "$rc"
