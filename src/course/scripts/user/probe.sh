# Read-only: does the account exist, is it a person's (not a system account), may it use sudo?
: "${u:?}"
set -euo pipefail
# One file per user, read by sudo from /etc/sudoers.d.
sudoers_file="/etc/sudoers.d/droplift-$u"
if ! uid=$(id -u "$u" 2>/dev/null); then echo "droplift-state: pending there is no account named $u yet"
elif [ "$uid" -lt 1000 ]; then echo "droplift-state: drifted $u is a system account (uid $uid), not a person's: choose another name"
elif ! visudo -cf "$sudoers_file" >/dev/null 2>&1; then echo "droplift-state: pending $u exists but has no sudo rights yet"
else echo "droplift-state: done $u exists and may use sudo"
fi
