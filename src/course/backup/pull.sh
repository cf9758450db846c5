# Hands the newest backup of the site to the login user for one SFTP read: root copies it, as a
# file only that user may read, into a new folder of root's that others may only pass through.
: "${site:?}" "${owner:?}"
set -euo pipefail
dir=/var/lib/droplift/backups/$site
newest=""
if [ -d "$dir" ]; then
  newest=$(find "$dir" -maxdepth 1 -name '*.dump' -printf '%T@ %f\n' | sort -rn | awk 'NR == 1 { print $2 }')
fi
if [ -z "$newest" ]; then
  echo "there is no backup of $site on the server yet: droplift backup now makes one" >&2
  exit 1
fi
hand=$(mktemp -d /tmp/droplift-pull.XXXXXXXX)
install -m 600 -o "$owner" -- "$dir/$newest" "$hand/$newest"
chmod 711 "$hand"
echo "the newest backup: $newest ($(stat -c %s "$dir/$newest") bytes)"
echo "droplift-fetch: $hand/$newest"
