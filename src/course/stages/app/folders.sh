# Makes the site's folders: /var/www/html/SITE for $u with the service's group $group (nginx's
# way in: www-data, or for a private site $u's own group, which nginx's user is in; nginx may
# pass through to the socket, others may not look in; setgid, so what is made inside gets that
# group too), releases/ and log/ inside, made by $u; droplift's own folder for the site, which
# only root can read; and the folder of the site's uWSGI settings, which root writes and anyone
# may read.
: "${u:?}" "${base:?}" "${releases:?}" "${staging:?}" "${ini:?}" "${group:?}"
set -euo pipefail
site_lock
install -d -o "$u" -g "$group" -m 2750 "$base"
as_owner mkdir -p -m 750 -- "$releases" "$base/log"
install -d -o root -g root -m 700 /var/lib/droplift /var/lib/droplift/app "$staging"
install -d -o root -g root -m 755 /etc/droplift "$(dirname "$ini")"
as_owner ls -ld -- "$base" "$releases" "$base/log"
