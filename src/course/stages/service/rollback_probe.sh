# Read-only: which release a rollback would make current, or why there is none; and, when
# releases built after it ran release commands (which may have changed the database's schema),
# that its code meets the new schema, and the backup taken before the first of them.
: "${target:?}" "${staging:?}" "${site:?}"
set -euo pipefail
if ! name=$(resolve_target "$target"); then
  echo "droplift-state: drifted $name"
  exit 0
fi
cur=$(link_target current)
if [ "$name" != "$cur" ]; then
  since=$(mark_get "$name" built)
  ran=() first="" backup=""
  while read -r built rel _; do
    [ "$built" -gt "${since:-0}" ] || continue
    [ -n "$(mark_get "$rel" release_cmds)$(mark_get "$rel" backup_before)" ] || continue
    ran+=("$rel")
    # Newest first: the last one seen is the oldest, whose backup the old code last knew.
    first=$rel
    backup=$(mark_get "$rel" backup_before)
  done < <(list_releases)
  if [ -n "$first" ]; then
    echo "note: release ${ran[*]} ran release commands after release $name was built: if they changed the database's schema, release $name's code meets the new schema."
    if [ -n "$backup" ] && [ -f "/var/lib/droplift/backups/$site/$backup" ]; then
      echo "note: the backup taken just before release $first's commands is $backup. If release $name fails on the new schema, \`droplift restore $backup\` puts the database back as it was then (what was written since is lost; \`droplift restore $backup --drill\` tries it on a scratch copy first)."
    elif [ -n "$backup" ]; then
      echo "note: the backup taken before release $first's commands ($backup) is no longer kept."
    else
      echo "note: no backup was taken before release $first's commands (droplift backup list shows what there is)."
    fi
  fi
fi
if [ -f "$staging/go-live/phase" ]; then
  echo "droplift-state: pending a go-live of release $(sed -n 's/^name=//p' "$staging/go-live/phase") was cut short: it is undone first, then release $name goes live"
elif [ "$name" = "$cur" ]; then
  echo "droplift-state: done release $name is the one serving already"
else
  echo "droplift-state: pending release ${cur:-none} → $name"
fi
