# Read-only: is the student's key (on stdin) installed, and does sshd refuse root and passwords?
: "${u:?}" "${state:?}"
set -euo pipefail
home=$(getent passwd "$u" | cut -d: -f6 || true)
key=$(cat)
t=$(sshd -T 2>/dev/null || true)
if [ -e "$state/pending" ]; then
  show_change
  echo "droplift-state: pending an earlier hardening did not finish (its automatic undo may be waiting)"
elif [ -z "$home" ] || ! grep -qxF "$key" "$home/.ssh/authorized_keys" 2>/dev/null; then
  show_change
  echo "droplift-state: pending your key is not in $u's authorized_keys yet"
elif ! grep -qx 'permitrootlogin no' <<<"$t" || ! grep -qx 'passwordauthentication no' <<<"$t" \
    || ! grep -Eq "^allowusers( .*)? $u( |\$)" <<<"$t"; then
  show_change
  echo "droplift-state: pending sshd still allows root or password logins"
else
  echo "droplift-state: done key login only, root refused, only $u allowed"
fi
