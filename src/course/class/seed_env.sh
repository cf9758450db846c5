# The squad's environment file, first version: DATABASE_URL with the role's password (stdin,
# made on the instructor's computer for this run and never kept there), so the squad's first
# deploy with a member's key (which sends no password) finds it and keeps it. Root's file in
# root's folder for the site, mode 600; an existing DATABASE_URL for the same role and database
# is kept as it is.
: "${site:?}" "${role:?}" "${db:?}"
set -euo pipefail
umask 077
dir=/var/lib/droplift/app/$site
env_file=$dir/app.env
install -d -o root -g root -m 700 /var/lib/droplift /var/lib/droplift/app "$dir"
IFS= read -r password || true
if live_database_url "$env_file" >/dev/null; then
  echo "the environment file $env_file already has the DATABASE_URL of $role: kept"
  exit 0
fi
[ -n "$password" ] || {
  echo "no database password on stdin: nothing was written" >&2
  exit 1
}
tmp=$(mktemp "$dir/.app.env.XXXXXX")
trap 'rm -f "$tmp"' EXIT
url=$(printf '%s\n' "$password" | database_url)
password=""
{
  [ ! -f "$env_file" ] || grep -v '^DATABASE_URL=' "$env_file" || true
  printf 'DATABASE_URL=%s\n' "$url"
} >"$tmp"
url=""
chown root:root "$tmp"
chmod 600 "$tmp"
mv -f "$tmp" "$env_file"
trap - EXIT
echo "wrote DATABASE_URL (role $role, database $db) into $env_file (root's, 600)"
