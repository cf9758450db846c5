# Runs every stage's read-only check in one go, over one connection: each check in its own bash
# (a failing one cannot stop the others), all at once (they only read, and most of their time is
# waiting for psql, ufw or python to start), then prints their outputs in course order, each
# framed by marker lines droplift splits on. A check named in readers gets the next line of this
# command's stdin (one line each, in course order: a public key, a password; read here, before
# any check starts); the others get /dev/null. Outputs wait in a folder only root can read.
: "${stages:?}" "${readers?}"
# No -e here, on purpose: a check that fails must not stop the others; each check's own bash
# runs with its strict prologue, and its exit status is reported after its output.
set -uo pipefail
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for key in $stages; do
  var="probe_$key"
  if [[ " $readers " == *" $key "* ]]; then
    IFS= read -r line || true
    # printf is a bash builtin: the line (maybe a secret) is never on a command line.
    (
      printf '%s\n' "$line" | bash -c "${!var}" droplift-probe
      echo "${PIPESTATUS[1]}" > "$out/$key.rc"
    ) > "$out/$key.out" 2> "$out/$key.err" &
  else
    (
      bash -c "${!var}" droplift-probe </dev/null
      echo "$?" > "$out/$key.rc"
    ) > "$out/$key.out" 2> "$out/$key.err" &
  fi
done
line=""
wait
for key in $stages; do
  printf '\036droplift-stage: %s\n' "$key"
  cat "$out/$key.out"
  cat "$out/$key.err" >&2
  printf '\036droplift-probe-rc: %s\n' "$(cat "$out/$key.rc" 2>/dev/null || echo 255)"
done
