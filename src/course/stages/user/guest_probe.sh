# Read-only: is the site's owner an account of its own with no sudo at all (the login sets its
# site up), its home closed to everyone else, nginx in its group, and SSH open to it?
: "${u:?}"
set -euo pipefail
if ! uid=$(id -u "$u" 2>/dev/null); then echo "droplift-state: pending there is no account named $u yet"; exit 0; fi
if [ "$uid" -lt 1000 ]; then echo "droplift-state: drifted $u is a system account (uid $uid), not a person's: choose another name"; exit 0; fi
group=$(id -gn "$u")
if [ "$group" != "$u" ]; then echo "droplift-state: drifted $u's group is $group: a private site runs with its owner's own group, named $u"; exit 0; fi
# The site's deploy key may run droplift's sealed helper for its site: that rule is no sudo.
rights=$(sudo -l -U "$u" 2>/dev/null | grep -E '^[[:space:]]*\(' |
  grep -Ev '^[[:space:]]*\(root\) NOPASSWD: /usr/local/lib/droplift/sealed [a-z0-9-]+ \*$' || true)
if [ -n "$rights" ]; then
  echo "$rights" | head -n 5
  echo "droplift-state: drifted $u may use sudo, but [user] sudo = false: take those rules away (sudo visudo, /etc/sudoers.d/) or say sudo = true"
  exit 0
fi
todo=()
home=$(getent passwd "$u" | cut -d: -f6)
mode=$(stat -c %a -- "$home" 2>/dev/null || echo none)
[ "$mode" = 700 ] || todo+=("$u's home $home is mode $mode, not 700")
id -nG www-data | tr ' ' '\n' | grep -qxF "$u" || todo+=("nginx's user www-data is not in the group $u yet")
settings=$(sshd -T 2>/dev/null || true)
if grep -q '^allowusers ' <<<"$settings" && ! grep -qxF "allowusers $u" <<<"$settings"; then
  todo+=("sshd does not let $u log in (AllowUsers)")
fi
if [ "${#todo[@]}" -eq 0 ]; then
  echo "droplift-state: done $u exists with no sudo, its home private"
else
  printf 'to do: %s\n' "${todo[@]}"
  echo "droplift-state: pending ${todo[0]}"
fi
