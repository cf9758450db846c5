# Runs every stage's read-only check in one go, over one connection: each check in its own bash
# (a failing one cannot stop the others), its output framed by marker lines droplift splits on.
# Only the last check may read stdin (the others get /dev/null).
: "${stages:?}"
# No -e here, on purpose: a check that fails must not stop the loop; each check's own bash runs
# with its strict prologue, and its exit status is reported after its output.
set -uo pipefail
last=""
for key in $stages; do last=$key; done
for key in $stages; do
  var="probe_$key"
  printf '\036droplift-stage: %s\n' "$key"
  if [ "$key" = "$last" ]; then
    bash -c "${!var}" droplift-probe
  else
    bash -c "${!var}" droplift-probe </dev/null
  fi
  printf '\036droplift-probe-rc: %s\n' "$?"
done
