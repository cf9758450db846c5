# Before the firewall changes: installs the revert the safety net runs (turning the firewall off)
# and marks the change as in progress, so a cut connection from here on is undone by itself.
: "${state:?}"
set -euo pipefail
mkdir -p "$state"
chmod 700 "$state"
cat > "$state/revert.sh.new" <<REVERT
#!/bin/bash
# Turns the firewall off again: droplift could not prove that SSH still gets through.
ufw --force disable
rm -f '$state/pending'
REVERT
chmod 700 "$state/revert.sh.new"
mv -f "$state/revert.sh.new" "$state/revert.sh"
touch "$state/pending"
echo "if this stage does not finish, $state/revert.sh turns the firewall off"
