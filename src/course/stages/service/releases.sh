# Lists the releases, newest first, with their marks: * is the one serving, > the one waiting
# to go live.
: "${base:?}"
set -euo pipefail
cur=$(link_target current)
nxt=$(link_target next)
printf '  %-24s %-8s %-20s %s\n' RELEASE STATUS "BUILT (UTC)" SOURCE
while read -r built name status; do
  flag=" "
  [ "$name" != "$nxt" ] || flag=">"
  [ "$name" != "$cur" ] || flag="*"
  printf '%s %-24s %-8s %-20s %s\n' "$flag" "$name" "${status:-?}" \
    "$(date -u -d "@$built" '+%Y-%m-%d %H:%M:%S')" "$(mark_get "$name" source)"
done < <(list_releases)
echo "droplift-state: done ${cur:+current: $cur}"
