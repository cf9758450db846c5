# Installs nginx (Debian's package starts it at once with its welcome page) and curl, which the
# check afterwards uses. Package lists are refreshed only when apt cannot find the package.
set -euo pipefail
install_packages() {
  apt_install "$@" || { apt-get update -q && apt_install "$@"; }
}
if dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q 'install ok installed'; then
  echo "nginx is installed already: $(nginx -v 2>&1)"
else
  install_packages nginx
fi
command -v curl >/dev/null 2>&1 || install_packages curl
systemctl enable --now nginx >/dev/null 2>&1 || true
echo "$(nginx -v 2>&1), $(systemctl is-active nginx)"
