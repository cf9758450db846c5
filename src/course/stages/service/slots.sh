# Two slots take turns: uwsgi-SITE@a and @b, with sockets socket-a.sock (nginx's) and
# check-a.sock (droplift's test), and root's slot-a.ini and slot-a.env. nginx's socket.sock is a
# link the site's user points at the slot serving; root records it in $staging/slot. "legacy":
# the one unit of an older droplift (uwsgi-SITE.service, listening on socket.sock itself).
: "${unit:?}" "${ini:?}" "${base:?}" "${staging:?}"
set -euo pipefail
etc_dir=${ini%/*}

# The slot serving: a, b, legacy (the one unit of before), or nothing.
serving_slot() {
  local slot
  slot=$(head -n 1 "$staging/slot" 2>/dev/null || true)
  case "$slot" in
    a | b) echo "$slot" ;;
    *) if [ -e "/etc/systemd/system/$unit.service" ]; then echo legacy; fi ;;
  esac
}

# The slot a release goes live in when $1 serves.
other_slot() { if [ "$1" = a ]; then echo b; else echo a; fi; }

# The systemd unit of slot $1.
slot_unit() { if [ "$1" = legacy ]; then echo "$unit"; else echo "$unit@$1"; fi; }

# Slot $1's socket (legacy: a second name, a hard link).
slot_socket() { if [ "$1" = legacy ]; then echo socket-legacy.sock; else echo "socket-$1.sock"; fi; }

# The name slot $1's uWSGI bound its socket as (`ss` shows it).
slot_bound() { if [ "$1" = legacy ]; then echo "$base/socket.sock"; else echo "$base/socket-$1.sock"; fi; }

slot_ini() { echo "$etc_dir/slot-$1.ini"; }
slot_env() { echo "$etc_dir/slot-$1.env"; }

# The release slot $1 is set to serve (root's file), or nothing.
slot_release() {
  local name
  name=$(sed -n 's/^DROPLIFT_RELEASE=//p' "$(slot_env "$1")" 2>/dev/null | head -n 1)
  if release_name_ok "$name"; then echo "$name"; fi
}

# Points socket.sock at slot $1's socket, as the site's user: a new link renamed over it.
point_socket() {
  if [ "$1" = legacy ]; then
    as_owner ln -f -- "$base/$(slot_socket legacy)" "$base/.socket.sock.new"
  else
    as_owner ln -sfn -- "$(slot_socket "$1")" "$base/.socket.sock.new"
  fi
  as_owner mv -Tf -- "$base/.socket.sock.new" "$base/socket.sock"
}

# The requests open on slot $1's uWSGI, from the kernel's list: each connection it accepted,
# and those still waiting in its listening socket's queue (that line's Recv-Q).
slot_connections() {
  ss -xaHn 2>/dev/null | awk -v p="$(slot_bound "$1")" '
    $5 == p { n += ($2 == "LISTEN") ? $3 : 1 } END { print n + 0 }'
}

# Waits (at most $2 s) until slot $1 answered the requests nginx sent it before the switch.
drain_slot() {
  local waited=0 open
  # A connect() nginx began just before the switch lands in the queue within a moment.
  sleep 0.1
  while open=$(slot_connections "$1") && [ "$open" -gt 0 ]; do
    if [ "$waited" -ge $(($2 * 20)) ]; then
      echo "$open request(s) were still open on $(slot_unit "$1") after $2 s: it stops now"
      return 0
    fi
    sleep 0.05
    waited=$((waited + 1))
  done
}
