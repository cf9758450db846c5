# Makes the account's home private: other accounts get nothing (mode o-rwx; Debian's useradd
# makes homes 755, Ubuntu's 750). An owner without sudo gets 0700: nginx's user is in that
# owner's group (for the site's folder), and must not read the home through it. Only a home
# that is the account's own, in a folder of root's, is changed.
: "${u:?}" "${home_mode:?}"
set -euo pipefail
home=$(getent passwd "$u" | cut -d: -f6)
if [ -z "$home" ] || [ ! -d "$home" ] || [ -L "$home" ] ||
  [ "$(stat -c %U -- "$home")" != "$u" ] || [ "$(stat -c %U -- "$(dirname -- "$home")")" != root ]; then
  echo "$u's home ($home) is not a folder of $u's in a folder of root's: left as it is" >&2
  exit 1
fi
chmod "$home_mode" -- "$home"
echo "$u's home: $(stat -c '%A %U:%G' -- "$home") $home"
