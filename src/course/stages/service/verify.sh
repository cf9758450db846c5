# Checks from the server's own view: the service is enabled and running, the release it serves
# is marked good, and GET $health (the app's health path) through nginx answers as the smoke
# test wants.
: "${base:?}" "${unit:?}" "${health:?}"
set -euo pipefail
cur=$(link_target current)
[ -n "$cur" ] || { echo "there is no current release" >&2; exit 1; }
systemctl is-enabled --quiet "$unit" || { echo "$unit does not start at boot" >&2; exit 1; }
systemctl is-active --quiet "$unit" || { diagnose; summary "not asked" >&2; exit 1; }
echo "$unit: $(systemctl is-active "$unit"), enabled; serving release $cur ($(mark_get "$cur" status))"
if ! said=$(smoke_test); then
  diagnose
  summary "$said" >&2
  exit 1
fi
echo "GET $health through nginx: $said"
