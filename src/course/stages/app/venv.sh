# Gives the new release a virtualenv with its requirements.txt installed (or, without one,
# pyproject.toml's [project] dependencies; its requires-python is checked first). Virtualenvs
# live in the site's venvs/KEY, KEY a digest of what decides their content (the requirements
# file, the Python, the uWSGI choice); a release's venv is a link to its one. A release whose
# requirements did not change links to the one an earlier release built: nothing to install.
# (A virtualenv cannot be copied: its scripts name its folder.) The whole build runs as $u in the
# release's folder (build_as_owner below): root only chooses uWSGI, waits for the background
# download and, when pip must compile a library, installs the compiler. pip's output streams to
# the log. Wheels the background download fetched are used first.
# uWSGI: with the distribution's (uwsgi.sh), venv/bin/uwsgi starts it with its python3 plugin
# and a uWSGI line in requirements.txt is left out (it would be compiled for nothing); else pip
# builds uWSGI (about 15 s the first time, then pip reuses the wheel from $u's cache).
: "${u:?}" "${base:?}" "${releases:?}" "${wheels:?}"
set -euo pipefail
site_lock
name=$(link_target next)
[ -n "$name" ] || { echo "no release is being built (next is missing): run the stage again" >&2; exit 1; }
status=$(mark_get "$name" status)
if [ "$status" = built ] || [ "$status" = good ]; then
  echo "release $name has its virtualenv already"
  exit 0
fi
home=$(getent passwd "$u" | cut -d: -f6)
choice=$(uwsgi_choice)
# The wheels come last in the background download: wait for them (apt/lib.sh).
wait_for_prefetch all

# The build, as the app's user in release folder $1; $2 is the uWSGI choice, $3 the folder of
# fetched wheels, $4 the uWSGI pip builds, $5 the site's folder. Exits 3 when a library must be
# compiled and there is no compiler (root installs one, then the build runs again): before pip
# for a requirement known to build from source (psycopg2), after pip's failure for the others.
build() {
  set -euo pipefail
  local dir=$1 choice=$2 wheels=$3 pin=$4 site=$5 requirements from log p key shared
  local -a links=() missing=()
  cd "$dir"
  # What decides the virtualenv's content; the build's own version (v1) changes with the build.
  key=$({
    echo "droplift venv v1"
    python3 -c 'import sys; print(sys.version)'
    echo "$choice $pin"
    if [ -f requirements.txt ]; then
      echo requirements.txt
      cat requirements.txt
    elif [ -f pyproject.toml ]; then
      echo pyproject.toml
      cat pyproject.toml
      if [ -f uv.lock ]; then cat uv.lock; fi
    fi
  } | sha256sum | cut -c 1-16)
  shared="$site/venvs/$key"
  if [ -d venv ] && [ ! -L venv ]; then
    echo "the code holds a folder venv/ (a virtualenv made on another computer does not run here): the release uses droplift's own instead"
    rm -rf venv
  fi
  mkdir -p "$site/venvs"
  ln -sfn "../../venvs/$key" venv
  if [ -f "$shared/.droplift-ready" ]; then
    echo "the requirements, Python and uWSGI are those an earlier release was built with: its virtualenv (venvs/$key) serves this release too, nothing to install"
    echo "release $(basename "$dir"): $(venv/bin/python --version), uWSGI $(venv/bin/uwsgi --version)"
    return 0
  fi
  pip_install() { venv/bin/pip install --no-input --progress-bar off --disable-pip-version-check "$@"; }
  # Compile errors pip can meet without a compiler or headers.
  needs_build_tools() {
    grep -qE "command '[^']*gcc' failed|gcc: (command )?not found|Python\.h: No such file|pg_config executable not found|error: command 'x86_64-linux-gnu-gcc'" "$1"
  }
  # pyproject.toml read by the virtualenv's Python (tomllib, or pip's own copy of tomli before
  # Python 3.11): "check" compares requires-python with this Python, "deps" prints
  # [project] dependencies one per line. Exit 4: the app wants another Python; 5: no list.
  local pyproject='
import platform, sys
try:
    import tomllib
except ImportError:
    try:
        from pip._vendor import tomli as tomllib
    except ImportError:
        import tomli as tomllib
with open("pyproject.toml", "rb") as f:
    data = tomllib.load(f)
project = data.get("project") or {}
if sys.argv[1] == "check":
    wanted = project.get("requires-python")
    if not wanted:
        sys.exit(0)
    try:
        from pip._vendor.packaging.specifiers import SpecifierSet
    except ImportError:
        try:
            from packaging.specifiers import SpecifierSet
        except ImportError:
            print("pyproject.toml asks for Python " + wanted + " (not checked: no packaging here)")
            sys.exit(0)
    here = platform.python_version()
    if here in SpecifierSet(wanted, prereleases=True):
        print("pyproject.toml asks for Python " + wanted + ": this server has " + here)
        sys.exit(0)
    systems = (("Ubuntu 24.04", "3.12.3"), ("Debian 12", "3.11.2"), ("Ubuntu 22.04", "3.10.12"))
    spec = SpecifierSet(wanted, prereleases=True)
    fits = [name + " (Python " + v.rsplit(".", 1)[0] + ")" for name, v in systems if v in spec]
    print(wanted + "|" + here + "|" + ", ".join(fits))
    sys.exit(4)
if sys.argv[1] == "locked":
    # uv.lock: the dependencies of the project and theirs, each at its locked version and marker.
    with open("uv.lock", "rb") as f:
        lock = tomllib.load(f)
    norm = lambda n: n.lower().replace("_", "-").replace(".", "-")
    found = {}
    for p in lock.get("package", []):
        found.setdefault(norm(p["name"]), []).append(p)
    src = lambda p: p.get("source", {})
    roots = [p for ps in found.values() for p in ps if src(p).get("editable") == "." or src(p).get("virtual") == "."]
    roots = [p for p in roots if norm(p["name"]) == norm(project.get("name", ""))] or roots
    if not roots:
        print("has no entry for the project itself")
        sys.exit(5)
    markers, versions, todo = {}, {}, list(roots[0].get("dependencies", []))
    while todo:
        d = todo.pop(0)
        n = norm(d["name"])
        ps = [p for p in found.get(n, []) if d.get("version") in (None, p.get("version"))]
        if not ps:
            print("names " + n + " without its locked entry")
            sys.exit(5)
        p = ps[0]
        m = d.get("marker")
        if n in versions:
            if m is None or markers[n] is None:
                markers[n] = None
            elif m not in markers[n]:
                markers[n] = markers[n] + " or " + m
        else:
            versions[n], markers[n] = p["version"], m
            todo.extend(p.get("dependencies", []))
        for extra in d.get("extra", []):
            todo.extend(p.get("optional-dependencies", {}).get(extra, []))
    for n in sorted(versions):
        print(n + "==" + versions[n] + (" ; " + markers[n] if markers[n] else ""))
    sys.exit(0)
deps = project.get("dependencies")
if deps is None:
    if "dependencies" in project.get("dynamic", []):
        why = "lists its dependencies as dynamic (its build tool makes the list)"
    elif "poetry" in data.get("tool", {}):
        why = "keeps its dependencies in [tool.poetry.dependencies] (poetry export -f requirements.txt writes one)"
    else:
        why = "has no [project] dependencies"
    print(why)
    sys.exit(5)
for line in deps:
    print(line)
'
  [ -x venv/bin/python ] || python3 -m venv "$shared"
  if [ -f pyproject.toml ]; then
    local said rc=0
    said=$(venv/bin/python -I -c "$pyproject" check 2>&1) || rc=$?
    if [ "$rc" -eq 4 ]; then
      local os wanted here fits
      os=$(sed -n 's/^PRETTY_NAME=//p' /etc/os-release 2>/dev/null | tr -d '"' | tr -cd '[:print:]')
      IFS='|' read -r wanted here fits <<<"$said"
      {
        echo "Your app asks for Python $wanted (requires-python in pyproject.toml); this server has Python $here (${os:-its system}), the Python its uWSGI serves. Nothing was installed. Your options:"
        if [ -n "$fits" ]; then
          echo "  - a server with a system whose Python your app accepts: $fits, or"
        else
          echo "  - (no system droplift sets up has such a Python: Ubuntu 24.04 has 3.12, Debian 12 3.11, Ubuntu 22.04 3.10)"
        fi
        echo "  - if your app runs on Python $here too, lower requires-python to the versions it really needs (and check that its dependencies support them)."
      } >&2
      exit 1
    elif [ "$rc" -ne 0 ]; then
      echo "pyproject.toml could not be read: $(printf '%s' "$said" | tail -n 1 | tr -cd '[:print:]')" >&2
      exit 1
    fi
    [ -z "$said" ] || echo "$said"
  fi
  if [ -f .python-version ]; then
    local pinned here_version
    pinned=$(sed -n '1s/^[^0-9]*\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' .python-version)
    here_version=$(venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    if [ -n "$pinned" ] && [ "$pinned" != "$here_version" ]; then
      echo "note: .python-version names Python $pinned (what pyenv or uv uses on your computer); this server has $here_version, the Python its uWSGI serves: the import check after this step says whether the app runs on it"
    fi
  fi
  # The list the pyproject program prints in mode $1 (deps, locked), into $requirements; or
  # why there is none, read from file $2, and what to do ($3), and stop.
  listed() {
    local why rc=0
    why=$(venv/bin/python -I -c "$pyproject" "$1") || rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "the code has no requirements.txt, and its $2 $(printf '%s' "$why" | tail -n 1 | tr -cd '[:print:]'): $3" >&2
      exit 1
    fi
    printf '%s\n' "$why" > "$requirements"
  }
  requirements=$(mktemp)
  if [ -f requirements.txt ]; then
    from=requirements.txt
    cat requirements.txt > "$requirements"
  elif [ -f pyproject.toml ] && [ -f uv.lock ]; then
    from="uv.lock"
    listed locked uv.lock "run uv lock again, or add a requirements.txt (uv export --no-dev -o requirements.txt writes one)"
    echo "no requirements.txt: pip installs the versions uv.lock pins for your app ($(grep -c . "$requirements") packages, the project's and theirs)"
  elif [ -f pyproject.toml ]; then
    from="pyproject.toml's dependencies"
    listed deps pyproject.toml "add a requirements.txt with the app's libraries"
    echo "no requirements.txt: pip installs pyproject.toml's [project] dependencies ($(grep -c . "$requirements") of them)"
  else
    echo "the code has no requirements.txt or pyproject.toml at its top: pip needs one to install the app's libraries" >&2
    exit 1
  fi
  if [ "$choice" = system ] && grep -qiE '^[[:space:]]*uwsgi([^a-z0-9_.-]|$)' "$requirements"; then
    echo "$from names uWSGI; this server runs the distribution's uWSGI with its python3 plugin instead, so that line is left out (nothing to compile)"
    sed -i -E '/^[[:space:]]*[uU][wW][sS][gG][iI]([^a-zA-Z0-9_.-]|$)/d' "$requirements"
  fi
  if grep -qiE '^[[:space:]]*gunicorn([^a-z0-9_.-]|$)' "$requirements"; then
    echo "$from names gunicorn; uWSGI serves the app here, so that line is left out"
    sed -i -E '/^[[:space:]]*[gG][uU][nN][iI][cC][oO][rR][nN]([^a-zA-Z0-9_.-]|$)/d' "$requirements"
  fi
  # psycopg2 (not psycopg2-binary) is built from source: its headers and a compiler first.
  if grep -qiE '^[[:space:]]*psycopg2([^a-z0-9_.-]|$)' "$requirements"; then
    for p in libpq-dev python3-dev build-essential; do
      [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
      echo "$from names psycopg2, which pip builds from source: it needs ${missing[*]} first"
      rm -f "$requirements"
      exit 3
    fi
    echo "$from names psycopg2, which pip builds from source (libpq-dev, python3-dev and build-essential are here)"
  fi
  [ ! -d "$wheels" ] || links=(--find-links "$wheels")
  if [ "$choice" != system ]; then
    echo "uWSGI is built by pip, because ${choice#pip: }"
    # With wheel, pip builds uWSGI into a wheel it keeps in the user's cache: the next release
    # reuses it instead of compiling again.
    pip_install wheel
  fi
  log=$(mktemp)
  if [ -n "$(find "$wheels" -maxdepth 1 -name '*.whl' -print -quit 2>/dev/null)" ]; then
    echo "installing from the wheels fetched in the background ($wheels) …"
    if pip_install --no-index --find-links "$wheels" -r "$requirements" 2>&1 | tee "$log"; then
      rm -f "$requirements"
      requirements=""
    else
      echo "some of them were not fetched in the background: pip asks PyPI for the rest"
    fi
  fi
  if [ -n "$requirements" ] && ! pip_install "${links[@]}" -r "$requirements" 2>&1 | tee "$log"; then
    rm -f "$requirements"
    if needs_build_tools "$log" && ! command -v gcc >/dev/null 2>&1; then
      rm -f "$log"
      exit 3
    fi
    rm -f "$log"
    exit 1
  fi
  rm -f "$log" "$requirements"
  if [ "$choice" = system ]; then
    # The unit runs current/venv/bin/uwsgi for every release; here that is the system's uWSGI
    # with the plugin for this Python (exec keeps the pid systemd watches).
    rm -f venv/bin/uwsgi
    printf '#!/bin/sh\n# Written by droplift: the distribution'"'"'s uWSGI with its Python 3 plugin.\nexec /usr/bin/uwsgi-core --plugin python3 "$@"\n' > venv/bin/uwsgi
    chmod 755 venv/bin/uwsgi
  elif [ ! -x venv/bin/uwsgi ]; then
    echo "$from does not install uWSGI, which the service runs: pip builds $pin"
    pip_install "$pin"
  fi
  : > "$shared/.droplift-ready"
  echo "release $(basename "$dir"): $(venv/bin/python --version), uWSGI $(venv/bin/uwsgi --version) (virtualenv venvs/$key)"
}

build_as_owner() {
  as_owner env HOME="$home" bash -c "$(declare -f build); build \"\$@\"" build \
    "$releases/$name" "$choice" "$wheels" "$(uwsgi_pip_pin)" "$base"
}

rc=0
build_as_owner || rc=$?
if [ "$rc" -eq 3 ]; then
  echo "a library the app needs is compiled here: installing build-essential, python3-dev and libpq-dev, then pip tries again"
  apt_install build-essential python3-dev libpq-dev
  build_as_owner
elif [ "$rc" -ne 0 ]; then
  exit "$rc"
fi
if [ "$choice" = system ]; then mark_set "$name" uwsgi system; else mark_set "$name" uwsgi pip; fi
