# Makes socket logins of ordinary users need a password (the one change droplift makes to
# pg_hba.conf, shown in the preview): a backup first, then the new file, then a reload.
# PostgreSQL must report no error in the file it now reads, else the backup comes back.
: "${state:?}"
set -euo pipefail
hba=$(pg_sql <<<'SHOW hba_file')
echo "PostgreSQL reads its login rules from $hba"
new=$(mktemp)
hba_after "$hba" > "$new"
if cmp -s "$hba" "$new"; then
  rm -f "$new"
  echo "pg_hba.conf already asks ordinary users for a password"
else
  mkdir -p "$state"
  chmod 700 "$state"
  cp -a "$hba" "$state/pg_hba.conf.before"
  diff -u --label "$hba (before)" --label "$hba (now)" "$hba" "$new" || true
  chown --reference="$hba" "$new"
  chmod --reference="$hba" "$new"
  mv "$new" "$hba"
fi
pg_sql <<<'SELECT pg_reload_conf()' >/dev/null
errors=$(pg_sql <<<'SELECT line_number || $$: $$ || error FROM pg_hba_file_rules WHERE error IS NOT NULL')
if [ -n "$errors" ]; then
  echo "PostgreSQL found errors in $hba:" >&2
  echo "$errors" >&2
  if [ -e "$state/pg_hba.conf.before" ]; then
    cp -a "$state/pg_hba.conf.before" "$hba"
    pg_sql <<<'SELECT pg_reload_conf()' >/dev/null
    echo "the old pg_hba.conf is back in place" >&2
  fi
  exit 1
fi
echo "PostgreSQL reloaded its login rules without errors"
