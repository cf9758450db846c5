# Prepares the environment file the next release goes live with: DATABASE_URL with the
# password from stdin, tried against PostgreSQL first (a refused password stops here, and
# nothing is written); the app's plain settings ($settings: [app.env], NAME=value lines); its
# secret settings ($secret_names: [app] secrets), each with the value typed (NAME=value lines on
# stdin after the password), else the live file's, else 50 random characters made here (they
# never leave the server); and the other lines a student added to the live file by hand.
# The file is root's (mode 600 in root's folder for the site: systemd reads it for the service,
# and the app's folder never holds it); it replaces the live one when the release goes live
# (go_live.sh), which keeps the old one to fall back on. No value is ever printed: only names.
: "${u:?}" "${base:?}" "${staging:?}" "${env_file:?}" "${role:?}" "${db:?}" "${settings?}" "${secret_names?}"
set -euo pipefail
site_lock
umask 077
next="$env_file.next"
IFS= read -r password || true
typed=$(cat)
if [ -n "$password" ]; then
  url=$(printf '%s\n' "$password" | database_url)
elif ! url=$(live_database_url "$env_file"); then
  echo "No database password was given (a deploy key sends none), and the live environment file has no DATABASE_URL for the role $role and the database $db to keep. Give it once: db_password on --secrets-stdin, or \`droplift apply --only postgres app service\` (it asks). Nothing was written." >&2
  exit 1
else
  echo "no database password given: the live file's DATABASE_URL is kept (the password stays on the server)"
fi
password=""
tmp=$(mktemp "$staging/.app.env.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# Writes the new file from stdin: the URL's line, the typed secret lines, a \x1e line, then the
# file before. Names only go to stderr.
IFS= read -r -d '' compose <<'PY' || true
import secrets, sys

settings_text, names_text = sys.argv[1:3]
head, separator, before = sys.stdin.read().partition("\n\x1e\n")
if not separator:
    sys.exit("the input has no separator line after the typed settings: nothing was written")
head = head.split("\n")
url = head[0]
typed = dict(line.split("=", 1) for line in head[1:] if "=" in line)
plain = [line.split("=", 1) for line in settings_text.split("\n") if "=" in line]
names = [n for n in names_text.split(" ") if n]


managed = set()
lines, old = [], {}
for line in before.splitlines():
    text = line.strip()
    if text.startswith("# droplift settings:"):
        managed = set(text.split(":", 1)[1].split())
        continue
    name = None
    if "=" in text and text[0] not in "#;":
        name = text.split("=", 1)[0].strip()
        old[name] = line
    lines.append((name, line))
drop = {"DATABASE_URL"} | {n for n, _ in plain} | set(names) | managed
out = [line for name, line in lines if name not in drop]
gone = sorted(managed - {n for n, _ in plain} - set(names))
if gone:
    print(f"settings no longer in [app.env] are left out: {' '.join(gone)}", file=sys.stderr)
if plain:
    out.append("# droplift settings: " + " ".join(n for n, _ in plain))
    out.extend(f"{n}={quoted(v)}" for n, v in plain)
    print(f"settings from [app.env]: {' '.join(n for n, _ in plain)}", file=sys.stderr)
for name in names:
    if name in typed:
        out.append(f"{name}={quoted(typed[name])}")
        said = "the value you typed"
    elif name in old:
        out.append(old[name])
        said = "kept from the live file"
    else:
        out.append(f"{name}={quoted(secrets.token_urlsafe(48)[:50])}")
        said = "a new random value made here (50 characters; it never leaves the server)"
    print(f"secret setting {name}: {said}", file=sys.stderr)
out.append("DATABASE_URL=" + url)
print("\n".join(out))
PY
# shellcheck disable=SC2154 # reason: appenv.sh sets read_env_py (its quoted() writes a value)
{
  printf '%s\n' "$url"
  if [ -n "$typed" ]; then printf '%s\n' "$typed"; fi
  printf '\036\n'
  if [ -f "$env_file" ]; then
    cat -- "$env_file"
  elif as_owner test -f "$base/app.env"; then
    # Before droplift kept the file in its own folder it was the user's, in the site's folder:
    # read as the user, so a link there reaches nothing of root's.
    echo "the lines of $base/app.env (the file before droplift kept it in $staging) are kept" >&2
    as_owner cat -- "$base/app.env" | grep -v '^DATABASE_URL=' || true
  fi
} | python3 -I -c "$read_env_py$compose" "$settings" "$secret_names" > "$tmp"
url="" typed=""
if ! said=$(url_login "$tmp"); then
  echo "PostgreSQL refuses the database password for this DATABASE_URL: $(tail -n 1 <<<"$said")" >&2
  echo "Nothing was written: the live environment file is as it was. Check the password you typed (stage 5 set it)." >&2
  exit 1
fi
echo "PostgreSQL accepts the DATABASE_URL: logged in as $said"
# What PostgreSQL just accepted, by the file's SHA-256, in root's own folder: the stage's verify,
# later in this run, need not log in again with exactly this file (verify.sh).
{
  sha256sum < "$tmp" | cut -d ' ' -f 1
  printf '%s\n' "$said"
} > "$staging/db-accepted"
if [ -f "$env_file" ] && cmp -s "$tmp" "$env_file"; then
  rm -f "$next"
  echo "the live environment file $env_file holds these settings already"
else
  mv -f "$tmp" "$next"
  echo "wrote $next (mode 600, root's; the password is URL-encoded; values are never shown): it goes live with the release"
fi
