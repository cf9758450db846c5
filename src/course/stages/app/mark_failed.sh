# After a failed step: the release being built is marked failed and is `next` no more, so it
# can never go live, and the environment file prepared for it goes; `current`, the release
# serving (if any), and the live environment file are not touched.
: "${releases:?}" "${staging:?}" "${env_file:?}"
set -euo pipefail
site_lock
rm -f "$staging/source.tar" "$env_file.next"
name=$(link_target next)
if [ -n "$name" ] && [ "$(mark_get "$name" status)" = building ]; then
  mark_set "$name" status failed
  echo "release $name is marked failed (kept in $releases for a look)"
fi
if [ -n "$name" ]; then drop_link next; fi
cur=$(link_target current)
echo "current stays ${cur:-unset (nothing serves yet)}"
site_unlock
