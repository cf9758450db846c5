//! Stage 4, SSH key and hardening: the student's key goes into the new user's authorized_keys,
//! key login is proven, then sshd refuses root and passwords. A revert is scheduled on the
//! server before sshd reloads and cancelled only after a fresh login proves access still works.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::plan::{
    Command, Expect, LocalAction, LoginAuth, Plan, StagePlans, StdinPart, Step, quote,
};
use super::probe::verdict;
use crate::secret::SecretName;

/// Where droplift keeps the backup, the revert script and the "change in progress" marker.
pub const STATE_DIR: &str = "/var/lib/droplift/sshd";
/// The transient systemd unit that undoes the change if nobody cancels it.
pub const UNDO_UNIT: &str = "droplift-sshd-undo";
/// How long the student has before the automatic undo.
pub const UNDO_AFTER_SECS: u32 = 180;

/// The public half of a private key path.
pub fn public_key(private: &Path) -> PathBuf {
    let mut name = private.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Reloads whichever unit runs sshd here (`ssh` on Debian/Ubuntu, `sshd` elsewhere; a
/// socket-activated sshd reads the new settings at the next connection).
const RELOAD: &str = r#"if systemctl is-active --quiet ssh.service; then systemctl reload ssh.service
elif systemctl is-active --quiet sshd.service; then systemctl reload sshd.service
elif systemctl is-active --quiet ssh.socket; then echo "sshd starts per connection (ssh.socket): new logins read the new settings"
else echo "no running SSH service found (ssh or sshd)" >&2; exit 1
fi
# sshd re-executes itself on reload and briefly stops listening: wait until it answers again.
port=$(sshd -T 2>/dev/null | awk '$1 == "port" { print $2; exit }')
for i in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/${port:-22}") 2>/dev/null; then echo "sshd is listening again"; exit 0; fi
  sleep 0.2
done
echo "sshd did not come back on port ${port:-22}" >&2
exit 1"#;

/// Sets `$main` and `$target`: where droplift's sshd settings must go to take effect.
const CHOOSE_TARGET: &str = r#"main=/etc/ssh/sshd_config
# sshd keeps the FIRST value it reads for a setting. With an Include of sshd_config.d at the top
# (Debian 12, Ubuntu 22.04+), a drop-in named 00-… is read before cloud images' 50-cloud-init.conf.
if grep -Eqi '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' "$main"; then
  target=/etc/ssh/sshd_config.d/00-droplift.conf
else
  target=$main   # older releases: no drop-ins, so our lines go at the top of the main file
fi"#;

/// Writes the new settings file to `$new` (after CHOOSE_TARGET): our lines first, then, when the
/// target is the main file, its other lines as they are.
fn candidate(user: &str) -> String {
    let u = quote(user);
    format!(
        r##"if sshd -T 2>/dev/null | grep -q '^kbdinteractiveauthentication '; then kbd=KbdInteractiveAuthentication; else kbd=ChallengeResponseAuthentication; fi
{{
  echo "# Written by droplift (stage 4). sshd uses the first value it reads for each setting."
  echo "PermitRootLogin no"
  echo "AllowUsers "{u}
  echo "PasswordAuthentication no"
  echo "$kbd no"
  if [ "$target" = "$main" ]; then grep -v '^# Written by droplift' "$main" | grep -Eiv '^(PermitRootLogin|AllowUsers|PasswordAuthentication|KbdInteractiveAuthentication|ChallengeResponseAuthentication) ' || true; fi
}} > "$new""##
    )
}

/// The change as a diff, computed without touching anything (shown before applying).
fn show_diff(user: &str) -> String {
    format!(
        r#"{CHOOSE_TARGET}
new=$(mktemp)
{}
if [ -e "$target" ]; then old=$target; else old=/dev/null; fi
echo "The change to sshd's settings ($target):"
diff -u --label "$target (now)" --label "$target (after)" "$old" "$new" || true
rm -f "$new""#,
        candidate(user)
    )
}

fn harden_script(user: &str) -> String {
    format!(
        r##"set -eu
state={STATE_DIR}
mkdir -p "$state"
chmod 700 "$state"
{CHOOSE_TARGET}
echo "settings go to: $target"
echo "$target" > "$state/target"
if [ -e "$target" ]; then cp -a "$target" "$state/backup"; else rm -f "$state/backup"; fi
cat > "$state/revert.sh" <<'REVERT'
#!/bin/sh
# Puts the SSH settings back as they were before droplift's change, and reloads sshd.
state={STATE_DIR}
target=$(cat "$state/target")
if [ -e "$state/backup" ]; then cp -a "$state/backup" "$target"; else rm -f "$target"; fi
rm -f "$state/pending"
{reload_quiet}
REVERT
chmod 700 "$state/revert.sh"
new=$(mktemp)
{candidate}
chmod 644 "$new"
touch "$state/pending"
mv "$new" "$target"
if ! sshd -t; then
  sh "$state/revert.sh"
  echo "sshd -t rejected the new settings; the old ones are back in place" >&2
  exit 1
fi
echo "sshd -t: the new settings are valid""##,
        reload_quiet = "systemctl reload ssh.service 2>/dev/null || systemctl reload sshd.service 2>/dev/null || true",
        candidate = candidate(user),
    )
}

pub fn plans(user: &str, key: &Path, alias: Option<&str>, host: &str, port: u16) -> StagePlans {
    let u = quote(user);
    let pubkey = public_key(key);
    let probe = format!(
        r#"show_change() {{
{}
}}
u={u}
home=$(getent passwd "$u" | cut -d: -f6)
key=$(cat)
t=$(sshd -T 2>/dev/null)
if [ -e {STATE_DIR}/pending ]; then show_change; {}
elif [ -z "$home" ] || ! grep -qxF "$key" "$home/.ssh/authorized_keys" 2>/dev/null; then show_change; {}
elif ! echo "$t" | grep -qx 'permitrootlogin no' || ! echo "$t" | grep -qx 'passwordauthentication no' || ! echo "$t" | grep -Eq "^allowusers( .*)? $u( |\$)"; then show_change; {}
else {}
fi"#,
        show_diff(user),
        verdict(
            "pending",
            "an earlier hardening did not finish (its automatic undo may be waiting)"
        ),
        verdict("pending", "your key is not in $u's authorized_keys yet"),
        verdict("pending", "sshd still allows root or password logins"),
        verdict("done", "key login only, root refused, only $u allowed"),
    );
    let install_key = format!(
        r#"set -eu
u={u}
home=$(getent passwd "$u" | cut -d: -f6)
key=$(cat)
case "$key" in
  ssh-ed25519\ *|ssh-rsa\ *|ecdsa-sha2-*|sk-*) ;;
  *) echo "that does not look like an SSH public key" >&2; exit 1 ;;
esac
install -d -m 700 -o "$u" -g "$u" "$home/.ssh"
touch "$home/.ssh/authorized_keys"
grep -qxF "$key" "$home/.ssh/authorized_keys" || printf '%s\n' "$key" >> "$home/.ssh/authorized_keys"
chown "$u:$u" "$home/.ssh/authorized_keys"
chmod 600 "$home/.ssh/authorized_keys"
echo "key installed for $u""#
    );
    let schedule = format!(
        "systemctl stop {UNDO_UNIT}.timer 2>/dev/null || true\n\
         systemctl reset-failed {UNDO_UNIT}.service 2>/dev/null || true\n\
         systemd-run --quiet --unit={UNDO_UNIT} --on-active={UNDO_AFTER_SECS} /bin/sh {STATE_DIR}/revert.sh\n\
         echo \"the old settings come back by themselves in {UNDO_AFTER_SECS} s unless droplift cancels this\""
    );
    let cancel = format!(
        "systemctl stop {UNDO_UNIT}.timer 2>/dev/null || true\n\
         systemctl reset-failed {UNDO_UNIT}.service 2>/dev/null || true\n\
         rm -f {STATE_DIR}/pending\n\
         echo \"the new settings stay\""
    );
    let rollback = format!(
        "systemctl stop {UNDO_UNIT}.timer 2>/dev/null || true\n\
         if [ -e {STATE_DIR}/pending ]; then sh {STATE_DIR}/revert.sh; echo \"the old SSH settings are back\"; fi"
    );
    let key_auth = LoginAuth::Key(key.to_path_buf());
    let mut apply = vec![
        Step::local(
            format!(
                "Make sure you have an SSH key pair: {} and its .pub",
                key.display()
            ),
            LocalAction::EnsureKey {
                path: key.to_path_buf(),
            },
        ),
        Step::run(
            format!(
                "Put your public key into {user}'s ~/.ssh/authorized_keys (only the owner may read it)"
            ),
            Command::root(install_key).stdin(vec![StdinPart::LocalFile(pubkey.clone())]),
        ),
        Step::login(
            format!("Prove that {user} can log in with the key before changing anything"),
            user,
            key_auth.clone(),
            None,
            Expect::Success,
        ),
        Step::run(
            "Write the new sshd settings (no root, only your user, keys only) and check them with sshd -t",
            Command::root(harden_script(user)),
        ),
        Step::run(
            format!("Safety net: schedule an automatic undo in {UNDO_AFTER_SECS} seconds"),
            Command::root(schedule),
        ),
        Step::run(
            "Reload sshd so it uses the new settings (open connections stay)",
            Command::root(RELOAD),
        ),
        Step::login(
            format!("From a brand-new connection: log in as {user} with the key and use sudo"),
            user,
            key_auth.clone(),
            Some(Command::root("id -un")),
            Expect::Success,
        ),
        Step::login(
            format!("From a brand-new connection: {user}'s password alone must now be refused"),
            user,
            LoginAuth::Password(SecretName::UserPassword),
            None,
            Expect::Refused,
        ),
        Step::login(
            "From a brand-new connection: root must now be refused",
            "root",
            LoginAuth::Password(SecretName::RootPassword),
            None,
            Expect::Refused,
        ),
        Step::run(
            "Everything works: cancel the automatic undo",
            Command::root(cancel),
        ),
    ];
    if let Some(alias) = alias {
        apply.push(Step::local(
            format!("Add `Host {alias}` to your ~/.ssh/config, so `ssh {alias}` is enough"),
            LocalAction::SshAlias {
                alias: alias.to_owned(),
                host: host.to_owned(),
                port,
                user: user.to_owned(),
                key: key.to_path_buf(),
            },
        ));
    }
    let verify = format!(
        r#"t=$(sshd -T)
echo "$t" | grep -Ei '^(permitrootlogin|passwordauthentication|kbdinteractiveauthentication|allowusers) '
echo "$t" | grep -qx 'permitrootlogin no' || {{ echo "root may still log in" >&2; exit 1; }}
echo "$t" | grep -qx 'passwordauthentication no' || {{ echo "passwords are still accepted" >&2; exit 1; }}
echo "$t" | grep -Eq "^allowusers( .*)? "{u}"( |\$)" || {{ echo "{user} is not in AllowUsers" >&2; exit 1; }}"#
    );
    StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Is your key installed for {user}, and does sshd refuse root and passwords?"),
            Command::root(probe).stdin(vec![StdinPart::LocalFile(pubkey)]),
        )]),
        apply: Plan::new(apply).with_rollback(vec![Step::run(
            "Something failed: put the old SSH settings back now",
            Command::root(rollback).timeout(Duration::from_secs(60)),
        )]),
        verify: Plan::new(vec![Step::run(
            "Check the settings sshd really uses (sshd -T)",
            Command::root(verify),
        )]),
    }
}
