# Asks sshd for the settings it really uses (sshd -T), whatever file they came from.
: "${u:?}"
set -euo pipefail
t=$(sshd -T)
grep -Ei '^(permitrootlogin|passwordauthentication|kbdinteractiveauthentication|allowusers) ' <<<"$t"
grep -qx 'permitrootlogin no' <<<"$t" || { echo "root may still log in" >&2; exit 1; }
grep -qx 'passwordauthentication no' <<<"$t" || { echo "passwords are still accepted" >&2; exit 1; }
grep -Eq "^allowusers( .*)? $u( |\$)" <<<"$t" || { echo "$u is not in AllowUsers" >&2; exit 1; }
