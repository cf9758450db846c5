# Links the folders kept across releases ([app] shared: an instance folder with SQLite, uploaded
# media) into the release waiting to go live, before its code is imported or its release commands
# run. Each lives in $base/shared/NAME, made by $u the first time (with the files the code has in
# NAME, if any); the release's own NAME becomes a link to it. Everything here runs as $u: the
# folders are theirs. uWSGI (the same user, group www-data) writes there.
: "${u:?}" "${base:?}" "${releases:?}" "${shared_dirs?}"
set -euo pipefail
site_lock
name=$(link_target next)
[ -n "$name" ] || { echo "no release is being built (next is missing): run the stage again" >&2; exit 1; }
dir="$releases/$name"
as_owner mkdir -p -- "$base/shared"
for folder in $shared_dirs; do
  target="$base/shared/$folder"
  link="$dir/$folder"
  if ! as_owner test -d "$target"; then
    as_owner mkdir -p -- "$target"
    if as_owner test -d "$link" && ! as_owner test -L "$link"; then
      as_owner cp -a -- "$link/." "$target/"
      echo "shared folder $folder: made in $base/shared, with the files your code has in $folder"
    else
      echo "shared folder $folder: made in $base/shared (empty)"
    fi
  fi
  if ! as_owner test -L "$link" && as_owner test -e "$link"; then
    as_owner rm -rf -- "$link"
    echo "shared folder $folder: release $name's own $folder is left out; the shared one is used"
  fi
  as_owner mkdir -p -- "$(dirname "$link")"
  # A new link renamed over the name: a release used again (maybe serving) is never without it.
  as_owner ln -sfn -- "$target" "$link.droplift-new"
  as_owner mv -Tf -- "$link.droplift-new" "$link"
  echo "shared folder $folder: $link → $target"
done
