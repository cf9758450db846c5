# Adds the public key on stdin to the user's authorized_keys (once), with the modes sshd demands:
# only the owner may read the folder and the file.
: "${u:?}"
set -euo pipefail
home=$(getent passwd "$u" | cut -d: -f6)
key=$(cat)
case "$key" in
  ssh-ed25519\ *|ssh-rsa\ *|ecdsa-sha2-*|sk-*) ;;
  *) echo "that does not look like an SSH public key" >&2; exit 1 ;;
esac
install -d -m 700 -o "$u" -g "$u" "$home/.ssh"
touch "$home/.ssh/authorized_keys"
grep -qxF "$key" "$home/.ssh/authorized_keys" || printf '%s\n' "$key" >> "$home/.ssh/authorized_keys"
chown "$u:$u" "$home/.ssh/authorized_keys"
chmod 600 "$home/.ssh/authorized_keys"
echo "key installed for $u"
