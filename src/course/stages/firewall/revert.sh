#!/bin/bash
# Installed on the server as /var/lib/droplift/ufw/revert.sh (run by the undo timer, the
# rollback, or a second run): puts the firewall back as it was before droplift's change — its
# rules and its default policy from before/, and on or off as it was — so a firewall that was on
# stays on with its old rules and one that was off goes off again. "pending" is cleared only when
# that worked.
set -euo pipefail
state=$(cd "$(dirname "$0")" && pwd)
before=$state/before
was=$(cat "$before/was")
for file in user.rules user6.rules; do
  if [ -e "$before/$file" ]; then cp -a "$before/$file" "/etc/ufw/$file"; fi
done
if [ -e "$before/default" ]; then cp -a "$before/default" /etc/default/ufw; fi
if [ "$was" = on ]; then
  # reload reads the rules and the default policy again; enable when something turned it off.
  if ufw status | grep -q '^Status: active'; then ufw reload; else ufw --force enable; fi
  ufw status | grep -q '^Status: active'
  echo "the firewall is on with the rules it had before this stage"
else
  ufw --force disable
  echo "the firewall is off again, as it was before this stage"
fi
rm -f "$state/pending"
