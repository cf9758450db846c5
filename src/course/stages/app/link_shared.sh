# link_shared BASE RELEASE FOLDER, run as the site's user (their folders): keeps FOLDER of the
# release in BASE/shared/FOLDER, made the first time with the files the release has there, and
# makes the release's FOLDER a link to it (a new link renamed over the name, so a release used
# again, maybe serving, is never without it). The Ansible export runs the same function.
link_shared() {
  set -euo pipefail
  local base=$1 dir=$2 folder=$3 target link
  target="$base/shared/$folder"
  link="$dir/$folder"
  mkdir -p -- "$base/shared"
  if [ ! -d "$target" ]; then
    mkdir -p -- "$target"
    if [ -d "$link" ] && [ ! -L "$link" ]; then
      cp -a -- "$link/." "$target/"
      echo "shared folder $folder: made in $base/shared, with the files your code has in $folder"
    else
      echo "shared folder $folder: made in $base/shared (empty)"
    fi
  fi
  if [ ! -L "$link" ] && [ -e "$link" ]; then
    rm -rf -- "$link"
    echo "shared folder $folder: release $(basename "$dir")'s own $folder is left out; the shared one is used"
  fi
  mkdir -p -- "$(dirname "$link")"
  ln -sfn -- "$target" "$link.droplift-new"
  mv -Tf -- "$link.droplift-new" "$link"
  echo "shared folder $folder: $link → $target"
}
