# Sets up the site's deploy key (run as root with sudo's password, by `droplift deploy-key`):
# 1. the sealed helper and the key's gate in /usr/local/lib/droplift (root's, 755);
# 2. the steps a deploy key may run, sealed: /var/lib/droplift/sealed/$site (root only), one
#    file per script named by its SHA-256, replaced as a whole;
# 3. one sudo rule, /etc/sudoers.d/zz-droplift-deploy-$site: $u may run the helper for this site
#    without a password, and nothing else (checked with visudo before it is installed). sudo
#    reads that folder in name order and the last rule that matches wins: "zz-" puts it after
#    the user's own rule (droplift-$u, which asks for the password);
# 4. the keys' public halves in $u's authorized_keys (one for `droplift deploy-key`, one per
#    member for a class's squad), each with `restrict` and the gate as its forced command,
#    written as $u (root never writes in a folder the user can write); a key of this site's
#    that is no longer given leaves the file.
# stdin: one JSON object {"gate", "sealed", "keys": [line…], "scripts": {hash: text}}.
: "${u:?}" "${site:?}"
set -euo pipefail
umask 022
lib=/usr/local/lib/droplift
sealed_dir=/var/lib/droplift/sealed
rule=/etc/sudoers.d/zz-droplift-deploy-$site
install -d -m 755 -o root -g root "$lib"
install -d -m 700 -o root -g root "$sealed_dir"
work=$(mktemp -d "$sealed_dir/.new-$site.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Python unpacks the bundle into root's new folder, each script checked against its name.
IFS= read -r -d '' unpack <<'PY' || true
import hashlib, json, os, sys

work = sys.argv[1]
bundle = json.load(sys.stdin)
for name in ("gate", "sealed"):
    with open(os.path.join(work, name), "w") as f:
        f.write("#!/bin/bash\n" + bundle[name] + "\n")
with open(os.path.join(work, "keys"), "w") as f:
    for key in bundle["keys"]:
        if "\n" in key:
            sys.exit("a key holds a line break: nothing was changed")
        f.write(key + "\n")
os.mkdir(os.path.join(work, "steps"), 0o700)
for digest, text in bundle["scripts"].items():
    if hashlib.sha256(text.encode()).hexdigest() != digest or len(digest) != 64:
        sys.exit(f"a sealed step does not match its name {digest[:12]}: nothing was changed")
    with open(os.path.join(work, "steps", digest), "w") as f:
        f.write(text)
print(f"{len(bundle['scripts'])} steps to seal")
PY
python3 -I -c "$unpack" "$work"
types='(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)'
mapfile -t keys <"$work/keys"
[ "${#keys[@]}" -gt 0 ] || {
  echo "no key was given: nothing was changed" >&2
  exit 1
}
for key in "${keys[@]}"; do
  if ! [[ $key =~ ^$types\ [A-Za-z0-9+/]+=*$ ]]; then
    echo "a key's public half is not an OpenSSH public key: nothing was changed" >&2
    exit 1
  fi
done
id -u "$u" >/dev/null 2>&1 || {
  echo "the site's user $u does not exist: run stage 3 first" >&2
  exit 1
}
for name in gate sealed; do
  bash -n "$work/$name"
done
{
  echo "# Written by droplift deploy-key: the deploy key of $site runs droplift's sealed steps for it."
  echo "# Last in this folder on purpose: sudo uses the last rule that matches."
  printf '%s ALL=(root) NOPASSWD: %s/sealed %s *\n' "$u" "$lib" "$site"
} >"$work/rule"
visudo -cqf "$work/rule" || {
  echo "visudo refuses the sudo rule: nothing was changed" >&2
  exit 1
}

# In place: the programs, the sealed steps (the old set goes as a whole), the rule, the key.
install -m 755 -o root -g root "$work/sealed" "$lib/sealed"
install -m 755 -o root -g root "$work/gate" "$lib/deploy-gate-$site"
printf '%s\n' "$u" >"$work/steps/account"
chmod 600 "$work/steps/account"
rm -rf "$sealed_dir/.old-$site"
if [ -d "$sealed_dir/$site" ]; then mv "$sealed_dir/$site" "$sealed_dir/.old-$site"; fi
mv "$work/steps" "$sealed_dir/$site"
rm -rf "$sealed_dir/.old-$site"
echo "sealed $(find "$sealed_dir/$site" -maxdepth 1 -type f ! -name account | wc -l) steps in $sealed_dir/$site"
install -m 440 -o root -g root "$work/rule" "$rule.new"
mv -f "$rule.new" "$rule"
if ! visudo -cq; then
  rm -f "$rule"
  echo "visudo refuses sudo's whole configuration with the rule: it was taken out again" >&2
  exit 1
fi
echo "sudo rule $rule: $u may run $lib/sealed $site … without a password"
lines=()
for key in "${keys[@]}"; do
  lines+=("restrict,command=\"$lib/deploy-gate-$site\" $key droplift-deploy:$site")
done
# shellcheck disable=SC2016 # the user's shell expands these, in the user's home
printf '%s\n' "${lines[@]}" | (cd / && runuser -u "$u" -- bash -c '
  set -euo pipefail
  umask 077
  mkdir -p ~/.ssh
  f=~/.ssh/authorized_keys
  touch "$f"
  { grep -v " droplift-deploy:$1\$" "$f" || true; cat; } >"$f.droplift"
  mv -f "$f.droplift" "$f"' droplift "$site")
if [ "${#keys[@]}" -eq 1 ]; then
  echo "the deploy key is in $u's authorized_keys, limited to droplift's sealed steps for $site"
else
  echo "${#keys[@]} keys are in $u's authorized_keys (no other of $site's), limited to droplift's sealed steps for $site"
fi
