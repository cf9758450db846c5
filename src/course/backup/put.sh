# Puts the file on stdin in place as root (a file root built; the folder is root's), atomically,
# and says whether it changed.
: "${path:?}" "${mode:?}"
set -euo pipefail
install -d -m 755 "$(dirname "$path")"
cat > "$path.new"
chmod "$mode" "$path.new"
if [ -f "$path" ] && cmp -s "$path.new" "$path"; then
  rm -f "$path.new"
  echo "unchanged: $path"
else
  mv -f "$path.new" "$path"
  echo "written: $path"
fi
