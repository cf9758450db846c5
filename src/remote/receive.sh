# Receives a file on stdin (base64: a deploy key's channel carries text) and puts it at $path
# whole or not at all, with $mode and $owner: a deploy key's upload, run as a sealed step.
: "${path:?}" "${mode:?}" "${owner:?}"
set -euo pipefail
tmp=$(mktemp "${path%/*}/.droplift-receive.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
base64 -d >"$tmp"
chmod -- "$mode" "$tmp"
chown -- "$owner" "$tmp"
sync -- "$tmp" 2>/dev/null || true
mv -f -- "$tmp" "$path"
trap - EXIT
