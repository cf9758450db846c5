# Looks around once logged in: the system, who we are, whether sshd reads drop-in files. A
# system droplift was not made for stops the course here, before anything changes.
: "${os_release:?}" "${supported:?}" "${supported_names:?}"
set -euo pipefail
ID="" VERSION_ID="" PRETTY_NAME=""
# shellcheck source=/dev/null # os-release belongs to the server, not to this project
if [ -r "$os_release" ]; then . "$os_release"; fi
echo "system: ${PRETTY_NAME:-unknown}"
echo "logged in as: $(id -un)"
if [ -d /etc/ssh/sshd_config.d ]; then echo "sshd drop-in folder: yes"; else echo "sshd drop-in folder: no"; fi
case " $supported " in
  *" ${ID}:${VERSION_ID} "*) ;;
  *)
    echo "droplift-state: drifted droplift supports $supported_names; this server runs ${PRETTY_NAME:-a system without /etc/os-release}"
    exit 0
    ;;
esac
echo "droplift-state: done logged in to ${PRETTY_NAME:-the server} as $(id -un)"
