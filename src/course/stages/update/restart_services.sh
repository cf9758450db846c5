# After an upgrade, programs still running the old code of a library must be restarted to use
# the fixed one. Ubuntu's needrestart finds them; here it restarts what is safe to restart and
# says what it left for a restart of the droplet. Without needrestart (Debian), the restart
# check that follows says whether the droplet needs a restart.
set -euo pipefail
if ! command -v needrestart >/dev/null 2>&1; then
  echo "needrestart is not installed here: the next step says whether the droplet needs a restart"
  exit 0
fi
outdated() { needrestart -b -r l 2>/dev/null | sed -n 's/^NEEDRESTART-SVC: //p' | sort; }
before=$(outdated)
if [ -z "$before" ]; then
  echo "needrestart: no service runs outdated code"
  exit 0
fi
NEEDRESTART_MODE=a DEBIAN_FRONTEND=noninteractive needrestart -r a </dev/null >/dev/null 2>&1 || true
after=$(outdated)
restarted=$(comm -23 <(echo "$before") <(echo "$after") | paste -sd ' ' -)
echo "needrestart restarted: ${restarted:-nothing}"
if [ -n "$after" ]; then
  echo "left for a restart of the droplet (needrestart does not restart these while you are logged in): $(echo "$after" | paste -sd ' ' -)"
fi
