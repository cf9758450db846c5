#!/usr/bin/env bash
# The course as ONE plain bash script, the way a careful person would type it with the course's
# notes open: no probes, no previews, no fresh-login proofs, no rollbacks. bench/course.sh sends
# it as root over one OpenSSH connection; the secrets come first on stdin and reach the script on
# fd 3 (three lines: the user's password, the database password, the user's public key), the
# script itself follows on stdin; the sample app's files are
# filled in by bench/course.sh below the marker line. Each phase prints a `phase NAME START`
# line (seconds since 1970) so the bench can report where the time goes.
set -euo pipefail
read -r user_pw <&3
read -r db_pw <&3
read -r pubkey <&3
u=erin
site=items-rest
base=/var/www/html/$site
export DEBIAN_FRONTEND=noninteractive
phase() { echo "phase $1 $(date +%s.%N)"; }
apt_get() { apt-get -y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold "$@"; }

phase lockwait
# A new droplet updates itself at first; wait for it rather than fight it. Ubuntu's
# unattended-upgrade-shutdown only waits for a signal all the time and has the same short name.
busy() {
  pgrep -x 'apt-get|apt|dpkg' >/dev/null && return 0
  local p
  for p in $(pgrep -x unattended-upgr); do
    tr '\0' ' ' <"/proc/$p/cmdline" | grep -q unattended-upgrade-shutdown || return 0
  done
  return 1
}
while busy; do sleep 2; done
phase update
apt_get update
phase upgrade
apt_get upgrade
phase auto_security
apt_get install unattended-upgrades
printf 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n' > /etc/apt/apt.conf.d/20auto-upgrades

phase user
id "$u" >/dev/null 2>&1 || adduser --disabled-password --gecos '' "$u"
printf '%s:%s\n' "$u" "$user_pw" | chpasswd
usermod -aG sudo "$u"
install -d -m 700 -o "$u" -g "$u" "/home/$u/.ssh"
printf '%s\n' "$pubkey" > "/home/$u/.ssh/authorized_keys"
chown "$u:$u" "/home/$u/.ssh/authorized_keys"
chmod 600 "/home/$u/.ssh/authorized_keys"

phase ssh
cat > /etc/ssh/sshd_config.d/00-hardening.conf <<CONF
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowUsers $u
CONF
# Ubuntu 24.04 starts sshd through ssh.socket: its runtime folder may not be there for sshd -t.
install -d -m 755 /run/sshd
sshd -t
# Under ssh.socket (Ubuntu 24.04) ssh.service may not be running: each new login reads the file.
systemctl try-reload-or-restart ssh

phase postgres_install
apt_get install postgresql
phase postgres_setup
pw_sql=${db_pw//\'/\'\'}
printf "CREATE ROLE %s LOGIN PASSWORD '%s';\n" "$u" "$pw_sql" | runuser -u postgres -- psql -q -X
runuser -u postgres -- createdb -O "$u" items-db
hba=$(runuser -u postgres -- psql -tAX -c 'SHOW hba_file')
sed -i 's/^local\( \+\)all\( \+\)all\( \+\)peer/local\1all\2all\3scram-sha-256/' "$hba"
runuser -u postgres -- psql -qX -c 'SELECT pg_reload_conf()' >/dev/null

phase firewall
ufw allow 22/tcp
ufw allow 80/tcp
ufw --force enable

phase nginx_install
apt_get install nginx
phase nginx_site
cat > /etc/nginx/sites-available/$site <<CONF
server {
    listen 80;
    server_name _;
    location / {
        include uwsgi_params;
        uwsgi_pass unix:$base/socket.sock;
    }
}
CONF
ln -sf /etc/nginx/sites-available/$site /etc/nginx/sites-enabled/$site
rm -f /etc/nginx/sites-enabled/default
nginx -t
systemctl reload nginx

phase app_packages
apt_get install python3-venv python3-dev libpq-dev build-essential
phase app_code
install -d -o "$u" -g www-data -m 750 "$base" "$base/log"
write_app_files() { :; }
# (bench/course.sh appends the sample app's files here)
write_app_files
phase pip
cd "$base"
runuser -u "$u" -- python3 -m venv venv
runuser -u "$u" -- env HOME="/home/$u" venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
# The course's uWSGI: pip compiles it.
[ -x venv/bin/uwsgi ] || runuser -u "$u" -- env HOME="/home/$u" venv/bin/pip install -q --disable-pip-version-check uWSGI==2.0.31
phase service
enc=$(printf '%s' "$db_pw" | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read(), safe=""))')
(umask 077; printf 'DATABASE_URL=postgresql+psycopg2://%s:%s@127.0.0.1:5432/items-db\n' "$u" "$enc" > "$base/app.env")
chown "$u" "$base/app.env"
cat > "$base/uwsgi.ini" <<CONF
[uwsgi]
chdir = $base
virtualenv = $base/venv
module = app:app
need-app = true
master = true
processes = 2
socket = $base/socket.sock
chmod-socket = 660
vacuum = true
die-on-term = true
logto = $base/log/uwsgi.log
CONF
cat > /etc/systemd/system/uwsgi-$site.service <<CONF
[Unit]
Description=uWSGI for $site
After=network.target postgresql.service
[Service]
User=$u
Group=www-data
WorkingDirectory=$base
EnvironmentFile=$base/app.env
ExecStart=$base/venv/bin/uwsgi --ini $base/uwsgi.ini
Type=notify
NotifyAccess=all
Restart=always
[Install]
WantedBy=multi-user.target
CONF
systemctl daemon-reload
systemctl enable --now "uwsgi-$site"
for _ in $(seq 1 30); do
  if curl -fsS http://127.0.0.1/items >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -fsS http://127.0.0.1/items
echo
phase end
