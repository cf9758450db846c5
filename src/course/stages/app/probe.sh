# Read-only: are the system packages installed, does the environment file (mode 600, root's)
# hold a DATABASE_URL for the role and database that PostgreSQL accepts (asked when no new
# release is to be built), and is a release built from your code serving or waiting to go live?
: "${u:?}" "${packages:?}" "${role:?}" "${db:?}" "${env_file:?}" "${settings?}" "${secret_names?}" "${release_cmds?}"
: "${releases:?}" "${shared_dirs?}"
set -euo pipefail
todo=()
read -ra wanted <<<"$packages $(uwsgi_packages_to_check)"
mapfile -t missing < <(not_installed "${wanted[@]}")
[ "${#missing[@]}" -eq 0 ] || todo+=("these packages are not installed yet: ${missing[*]}")
if ! id -u "$u" >/dev/null 2>&1; then
  echo "droplift-state: pending there is no user $u yet (stage 3 creates it)"
  exit 0
fi

later=()
cur=$(link_target current)
nxt=$(link_target next)
if ! digest=$(wanted_digest); then
  later+=("$digest")
  digest=""
fi
state() { mark_get "$1" status; }
holder=""
if [ -z "$digest" ]; then
  :
elif [ -n "$cur" ] && [ "$(mark_get "$cur" digest)" = "$digest" ] && [[ $(state "$cur") =~ ^(good|built)$ ]]; then
  holder=$cur
  echo "release $cur, built from your code, is the one serving"
elif [ -n "$nxt" ] && [ "$(mark_get "$nxt" digest)" = "$digest" ] && [ "$(state "$nxt")" = built ]; then
  holder=$nxt
  echo "release $nxt, built from your code, waits to go live (the next stage)"
elif again=$(release_with_digest "$digest") && [ -n "$again" ]; then
  later+=("release $again holds your code but is not serving; it will go live again")
else
  later+=("no release is built from your code yet${cur:+ (serving now: $cur)}")
fi

envf=$(env_for_next)
if [ ! -f "$envf" ]; then
  todo+=("there is no environment file $env_file yet")
elif [ "$(stat -c '%a %U' "$envf")" != "600 root" ]; then
  todo+=("$envf should be mode 600 and root's; it is $(stat -c '%a, %U' "$envf")")
elif ! command -v python3 >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
  todo+=("python3 or PostgreSQL's psql is not installed yet")
elif grep -q '^DATABASE_URL=postgresql+' "$env_file"; then
  todo+=("the DATABASE_URL in $env_file names a driver (postgresql+…://); every framework reads the standard postgresql:// form, which droplift writes now")
elif [ "$(url_names)" != "$(printf '%s\n%s' "$role" "$db")" ]; then
  todo+=("$envf does not name the role $role and the database $db yet")
# With a new release to build, the apply's password step logs in itself: no login here
# (python and psql, about 80 ms of every deploy).
elif [ "${#later[@]}" -eq 0 ] && ! said=$(url_login); then
  todo+=("PostgreSQL refuses the DATABASE_URL in $envf: $(tail -n 1 <<<"$said")")
elif [ -n "$settings$secret_names" ] && ! said=$(settings_missing "$envf" "$settings" "$secret_names"); then
  todo+=("$said")
fi

todo+=("${later[@]}")

if [ -n "$holder" ] && [ -n "$release_cmds" ] &&
  [ "$(mark_get "$holder" release_cmds)" != "$(printf '%s' "$release_cmds" | sha256sum | cut -d ' ' -f 1)" ]; then
  todo+=("the release commands ([app] release) have not run for release $holder yet")
fi
for folder in $shared_dirs; do
  if [ -n "$holder" ] && ! as_owner test -L "$releases/$holder/$folder"; then
    todo+=("the shared folder $folder is not linked into release $holder yet")
    break
  fi
done
if [ "${#todo[@]}" -eq 0 ]; then
  echo "droplift-state: done release $holder holds your code, with its virtualenv and environment file"
else
  printf 'to do: %s\n' "${todo[@]}"
  echo "droplift-state: pending ${todo[0]}"
fi
