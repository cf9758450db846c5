# Marks the new release built (ready for the service stage) and keeps only the five newest
# releases, never removing the one serving or the one about to.
set -euo pipefail
name=$(link_target next)
[ -n "$name" ] || { echo "no release is being built (next is missing): run the stage again" >&2; exit 1; }
if [ "$(mark_get "$name" status)" = building ]; then mark_set "$name" status built; fi
echo "release $name is built: $(mark_get "$name" status)"
prune_releases
