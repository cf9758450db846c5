# Reads a script of `size` bytes from stdin and runs it; what follows on stdin is that script's
# own input. For the check of every stage, which holds every stage's check and is too long for
# the command line an SSH server accepts.
: "${size:?}"
set -euo pipefail
LC_ALL=C IFS= read -r -d '' -N "$size" body
bash -c "$body" droplift-checks
