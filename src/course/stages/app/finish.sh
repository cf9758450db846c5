# Marks the new release built (ready for the service stage) and keeps only the five newest
# releases, never removing the one serving or the one about to.
: "${releases:?}"
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

name=$(link_target next)
[ -n "$name" ] || { echo "no release is being built (next is missing): run the stage again" >&2; exit 1; }
if [ "$(mark_get "$name" status)" = building ]; then mark_set "$name" status built; fi
echo "release $name is built: $(mark_get "$name" status)"
prune_releases
