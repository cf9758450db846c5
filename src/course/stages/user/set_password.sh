# Sets the password from stdin ("name:password"), so it never appears on a command line.
set -euo pipefail
chpasswd
