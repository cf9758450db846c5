# `droplift env list`: the names in the site's environment file (root's, in droplift's folder:
# never a path in the site's folder), each with where it comes from, the answers' names not on
# the server yet, and whether the file changed after the serving slot started. Names only: no
# value is printed.
: "${env_file:?}" "${settings?}" "${secret_names?}"
set -euo pipefail
if [ ! -f "$env_file" ]; then
  echo "droplift-state: pending this site has no environment file yet: the first deploy writes it"
  exit 0
fi
IFS= read -r -d '' list_py <<'PY' || true
import sys

env = read_env(open(sys.argv[1]))
managed = set()
for line in open(sys.argv[1]):
    if line.strip().startswith("# droplift settings:"):
        managed = set(line.split(":", 1)[1].split())
plain = dict(line.split("=", 1) for line in sys.argv[2].split("\n") if "=" in line)
secret = [n for n in sys.argv[3].split(" ") if n]
print(f"  {'NAME':<28} FROM")
for name in env:
    if name == "DATABASE_URL":
        origin = "droplift (the database stage's role and password)"
    elif name in plain:
        origin = "answers ([app.env])"
        if env[name] != plain[name]:
            origin += "; the server's value differs: the next deploy writes the answers' one"
    elif name in secret:
        origin = "secret ([app] secrets)"
    elif name in managed:
        origin = "answers before ([app.env] no longer has it: the next deploy removes it)"
    else:
        origin = "set by hand (droplift env set; not in the answers)"
    print(f"  {name:<28} {origin}")
missing = [n for n in list(plain) + secret if n not in env]
if missing:
    print("in the answers, not on the server yet (the next deploy writes them): " + " ".join(missing))
PY
# shellcheck disable=SC2154 # reason: appenv.sh sets it
python3 -I -c "$read_env_py
$list_py" "$env_file" "$settings" "$secret_names"
if [ -f "$env_file.next" ]; then
  echo "note: release $(link_target next) waits to go live with its own environment file, which the app stage made from this one"
fi
slot=$(serving_slot)
if [ -n "$slot" ]; then
  since=$(systemctl show -p ActiveEnterTimestamp --value "$(slot_unit "$slot")" 2>/dev/null || true)
  if [ -n "$since" ] && [ "$(stat -c %Y "$env_file")" -gt "$(date -d "$since" +%s 2>/dev/null || echo 0)" ]; then
    echo "note: the file changed after $(slot_unit "$slot") started ($since): the app serving does not have that change yet; the next deploy, or \`droplift env set|unset NAME --restart\`, gives it"
  fi
fi
echo "droplift-state: done"
