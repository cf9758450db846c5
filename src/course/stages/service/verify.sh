# Checks from the server's own view: the slot serving (or the one unit of before) is enabled and
# running, the release it serves is marked good, and GET $health (the app's health path) through
# nginx answers as the smoke test wants.
: "${base:?}" "${unit:?}" "${health:?}"
set -euo pipefail
cur=$(link_target current)
[ -n "$cur" ] || { echo "there is no current release" >&2; exit 1; }
slot=$(serving_slot)
[ -n "$slot" ] || { echo "no uWSGI slot serves the app" >&2; exit 1; }
svc=$(slot_unit "$slot")
systemctl is-enabled --quiet "$svc" || { echo "$svc does not start at boot" >&2; exit 1; }
systemctl is-active --quiet "$svc" || { diagnose "$svc"; summary "not asked" "$svc" >&2; exit 1; }
echo "$svc: $(systemctl is-active "$svc"), enabled; serving release $cur ($(mark_get "$cur" status))"
if ! said=$(smoke_test); then
  diagnose "$svc"
  summary "$said" "$svc" >&2
  exit 1
fi
echo "GET $health through nginx: $said"
