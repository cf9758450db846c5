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

# Prints the algorithms of the comma-separated list $2 that this OpenSSH knows (`ssh -Q $1`),
# in the list's order; an old release simply gets fewer lines.
supported() {
  local kind=$1 wanted=$2 have out="" a
  have=$(ssh -Q "$kind" 2>/dev/null || true)
  for a in ${wanted//,/ }; do
    if grep -qxF "$a" <<<"$have"; then out="${out:+$out,}$a"; fi
  done
  echo "$out"
}

# Modern algorithms only (ssh-audit's hardening guidance): key exchange on curve25519 (and the
# post-quantum hybrids where this OpenSSH has them), ed25519 and RSA-SHA2 host keys, AEAD
# ciphers, encrypt-then-MAC MACs. Leaves out the NIST curves, SHA-1 and 64-bit tags.
crypto_settings() {
  local kex ciphers macs hostkeys
  kex=$(supported kex "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256")
  ciphers=$(supported cipher "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr")
  macs=$(supported mac "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,umac-128-etm@openssh.com")
  hostkeys=$(supported HostKeyAlgorithms "ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,rsa-sha2-512,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256,rsa-sha2-256-cert-v01@openssh.com")
  if [ -n "$kex" ]; then echo "KexAlgorithms $kex"; fi
  if [ -n "$ciphers" ]; then echo "Ciphers $ciphers"; fi
  if [ -n "$macs" ]; then echo "MACs $macs"; fi
  if [ -n "$hostkeys" ]; then echo "HostKeyAlgorithms $hostkeys"; fi
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
    crypto_settings
    if [ "$target" = "$main" ]; then
      grep -v '^# Written by droplift' "$main" | grep -Eiv '^(PermitRootLogin|AllowUsers|PasswordAuthentication|KbdInteractiveAuthentication|ChallengeResponseAuthentication|KexAlgorithms|Ciphers|MACs|HostKeyAlgorithms) ' || true
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
