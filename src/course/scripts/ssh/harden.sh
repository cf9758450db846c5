# Writes the new settings (after a backup and a revert script), then asks sshd -t whether they are
# valid; if not, the old settings come back at once.
: "${state:?}"
set -euo pipefail
mkdir -p "$state"
chmod 700 "$state"
target=$(sshd_target)
echo "settings go to: $target"
echo "$target" > "$state/target"
if [ -e "$target" ]; then cp -a "$target" "$state/backup"; else rm -f "$state/backup"; fi
cat > "$state/revert.sh" <<REVERT
#!/bin/sh
# Puts the SSH settings back as they were before droplift's change, and reloads sshd.
state='$state'
REVERT
cat >> "$state/revert.sh" <<'REVERT'
target=$(cat "$state/target")
if [ -e "$state/backup" ]; then cp -a "$state/backup" "$target"; else rm -f "$target"; fi
rm -f "$state/pending"
systemctl reload ssh.service 2>/dev/null || systemctl reload sshd.service 2>/dev/null || true
REVERT
chmod 700 "$state/revert.sh"
new=$(mktemp)
write_settings "$target" "$new"
chmod 644 "$new"
touch "$state/pending"
mv "$new" "$target"
if ! sshd -t; then
  sh "$state/revert.sh"
  echo "sshd -t rejected the new settings; the old ones are back in place" >&2
  exit 1
fi
echo "sshd -t: the new settings are valid"
