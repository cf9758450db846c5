# Checks from nginx's own view: nginx -T shows this site's file inside the site $under, and a
# request for /$site/ from the server itself reaches this site's socket (502 until its app runs).
: "${site:?}" "${under:?}" "${server_name:?}"
set -euo pipefail
host_header=$server_name
[ "$host_header" = _ ] && host_header=localhost
file=/etc/nginx/droplift/under/$under/$site.conf
if ! config=$(nginx -T 2>&1); then
  echo "$config" >&2
  exit 1
fi
grep -qxF "# configuration file $file:" <<<"$config" || { echo "nginx -T does not show $file" >&2; exit 1; }
echo "nginx -T shows $file, included by the site $under"
echo "curl -sI -H 'Host: $host_header' http://127.0.0.1/$site/"
status=$(curl --noproxy '*' -sI --max-time 10 -H "Host: $host_header" "http://127.0.0.1/$site/" | head -n 1 | tr -d '\r' || true)
echo "  $status"
case "$(awk '{ print $2 }' <<<"$status")" in
  "") echo "nginx did not answer on port 80" >&2; exit 1 ;;
  502) echo "502 Bad Gateway is expected for now: nginx passed /$site/ on to this site's socket, and its app starts in the uWSGI stage." ;;
  *) echo "This site's app answered." ;;
esac
