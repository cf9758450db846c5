#!/usr/bin/env bash
# The whole course, droplift against a plain script, on two fresh practice droplets of the same
# OS in the same run: (a) bench/plain_course.sh as root over ONE OpenSSH connection (what a
# careful person types; secrets on stdin; none of droplift's checks), (b) `droplift apply` of
# every stage from the expired root password, with every guard and fresh-login proof. Both end
# with GET /items answering from this computer. Prints each run's times, the medians, their
# ratio, and the phases of the last run (from the plain script's markers and from droplift's
# step lines, `(+T s)`, and apt's own "Fetched … in Ns" lines).
# Needs root (practice droplets). Usage: bench/course.sh [RUNS] [OS]   (defaults 1, debian-12)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
os=${2:-debian-12}
# DROPLIFT_BIN: another build to measure (e.g. an older commit's), instead of this checkout's.
if [ -n "${DROPLIFT_BIN:-}" ]; then
  bin=$DROPLIFT_BIN
else
  cargo build --release --quiet
  bin=$PWD/target/release/droplift
fi
work=$(mktemp -d)
keep=${KEEP:-}
names=()
cleanup() {
  # The runs boot their droplets in subshells: this run's two are named here too.
  for n in "${names[@]}" "${a:-}" "${b:-}"; do [ -z "$n" ] || "$bin" practice down "$n" >/dev/null 2>&1 || true; done
  [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT
export HOME=$work DROPLIFT_DATA_DIR=$work/data
unset SSH_AUTH_SOCK
# Always named: the practice droplet's default system is Ubuntu 24.04 now (an older build
# without --os only makes Debian 12).
os_args=(--os "$os")
if ! "$bin" practice up --help | grep -q -- '--os'; then
  [ "$os" = debian-12 ] || { echo "this droplift has no practice up --os yet" >&2; exit 2; }
  os_args=()
fi
user_pw="bench user pw 1"
db_pw="bench db pw 2"
new_root="bench root pw 3"
ssh-keygen -q -t ed25519 -N '' -C plain-bench -f "$work/plain_key"
ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)

# The plain script with the sample app's files written by heredocs (a careful person pastes them).
{
  sed -n '1,/^write_app_files() { :; }$/p' bench/plain_course.sh | sed '$d'
  echo 'write_app_files() {'
  for f in assets/items-rest/app.py assets/items-rest/requirements.txt; do
    printf "  cat > \"\$base/%s\" <<'DROPLIFT_BENCH_EOF'\n" "$(basename "$f")"
    cat "$f"
    echo 'DROPLIFT_BENCH_EOF'
    # shellcheck disable=SC2016 # reason: the text is for the remote script, which expands it
    printf '  chown "$u:www-data" "$base/%s"\n' "$(basename "$f")"
  done
  echo '}'
  sed -n '/^write_app_files() { :; }$/,$p' bench/plain_course.sh | sed '1d'
} > "$work/plain.sh"
bash -n "$work/plain.sh"

up() { # boots droplet $1, prints "address root_password"
  "$bin" practice up "${os_args[@]}" "$1" > "$work/up-$1.txt"
  names+=("$1")
  echo "$(grep -o '10\.213\.[0-9]*\.2' "$work/up-$1.txt" | head -n 1) $(awk '/root password:/ { print $NF; exit }' "$work/up-$1.txt")"
}
now() { date +%s.%N; }
api_answers() { curl -fsS --max-time 10 "http://$1/items" >/dev/null; }

run_plain() { # $1 name: the plain script, timed from the ssh start to GET /items answering here
  local address pw start end
  read -r address pw < <(up "$1")
  # The expired password needs a PTY dialog the plain script cannot do: expire it no more (a
  # person changes it by hand once; droplift's run includes that change).
  pid=$(awk '/^\[init\]/ { f = 1 } f && /^pid/ { print $3; exit }' "/var/lib/droplift/practice/$1/state.toml")
  nsenter -t "$pid" -m -u -i -p -n -- chage -d "$(date +%F)" root
  # The remote shell reads the three secret lines, then runs the script (the rest of stdin) with
  # them on fd 3: printf is a builtin, so no secret is ever on a command line.
  # shellcheck disable=SC2016 # reason: expanded by the remote shell, not here
  local remote='read -r a; read -r b; read -r c; bash -s 3< <(printf "%s\n" "$a" "$b" "$c")'
  start=$(now)
  { printf '%s\n%s\n' "$user_pw" "$db_pw"; cat "$work/plain_key.pub"; cat "$work/plain.sh"; } |
    SSHPASS=$pw sshpass -e ssh "${ssh_opts[@]}" "root@$address" "$remote" \
    > "$work/plain-$1.log" 2>&1 || { echo "the plain script failed; its log:" >&2; tail -n 30 "$work/plain-$1.log" >&2; exit 1; }
  api_answers "$address"
  end=$(now)
  awk -v a="$end" -v b="$start" 'BEGIN { printf "%.1f\n", a - b }'
}

run_droplift() { # $1 name: droplift apply of every stage, timed to GET /items answering here
  local address pw start end
  read -r address pw < <(up "$1")
  cat > "$work/answers-$1.toml" <<TOML
[server]
host = "$address"
[user]
name = "erin"
[postgres]
role = "erin"
database = "items-db"
[nginx]
site = "items-rest"
server_name = "_"
TOML
  start=$(now)
  printf 'root_password=%s\nnew_root_password=%s\nuser_password=%s\ndb_password=%s\n' \
    "$pw" "$new_root" "$user_pw" "$db_pw" |
    "$bin" apply --answers "$work/answers-$1.toml" --yes --secrets-stdin --accept-new-host-key \
      > "$work/droplift-$1.log" 2>&1 || { echo "droplift apply failed; its log:" >&2; tail -n 30 "$work/droplift-$1.log" >&2; exit 1; }
  api_answers "$address"
  end=$(now)
  awk -v a="$end" -v b="$start" 'BEGIN { printf "%.1f\n", a - b }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
plain_times=() droplift_times=()
for i in $(seq "$runs"); do
  a="bp$$$i"; b="bd$$$i"; a=${a:0:11}; b=${b:0:11}
  # Alternate the order, so neither always runs on a machine warmed (or loaded) by the other.
  if [ $((i % 2)) -eq 1 ]; then
    p=$(run_plain "$a"); d=$(run_droplift "$b")
  else
    d=$(run_droplift "$b"); p=$(run_plain "$a")
  fi
  plain_times+=("$p") droplift_times+=("$d")
  echo "run $i: plain script ${p} s, droplift apply ${d} s (load $(cut -d ' ' -f 1-3 /proc/loadavg))"
  last_plain="$work/plain-$a.log" last_droplift="$work/droplift-$b.log"
  for n in "$a" "$b"; do "$bin" practice down "$n" >/dev/null 2>&1 || true; done
  names=()
done
p=$(printf '%s\n' "${plain_times[@]}" | median)
d=$(printf '%s\n' "${droplift_times[@]}" | median)
echo
echo "OS $os, $runs run(s), medians: plain script $p s, droplift apply $d s"
awk -v a="$d" -v b="$p" 'BEGIN { printf "ratio droplift / plain: %.2f\n", a / b }'

fetched() { # the seconds apt says it spent downloading, summed over its "Fetched" lines
  grep -o 'Fetched .* in [0-9hms ]*' "$1" | awk '{ t = $NF; s = 0; if (t ~ /m/) { split(t, m, "m"); s += m[1] * 60; t = m[2] } sub(/s$/, "", t); s += t; total += s } END { printf "%d", total }'
}
echo
echo "phases of the plain script (last run; apt downloads: $(fetched "$last_plain") s by apt's count):"
awk '/^phase / { if (name != "") printf "  %-16s %6.1f s\n", name, $3 - t; name = $2; t = $3 }' "$last_plain"
echo "phases of droplift apply (last run; apt downloads: $(fetched "$last_droplift") s by apt's count):"
awk '
  /^== Stage/ { stage = $0; sub(/^== Stage [0-9]+: /, "", stage); sub(/ ==$/, "", stage) }
  / → \[/ && /\(\+[0-9.]+ s\)$/ {
    t = $(NF - 1); gsub(/[(+)]/, "", t)
    if (have) { d[phase] += t - last }
    title = $0
    if (title ~ /Wait until no other program/) phase = "apt lock wait"
    else if (title ~ /Download the current list/) phase = "apt update"
    else if (title ~ /Install every available update/) phase = "upgrade"
    else if (title ~ /\[apply\] Install/) phase = "installs: " stage
    else if (title ~ /virtualenv and pip/) phase = "pip"
    else phase = "rest"
    last = t; have = 1
    if (!(phase in seen)) { seen[phase] = 1; order[++n] = phase }
  }
  /^All done in/ { t = $4; if (have) d[phase] += t - last }
  END { for (i = 1; i <= n; i++) printf "  %-28s %6.1f s\n", order[i], d[order[i]] }
' "$last_droplift"
[ -z "$keep" ] || echo "logs kept in $work"
