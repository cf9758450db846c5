# Writes the sudo rule to its own file, checked by visudo before it is installed and checked again
# with the whole configuration afterwards, so a mistake can never lock sudo for everyone.
: "${u:?}"
set -euo pipefail
# One file per user, read by sudo from /etc/sudoers.d.
sudoers_file="/etc/sudoers.d/droplift-$u"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
  echo "# Written by droplift: $u may run any command as any user,"
  echo "# after typing their own password."
  echo "$u ALL=(ALL:ALL) ALL"
} > "$tmp"
if ! visudo -cf "$tmp"; then
  echo "visudo rejected the rule; nothing was changed" >&2
  exit 1
fi
install -m 0440 -o root -g root "$tmp" "$sudoers_file"
if ! visudo -c >/dev/null; then
  rm -f "$sudoers_file"
  echo "sudo's configuration did not check out; the rule was removed" >&2
  exit 1
fi
