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

printf '%s\n' 'exec 7>>/tmp/trace; BASH_XTRACEFD=7; PS4='"'"'+ $EPOCHREALTIME $BASH_SUBSHELL '"'"'; set -x' > "$work/pre.sh"
inside sh -c 'cat > /tmp/pre.sh' < "$work/pre.sh"
inside sed -i 's|script=\$preamble|script=$(cat /tmp/pre.sh)$'"'"'\\n'"'"'$preamble|' /usr/local/lib/droplift/sealed
inside grep -n 'script=' /usr/local/lib/droplift/sealed
for t in 1 2; do
inside sh -c "set -e; cd /tmp/work; echo p$t > version.txt; git -c user.name=b -c user.email=b@b commit -qam p$t; git tag p$t; git push -q /srv/app.git HEAD:main p$t"
inside rm -f /tmp/trace
"$bin" deploy --answers "$work/answers.toml" --ref p$t --deploy-key "$key" > "$work/deploy.txt" 2>&1 || { cat "$work/deploy.txt"; }
done
cat "$work/deploy.txt"
inside cat /tmp/trace > /tmp/speed-trace.txt
