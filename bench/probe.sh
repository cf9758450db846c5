#!/usr/bin/env bash
# Probing every stage of a finished practice droplet (the whole course applied first):
# `droplift status` (login, then one command that checks all ten stages) as a ratio to the same
# checks sent as one `ssh host 'script'` by OpenSSH, in the same run; and a second `droplift
# apply` of every stage, which must change nothing. Needs root (practice droplets).
# Targets: status under 1 s and at most 1.2x the ssh script; the second apply under 3 s.
# Usage: bench/probe.sh [RUNS]   (default 7; medians are reported)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_droplet bench
bench_answers items-rest
user_pw="bench user pw 1"
db_pw="bench db pw 2"
stages=(connect update user ssh postgres firewall nginx app service domain)
echo "setting up all ten stages on $address (a few minutes) ..."
printf 'root_password=%s\nnew_root_password=%s\nuser_password=%s\ndb_password=%s\n' \
  "$root_pw" "bench root pw 3" "$user_pw" "$db_pw" |
  "$bin" apply --answers "$work/answers.toml" --yes --secrets-stdin --accept-new-host-key \
    --only "${stages[@]}" > "$work/apply.txt"

# The baseline: the very same checks, as one script over one OpenSSH connection.
"$bin" plan --answers "$work/answers.toml" --only "${stages[@]}" --check-all > "$work/check.sh"
key=$work/.ssh/id_ed25519
ssh_opts=(-o BatchMode=yes -o IdentitiesOnly=yes -i "$key" -o StrictHostKeyChecking=no
  -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
scp -q "${ssh_opts[@]}" "$work/check.sh" "bench@$address:/tmp/droplift-check.sh"

time_of() { # prints the seconds one run of "$@" took (stdin from $input)
  local start end
  start=$(date +%s.%N)
  "$@" < "$input" > "$work/out.txt" 2>&1
  end=$(date +%s.%N)
  awk -v a="$end" -v b="$start" 'BEGIN { printf "%.4f\n", a - b }' 
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

input=$work/status.in
printf 'user_password=%s\ndb_password=%s\n' "$user_pw" "$db_pw" > "$input"
droplift_times=$(for _ in $(seq "$runs"); do
  time_of "$bin" status --answers "$work/answers.toml" --secrets-stdin --only "${stages[@]}"
done)
grep -c ' done ' "$work/out.txt" | xargs echo "droplift status: stages done:"
apply_times=$(for _ in $(seq "$runs"); do
  time_of "$bin" apply --answers "$work/answers.toml" --yes --secrets-stdin
done)
grep -c '^done (nothing to change' "$work/out.txt" | xargs echo "second apply: stages with nothing to change:"

input=$work/ssh.in
printf '%s\n%s\n%s\n' "$user_pw" "$(cat "$key.pub")" "$db_pw" > "$input"
ssh_times=$(for _ in $(seq "$runs"); do
  time_of ssh "${ssh_opts[@]}" "bench@$address" "sudo -S -p '' bash /tmp/droplift-check.sh"
done)
grep -c 'droplift-state: done' "$work/out.txt" | xargs echo "ssh 'script': stages done:"

d=$(echo "$droplift_times" | median)
s=$(echo "$ssh_times" | median)
a=$(echo "$apply_times" | median)
printf 'second droplift apply (10 stages, nothing to change): median %.3f s over %s runs\n' "$a" "$runs"
printf 'droplift status (10 stages): median %.3f s over %s runs\n' "$d" "$runs"
printf "ssh host 'script' (same checks): median %.3f s\n" "$s"
awk -v a="$d" -v b="$s" 'BEGIN { printf "ratio: %.2f\n", a / b }' 
