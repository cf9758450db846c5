# Shows what the owner may do: sudo nothing, its home closed to others, nginx in its group, and
# whether sshd lets it in.
: "${u:?}"
set -euo pipefail
id "$u"
home=$(getent passwd "$u" | cut -d: -f6)
stat -c '%A %U:%G %n' -- "$home"
[ "$(stat -c %a -- "$home")" = 700 ] || { echo "$home is not 700" >&2; exit 1; }
# The site's deploy key may run droplift's sealed helper for its site: that rule is no sudo.
rights=$(sudo -l -U "$u" 2>/dev/null | grep -E '^[[:space:]]*\(' |
  grep -Ev '^[[:space:]]*\(root\) NOPASSWD: /usr/local/lib/droplift/sealed [a-z0-9-]+ \*$' || true)
if [ -n "$rights" ]; then echo "$u may use sudo: $rights" >&2; exit 1; fi
echo "sudo: $u may run nothing (but its site's deploy key's sealed steps, once made)"
id -nG www-data | tr ' ' '\n' | grep -qxF "$u" || { echo "www-data is not in the group $u" >&2; exit 1; }
echo "www-data is in the group $u (nginx reaches $u's site)"
settings=$(sshd -T 2>/dev/null || true)
if grep -q '^allowusers ' <<<"$settings"; then
  grep -qxF "allowusers $u" <<<"$settings" || { echo "sshd does not let $u log in" >&2; exit 1; }
  echo "sshd: AllowUsers lets $u in"
else
  echo "sshd lets every account log in"
fi
