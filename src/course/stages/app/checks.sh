# What a release folder must hold before a virtualenv is made for it (looked at as the app's
# user: the folder is theirs).
: "${module:?}" "${releases:?}" "${staging:?}"
set -euo pipefail

# Says what is missing in release folder $1 and fails, or succeeds quietly.
check_tree() {
  local dir=$1 path
  path=${module%%:*}
  path=${path//.//}
  if ! as_owner test -f "$dir/requirements.txt" && ! as_owner test -f "$dir/pyproject.toml"; then
    echo "the code has no requirements.txt (or pyproject.toml) at its top level: pip needs one to install the app's libraries" >&2
    return 1
  fi
  if ! as_owner test -f "$dir/$path.py" && ! as_owner test -f "$dir/$path/__init__.py"; then
    echo "the code has no $path.py (or $path/__init__.py) for the module ${module%%:*}: check [app] module" >&2
    return 1
  fi
}

# A new release name: $1, or $1-2, $1-3 … when that is taken (by a folder or a mark).
new_release_name() {
  local name=$1 n=2
  while release_exists "$name" || [ -e "$staging/marks/$name" ]; do
    name="$1-$n"
    n=$((n + 1))
  done
  echo "$name"
}

# Releases an earlier run left "building" (killed before its build finished: this run holds the
# site's lock, so none is being built now) are marked failed: never used, never chosen.
fail_cut_short() {
  local mark name
  for mark in "$staging/marks"/*; do
    [ -f "$mark" ] || continue
    name=${mark##*/}
    if [ "$(mark_get "$name" status)" = building ]; then
      mark_set "$name" status failed
      echo "release $name was cut short before its build finished (an earlier run): marked failed"
    fi
  done
}
