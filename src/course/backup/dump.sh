# Shared by the nightly backup and the backup a deploy takes before its release commands: one
# dump of a database into root's backup folder, and the thinning of the deploys' backups.
set -euo pipefail

# dump_db DIR DB NAME: pg_dump of DB (custom format, read as postgres, written by root) into
# DIR/NAME, kept only once pg_restore --list reads it; prints "backup: PATH (BYTES bytes)".
dump_db() {
  local dir=$1 db=$2 name=$3 tmp
  install -d -m 700 /var/lib/droplift/backups "$dir"
  tmp="$dir/.${name%.dump}.partial"
  # postgres reads the database; root writes the file (postgres cannot open this folder). The
  # name goes in PGDATABASE, which libpq never reads as a connection string (--dbname would).
  if ! (umask 077 && cd / && runuser -u postgres -- env PGDATABASE="$db" pg_dump --format=custom > "$tmp"); then
    rm -f "$tmp"
    echo "pg_dump of $db failed: nothing is kept" >&2
    return 1
  fi
  if ! pg_restore --list "$tmp" > /dev/null; then
    rm -f "$tmp"
    echo "the dump of $db is not a readable archive: nothing is kept" >&2
    return 1
  fi
  mv "$tmp" "$dir/$name"
  echo "backup: $dir/$name ($(stat -c %s "$dir/$name") bytes)"
}

# thin_before DIR DB: of the backups deploys took before their release commands
# (DB-STAMP-before-RELEASE.dump), the five newest stay, as the five newest releases do.
thin_before() {
  local old n=0
  while read -r old; do
    n=$((n + 1))
    if [ "$n" -gt 5 ]; then
      rm -f -- "$1/$old"
      echo "removed (a deploy's backup older than the five newest): $old"
    fi
  done < <(find "$1" -maxdepth 1 -name "$2-*-before-*.dump" -printf '%f\n' | sort -r)
}
