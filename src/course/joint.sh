# Several consecutive steps of a stage in one command (`course::joint`): droplift joins the root
# steps that need nothing from this computer between them, sparing a round trip, a sudo and a
# login of the deploy key for each. Each step runs in a subshell of its own, exactly as it would
# alone (its own preamble, options, traps and lock), after a line on stdout that names it for the
# progress shown on this computer; the first that fails ends the command with its exit status,
# and the steps after it never start.

# The line that says step $1 (counted from 0 in the joint) begins.
step_begins() {
  printf 'droplift-step: %s\n' "$1"
}

# After a step: its exit status $1 ends the joint unless it is 0.
step_ended() {
  [ "$1" -eq 0 ] || exit "$1"
}
