# Asks sudo itself what the user may do.
: "${u:?}"
set -euo pipefail
sudo -l -U "$u"
