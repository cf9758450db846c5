# Makes the site's folders: /var/www/html/SITE for $u with nginx's group (www-data may pass
# through to the socket, others may not look in), releases/ and log/ inside, and droplift's own
# staging folder, which only root can read.
: "${u:?}" "${base:?}" "${releases:?}" "${staging:?}"
set -euo pipefail
install -d -o "$u" -g www-data -m 750 "$base" "$releases" "$base/log"
install -d -o root -g root -m 700 /var/lib/droplift /var/lib/droplift/app "$staging"
ls -ld "$base" "$releases" "$base/log"
