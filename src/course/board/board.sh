# Read-only facts for the health board of `droplift status` (a finished server): headroom,
# updates, a reboot, the certificate (and the last renewal check), the last good backup and
# failed units, each in its own section (`\036doctor: NAME`, as the doctor's), as the tools
# print them. Runs beside the stages' checks in the same command. Reads only root's own places, never the site's folder.
: "${site:?}" "${domain?}"
set -uo pipefail
section() { printf '\036doctor: %s\n' "$1"; }

section now
date +%s

section disk
df -PB1 / /var/lib/postgresql /var/log /var/www/html /var/lib/droplift/backups 2>/dev/null

section memory
grep -E '^(MemTotal|MemAvailable|SwapTotal|SwapFree):' /proc/meminfo

section reboot
if [ -f /var/run/reboot-required ]; then
  echo required
  tr -cd '[:print:]\n' < /var/run/reboot-required.pkgs 2>/dev/null | head -n 5
fi

section security
# The upgrades apt would install now, from the security suites (no download: -s simulates).
apt-get -s -o Debug::NoLocking=true upgrade 2>/dev/null | grep '^Inst ' | grep -ci 'security' || true

section certificate
if [ -n "$domain" ] && [ -f "/etc/letsencrypt/live/$domain/fullchain.pem" ]; then
  openssl x509 -enddate -noout -in "/etc/letsencrypt/live/$domain/fullchain.pem" 2>&1 | sed -n 's/^notAfter=//p' | xargs -I{} date -d {} +%s
fi
# The weekly renewal check's last result (stage 10's timer): "dry-run TIME STATUS", its last lines.
if [ -n "$domain" ] && [ -f /var/lib/droplift/certbot/last ]; then
  sed -n '1s/^/dry-run /p; 2,$s/^/said /p' /var/lib/droplift/certbot/last | tr -cd '[:print:]\n'
fi

section backups
dir=/var/lib/droplift/backups/$site
if [ -d "$dir" ]; then
  find "$dir" -maxdepth 1 -name '*.dump' -printf '%T@\n' | sort -rn | head -n 1 | cut -d . -f 1
fi
unit=droplift-backup-$site
enabled=$(systemctl is-enabled "$unit.timer" 2>/dev/null) || true
printf 'timer %s\n' "${enabled:-none}"
printf 'last %s %s\n' "$(systemctl show "$unit.service" -p Result --value 2>/dev/null)" \
  "$(systemctl show "$unit.service" -p ExecMainExitTimestamp --value 2>/dev/null | xargs -r -I{} date -d {} +%s 2>/dev/null)"

section failed-units
systemctl list-units --failed --plain --no-legend --no-pager 2>/dev/null | awk '{print $1}'
section end
