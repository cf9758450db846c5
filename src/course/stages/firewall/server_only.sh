# Read-only: this answers file is a second site's, whose owner has no sudo ([user] sudo = false).
# The firewall is the server's: its ports come from the first site's answers, and applying this
# file's list would close the ports the first site opened. So nothing is done here.
set -euo pipefail
echo "droplift-state: skipped the firewall is the server's: apply stage 6 with the first site's answers"
