# Runs apt-get without questions: keep configuration files the provider changed, and wait for
# the lock rather than fail when another program holds it.
: "${apt_command:?}"
set -euo pipefail
DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get -y -q \
  -o DPkg::Lock::Timeout=300 \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "$apt_command"
