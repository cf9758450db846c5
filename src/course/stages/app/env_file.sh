# Prepares the environment file the next release goes live with: DATABASE_URL with the
# password from stdin, tried against PostgreSQL first (a refused password stops here, and
# nothing is written); the other lines (SECRET_KEY=… a student added) come from the live file.
# The file is root's (mode 600 in root's folder for the site: systemd reads it for the service,
# and the app's folder never holds it); it replaces the live one when the release goes live
# (go_live.sh), which keeps the old one to fall back on. The value is never printed.
: "${u:?}" "${base:?}" "${staging:?}" "${env_file:?}"
set -euo pipefail
site_lock
umask 077
next="$env_file.next"
url=$(database_url)
tmp=$(mktemp "$staging/.app.env.XXXXXX")
trap 'rm -f "$tmp"' EXIT
{
  if [ -f "$env_file" ]; then
    grep -v '^DATABASE_URL=' "$env_file" || true
  elif as_owner test -f "$base/app.env"; then
    # Before droplift kept the file in its own folder it was the user's, in the site's folder:
    # read as the user, so a link there reaches nothing of root's.
    echo "the lines of $base/app.env (the file before droplift kept it in $staging) are kept" >&2
    as_owner cat -- "$base/app.env" | grep -v '^DATABASE_URL=' || true
  fi
  printf 'DATABASE_URL=%s\n' "$url"
} > "$tmp"
if ! said=$(url_login "$tmp"); then
  echo "PostgreSQL refuses the database password for this DATABASE_URL: $(tail -n 1 <<<"$said")" >&2
  echo "Nothing was written: the live environment file is as it was. Check the password you typed (stage 5 set it)." >&2
  exit 1
fi
echo "PostgreSQL accepts the DATABASE_URL: logged in as $said"
if [ -f "$env_file" ] && cmp -s "$tmp" "$env_file"; then
  rm -f "$next"
  echo "the live environment file $env_file holds this DATABASE_URL already"
else
  mv -f "$tmp" "$next"
  echo "wrote DATABASE_URL to $next (mode 600, root's; the password is URL-encoded): it goes live with the release"
fi
