# Writes the new settings, then asks sshd -t whether they are valid; if not, the old settings
# come back at once. The undo timer is already armed, so even a cut connection here is undone.
: "${state:?}"
set -euo pipefail
target=$(cat "$state/target")
new=$(mktemp)
write_settings "$target" "$new"
chmod 644 "$new"
touch "$state/pending"
mv "$new" "$target"
if ! sshd -t; then
  bash "$state/revert.sh" || true
  echo "sshd -t rejected the new settings; the old ones are back in place" >&2
  exit 1
fi
echo "sshd -t: the new settings are valid"
