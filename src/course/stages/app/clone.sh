# Clones the branch or tag `ref` of the repository as $u into a new release folder (named after
# a tag, else after the time, UTC), marked "building", and makes it `next`. A URL or ref git
# cannot find stops here, before any release is made. If a release was built from the same
# commit before, that one is used again.
: "${u:?}" "${url:?}" "${ref:?}" "${releases:?}"
set -euo pipefail
site_lock
if ! commit=$(wanted_digest); then
  echo "$commit" >&2
  echo "Nothing was changed: check [app] source and ref." >&2
  exit 1
fi
if again=$(release_with_digest "$commit") && [ -n "$again" ]; then
  switch_link next "$again"
  echo "release $again was built from commit $commit: it is used again"
  exit 0
fi
if ref_is_tag; then
  name=$(new_release_name "${ref//\//-}")
else
  name=$(new_release_name "$(date -u +%Y%m%dT%H%M%SZ)")
fi
fail_cut_short
as_owner mkdir -m 750 -- "$releases/$name"
if ! git_as_user -c advice.detachedHead=false clone --quiet --depth 1 --branch "$ref" "$url" "$releases/$name"; then
  as_owner rm -rf -- "${releases:?}/$name"
  echo "git could not clone $ref of $url; nothing was changed" >&2
  exit 1
fi
mark_set "$name" status building
mark_set "$name" built "$(date +%s)"
mark_set "$name" digest "$commit"
mark_set "$name" source "git $url $ref"
switch_link next "$name"
echo "cloned $ref ($commit) into $releases/$name"
check_tree "$releases/$name"
