# Hands the code of the squad's serving release to the instructor as a tar (its virtualenv
# left out): the squad's account reads its own folder (root never opens a path the squad can
# write), root writes the tar into a new folder of root's, readable by the login user alone.
# With no release serving, an empty tar says so by its name.
: "${site:?}" "${u:?}" "${owner:?}"
set -euo pipefail
if [ ! -f "/var/lib/droplift/class/$site" ]; then
  echo "$site is not a squad droplift class set up (no /var/lib/droplift/class/$site): nothing was saved or removed" >&2
  exit 1
fi
record=/var/lib/droplift/app/$site/current
current=""
if [ -f "$record" ]; then current=$(head -n 1 "$record"); fi
hand=$(mktemp -d /tmp/droplift-pull.XXXXXXXX)
if [[ $current =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$ ]] && id -u "$u" >/dev/null 2>&1; then
  name="$site-$current.tar"
  if ! (umask 077 && cd / && runuser -u "$u" -- tar -C "/var/www/html/$site/releases/$current" --exclude=./venv -cf - . >"$hand/$name"); then
    rm -rf "$hand"
    echo "the code of release $current could not be read: nothing was saved, nothing was removed" >&2
    exit 1
  fi
  echo "the code of release $current: $name ($(stat -c %s "$hand/$name") bytes)"
else
  name="$site-no-release.tar"
  (umask 077 && tar -cf "$hand/$name" -T /dev/null)
  echo "no release of $site serves: $name is empty"
fi
chown "$owner" "$hand/$name"
chmod 600 "$hand/$name"
chmod 711 "$hand"
echo "droplift-fetch: $hand/$name"
