# Writes the file on stdin into droplift's staging folder (not live yet) and shows how it
# differs from the installed one. Staged files are checked and installed when the release goes
# live, so a mistake never reaches the running service.
: "${staging:?}" "${name:?}" "${installed:?}"
set -euo pipefail
site_lock
install -d -m 700 "$staging"
cat > "$staging/$name.new"
mv -f "$staging/$name.new" "$staging/$name"
if [ ! -e "$installed" ]; then
  echo "new: $installed"
  cat "$staging/$name"
elif cmp -s "$staging/$name" "$installed"; then
  echo "unchanged: $installed"
else
  diff -u --label "$installed (now)" --label "$installed (new)" "$installed" "$staging/$name" || true
fi
