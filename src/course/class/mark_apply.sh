# Marks $u as a squad of the class on the site $host_site (root's record, read by mark.sh and
# remove.sh).
: "${u:?}" "${host_site:?}"
set -euo pipefail
install -d -m 700 -o root -g root /var/lib/droplift /var/lib/droplift/class
printf '%s\n' "$host_site" >"/var/lib/droplift/class/.$u.new"
mv -f "/var/lib/droplift/class/.$u.new" "/var/lib/droplift/class/$u"
echo "$u is marked a squad of the class on $host_site"
