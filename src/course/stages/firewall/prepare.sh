# Before the firewall changes: records how the firewall is now (on or off, its rules, its
# default policy) and installs the revert the safety net runs (read from stdin), which puts
# exactly that back; then marks the change as in progress, so a cut connection from here on is
# undone by itself. If an earlier run did not finish, its revert runs first: droplift never takes
# its own unproven rules for the firewall from before.
: "${state:?}"
set -euo pipefail
mkdir -p "$state"
chmod 700 "$state"
if [ -e "$state/pending" ] && [ -x "$state/revert.sh" ]; then
  echo "an earlier change to the firewall did not finish: putting the firewall back as it was first"
  bash "$state/revert.sh"
fi
rm -rf "$state/before.new"
mkdir -m 700 "$state/before.new"
for file in /etc/ufw/user.rules /etc/ufw/user6.rules; do
  if [ -e "$file" ]; then cp -a "$file" "$state/before.new/"; fi
done
if [ -e /etc/default/ufw ]; then cp -a /etc/default/ufw "$state/before.new/default"; fi
if ufw status | grep -q '^Status: active'; then was=on; else was=off; fi
echo "$was" > "$state/before.new/was"
rm -rf "$state/before"
mv "$state/before.new" "$state/before"
cat > "$state/revert.sh.new"
chmod 700 "$state/revert.sh.new"
mv -f "$state/revert.sh.new" "$state/revert.sh"
touch "$state/pending"
if [ "$was" = on ]; then
  echo "the firewall is on now; if this stage does not finish, $state/revert.sh puts it back on with its rules from before"
else
  echo "the firewall is off now; if this stage does not finish, $state/revert.sh turns it off again"
fi
