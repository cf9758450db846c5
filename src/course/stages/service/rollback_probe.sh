# Read-only: which release a rollback would make current, or why there is none.
: "${target:?}"
set -euo pipefail
if ! name=$(resolve_target "$target"); then
  echo "droplift-state: drifted $name"
  exit 0
fi
cur=$(link_target current)
if [ "$name" = "$cur" ]; then
  echo "droplift-state: done release $name is the one serving already"
else
  echo "droplift-state: pending release ${cur:-none} → $name"
fi
