# Looks around once logged in: the system, who we are, whether sshd reads drop-in files.
set -euo pipefail
# shellcheck source=/dev/null # os-release belongs to the server, not to this project
if [ -r /etc/os-release ]; then . /etc/os-release; fi
echo "system: ${PRETTY_NAME:-unknown}"
echo "logged in as: $(id -un)"
if [ -d /etc/ssh/sshd_config.d ]; then echo "sshd drop-in folder: yes"; else echo "sshd drop-in folder: no"; fi
echo "droplift-state: done logged in to ${PRETTY_NAME:-the server} as $(id -un)"
