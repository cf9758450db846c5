# Removes a squad from the server (`droplift class remove`, after its database and code were
# saved): first nobody can log in as it (account expired, its sshd AllowUsers file, its deploy
# rule and gate gone), then nginx stops routing to it (nginx -t before the reload; a refusal
# puts the files back), its units stop and go, its database and role are dropped, root's state
# for it goes, and last the account with its home and site folder. Each part is skipped when
# already gone, so a removal cut short finishes when run again. Other squads are not touched.
: "${site:?}" "${u:?}"
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Only a squad `class apply` marked (the mark goes last, so a removal cut short still has it):
# never another site's owner, database or folder that happens to share the name.
mark=/var/lib/droplift/class/$u
if [ ! -f "$mark" ]; then
  echo "$u is not a squad droplift class set up (no $mark): nothing was removed" >&2
  exit 1
fi
if id -u "$u" >/dev/null 2>&1; then
  if [ "$(id -u "$u")" -lt 1000 ] || [ "$u" = "${SUDO_USER-}" ] || id -nG "$u" | tr ' ' '\n' | grep -qxE 'sudo|wheel|admin'; then
    echo "$u is not a squad's account (a system account, the login, or a sudoer): nothing was removed" >&2
    exit 1
  fi
  usermod -L -e 1 "$u"
  echo "the account $u is locked and expired: no login any more"
fi

# Its ways in: sshd's AllowUsers file, the deploy rule, the gate, the sealed steps.
sshd_file=/etc/ssh/sshd_config.d/10-droplift-user-$u.conf
if [ -f "$sshd_file" ]; then
  mv "$sshd_file" "$sshd_file.removed"
  if sshd -t; then
    rm -f "$sshd_file.removed"
    systemctl reload ssh 2>/dev/null || systemctl reload sshd
    echo "removed $sshd_file (sshd reloaded)"
  else
    mv "$sshd_file.removed" "$sshd_file"
    echo "sshd -t refuses the configuration without $sshd_file: it is put back, nothing else was removed" >&2
    exit 1
  fi
fi
rm -f "/etc/sudoers.d/zz-droplift-deploy-$site" "/etc/sudoers.d/droplift-$u"
rm -f "/usr/local/lib/droplift/deploy-gate-$site" "/usr/local/lib/droplift/backup-$site"
rm -rf "/var/lib/droplift/sealed/$site"

# nginx: the site's files, tested before the reload.
back=$(mktemp -d)
trap 'rm -rf "$back"' EXIT
moved=()
for f in /etc/nginx/droplift/under/*/"$site.conf" "/etc/nginx/sites-enabled/$site" \
  "/etc/nginx/sites-available/$site" /etc/nginx/droplift/"$site"-static*.conf \
  /etc/nginx/droplift/"$site"-tls*.conf; do
  if [ -e "$f" ] || [ -L "$f" ]; then
    n=${#moved[@]}
    mv -T "$f" "$back/$n"
    moved+=("$f")
  fi
done
if [ "${#moved[@]}" -gt 0 ]; then
  if ! nginx -t 2>"$back/err"; then
    for i in "${!moved[@]}"; do mv -T "$back/$i" "${moved[$i]}"; done
    cat "$back/err" >&2
    echo "nginx -t refuses the configuration without $site's files: they are put back, and nginx was not reloaded" >&2
    exit 1
  fi
  systemctl reload nginx
  printf 'removed from nginx (reloaded): %s\n' "${moved[@]}"
fi

# Its units: the slots, a go-live, the backup timer.
units=$(systemctl list-units --all --plain --no-legend "uwsgi-$site@*" "droplift-go-live-$site*" "droplift-backup-$site*" 2>/dev/null | awk '{ print $1 }')
for unit in $units; do
  systemctl disable --now "$unit" 2>/dev/null || systemctl stop "$unit" || true
done
for unit in "uwsgi-$site@a" "uwsgi-$site@b"; do systemctl disable "$unit" 2>/dev/null || true; done
rm -f "/etc/systemd/system/uwsgi-$site@.service" "/etc/systemd/system/uwsgi-$site.service" \
  "/etc/systemd/system/droplift-backup-$site.service" "/etc/systemd/system/droplift-backup-$site.timer"
systemctl daemon-reload
# systemd forgets a unit whose file is gone once nothing refers to it any more (`disable` above
# loads one to look for its links): wait a little for that, so "gone" is true when this says it.
for _ in $(seq 50); do
  systemctl reset-failed "uwsgi-$site@*" "droplift-go-live-$site*" 2>/dev/null || true
  left=$(systemctl list-units --all --plain --no-legend "uwsgi-$site@*" "droplift-go-live-$site*" "droplift-backup-$site*" 2>/dev/null)
  [ -n "$left" ] || break
  sleep 0.1
done
if [ -n "$left" ]; then
  printf 'systemd still holds (no file, stopped): %s\n' "$left"
else
  echo "its units are stopped and gone"
fi

# PostgreSQL: the database (its sessions ended) and the role.
if command -v psql >/dev/null; then
  (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -v db="$site" -v role="$u") <<'SQL'
DROP DATABASE IF EXISTS :"db" WITH (FORCE);
DROP ROLE IF EXISTS :"role";
SQL
  echo "the database $site and the role $u are dropped"
fi

# Root's state for it.
rm -rf "/var/lib/droplift/app/$site" "/etc/droplift/$site" "/var/lib/droplift/backups/$site"

# The account last: its processes, its site folder (emptied as itself, then root removes what
# is left: the account can no longer run anything), its home and group (nginx's membership goes
# with the group).
if id -u "$u" >/dev/null 2>&1; then
  loginctl terminate-user "$u" 2>/dev/null || true
  pkill -KILL -u "$u" 2>/dev/null || true
  for _ in $(seq 50); do pgrep -u "$u" >/dev/null || break; sleep 0.1; done
  if [ -d "/var/www/html/$site" ]; then
    (cd / && runuser -u "$u" -- find "/var/www/html/$site" -mindepth 1 -delete 2>/dev/null) || true
    rm -rf --one-file-system "/var/www/html/$site"
  fi
  home=$(getent passwd "$u" | cut -d: -f6)
  userdel -r "$u" 2>/dev/null || true
  if id -u "$u" >/dev/null 2>&1; then userdel "$u"; fi
  if [[ $home == /home/?* ]] && [ -d "$home" ]; then rm -rf --one-file-system -- "$home"; fi
  if getent group "$u" >/dev/null; then groupdel "$u" || true; fi
  echo "the account $u, its home and its site folder are gone"
elif [ -d "/var/www/html/$site" ]; then
  rm -rf --one-file-system "/var/www/html/$site"
fi
rm -f "$mark"
echo "the squad $u has nothing left on the server"
