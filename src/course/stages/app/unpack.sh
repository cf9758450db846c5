# Unpacks the uploaded code as $u into a new release folder named after the time (UTC), marked
# "building", and makes it `next`. If a release was built from exactly this code before, that
# one is used again instead. `current` is not touched: the release goes live only after the
# service stage's smoke test.
: "${u:?}" "${source_label:?}" "${releases:?}" "${staging:?}"
set -euo pipefail
site_lock
archive="$staging/source.tar"
if [ ! -s "$archive" ]; then
  echo "the uploaded code ($archive) is missing: run the stage again" >&2
  exit 1
fi
trap 'rm -f "$archive"' EXIT
digest=$(sha256sum "$archive" | cut -d ' ' -f 1)
if again=$(release_with_digest "$digest") && [ -n "$again" ]; then
  switch_link next "$again"
  echo "release $again was built from exactly this code: it is used again"
  exit 0
fi
fail_cut_short
name=$(new_release_name "$(date -u +%Y%m%dT%H%M%SZ)")
mark_set "$name" status building
mark_set "$name" built "$(date +%s)"
mark_set "$name" digest "$digest"
mark_set "$name" source "$source_label"
switch_link next "$name"
as_owner mkdir -m 750 -- "$releases/$name"
as_owner tar -x --no-same-owner -C "$releases/$name" -f - < "$archive"
echo "unpacked $(tar -tf "$archive" | grep -vc '/$') files into $releases/$name"
check_tree "$releases/$name"
