# Read-only: which release a rollback would make current, or why there is none.
: "${target:?}" "${staging:?}"
set -euo pipefail
if ! name=$(resolve_target "$target"); then
  echo "droplift-state: drifted $name"
  exit 0
fi
cur=$(link_target current)
if [ -f "$staging/go-live/phase" ]; then
  echo "droplift-state: pending a go-live of release $(sed -n 's/^name=//p' "$staging/go-live/phase") was cut short: it is undone first, then release $name goes live"
elif [ "$name" = "$cur" ]; then
  echo "droplift-state: done release $name is the one serving already"
else
  echo "droplift-state: pending release ${cur:-none} → $name"
fi
