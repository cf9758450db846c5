//! Stage 3, the new user: an everyday account with its own password and the right to use sudo.
//! The password travels only over stdin (chpasswd); the sudo rule is checked by visudo before it
//! is installed, so a mistake can never lock sudo for everyone.

use crate::course::answers::Answers;
use crate::course::check;
use crate::course::plan::{Command, Expect, LoginAuth, Plan, StagePlans, StdinPart, Step};
use crate::course::stage::{
    FieldError, FieldErrors, FieldText, FormInput, Stage, fetch_nothing, note_nothing, secret, text,
};
use crate::course::values::UserName;
use crate::course::{StageId, answer};
use crate::secret::Secret;
use crate::secret::SecretName;
use crate::shell::{Const, QuoteError, Script, quote};

const PROBE: &str = include_str!("probe.sh");
const CREATE: &str = include_str!("create.sh");
const SET_PASSWORD: &str = include_str!("set_password.sh");
const SUDO_RULE: &str = include_str!("sudo_rule.sh");
const PRIVATE_HOME: &str = include_str!("private_home.sh");
/// An owner without sudo: its own checks, nginx in its group, and SSH open to it.
const GUEST_PROBE: &str = include_str!("guest_probe.sh");
const GUEST_VERIFY: &str = include_str!("guest_verify.sh");
const NGINX_GROUP: &str = include_str!("nginx_group.sh");
const ALLOW_SSH: &str = include_str!("allow_ssh.sh");
const SUDO_LIST: &str = include_str!("sudo_list.sh");
/// The password checked with sudo without a password login (a key droplet takes none).
const SUDO_PASSWORD: &str = include_str!("sudo_password.sh");
/// Prints who a command runs as: run with sudo on a fresh login, it proves sudo works.
const WHOAMI: &str = include_str!("whoami.sh");

/// The command a fresh login runs with sudo to prove that sudo works.
pub fn whoami() -> Result<Command, QuoteError> {
    Ok(Command::root(&Script::new(&[WHOAMI]))?.by_hand("id -un"))
}

/// The step that closes the account's home to other accounts (`mode`: o-rwx, or 0700).
fn private_home(user: &UserName, mode: &'static str) -> Result<Step, QuoteError> {
    Ok(Step::run(
        format!(
            "Close {user}'s home to other accounts (chmod {mode}): on a droplet with several \
             sites, no owner reads another's files"
        ),
        Command::root(
            &Script::new(&[PRIVATE_HOME])
                .set("u", user)
                .set("home_mode", &Const(mode)),
        )?
        .by_hand(format!("sudo chmod {mode} ~{}", quote(user.as_str())?)),
    ))
}

/// Stage 3 for a site's owner without sudo (`[user] sudo = false`), set up by another login:
/// the account with its own group and no password, its home 0700, nginx's user in its group
/// (its site's folder and socket are that group's), and SSH open to it when sshd names the
/// accounts it lets in. It ships with its site's deploy key, which sudo lets run droplift's
/// sealed steps for that site only.
pub fn guest_plans(user: &UserName) -> Result<StagePlans, QuoteError> {
    let with_user = |files: &[&'static str]| Script::new(files).set("u", user);
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Does {user} exist, with no sudo and a private home?"),
            Command::root(&with_user(&[GUEST_PROBE]))?,
        )]),
        apply: Plan::new(vec![
            Step::run(
                format!(
                    "Create the account {user} with a home folder, its own group and bash; no \
                     password and no sudo: {user} logs in with keys only, and ships its site \
                     with the site's deploy key"
                ),
                Command::root(&with_user(&[CREATE]))?
                    .by_hand(format!("sudo useradd --create-home --user-group --shell /bin/bash {}", quote(user.as_str())?)),
            ),
            private_home(user, "0700")?,
            Step::run(
                format!(
                    "Let nginx's user (www-data) into the group {user}: {user}'s site's folder and \
                     socket belong to it, so nginx reaches them and no other site's app does \
                     (nginx reloads, gracefully)"
                ),
                Command::root(&with_user(&[NGINX_GROUP]))?
                    .by_hand(format!("sudo usermod -aG {} www-data && sudo systemctl reload nginx", quote(user.as_str())?)),
            ),
            Step::run(
                format!(
                    "Let {user} log in over SSH when sshd names the accounts it lets in \
                     (AllowUsers): {user}'s own file in /etc/ssh/sshd_config.d, checked with \
                     sshd -t"
                ),
                Command::root(&with_user(&[ALLOW_SSH]))?.by_hand(format!(
                    "echo 'AllowUsers {user}' | sudo tee /etc/ssh/sshd_config.d/10-droplift-user-{user}.conf && sudo sshd -t && sudo systemctl reload ssh"
                )),
            ),
        ]),
        verify: Plan::new(vec![Step::run(
            format!("Ask sudo what {user} may do (nothing), and check its home and SSH"),
            Command::root(&with_user(&[GUEST_VERIFY]))?
                .by_hand(format!("sudo -l -U {}", quote(user.as_str())?)),
        )]),
    })
}

/// `root_by_key`: a droplet made with an SSH key (`cloud create`) takes no password logins
/// (cloud-init turns them off), so the password is proved with sudo as root becomes the user,
/// instead of on a fresh password login.
pub fn plans(user: &UserName, root_by_key: bool) -> Result<StagePlans, QuoteError> {
    let rule = format!("{user} ALL=(ALL:ALL) ALL");
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Does {user} exist, and may it use sudo?"),
            Command::root(&Script::new(&[PROBE]).set("u", user))?,
        )]),
        apply: Plan::new(vec![
            Step::run(
                format!(
                    "Create the account {user} with a home folder and bash as its shell\n\
                     (the course uses adduser, which asks questions; useradd does the same \
                     without asking)"
                ),
                Command::root(&Script::new(&[CREATE]).set("u", user))?
                    .by_hand(format!("adduser {}", quote(user.as_str())?)),
            ),
            private_home(user, "o-rwx")?,
            Step::run(
                format!("Set {user}'s password (sent on stdin, never on a command line)"),
                Command::root(&Script::new(&[SET_PASSWORD]))?
                    .by_hand(format!(
                        "passwd {}   # asks twice; nothing shows while you type",
                        quote(user.as_str())?
                    ))
                    .stdin(vec![
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
                Command::root(&Script::new(&[SUDO_RULE]).set("u", user))?.by_hand("sudo visudo"),
            ),
        ]),
        verify: Plan::new(vec![
            Step::run(
                format!("Ask sudo what {user} may do"),
                Command::root(&Script::new(&[SUDO_LIST]).set("u", user))?
                    .by_hand(format!("sudo -l -U {}", quote(user.as_str())?)),
            ),
            if root_by_key {
                Step::run(
                    format!(
                        "Become {user} and use sudo with the password (this droplet takes no \
                         password logins: it was made with your SSH key)"
                    ),
                    Command::root(&Script::new(&[SUDO_PASSWORD]).set("u", user))?
                        .by_hand(format!("su - {} -c 'sudo -k true'", quote(user.as_str())?))
                        .stdin(vec![
                            StdinPart::Secret(SecretName::UserPassword),
                            StdinPart::Text("\n".into()),
                        ]),
                )
            } else {
                Step::login(
                    format!(
                        "Log in as {user} on a brand-new connection and use sudo with the password"
                    ),
                    user.as_str(),
                    LoginAuth::Password(SecretName::UserPassword),
                    Some(whoami()?),
                    Expect::Success,
                )
            },
        ]),
    })
}

// ── The stage, as the rest of droplift sees it ──

pub const STAGE: Stage = Stage {
    id: StageId::User,
    key: "user",
    title: "New sudo user",
    explanation: "Working as root all day is risky: one typo can break the system. We make your \
                  everyday account and let it use sudo (\"do as superuser\": runs one command \
                  as root, asks your password, and logs it).",
    inputs: &[
        text("user", "User name", "your everyday login, e.g. johndoe"),
        secret(
            "user_password",
            "Password",
            "8+ characters; sudo asks for it",
        ),
        secret(
            "user_password_again",
            "Again",
            "the same password once more",
        ),
    ],
    validate,
    fill: |answers, key| (key == "user").then(|| answers.user.clone()),
    note: note_nothing,
    take,
    plans: |answers| {
        let user = answer("user", UserName::parse(&answers.user))?;
        if answers.user_sudo {
            Ok(plans(&user, answers.root_by_key)?)
        } else {
            Ok(guest_plans(&user)?)
        }
    },
    fetch: fetch_nothing,
    rollback_after: None,
    advice: &[],
    ansible_tasks: Some(include_str!("tasks.yml")),
};

fn validate(value: &FieldText<'_>) -> Vec<FieldError> {
    let mut errors = FieldErrors::default();
    errors.check("user", check::validate_username(&value("user")));
    errors.check(
        "user_password",
        check::validate_user_password(&value("user_password"), &value("user_password_again")),
    );
    errors.into_vec()
}

fn take(answers: &mut Answers, form: &mut dyn FormInput) -> Vec<(SecretName, Secret)> {
    answers.user = form.value("user").trim().to_owned();
    let password = form.take_secret("user_password");
    form.take_secret("user_password_again");
    vec![(SecretName::UserPassword, password)]
}
