# Starts the background download (fetch.sh, sent on stdin) unless everything it would fetch is
# installed already or it runs already. It returns at once: systemd runs the download, niced and
# with idle disk priority, and its log is $state/log. Whatever happens here, the course goes on:
# a failure says so and still ends with exit status 0.
: "${state:?}" "${prefetch_unit:?}" "${packages:?}" "${summary:?}"
set -euo pipefail
trap 'echo "the background download did not start: each stage downloads its own packages"; exit 0' ERR
read -ra wanted <<<"$packages"
missing=()
for p in "${wanted[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  cat >/dev/null
  echo "nothing to fetch in the background: the later stages' packages are installed"
  exit 0
fi
if systemctl is-active --quiet "$prefetch_unit" 2>/dev/null; then
  cat >/dev/null
  echo "the background download runs already ($prefetch_unit)"
  exit 0
fi
if ! command -v systemd-run >/dev/null 2>&1; then
  cat >/dev/null
  echo "no background download (systemd-run is missing): each stage downloads its own packages"
  exit 0
fi
install -d -m 700 "$state"
cat > "$state/fetch.sh.new"
mv -f "$state/fetch.sh.new" "$state/fetch.sh"
systemctl reset-failed "$prefetch_unit" >/dev/null 2>&1 || true
if systemd-run --quiet --collect --unit="$prefetch_unit" -p Nice=10 -p IOSchedulingClass=idle \
  -p StandardOutput="truncate:$state/log" \
  bash "$state/fetch.sh"; then
  echo "$summary (log: $state/log)"
else
  echo "the background download did not start: each stage downloads its own packages"
fi
