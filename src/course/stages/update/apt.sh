# Runs apt-get without questions: keep configuration files the provider changed, wait for the
# lock rather than fail when another program holds it, and never wait for an answer: stdin is
# empty, debconf and ucf take their defaults, and needrestart (Ubuntu's "which services should
# be restarted?" dialog) stays quiet here; the next step asks it. The whole run is time-boxed.
: "${apt_command:?}" "${apt_minutes:?}"
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1 UCF_FORCE_CONFFOLD=1
status=0
timeout --kill-after=30 "$((apt_minutes * 60))" apt-get -y -q \
  -o DPkg::Lock::Timeout=300 \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "$apt_command" </dev/null || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "apt-get $apt_command did not finish in $apt_minutes minutes and was stopped. Usually a download is stuck or a package waits for an answer. Log in, run 'sudo dpkg --configure -a' and then 'sudo apt $apt_command' to see where it stops; then run this stage again." >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then exit "$status"; fi
held=$(apt-mark showhold)
if [ -n "$held" ]; then
  echo "kept at their version because someone ran 'apt-mark hold' (droplift leaves them so): $(echo "$held" | paste -sd ' ' -)"
fi
