# Which release goes live: used by the go-live step (stage 9, deploy) and by rollback.
: "${base:?}" "${releases:?}"
set -euo pipefail

# The release to go live for $1: next (stage 8's new release), previous (the newest good release
# older than current: a rollback), restart (current again: droplift env) or a release's name.
# Prints the name, or why not and fails.
resolve_target() {
  local cur built name status cur_built
  cur=$(link_target current)
  case "$1" in
    next)
      name=$(link_target next)
      [ -n "$name" ] || { echo "no release is waiting to go live: the app stage builds one"; return 1; }
      ;;
    restart)
      name=$cur
      [ -n "$name" ] || { echo "no release serves yet"; return 1; }
      ;;
    previous)
      [ -n "$cur" ] || { echo "no release is serving yet, so there is nothing to roll back"; return 1; }
      cur_built=$(mark_get "$cur" built)
      name=""
      while read -r built name status; do
        [ "$name" != "$cur" ] && [ "$status" = good ] && [ "$built" -le "${cur_built:-0}" ] && break
        name=""
      done < <(list_releases)
      [ -n "$name" ] || { echo "there is no good release older than $cur to roll back to"; return 1; }
      ;;
    *)
      name=$1
      if ! release_name_ok "$name" || ! release_exists "$name"; then
        echo "there is no release named $name (droplift releases lists them)"
        return 1
      fi
      ;;
  esac
  status=$(mark_get "$name" status)
  if [ "$status" != good ] && [ "$status" != built ]; then
    echo "release $name is marked ${status:-unknown}: only a release that built well can serve"
    return 1
  fi
  echo "$name"
}
