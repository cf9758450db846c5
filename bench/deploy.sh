#!/usr/bin/env bash
# How long a release takes to ship, droplift against the quick unsafe way a student does it by
# hand, on the same practice droplet in the same run: `ssh HOST 'cd app && git pull && sudo
# systemctl restart app'` (a git checkout with its own virtualenv, one uWSGI unit restarted in
# place, nothing checked before it serves). droplift: `droplift deploy --ref TAG --deploy-key
# KEY` of the same repository (a new release with its own virtualenv from the wheel cache, its
# import check, the slot's own-socket check, the switch, the drain), requirements unchanged.
# Both directions alternate, RUNS times each (default 5); prints each run, the medians and the
# ratio droplift / by hand (the issue's goal: at most 1.5).
# Needs root (practice droplets). Usage: bench/deploy.sh [RUNS] [OS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
os_args=()
[ -z "${2:-}" ] || os_args=(--os "$2")
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_droplet ship --updated "${os_args[@]}"

# The app's repository on the droplet; each ship gets a new commit (untimed), tagged for droplift
# and on main for the by-hand pull.
inside sh -c "command -v git >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=180 install -y -q git >/dev/null"
inside sh -c "set -e; rm -rf /tmp/work; mkdir -p /tmp/work; cd /tmp/work; git init -q -b main; \
  cat > app.py; printf 'Flask>=3.0,<4\n' > requirements.txt; echo 0 > version.txt; \
  git add .; git -c user.name=b -c user.email=b@b commit -qm v0; git tag v0; \
  git clone -q --bare /tmp/work /srv/app.git; chmod -R a+rX /srv/app.git; \
  git config --system --add safe.directory /srv/app.git" <<'PY'
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/health")
def health():
    with open("version.txt") as f:
        return jsonify(version=f.read().strip())
PY

bench_answers app
cat >> "$work/answers.toml" <<TOML
[app]
source = "file:///srv/app.git"
ref = "v0"
module = "app:app"
health = "/health"
TOML
user_pw="bench user pw 1"
echo "setting up the stages the app needs on $address (a few minutes) ..."
printf 'root_password=%s\nnew_root_password=%s\nuser_password=%s\ndb_password=%s\n' \
  "$root_pw" "bench root pw 3" "$user_pw" "bench db pw 2" |
  "$bin" apply --answers "$work/answers.toml" --yes --secrets-stdin --accept-new-host-key \
    --only connect user postgres nginx app service > "$work/apply.txt" 2>&1 ||
  { tail -n 40 "$work/apply.txt" >&2; exit 1; }
printf 'root_password=%s\nuser_password=%s\n' "bench root pw 3" "$user_pw" |
  "$bin" deploy-key --answers "$work/answers.toml" --secrets-stdin > "$work/key.txt" 2>&1 ||
  { tail -n 40 "$work/key.txt" >&2; exit 1; }
key=$work/data/deploy-keys/$address/app

# By hand: the same repository checked out in the user's home, its own virtualenv (made once),
# one unit on its own socket and port 8081, and a sudo rule for its restart (as the course's
# by-hand way needs sudo's password typed; here none, so only the work is timed). die-on-term, as
# the tutorials' uwsgi.ini has it: without it uWSGI reloads on systemd's TERM, and a restart
# waits 90 s for systemd to kill it.
inside sh -c "set -e; cd /; runuser -u bench -- sh -c 'cd ~ && rm -rf manual && \
  git clone -q file:///srv/app.git manual && python3 -m venv manual/venv && \
  manual/venv/bin/pip install -q -r manual/requirements.txt'; \
  printf '%s\n' '[Unit]' 'Description=the app, by hand' '[Service]' 'User=bench' \
    'WorkingDirectory=/home/bench/manual' \
    'ExecStart=/usr/bin/uwsgi --plugin python3 --http-socket 0.0.0.0:8081 --chdir /home/bench/manual --venv /home/bench/manual/venv --module app:app --master --processes 2 --need-app --die-on-term' \
    '[Install]' 'WantedBy=multi-user.target' > /etc/systemd/system/manual-app.service; \
  echo 'bench ALL=(root) NOPASSWD: /usr/bin/systemctl restart manual-app' > /etc/sudoers.d/zz-bench-manual; \
  chmod 440 /etc/sudoers.d/zz-bench-manual; systemctl daemon-reload; systemctl enable --quiet --now manual-app"
for _ in $(seq 100); do
  curl -fsS --max-time 2 "http://$address:8081/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS --max-time 2 "http://$address:8081/health" >/dev/null ||
  { inside journalctl -u manual-app -n 20 --no-pager >&2; exit 1; }
# The user's own key for the by-hand ssh (droplift made it when stage 4 would; here: a new one).
ssh-keygen -q -t ed25519 -N '' -f "$work/own_key"
inside runuser -u bench -- sh -c 'mkdir -p ~/.ssh && cat >> ~/.ssh/authorized_keys' < "$work/own_key.pub"
ssh_opts=(-o BatchMode=yes -o "UserKnownHostsFile=$work/.ssh/known_hosts" -o StrictHostKeyChecking=yes
  -o IdentitiesOnly=yes -o ControlPath=none -i "$work/own_key")

by_hand() {
  ssh "${ssh_opts[@]}" "bench@$address" "cd manual && git pull -q --ff-only && sudo -n /usr/bin/systemctl restart manual-app"
  # Ready when it answers again (the restart returns before uWSGI has loaded the app).
  for _ in $(seq 400); do
    curl -fsS --max-time 2 "http://$address:8081/health" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "the app by hand did not answer after its restart" >&2
  inside journalctl -u manual-app -n 20 --no-pager >&2
  exit 1
}
with_droplift() {
  "$bin" deploy --answers "$work/answers.toml" --ref "$1" --deploy-key "$key" > "$work/deploy.txt" 2>&1 ||
    { cat "$work/deploy.txt" >&2; return 1; }
  # Where the time went: each step's line says when it began (+S s after the connection); a
  # step's time is the next one's start minus its own, the last one's runs to the end (so it
  # also holds the command's own start and login, which come before the first +S s).
  awk -v end="$(seconds "$start")" '
    /^  → \[/ { at = $(NF - 1); sub(/^\(\+/, "", at); head = $0; sub(/^  → /, "", head)
      sub(/  \(\+[0-9.]+ s\)$/, "", head); sub(/Clone v[0-9]+ /, "Clone TAG ", head); head = substr(head, 1, 90)
      if (n) { print step[n] "\t" at - t[n] } else { print "(start, log in)\t" at }
      step[++n] = head; t[n] = at }
    END { if (n) print step[n] "\t" end - t[n] }' "$work/deploy.txt" >> "$work/phases"
}
seconds() { awk -v s="$1" -v e="$(date +%s%N)" 'BEGIN { printf "%.2f", (e - s) / 1e9 }'; }

: > "$work/times"
: > "$work/phases"
tag=0
for i in $(seq "$runs"); do
  for way in droplift by-hand; do
    # Alternate who goes first.
    [ $((i % 2)) -eq 0 ] && way=$([ "$way" = droplift ] && echo by-hand || echo droplift)
    tag=$((tag + 1))
    inside sh -c "set -e; cd /tmp/work; echo $tag > version.txt; \
      git -c user.name=b -c user.email=b@b commit -qam v$tag; git tag v$tag; \
      git push -q /srv/app.git HEAD:main v$tag"
    start=$(date +%s%N)
    if [ "$way" = droplift ]; then with_droplift "v$tag"; else by_hand; fi
    t=$(seconds "$start")
    echo "$way $t" >> "$work/times"
    printf 'run %d  %-9s v%-3d %6s s\n' "$i" "$way" "$tag" "$t"
  done
done
echo
awk '
  { t[$1, ++n[$1]] = $2 }
  END {
    for (w in n) {
      m = n[w]
      for (i = 1; i <= m; i++) v[i] = t[w, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
      med[w] = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
      printf "%-9s median %6.2f s of %d\n", w, med[w], m
    }
    printf "droplift / by hand: %.2f (goal: at most 1.5)\n", med["droplift"] / med["by-hand"]
  }' "$work/times"
echo
echo "droplift's steps, median seconds over the runs (from each step's +S s line):"
awk -F '\t' '
  { if (!($1 in n)) order[++k] = $1; v[$1, ++n[$1]] = $2 }
  END {
    for (i = 1; i <= k; i++) {
      s = order[i]; m = n[s]
      for (a = 1; a <= m; a++) w[a] = v[s, a]
      for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (w[b] < w[a]) { x = w[a]; w[a] = w[b]; w[b] = x }
      printf "  %6.2f  %s\n", (m % 2) ? w[(m + 1) / 2] : (w[m / 2] + w[m / 2 + 1]) / 2, s
    }
  }' "$work/phases"
