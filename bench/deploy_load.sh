#!/usr/bin/env bash
# Requests dropped while releases change, on one practice droplet with the whole course applied:
# a client on this computer asks GET /items every 50 ms (20 requests/s) through each window and
# counts the answers that are not 200. droplift's windows: a good deploy, a broken one (refused
# before it serves), a rollback. The baseline, measured in the same run on the same droplet: the
# way droplift went live before the slots, one unit restarting in place (`current` switched, then
# `systemctl restart uwsgi-SITE`), to another release and back. Last, the first droplift deploy of
# a server set up that way (it moves to the slots). Prints each window's failed/asked, and the
# failure rate of droplift's deploys and rollbacks as a ratio to the restart-in-place one's.
# Needs root (practice droplets). Usage: bench/deploy_load.sh [RUNS] [OS]   (defaults 3, the
# practice droplet's default system)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
os_args=()
[ -z "${2:-}" ] || os_args=(--os "$2")
# DROPLIFT_BIN: another build (e.g. target/debug/droplift: what is measured is the server's side).
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_droplet load "${os_args[@]}"
bench_answers items-rest
user_pw="bench user pw 1"
db_pw="bench db pw 2"
echo "setting up all ten stages on $address (a few minutes) ..."
printf 'root_password=%s\nnew_root_password=%s\nuser_password=%s\ndb_password=%s\n' \
  "$root_pw" "bench root pw 3" "$user_pw" "$db_pw" |
  "$bin" apply --answers "$work/answers.toml" --yes --secrets-stdin --accept-new-host-key \
    > "$work/apply.txt"
printf '\n[app]\nhealth = "/items"\n' >> "$work/answers.toml"
secrets() { printf 'user_password=%s\ndb_password=%s\n' "$user_pw" "$db_pw"; }

# The client: GET /items every 50 ms, one status code a line (000: no answer), until stopped.
client() {
  local started
  while :; do
    started=$(date +%s%N)
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 "http://$address/items" || true
    sleep "$(awk -v s="$started" -v n="$(date +%s%N)" 'BEGIN { r = 0.05 - (n - s) / 1e9; print (r > 0 ? r : 0) }')"
  done
}
# Runs "$@" while the client asks; appends "window failed asked" to $work/windows.
window() {
  local label=$1 codes=$work/codes cpid failed asked
  shift
  client > "$codes" &
  cpid=$!
  sleep 1
  "$@" > "$work/window.txt" 2>&1 || echo "($label: the command failed, as it should only for a broken release)" >&2
  sleep 1
  kill "$cpid"
  wait "$cpid" 2>/dev/null || true
  asked=$(wc -l < "$codes")
  failed=$(grep -cvx 200 "$codes" || true)
  echo "$label $failed $asked" >> "$work/windows"
  printf '%-28s %3s failed of %4s asked\n' "$label" "$failed" "$asked"
}

# A folder of the sample app; $1 the folder, $2 a note making each release's code its own.
sample() {
  rm -rf "$1"
  mkdir -p "$1"
  cp assets/items-rest/app.py assets/items-rest/requirements.txt "$1/"
  echo "$2" > "$1/notes.txt"
}
deploy() { secrets | "$bin" deploy --answers "$work/answers.toml" --source "$1" --secrets-stdin; }
rollback() { secrets | "$bin" rollback --answers "$work/answers.toml" --secrets-stdin; }

: > "$work/windows"
for i in $(seq "$runs"); do
  sample "$work/good" "run $i"
  window droplift-deploy deploy "$work/good"
  sample "$work/broken" "broken $i"
  sed -i '1i import no_such_module_droplift_bench' "$work/broken/app.py"
  window droplift-deploy-broken deploy "$work/broken"
  window droplift-rollback rollback
done

# The way before the slots, on the same droplet: one unit, uwsgi.ini and unit of then.
site=items-rest
base=/var/www/html/$site
state=/var/lib/droplift/app/$site
module=$(inside sed -n 's/^module = //p' "/etc/droplift/$site/uwsgi.ini")
sed -e "s/{{site}}/$site/g" -e "s/{{module}}/$module/g" assets/uwsgi/uwsgi.ini |
  inside sh -c "cat > /etc/droplift/$site/uwsgi.ini"
sed -e "s/{{site}}/$site/g" -e "s/{{user}}/bench/g" assets/uwsgi/uwsgi.service |
  inside sh -c "cat > /etc/systemd/system/uwsgi-$site.service"
inside sh -c "set -e; systemctl disable --quiet --now uwsgi-$site@\$(cat $state/slot); \
  rm -f $state/slot /etc/systemd/system/uwsgi-$site@.service /etc/droplift/$site/slot-*; \
  runuser -u bench -- sh -c 'rm -f $base/socket*.sock $base/check-*.sock'; \
  systemctl daemon-reload; systemctl enable --quiet --now uwsgi-$site"
curl -fsS --max-time 10 "http://$address/items" > /dev/null
# Its go-live: `current` switched (a new link renamed over it, as the site's user), then the
# unit restarted, then GET /items until it answers (as that go-live's smoke test waited).
restart_in_place() {
  inside runuser -u bench -- sh -c "ln -sfn releases/$1 $base/.current.new && mv -Tf $base/.current.new $base/current"
  inside systemctl restart "uwsgi-$site"
  for _ in $(seq 20); do
    curl -fsS --max-time 10 "http://$address/items" > /dev/null && return 0
    sleep 1
  done
  return 1
}
now=$(inside cat "$state/current")
before=$(inside sh -c "cd $state/marks; for m in \$(ls -t); do \
  [ \"\$m\" != '$now' ] && grep -qx status=good \"\$m\" && echo \"\$m\" && break; done")
for _ in $(seq "$runs"); do
  window restart-in-place-deploy restart_in_place "$before"
  window restart-in-place-rollback restart_in_place "$now"
done

# The first droplift deploy of a server set up that way: it moves to the slots.
sample "$work/good" "to the slots"
window droplift-deploy-first-slots deploy "$work/good"
grep -q "answered its last requests and is gone" "$work/window.txt" ||
  { echo "the first deploy did not move the server to the slots:" >&2; cat "$work/window.txt" >&2; exit 1; }

# Sums and ratios: failure rates (failed/asked) of droplift's windows against restart in place.
echo
awk '
  { failed[$1] += $2; asked[$1] += $3 }
  END {
    for (w in failed) printf "%-28s %3d failed of %5d asked (%.2f%%)\n", w, failed[w], asked[w], 100 * failed[w] / asked[w]
    split("deploy rollback", kinds, " ")
    for (k = 1; k <= 2; k++) {
      d = "droplift-" kinds[k]; r = "restart-in-place-" kinds[k]
      rate_d = failed[d] / asked[d]; rate_r = failed[r] / asked[r]
      if (rate_r > 0) printf "%s: droplift fails %.3f times as often as restarting in place\n", kinds[k], rate_d / rate_r
      else printf "%s: restarting in place dropped nothing in this run either (droplift: %d)\n", kinds[k], failed[d]
    }
  }' "$work/windows" | sort
