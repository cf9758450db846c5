# nginx's user joins the owner's group: a private site's folder and socket belong to that group
# (the service runs with it), so nginx reaches them and no other site's app does. nginx's
# workers get their groups when they start: a running nginx is reloaded (gracefully).
: "${u:?}"
set -euo pipefail
web=www-data
if id -nG "$web" | tr ' ' '\n' | grep -qxF "$u"; then
  echo "$web is in the group $u already"
else
  usermod -aG "$u" "$web"
  echo "$web joined the group $u"
  if systemctl is-active --quiet nginx; then
    systemctl reload nginx
    echo "nginx reloaded: its workers are in the group $u now"
  fi
fi
