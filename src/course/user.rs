//! Stage 3, the new user: an everyday account with its own password and the right to use sudo.
//! The password travels only over stdin (chpasswd); the sudo rule is checked by visudo before it
//! is installed, so a mistake can never lock sudo for everyone.

use super::plan::{Command, Expect, LoginAuth, Plan, StagePlans, StdinPart, Step, quote};
use super::probe::verdict;
use crate::secret::SecretName;

/// Where the sudo rule goes: one file per user, read by sudo from /etc/sudoers.d.
pub fn sudoers_file(user: &str) -> String {
    format!("/etc/sudoers.d/droplift-{user}")
}

pub fn plans(user: &str) -> StagePlans {
    let u = quote(user);
    let file = quote(&sudoers_file(user));
    let probe = format!(
        r#"u={u}
if ! uid=$(id -u "$u" 2>/dev/null); then {}
elif [ "$uid" -lt 1000 ]; then {}
elif ! visudo -cf {file} >/dev/null 2>&1; then {}
else {}
fi"#,
        verdict("pending", "there is no account named $u yet"),
        verdict(
            "drifted",
            "$u is a system account (uid $uid), not a person's: choose another name"
        ),
        verdict("pending", "$u exists but has no sudo rights yet"),
        verdict("done", "$u exists and may use sudo"),
    );
    let create = format!(
        "id -u {u} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --user-group {u}"
    );
    let rule = format!("{user} ALL=(ALL:ALL) ALL");
    let sudo = format!(
        r#"tmp=$(mktemp)
printf '%s\n' '# Written by droplift: {user} may run any command as any user,' \
  '# after typing their own password.' {rule} > "$tmp"
if visudo -cf "$tmp"; then
  install -m 0440 -o root -g root "$tmp" {file}
  rm -f "$tmp"
else
  rm -f "$tmp"
  echo "visudo rejected the rule; nothing was changed" >&2
  exit 1
fi
visudo -c >/dev/null || {{ rm -f {file}; echo "sudo's configuration did not check out; the rule was removed" >&2; exit 1; }}"#,
        rule = quote(&rule),
    );
    StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Does {user} exist, and may it use sudo?"),
            Command::root(probe),
        )]),
        apply: Plan::new(vec![
            Step::run(
                format!(
                    "Create the account {user} with a home folder and bash as its shell\n\
                     (the course uses adduser, which asks questions; useradd does the same \
                     without asking)"
                ),
                Command::root(create),
            ),
            Step::run(
                format!("Set {user}'s password (sent on stdin, never on a command line)"),
                Command::root("chpasswd").stdin(vec![
                    StdinPart::Text(format!("{user}:")),
                    StdinPart::Secret(SecretName::UserPassword),
                    StdinPart::Text("\n".into()),
                ]),
            ),
            Step::run(
                format!(
                    "Let {user} use sudo: the line `{rule}` means \"{user}, on any host, may run \
                     any command as any user and group\".\nIt goes in its own file, checked by \
                     visudo before it is installed"
                ),
                Command::root(sudo),
            ),
        ]),
        verify: Plan::new(vec![
            Step::run(
                format!("Ask sudo what {user} may do"),
                Command::root(format!("sudo -l -U {u}")),
            ),
            Step::login(
                format!(
                    "Log in as {user} on a brand-new connection and use sudo with the password"
                ),
                user,
                LoginAuth::Password(SecretName::UserPassword),
                Some(Command::root("id -un")),
                Expect::Success,
            ),
        ]),
    }
}
