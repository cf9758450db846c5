# Shared by the cancel and the rollbacks of stages 4 and 6: stopping the automatic undo.

# Stops the undo timer $1 so it cannot start the revert any more, then waits (at most 2 minutes)
# for a revert it started already: stopping that half-way would leave half of the old settings
# and half of the new. Prints what became of the undo:
#   armed    the timer could not be stopped (it may still run the revert later)
#   running  a revert is still going after 2 minutes
#   failed   a revert ran and stopped with an error (things may be half put back)
#   settled  no revert is running now (none ran, or one ran to its end: its pending mark says)
stop_undo() {
  local unit=$1 active _
  systemctl stop "$unit.timer" >/dev/null 2>&1 || true
  if systemctl is-active --quiet "$unit.timer"; then
    echo armed
    return 0
  fi
  for _ in $(seq 1 600); do
    active=$(systemctl show -p ActiveState --value "$unit.service" 2>/dev/null || true)
    case "$active" in
      activating | active | deactivating | reloading) ;;
      *)
        # A start the timer asked for may still wait in systemd's queue.
        if [ -z "$(systemctl list-jobs --no-legend "$unit.service" 2>/dev/null || true)" ]; then
          if systemctl is-failed --quiet "$unit.service"; then echo failed; else echo settled; fi
          return 0
        fi
        ;;
    esac
    sleep 0.2
  done
  echo running
}
