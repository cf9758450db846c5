# The app's environment file as systemd's EnvironmentFile= reads it, for the steps that run the
# app's code before it serves (the import check, the release commands): read_env_py is Python
# that defines read_env(stream), which takes NAME=value lines (# and ; comments, a value in
# "…" with \" \\ \$ \` escaped, or in '…') the way droplift writes them, and quoted(value),
# which writes a value that way (the environment file's writers: env_file.sh, env set). Root reads its own file
# and hands it over on stdin: the values are never on a command line or in a file the site's
# user can read.
set -euo pipefail
# shellcheck disable=SC2034 # reason: check_app.sh and release.sh read it
IFS= read -r -d '' read_env_py <<'PY' || true
def read_env(stream):
    env = {}
    for line in stream:
        line = line.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            inner, out, i = value[1:-1], [], 0
            while i < len(inner):
                if inner[i] == "\\" and i + 1 < len(inner) and inner[i + 1] in '"\\`$':
                    i += 1
                out.append(inner[i])
                i += 1
            value = "".join(out)
        elif len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        env[key] = value
    return env


def quoted(value):
    """The value as systemd's EnvironmentFile= reads it back exactly."""
    for c in '\\"$`':
        value = value.replace(c, "\\" + c)
    return f'"{value}"'
PY

# Says what file $1 lacks of the settings asked for ($2: NAME=value lines; $3: secret names,
# space-separated) and fails, or succeeds quietly. Names only, never a value.
settings_missing() {
  python3 -I -c "$read_env_py"'
import sys
env = read_env(open(sys.argv[1]))
plain = [l.split("=", 1) for l in sys.argv[2].split("\n") if "=" in l]
names = [n for n in sys.argv[3].split(" ") if n]
wrong = [n for n, v in plain if env.get(n) != v] + [n for n in names if not env.get(n)]
if wrong:
    print("the environment file does not hold these settings as asked yet: " + " ".join(wrong))
    sys.exit(1)
' "$1" "$2" "$3"
}
