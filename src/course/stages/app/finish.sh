# Marks the new release built (ready for the service stage) and keeps only the five newest
# releases, never removing the one serving or the one about to.
: "${base:?}" "${releases:?}" "${static_lines?}"
set -euo pipefail
site_lock

# Removes all but the five newest releases; the one serving and the next one always stay.
prune_releases() {
  local cur nxt name status kept=0
  cur=$(link_target current)
  nxt=$(link_target next)
  while read -r _ name status; do
    if [ "$name" = "$cur" ] || [ "$name" = "$nxt" ] || [ "$kept" -lt 5 ]; then
      kept=$((kept + 1))
      continue
    fi
    release_remove "$name" </dev/null
    echo "removed the old release $name ($status)"
  done < <(list_releases)
}

# Removes the virtualenvs (venvs/KEY) no release links to any more, as the user.
prune_venvs() {
  # shellcheck disable=SC2016 # the program is run by the user's bash, with the site's folder as $1
  as_owner bash -c 'set -euo pipefail
    cd "$1/venvs" 2>/dev/null || exit 0
    declare -A used=()
    for link in ../releases/*/venv; do
      [ -L "$link" ] || continue
      target=$(readlink -- "$link")
      used[${target##*/}]=1
    done
    for venv in *; do
      [ -d "$venv" ] && [ -z "${used[$venv]:-}" ] || continue
      rm -rf -- "$venv"
      echo "removed the virtualenv venvs/$venv, which no release uses any more"
    done' prune "$base" </dev/null
}

name=$(link_target next)
[ -n "$name" ] || { echo "no release is being built (next is missing): run the stage again" >&2; exit 1; }
# nginx reads the static folders ([app] static) through the group: the site's folder is setgid
# with the service's group (nginx's way in), so what is made in it has that group; folders that
# lack g+rx and files that lack g+r get them, as the user (their files; find never follows a
# link).
group=$(service_group)
while read -r prefix folder; do
  [ -n "$folder" ] || continue
  if ! as_owner test -d "$releases/$name/$folder"; then
    echo "note: release $name has no folder $folder: $prefix will answer 404 (does a release command make it, e.g. collectstatic?)"
    continue
  fi
  as_owner find "$releases/$name/$folder" \( -type d ! -perm -g+rx -exec chmod g+rx {} + \) \
    -o \( -type f ! -perm -g+r -exec chmod g+r {} + \)
  other=$(as_owner find "$releases/$name/$folder" ! -group "$group" -printf '%g\n' | sort -u | head -n 3 | tr -cd '[:print:]\n' | paste -sd ' ' -)
  if [ -n "$other" ]; then
    echo "note: some files in $folder belong to the group $other, not $group: nginx cannot read them ($prefix answers 403 for those)"
  fi
  echo "static folder $folder ($prefix): $(as_owner find "$releases/$name/$folder" -type f | wc -l) files nginx's group can read"
done <<<"$static_lines"
if [ "$(mark_get "$name" status)" = building ]; then mark_set "$name" status built; fi
echo "release $name is built: $(mark_get "$name" status)"
prune_releases
prune_venvs
