# Which uWSGI serves the app. The distribution's (uwsgi-core with its Python 3 plugin) is
# preferred: nothing to compile, and its security updates come with the system's. It serves
# the app only when its plugin is built for the same Python as the release's virtualenv
# (the system's python3); otherwise pip builds uWSGI once (pip's cache keeps the build for
# later releases) with the compiler and Python's headers.
set -euo pipefail

# The Python the virtualenv gets: the system's python3, as MAJOR.MINOR.
venv_python() {
  python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

# "system", or "pip: WHY". Extra arguments go to apt-cache (the background download passes
# its own package lists). With none and the plugin installed, its own dependency says which
# Python it serves (dpkg-query is quick; apt-cache loads its cache for half a second).
uwsgi_choice() {
  local py plugin
  py=$(venv_python)
  if [ "$#" -eq 0 ] && [ "$(dpkg-query -W -f='${db:Status-Status}' uwsgi-plugin-python3 2>/dev/null || true)" = installed ]; then
    plugin=$(dpkg-query -W -f='${Depends}' uwsgi-plugin-python3 2>/dev/null |
      grep -o 'libpython3\.[0-9]*' | sed 's/^libpython//' | awk 'NR == 1')
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
  local set p all
  for set in "uwsgi-core uwsgi-plugin-python3" "python3-dev build-essential libpq-dev"; do
    all=yes
    for p in $set; do
      [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || all=no
    done
    if [ "$all" = yes ]; then echo "$set"; return 0; fi
  done
  uwsgi_packages "$@"
}

# The uWSGI pip builds when the distribution's cannot serve the app.
uwsgi_pip_pin() {
  echo "uWSGI==2.0.31"
}
