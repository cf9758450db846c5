# Runs every stage's read-only check in one go, over one connection: each check in its own bash
# (a failing one cannot stop the others), its output framed by marker lines droplift splits on.
# A check named in readers gets the next line of this command's stdin (one line each, in course
# order: a public key, a password); the others get /dev/null.
: "${stages:?}" "${readers?}"
# No -e here, on purpose: a check that fails must not stop the loop; each check's own bash runs
# with its strict prologue, and its exit status is reported after its output.
set -uo pipefail
for key in $stages; do
  var="probe_$key"
  printf '\036droplift-stage: %s\n' "$key"
  if [[ " $readers " == *" $key "* ]]; then
    IFS= read -r line || true
    # printf is a bash builtin: the line (maybe a secret) is never on a command line.
    printf '%s\n' "$line" | bash -c "${!var}" droplift-probe
    rc=${PIPESTATUS[1]}
  else
    bash -c "${!var}" droplift-probe </dev/null
    rc=$?
  fi
  printf '\036droplift-probe-rc: %s\n' "$rc"
done
