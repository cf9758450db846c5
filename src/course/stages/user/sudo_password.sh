# Proves, without a password login (a droplet made with an SSH key takes none), that the user's
# password works for sudo: root becomes the user, and sudo reads the password from stdin.
: "${u:?}"
set -euo pipefail
IFS= read -r password
# -k: forget any cached ticket, so sudo really checks the password; -p '': no prompt text.
printf '%s\n' "$password" | runuser -u "$u" -- sudo -S -k -p '' true
echo "sudo accepted $u's password"
