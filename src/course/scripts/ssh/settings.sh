# Shared by the check and the change: where droplift's sshd settings must go to take effect, and
# the settings file it writes. sshd keeps the FIRST value it reads for each setting.
: "${u:?}"
set -euo pipefail
main=/etc/ssh/sshd_config

# Prints the file to write. With an Include of sshd_config.d at the top (Debian 12, Ubuntu 22.04+)
# a drop-in named 00-… is read before cloud images' 50-cloud-init.conf; older releases have no
# drop-ins, so droplift's lines go at the top of the main file.
sshd_target() {
  if grep -Eqi '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' "$main"; then
    echo /etc/ssh/sshd_config.d/00-droplift.conf
  else
    echo "$main"
  fi
}

# Writes the new settings for target $1 to file $2: droplift's lines first, then, when the target
# is the main file, its other lines as they are.
write_settings() {
  local target=$1 new=$2 t kbd
  t=$(sshd -T 2>/dev/null || true)
  if grep -q '^kbdinteractiveauthentication ' <<<"$t"; then kbd=KbdInteractiveAuthentication; else kbd=ChallengeResponseAuthentication; fi
  {
    echo "# Written by droplift (stage 4). sshd uses the first value it reads for each setting."
    echo "PermitRootLogin no"
    echo "AllowUsers $u"
    echo "PasswordAuthentication no"
    echo "$kbd no"
    if [ "$target" = "$main" ]; then
      grep -v '^# Written by droplift' "$main" | grep -Eiv '^(PermitRootLogin|AllowUsers|PasswordAuthentication|KbdInteractiveAuthentication|ChallengeResponseAuthentication) ' || true
    fi
  } > "$new"
}

# Prints the change as a diff, without touching anything.
show_change() {
  local target new old
  target=$(sshd_target)
  new=$(mktemp)
  write_settings "$target" "$new"
  if [ -e "$target" ]; then old=$target; else old=/dev/null; fi
  echo "The change to sshd's settings ($target):"
  diff -u --label "$target (now)" --label "$target (after)" "$old" "$new" || true
  rm -f "$new"
}
