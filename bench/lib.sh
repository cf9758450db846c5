# The droplet benches' common start (sourced by deploy.sh, deploy_load.sh and probe.sh): the
# droplift to measure ($DROPLIFT_BIN, else a release build), a work folder that is HOME and the
# data folder (no agent), and one practice droplet named after the bench, removed at the end,
# even when the bench is interrupted. After `bench_droplet NAME [UP_ARGS…]`: $bin, $work,
# $address, $root_pw, and `inside CMD…` runs a command in the droplet as root.

bench_bin() {
  if [ -n "${DROPLIFT_BIN:-}" ]; then
    bin=$(realpath "$DROPLIFT_BIN")
  else
    cargo build --release --quiet
    bin=$PWD/target/release/droplift
  fi
}

bench_droplet() {
  local prefix=$1
  shift
  bench_bin
  work=$(mktemp -d)
  name="$prefix$$"
  name=${name:0:11}
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  export HOME=$work DROPLIFT_DATA_DIR=$work/data
  unset SSH_AUTH_SOCK
  "$bin" practice up "$@" "$name" > "$work/up.txt"
  address=$(grep -o '10\.213\.[0-9]*\.2' "$work/up.txt" | head -n 1)
  # shellcheck disable=SC2034 # read by the benches that source this file
  root_pw=$(awk '/root password:/ { print $NF; exit }' "$work/up.txt")
  # Never send to a droplet that is not up: its address must be routed through its own veth.
  ip route get "$address" | grep -q ' dev ve-' || {
    echo "$address is not the droplet's" >&2
    exit 1
  }
  droplet_pid=$(awk '/^\[init\]/ { f = 1 } f && /^pid/ { print $3; exit }' "/var/lib/droplift/practice/$name/state.toml")
}

bench_cleanup() {
  "$bin" practice down "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}

inside() { nsenter -t "$droplet_pid" -m -u -i -p -n -- "$@"; }

# The answers every droplet bench starts from (the user bench, its database, the site $1), in
# $work/answers.toml; a bench appends its [app] section.
bench_answers() {
  cat > "$work/answers.toml" <<TOML
[server]
host = "$address"
[user]
name = "bench"
[postgres]
role = "bench"
database = "items"
[nginx]
site = "$1"
server_name = "_"
TOML
}
