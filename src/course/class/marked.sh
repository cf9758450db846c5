# The squads droplift class set up on this server (their marks), read-only: one `marked|NAME`
# line each, so `class apply` can name the ones its roster no longer lists.
set -euo pipefail
for mark in /var/lib/droplift/class/*; do
  if [ -f "$mark" ]; then echo "marked|${mark##*/}"; fi
done
echo "droplift-state: done the class's squads on the server"
