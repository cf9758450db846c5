# Checks from nginx's own view: nginx -T (the configuration it would load) shows the site, and a
# request from the server itself (curl -sI http://127.0.0.1/) reaches it. Until the app runs,
# the answer is 502 Bad Gateway: nginx is fine and the app behind it is not started yet.
: "${site:?}" "${server_name:?}"
set -euo pipefail
# The request names the site, so a default site (kept only beside a named site) cannot answer
# in its place; `_` is no name at all, and then this site is the only one.
host_header=$server_name
[ "$host_header" = _ ] && host_header=localhost
enabled="/etc/nginx/sites-enabled/$site"
if ! config=$(nginx -T 2>&1); then
  echo "$config" >&2
  exit 1
fi
if ! grep -qxF "# configuration file $enabled:" <<<"$config"; then
  echo "nginx -T does not show $enabled: the site is not enabled" >&2
  exit 1
fi
echo "nginx -T shows your site:"
awk -v head="# configuration file $enabled:" '
  $0 == head { on = 1; next }
  on && /^# configuration file / { exit }
  on && /server_name|uwsgi_pass|listen/ { print "  " $0 }' <<<"$config"

echo "curl -sI -H 'Host: $host_header' http://127.0.0.1/"
headers=$(curl --noproxy '*' -sI --max-time 10 -H "Host: $host_header" http://127.0.0.1/ || true)
status=$(head -n 1 <<<"$headers" | tr -d '\r')
echo "  $status"
code=$(awk '{ print $2 }' <<<"$status")
case "$code" in
  "")
    echo "nginx did not answer on port 80" >&2
    exit 1
    ;;
  502)
    echo "502 Bad Gateway is expected for now: nginx works and passed the request on"
    echo "to your app's socket (/var/www/html/$site/socket.sock), but the app is not"
    echo "running yet; it starts in the uWSGI stage. Nothing is broken."
    ;;
  *)
    if curl --noproxy '*' -s --max-time 10 -H "Host: $host_header" http://127.0.0.1/ | grep -q 'Welcome to nginx'; then
      echo "nginx's welcome page answered instead of your site" >&2
      exit 1
    fi
    echo "Your site answered ($code)."
    ;;
esac
