# Shared by the app and service stages, deploy and rollback. The site's code is in folders its
# user $u owns (base=/var/www/html/SITE: releases/NAME, the `current` link, log/); what root
# decides by is in root's folder (staging=/var/lib/droplift/app/SITE, 700): each release's mark
# (marks/NAME: status, built, digest, source, uwsgi), the files current and next, the
# environment file. Root changes the user's folders only as the user (as_owner) and reads
# nothing there it acts on: the user's code could have put a link there to a file of root's.
: "${u:?}" "${base:?}" "${releases:?}" "${staging:?}"
set -euo pipefail
marks="$staging/marks"
# Who runs this (root, or the user in the bookkeeping tests): asked once.
running_as=$(id -un)

# Runs a command as the site's user, from / (root's working folder may be closed to it), without
# the site's lock files open (lock.sh holds them on fds 8 and 9: nothing of root's is handed to
# the user's processes). When this already is that user (the bookkeeping tests on a laptop), it
# runs as is.
as_owner() {
  if [ "$running_as" = "$u" ]; then
    (cd / && "$@") 8>&- 9>&-
  else
    (cd / && runuser -u "$u" -- "$@") 8>&- 9>&-
  fi
}

# The service's group (nginx's way in): the group root gave the site's folder.
service_group() { stat -c %G -- "$base"; }

# Runs a command as the service runs (the unit's User= and Group=): the release commands, so
# what they make (collectstatic's files, a SQLite file) has nginx's group, as what uWSGI makes
# does, whatever the folder it is made in.
as_service() {
  if [ "$running_as" = "$u" ]; then
    (cd / && "$@") 8>&- 9>&-
  else
    (cd / && runuser -u "$u" -g "$(service_group)" -- "$@") 8>&- 9>&-
  fi
}

# Succeeds when $1 can name a release (droplift names them after the time or a tag).
release_name_ok() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; }

# Before droplift kept its marks in root's folder, each release carried its own
# .droplift-release: read as the user (so a link there reaches nothing of root's), printable
# characters only.
legacy_mark() {
  as_owner cat -- "$releases/$1/.droplift-release" 2>/dev/null | tr -cd '[:print:]\n' || true
}

# The release folders, as the user sees them (for a server set up before root kept the marks).
legacy_names() {
  local name
  while read -r name; do
    if release_name_ok "$name"; then echo "$name"; fi
  done < <(as_owner find "$releases" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null || true)
}

# The value of key $2 in release $1's mark; nothing when there is none.
mark_get() {
  local l v=""
  if [ -d "$marks" ]; then
    [ -f "$marks/$1" ] || return 0
    while IFS= read -r l || [ -n "$l" ]; do [[ $l != "$2="* ]] || v=${l#*=}; done < "$marks/$1"
    [ -z "$v" ] || echo "$v"
  else
    legacy_mark "$1" | sed -n "s/^$2=//p" | tail -n 1
  fi
}

# Makes root's marks on the first change: a server droplift set up before keeps its releases'
# marks and links, copied in once as the user could read them.
marks_ready() {
  local name target
  [ ! -d "$marks" ] || return 0
  install -d -m 700 "$staging"
  rm -rf -- "$marks.import"
  install -d -m 700 "$marks.import"
  while read -r name; do
    legacy_mark "$name" | grep -E '^(status|built|digest|source|uwsgi)=' > "$marks.import/$name" || true
  done < <(legacy_names)
  for name in current next; do
    target=$(as_owner readlink -- "$base/$name" 2>/dev/null) || continue
    target=${target##*/}
    if release_name_ok "$target" && [ -f "$marks.import/$target" ]; then
      printf '%s\n' "$target" > "$staging/$name"
    fi
  done
  mv -T "$marks.import" "$marks"
  # `next` is root's record now; the old link in the site's folder goes.
  as_owner rm -f -- "$base/next"
}

# Sets key $2 to $3 in release $1's mark (a new file renamed over the old one).
mark_set() {
  local file="$marks/$1"
  marks_ready
  { if [ -f "$file" ]; then grep -v "^$2=" "$file" || true; fi; echo "$2=$3"; } > "$file.new"
  mv -f "$file.new" "$file"
}

# Removes release $1: its folder (as the user) and its mark.
release_remove() {
  as_owner rm -rf -- "${releases:?}/$1"
  rm -f -- "$marks/$1" "$staging/inis/$1"
}

# Succeeds when release $1's folder is there (as the user sees it).
release_exists() { as_owner test -d "$releases/$1" </dev/null; }

# The release $1 (current or next) stands for; nothing when none. Root's record; on a server
# droplift set up before it kept one, the link in the site's folder as the user reads it.
link_target() {
  local target
  if [ -d "$marks" ]; then
    [ -f "$staging/$1" ] || return 0
    target=""
    read -r target < "$staging/$1" || true
  else
    target=$(as_owner readlink -- "$base/$1" 2>/dev/null) || return 0
    target=${target##*/}
  fi
  if release_name_ok "$target"; then echo "$target"; fi
}

# Makes $1 (current or next) stand for release $2: root's record, and for current the link in
# the site's folder, made by the user as a new link renamed over the old name. rename(2) is
# atomic, so `current` always points at a whole release, never at nothing (rm + ln would leave
# a gap).
switch_link() {
  marks_ready
  printf '%s\n' "$2" > "$staging/.$1.new"
  mv -f "$staging/.$1.new" "$staging/$1"
  if [ "$1" = current ]; then
    as_owner ln -sfn "releases/$2" "$base/.current.new"
    as_owner mv -Tf "$base/.current.new" "$base/current"
  fi
}

# $1 (current or next) stands for no release any more.
drop_link() {
  marks_ready
  rm -f -- "${staging:?}/$1"
  if [ "$1" = current ]; then as_owner rm -f -- "$base/current"; fi
}

# Every release, newest first, one per line: "<built, seconds since 1970> <name> <status>".
list_releases() {
  local name built
  {
    if [ -d "$marks" ]; then
      find "$marks" -mindepth 1 -maxdepth 1 -type f ! -name '*.new' -printf '%f\n'
    else
      legacy_names
    fi
  } | while read -r name; do
    release_name_ok "$name" || continue
    built=$(mark_get "$name" built)
    [[ $built =~ ^[0-9]+$ ]] || built=0
    printf '%s %s %s\n' "$built" "$name" "$(mark_get "$name" status)"
  done | sort -rn
}

# The newest release made from digest $1 that built (or served) well, and whose folder is there.
release_with_digest() {
  local built name status
  while read -r built name status; do
    if [ "$(mark_get "$name" digest)" = "$1" ] && { [ "$status" = good ] || [ "$status" = built ]; } &&
      release_exists "$name"; then
      echo "$name"
      return 0
    fi
  done < <(list_releases)
}
