# supervisor (seed 004's classroom droplet runs the squads' apps under it). droplift runs a site's
# app with systemd units (two slots: a release is tested beside the one serving before it takes
# over; per-site limits and a lock) and never writes, removes or restarts anything of
# supervisor's. These read its configuration (root's files: /etc/supervisor and
# /etc/supervisord*); the tests give another root folder as the last argument.

# Prints NAME<TAB>COMMAND for each [program:NAME] of supervisor's configuration files (under the
# folder $1, / when it is not given).
supervisor_programs() {
  local root=${1:-} f
  for f in "$root"/etc/supervisor/supervisord.conf "$root"/etc/supervisor/conf.d/*.conf \
    "$root"/etc/supervisord.conf "$root"/etc/supervisord.d/*.ini; do
    [ -f "$f" ] || continue
    awk '
      /^[[:space:]]*\[/ { name = "" }
      /^[[:space:]]*\[program:[^]]+\]/ {
        name = $0; sub(/^[[:space:]]*\[program:/, "", name); sub(/\].*$/, "", name)
      }
      name != "" && /^[[:space:]]*command[[:space:]]*=/ {
        cmd = $0; sub(/^[[:space:]]*command[[:space:]]*=[[:space:]]*/, "", cmd)
        print name "\t" cmd
      }' "$f"
  done
}

# What supervisor means for site folder $1: "conflict NAMES" when a program runs from it (it and
# droplift's units would fight for the app's socket), else "note N NAMES" when supervisor runs
# other programs, else nothing. $2: the root folder, as for supervisor_programs.
supervisor_verdict() {
  local base=$1 all mine
  all=$(supervisor_programs "${2:-}")
  [ -n "$all" ] || return 0
  mine=$(awk -F '\t' -v b="$base/" 'index($2, b) { printf "%s%s", (n++ ? ", " : ""), $1 }' <<<"$all")
  if [ -n "$mine" ]; then
    echo "conflict $mine"
  else
    echo "note $(wc -l <<<"$all") $(cut -f 1 <<<"$all" | paste -sd ',' - | sed 's/,/, /g')"
  fi
}
