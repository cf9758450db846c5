# Runs the app's release commands ([app] release: migrations, collectstatic …) for the release
# waiting to go live, before it can serve. Each runs as $u (with the service's group, nginx's:
# nginx reads what collectstatic makes) in the release's folder, with the
# release's virtualenv first on PATH and the environment file's settings (root reads its own
# file and hands it to the user's process on stdin), and is stopped after $release_timeout s.
# Output streams to the log. A command that fails marks the release failed and stops the stage:
# it never serves, and what serves now keeps serving. A release whose commands passed is marked
# (release_cmds=their SHA-256 in root's mark), so the same commands do not run for it twice.
# While a release serves, the database is backed up first (dump.sh's dump_db, into root's
# backup folder, named after the new release): a rollback to the code before then names it.
: "${u:?}" "${releases:?}" "${staging:?}" "${env_file:?}" "${release_cmds?}" "${release_timeout:?}"
: "${site:?}" "${db:?}"
set -euo pipefail
site_lock
name=$(link_target next)
[ -n "$name" ] || { echo "no release is being built (next is missing): run the stage again" >&2; exit 1; }
if [ -z "$release_cmds" ]; then
  echo "no release commands ([app] release is empty)"
  exit 0
fi
sum=$(printf '%s' "$release_cmds" | sha256sum | cut -d ' ' -f 1)
if [ "$(mark_get "$name" release_cmds)" = "$sum" ]; then
  echo "release $name ran these release commands already"
  exit 0
fi
cur=$(link_target current)
if [ -z "$cur" ]; then
  echo "no release serves yet: no backup before the release commands (no older code meets what they change)"
elif ! command -v pg_dump > /dev/null; then
  echo "note: no pg_dump on this server, so no backup before the release commands"
else
  backup="$db-$(date -u +%Y%m%dT%H%M%SZ)-before-$name.dump"
  echo "release $cur serves: first a backup of $db, as it is before these commands change it"
  if ! dump_db "/var/lib/droplift/backups/$site" "$db" "$backup"; then
    echo "The backup before the release commands failed, so they did not run (is PostgreSQL up? is the disk full? droplift doctor). Release $name is not built; release $cur serves on." >&2
    exit 1
  fi
  mark_set "$name" backup_before "$backup"
  thin_before "/var/lib/droplift/backups/$site" "$db"
fi
home=$(getent passwd "$u" | cut -d: -f6)
envf=$(env_for_next)
[ -f "$envf" ] || envf=/dev/null
IFS= read -r -d '' runner <<'PY' || true

import os, sys

folder, command, limit, home = sys.argv[1:5]
env = read_env(sys.stdin)
env.setdefault("LANG", "C.UTF-8")
env.update(HOME=home, VIRTUAL_ENV=f"{folder}/venv", PYTHONUNBUFFERED="1")
env["PATH"] = f"{folder}/venv/bin:/usr/local/bin:/usr/bin:/bin"
os.chdir(folder)
sys.stdout.flush()
os.execve("/usr/bin/timeout", ["timeout", "--kill-after=10", limit, "/bin/bash", "-c", command], env)
PY
# shellcheck disable=SC2154 # reason: appenv.sh sets read_env_py
program="$read_env_py$runner"
n=0
while IFS= read -r command; do
  n=$((n + 1))
  echo "release command $n, as $u in $releases/$name: $command"
  out=$(mktemp "$staging/.release-out.XXXXXX")
  rc=0
  as_service env -i LANG=C.UTF-8 PATH=/usr/bin:/bin /usr/bin/python3 -I -c "$program" \
    "$releases/$name" "$command" "$release_timeout" "$home" < "$envf" 2>&1 | tee "$out" || rc=$?
  if [ "$rc" -ne 0 ]; then
    case "$rc" in
      124 | 137) why="it ran longer than $release_timeout s and was stopped" ;;
      *) why="exit status $rc" ;;
    esac
    if [ "$name" != "$(link_target current)" ]; then mark_set "$name" status failed; fi
    {
      echo "The release command \`$command\` failed ($why). Its last lines:"
      tail -n 12 "$out" | tr -cd '[:print:]\n' | sed 's/^/  | /'
      echo "Release $name is marked failed and never serves; what serves now keeps serving. Fix the command ([app] release) or your code, and deploy again."
    } >&2
    rm -f "$out"
    exit 1
  fi
  rm -f "$out"
done <<<"$release_cmds"
mark_set "$name" release_cmds "$sum"
echo "release $name: its $n release command(s) passed"
