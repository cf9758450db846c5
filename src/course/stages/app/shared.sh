# Links the folders kept across releases ([app] shared: an instance folder with SQLite, uploaded
# media) into the release waiting to go live, before its code is imported or its release commands
# run: each lives in $base/shared/NAME (link_shared.sh). Everything here runs as $u: the folders
# are theirs. uWSGI (the same user, the service's group) writes there.
: "${u:?}" "${base:?}" "${releases:?}" "${shared_dirs?}"
set -euo pipefail
site_lock
name=$(link_target next)
[ -n "$name" ] || { echo "no release is being built (next is missing): run the stage again" >&2; exit 1; }
for folder in $shared_dirs; do
  as_owner bash -c "$(declare -f link_shared); link_shared \"\$@\"" link_shared \
    "$base" "$releases/$name" "$folder"
done
