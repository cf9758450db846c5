# Turns on automatic security updates: unattended-upgrades installs fixes from the security
# suite every day by itself, and nothing else (feature updates stay your decision). Our own file
# sorts after the package's 50unattended-upgrades, so its list of origins replaces the default.
: "${conf:?}"
set -euo pipefail
status=$(dpkg-query -W -f '${Status}' unattended-upgrades 2>/dev/null || true)
if [ "$status" != "install ok installed" ]; then
  # apt/lib.sh: from the background download's cache when it fetched it.
  apt_install unattended-upgrades
fi
tmp=$(mktemp)
cat > "$tmp" <<'CONF'
// Written by droplift (stage 2): install security updates every day, and only those.
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
#clear Unattended-Upgrade::Allowed-Origins;
#clear Unattended-Upgrade::Origins-Pattern;
Unattended-Upgrade::Origins-Pattern {
  "origin=${distro_id},codename=${distro_codename}-security";
  "origin=${distro_id},archive=${distro_codename}-security";
};
CONF
chmod 644 "$tmp"
mv "$tmp" "$conf"
apt-config dump APT::Periodic::Unattended-Upgrade
