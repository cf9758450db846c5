# Which uWSGI serves the app. The distribution's (uwsgi-core with its Python 3 plugin) is
# preferred: nothing to compile, and its security updates come with the system's. It serves
# the app only when its plugin is built for the same Python as the release's virtualenv
# (the system's python3); otherwise pip builds uWSGI once (pip's cache keeps the build for
# later releases) with the compiler and Python's headers.
set -euo pipefail

# The Python the virtualenv gets: the system's python3, as MAJOR.MINOR (from its file's name).
venv_python() {
  local path
  path=$(readlink -f -- "$(command -v python3)")
  if [[ ${path##*/} =~ ^python(3\.[0-9]+)$ ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])'
  fi
}

# Prints those of packages $@ that are not installed, one a line: one dpkg-query for all (each
# reads dpkg's whole status file, about 15 ms).
not_installed() {
  local -A have=()
  local p s
  [ "$#" -gt 0 ] || return 0
  while read -r p s; do
    if [ "$s" = installed ]; then have[$p]=1; fi
  done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null || true)
  for p in "$@"; do
    if [ -z "${have[$p]-}" ]; then echo "$p"; fi
  done
}

# "system", or "pip: WHY". Extra arguments go to apt-cache (the background download passes
# its own package lists). With none and the plugin installed, its own dependency says which
# Python it serves (dpkg-query is quick; apt-cache loads its cache for half a second).
uwsgi_choice() {
  local py plugin="" said=""
  py=$(venv_python)
  [ "$#" -gt 0 ] || said=$(dpkg-query -W -f='${db:Status-Status}|${Depends}' uwsgi-plugin-python3 2>/dev/null || true)
  if [ "${said%%|*}" = installed ]; then
    if [[ ${said#*|} =~ libpython(3\.[0-9]+) ]]; then plugin=${BASH_REMATCH[1]}; fi
  else
    plugin=$(apt-cache "$@" depends uwsgi-plugin-python3 2>/dev/null |
      sed -n 's/^ *Depends: libpython\(3\.[0-9]*\).*/\1/p' | awk 'NR == 1')
  fi
  if [ -z "$plugin" ]; then
    echo "pip: this server's package sources have no uwsgi-plugin-python3 (on Ubuntu it is in universe)"
  elif [ "$plugin" != "$py" ]; then
    echo "pip: the distribution's uWSGI plugin is built for Python $plugin, the app's virtualenv has Python $py"
  else
    echo system
  fi
}

# The packages choice $1 needs.
uwsgi_packages_for() {
  if [ "$1" = system ]; then
    echo "uwsgi-core uwsgi-plugin-python3"
  else
    echo "python3-dev build-essential libpq-dev"
  fi
}

# The packages the choice needs (arguments as for uwsgi_choice).
uwsgi_packages() { uwsgi_packages_for "$(uwsgi_choice "$@")"; }

# For the read-only check: the packages of the choice already made when either set is installed
# (dpkg-query is quick; apt-cache takes half a second to load its cache), else uwsgi_packages
# (arguments as for uwsgi_choice).
uwsgi_packages_to_check() {
  local set p all missing
  missing=" $(not_installed uwsgi-core uwsgi-plugin-python3 python3-dev build-essential libpq-dev | tr '\n' ' ')"
  for set in "uwsgi-core uwsgi-plugin-python3" "python3-dev build-essential libpq-dev"; do
    all=yes
    for p in $set; do
      [[ $missing != *" $p "* ]] || all=no
    done
    if [ "$all" = yes ]; then echo "$set"; return 0; fi
  done
  uwsgi_packages "$@"
}

# The uWSGI pip builds when the distribution's cannot serve the app.
uwsgi_pip_pin() {
  echo "uWSGI==2.0.31"
}
