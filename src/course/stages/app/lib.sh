# Shared by the app and service stages, deploy and rollback: the site's releases (the folder
# names come from droplift's preamble: base=/var/www/html/SITE, releases=$base/releases), the
# links `current` (serving) and `next` (built, waiting to go live), and the mark each release
# carries in its .droplift-release file (status building/built/good/failed, source, digest).
: "${base:?}" "${releases:?}"
set -euo pipefail

# The value of key $2 in release $1's mark; nothing when there is none.
mark_get() {
  local file="$releases/$1/.droplift-release"
  [ -f "$file" ] || return 0
  sed -n "s/^$2=//p" "$file" | tail -n 1
}

# Sets key $2 to $3 in release $1's mark (a new file renamed over the old one).
mark_set() {
  local file="$releases/$1/.droplift-release"
  { if [ -f "$file" ]; then grep -v "^$2=" "$file" || true; fi; echo "$2=$3"; } > "$file.new"
  mv -f "$file.new" "$file"
}

# The release the link $1 (current or next) points to; nothing when there is no such link.
link_target() {
  local target
  target=$(readlink "$base/$1" 2>/dev/null) || return 0
  basename "$target"
}

# Points the link $1 at release $2: a new link renamed over the old name. rename(2) is atomic,
# so the name always points at a whole release, never at nothing (rm + ln would leave a gap).
switch_link() {
  ln -sfn "releases/$2" "$base/.$1.new"
  mv -Tf "$base/.$1.new" "$base/$1"
}

# Every release, newest first, one per line: "<built, seconds since 1970> <name> <status>".
list_releases() {
  local dir name built
  for dir in "$releases"/*/; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    built=$(mark_get "$name" built)
    printf '%s %s %s\n' "${built:-0}" "$name" "$(mark_get "$name" status)"
  done | sort -rn
}

# The newest release made from digest $1 that built (or served) well.
release_with_digest() {
  local built name status
  while read -r built name status; do
    if [ "$(mark_get "$name" digest)" = "$1" ] && { [ "$status" = good ] || [ "$status" = built ]; }; then
      echo "$name"
      return 0
    fi
  done < <(list_releases)
}
