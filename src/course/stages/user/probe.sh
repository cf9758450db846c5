# Read-only: does the account exist, is it a person's (not a system account), may it use sudo,
# and is its home closed to other accounts?
# sudo itself is asked (sudo -l -U), so a rule the course adds by hand with visudo, or the sudo
# group a provider's `usermod -aG sudo` gives, counts as much as droplift's own file.
: "${u:?}"
set -euo pipefail
if ! uid=$(id -u "$u" 2>/dev/null); then echo "droplift-state: pending there is no account named $u yet"; exit 0; fi
if [ "$uid" -lt 1000 ]; then echo "droplift-state: drifted $u is a system account (uid $uid), not a person's: choose another name"; exit 0; fi
rights=$(sudo -l -U "$u" 2>/dev/null || true)
home=$(getent passwd "$u" | cut -d: -f6)
mode=$(stat -c %a -- "$home" 2>/dev/null || echo 0)
if ! grep -Eq '^[[:space:]]*\(ALL( ?: ?ALL)?\)[[:space:]]+(NOPASSWD: *)?ALL[[:space:]]*$' <<<"$rights"; then
  echo "droplift-state: pending $u exists but has no sudo rights yet"
elif [ $((8#$mode & 7)) -ne 0 ]; then
  echo "droplift-state: pending every account may look into $u's home $home (mode $mode)"
else
  echo "droplift-state: done $u exists and may use sudo"
fi
