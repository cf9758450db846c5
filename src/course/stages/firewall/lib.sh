# Shared by the check, the change and the verification of the firewall: the rules droplift
# wants (SSH first, on the port sshd really uses; then the web; then the student's own ports)
# and the rules ufw has now.
: "${web:?}" "${extra?}"
set -euo pipefail

# The ports SSH logins really arrive on. sshd -T says what sshd's settings ask for; where
# systemd listens for sshd (Ubuntu 24.04's ssh.socket) the socket decides, and it only follows
# a changed Port after `systemctl daemon-reload` and a restart of ssh.socket. Both count, so a
# half-made port change by hand cannot shut the real one.
ssh_ports() {
  {
    sshd -T 2>/dev/null | awk '$1 == "port" { print $2 }'
    if systemctl is-active --quiet ssh.socket >/dev/null 2>&1; then
      systemctl show -p Listen --value ssh.socket | awk '{ n = split($1, a, ":"); print a[n] }'
    fi
  } | grep -E '^[0-9]+$' | sort -un
}

# Every wanted rule, one per line: rule, a short label (ufw keeps it as the rule's comment) and
# why, separated by tabs. Fails when sshd's port cannot be read: then nothing may be enabled.
wanted() {
  local ports rule
  if ! sshd -T >/dev/null 2>&1; then
    echo "cannot read the port sshd listens on (sshd -T failed)" >&2
    return 1
  fi
  ports=$(ssh_ports)
  if [ -z "$ports" ]; then
    echo "cannot read the port sshd listens on (sshd -T names none)" >&2
    return 1
  fi
  for rule in $ports; do
    printf '%s\t%s\t%s\n' "$rule/tcp" "SSH" "how you log in (sshd listens here); it cannot be removed"
  done
  read -ra rules <<<"$web"
  for rule in "${rules[@]}"; do
    case "$rule" in
      443/tcp) printf '%s\t%s\t%s\n' "$rule" "HTTPS" "your domain's encrypted web traffic (stage 10)" ;;
      *) printf '%s\t%s\t%s\n' "$rule" "web" "nginx answers web requests here (stage 7; its 'Nginx HTTP' profile is this port)" ;;
    esac
  done
  read -ra rules <<<"$extra"
  for rule in "${rules[@]}"; do
    printf '%s\t%s\t%s\n' "$rule" "your port" "you added it"
  done
}

# The rules ufw was given, as the commands that made them ("ufw allow 22/tcp comment '…'").
# Unlike "ufw status" this works while the firewall is off.
added() { ufw show added 2>/dev/null | grep '^ufw ' || true; }

# Is rule $1 among the added rules $2 (a rule for both protocols counts)?
has_rule() {
  grep -Eq "^ufw allow (${1}|${1%/*})( |\$)" <<<"$2"
}

# Rules droplift added earlier (their comment says so) that are no longer wanted ($1); $2, when
# given, is `added` read already (each ufw run costs about 0.1 s).
stale_rules() {
  local wanted=$1 rule
  if [ "$#" -ge 2 ]; then printf '%s\n' "$2"; else added; fi | sed -n "s|^ufw allow \([0-9]*/[a-z]*\) comment 'droplift.*|\1|p" | while read -r rule; do
    cut -f1 <<<"$wanted" | grep -qxF "$rule" || echo "$rule"
  done
}
