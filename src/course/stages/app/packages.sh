# Installs what running a Python app needs: python3-venv (virtual environments), uWSGI (the
# distribution's with its Python 3 plugin when it serves the virtualenv's Python, else the
# compiler and headers pip builds it with) and, for code from a git repository, git. Packages
# the background download fetched already come from its cache.
: "${packages:?}"
set -euo pipefail
choice=$(uwsgi_choice)
if [ "$choice" = system ]; then
  echo "uWSGI: the distribution's uwsgi-core with its python3 plugin (Python $(venv_python), like the virtualenv): nothing to compile, security updates come with the system"
else
  echo "uWSGI: pip builds it once, because ${choice#pip: }"
fi
read -ra wanted <<<"$packages $(uwsgi_packages_for "$choice")"
mapfile -t missing < <(not_installed "${wanted[@]}")
if [ "${#missing[@]}" -eq 0 ]; then
  echo "installed already: ${wanted[*]}"
  exit 0
fi
apt_install "${missing[@]}" || { apt-get update -q && apt_install "${missing[@]}"; }
