# Lets the owner log in over SSH (with the site's deploy key) when sshd only lets some accounts
# in: stage 4's AllowUsers names the login's account. sshd adds the AllowUsers lines of every
# file it reads, so the owner's own file widens the list and stage 4's file stays as it is.
# Nothing is written while sshd lets every account in: a file would then restrict logins to the
# owner. sshd -t must pass, else the file goes again; then sshd reloads (open sessions stay).
: "${u:?}"
set -euo pipefail
file=/etc/ssh/sshd_config.d/10-droplift-user-$u.conf
if [ ! -d /run/sshd ]; then install -d -m 0755 /run/sshd; fi
settings=$(sshd -T 2>/dev/null) || { echo "sshd -T failed: sshd's settings do not check out" >&2; exit 1; }
if ! grep -q '^allowusers ' <<<"$settings"; then
  echo "sshd lets every account log in: nothing to add for $u"
  exit 0
fi
if grep -qxF "allowusers $u" <<<"$settings"; then
  echo "sshd lets $u log in already"
  exit 0
fi
if ! grep -Eqi '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' /etc/ssh/sshd_config; then
  echo "sshd_config does not include /etc/ssh/sshd_config.d/: add \`AllowUsers $u\` to it by hand" >&2
  exit 1
fi
printf '# Written by droplift (stage 3): %s owns a site and logs in with its deploy key.\nAllowUsers %s\n' "$u" "$u" >"$file.new"
chmod 644 "$file.new"
mv -f "$file.new" "$file"
if ! sshd -t; then
  rm -f "$file"
  echo "sshd -t refused the new line; it was taken out again" >&2
  exit 1
fi
if systemctl is-active --quiet ssh.service; then systemctl reload ssh.service
elif systemctl is-active --quiet sshd.service; then systemctl reload sshd.service
fi
echo "sshd lets $u log in now ($file)"
