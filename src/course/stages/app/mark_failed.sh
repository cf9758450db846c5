# After a failed step: the release being built is marked failed and `next` is removed, so it
# can never go live; `current`, the release serving (if any), is not touched.
: "${base:?}" "${releases:?}" "${staging:?}"
set -euo pipefail
rm -f "$staging/source.tar"
name=$(link_target next)
if [ -n "$name" ] && [ "$(mark_get "$name" status)" = building ]; then
  mark_set "$name" status failed
  echo "release $name is marked failed (kept in $releases for a look)"
fi
rm -f "$base/next"
cur=$(link_target current)
echo "current stays ${cur:-unset (nothing serves yet)}"
