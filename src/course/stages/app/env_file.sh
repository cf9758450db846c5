# Writes DATABASE_URL into the environment file the service reads, with the password from
# stdin. The file is created with mode 600 for $u before anything is written to it; other
# lines a student added (SECRET_KEY=…) are kept. The value is never printed.
: "${u:?}" "${base:?}" "${env_file:?}"
set -euo pipefail
url=$(database_url)
tmp=$(mktemp "$base/.app.env.XXXXXX")
trap 'rm -f "$tmp"' EXIT
chown "$u:$u" "$tmp"
chmod 600 "$tmp"
{
  if [ -f "$env_file" ]; then grep -v '^DATABASE_URL=' "$env_file" || true; fi
  printf 'DATABASE_URL=%s\n' "$url"
} > "$tmp"
if [ -f "$env_file" ] && cmp -s "$tmp" "$env_file" && [ "$(stat -c '%a %U' "$env_file")" = "600 $u" ]; then
  echo "$env_file holds this DATABASE_URL already"
else
  mv -f "$tmp" "$env_file"
  echo "wrote DATABASE_URL to $env_file (mode 600, owner $u; the password is URL-encoded)"
fi
