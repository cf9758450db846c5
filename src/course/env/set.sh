# `droplift env set NAME` and `env unset NAME`: one line of the app's environment file changed,
# root's file in droplift's folder for the site (never a path in the site's folder), under the
# site's lock. A value comes on stdin as one NAME=value line: never on a command line, never
# printed. Without a restart the live file changes (the old one kept as app.env.old): the slot
# serving keeps the values it started with, and the next go-live (a deploy, a rollback) starts
# with the file. With one ($restart=yes) the file is written as app.env.restart, which the
# go-live of the serving release that follows swaps in (a failure puts the one before back). A
# release waiting to go live (app.env.next) gets the change too. stage 8's env_file.sh keeps a
# line it did not write, and a secret setting's line, so the change survives the next deploy.
: "${staging:?}" "${env_file:?}" "${name:?}" "${mode:?}" "${restart:?}"
set -euo pipefail
site_lock
trap site_unlock EXIT
umask 077
if [ ! -f "$env_file" ]; then
  echo "this site has no environment file yet ($env_file): \`droplift deploy\` writes it with the first release; set $name after that" >&2
  exit 1
fi
# Writes each SRC DEST pair of arguments with NAME's line changed; prints what it did (names
# only). The value is the first stdin line's text after `NAME=`.
IFS= read -r -d '' edit <<'PY' || true
import sys

mode, name, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
value = None
if mode == "set":
    given, sep, value = sys.stdin.readline().rstrip("\n").partition("=")
    if given != name or not sep:
        sys.exit(f"no value for {name} came on stdin: nothing was written")


found = False
for src, dest in zip(pairs[::2], pairs[1::2]):
    out, here = [], False
    for line in open(src).read().splitlines():
        text = line.strip()
        if text.startswith("# droplift settings:"):
            # No longer one droplift writes from [app.env]: the next deploy keeps it.
            kept = [n for n in text.split(":", 1)[1].split() if n != name]
            out.append(" ".join(["# droplift settings:"] + kept))
            continue
        if "=" in text and text[0] not in "#;" and text.split("=", 1)[0].strip() == name:
            if value is not None and not here:
                out.append(f"{name}={quoted(value)}")
            here = True
            continue
        out.append(line)
    if value is not None and not here:
        out.insert(len(out) - 1 if out and out[-1].startswith("DATABASE_URL=") else len(out),
                   f"{name}={quoted(value)}")
    found = found or here
    with open(dest, "w") as f:
        f.write("\n".join(out) + "\n")
value = None
print("replaced" if found else "absent")
PY
new=$(mktemp "$staging/.app.env.XXXXXX")
pairs=("$env_file" "$new")
if [ -f "$env_file.next" ]; then
  waiting=$(mktemp "$staging/.app.env.XXXXXX")
  pairs+=("$env_file.next" "$waiting")
fi
trap 'rm -f "$new" "${waiting:-}"; site_unlock' EXIT
# shellcheck disable=SC2154 # reason: appenv.sh sets read_env_py (its quoted() writes a value)
said=$(python3 -I -c "$read_env_py$edit" "$mode" "$name" "${pairs[@]}")
if [ "$mode" = unset ] && [ "$said" = absent ]; then
  echo "$name is not in the environment file: nothing to remove"
elif [ "$restart" = yes ]; then
  echo "$name $([ "$mode" = set ] && echo "is set" || echo "is removed") in the new environment file (mode 600, root's; the value is never shown): the restart below makes it live"
elif [ "$mode" = set ]; then
  echo "$name $([ "$said" = replaced ] && echo "has a new value" || echo "is set") in $env_file (mode 600, root's; the value is never shown)"
else
  echo "$name is removed from $env_file"
fi
if [ "$restart" = yes ]; then
  mv -f "$new" "$env_file.restart"
elif ! cmp -s "$new" "$env_file"; then
  cp -a "$env_file" "$env_file.old"
  mv -f "$new" "$env_file"
  echo "the app serving keeps the values it started with: the next \`droplift deploy\`, or \`droplift env set|unset $name --restart\`, gives it the new environment (the file before is kept as $env_file.old)"
fi
if [ -n "${waiting:-}" ]; then
  mv -f "$waiting" "$env_file.next"
  echo "the release waiting to go live ($(link_target next)) gets the change too"
fi
if [ "$restart" = yes ]; then
  # The go-live that follows (same connection) holds the lock on: nothing changes between.
  trap - EXIT
fi
