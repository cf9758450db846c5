# Before anything changes: back up sshd's current settings and install the revert script (read
# from stdin). If an earlier run did not finish, its backup is the true original: that is put
# back first, so droplift never takes its own unproven output for the original.
: "${state:?}"
set -euo pipefail
mkdir -p "$state"
chmod 700 "$state"
if [ -e "$state/pending" ]; then
  echo "an earlier change to sshd did not finish: putting the original settings back first"
  bash "$state/revert.sh"
fi
cat > "$state/revert.sh.new"
chmod 700 "$state/revert.sh.new"
mv -f "$state/revert.sh.new" "$state/revert.sh"
target=$(sshd_target)
echo "$target" > "$state/target"
if [ -e "$target" ]; then cp -a "$target" "$state/backup"; else rm -f "$state/backup"; fi
echo "backup of $target made; settings go to: $target"
