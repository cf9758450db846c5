//! Stage 4, SSH key and hardening: the student's key goes into the new user's authorized_keys,
//! key login is proven, then sshd refuses root and passwords. A revert is scheduled on the
//! server before sshd reloads and cancelled only after a fresh login proves access still works.

pub mod section;

use std::path::Path;
use std::time::Duration;

use crate::course::answers::{Answers, DEFAULT_KEY};
use crate::course::check;
use crate::course::plan::{
    Command, Expect, LocalAction, LoginAuth, Plan, StagePlans, StdinPart, Step,
};
use crate::course::stage::{
    FieldError, FieldErrors, FieldText, FormInput, InputSpec, Stage, fetch_nothing, note_nothing,
    secret, text,
};
use crate::course::stages::user::whoami;
use crate::course::values::{Alias, Host, UserName};
use crate::course::{PlanError, StageId, answer};
use crate::keyfile::public_key;
use crate::refused::Refused;
use crate::secret::Secret;
use crate::secret::SecretName;
use crate::shell::{Const, QuoteError, Script};

/// Where droplift keeps the backup, the revert script and the "change in progress" marker.
pub const STATE_DIR: &str = "/var/lib/droplift/sshd";
/// The transient systemd unit that undoes the change if nobody cancels it.
pub const UNDO_UNIT: &str = "droplift-sshd-undo";
/// How long the student has before the automatic undo.
pub const UNDO_AFTER_SECS: u32 = 180;

/// A Host alias for ~/.ssh/config: one word, no wildcards.
pub fn validate_alias(alias: &str) -> Result<(), Refused> {
    if alias.is_empty()
        || !alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Err("an alias is one word of letters, digits, -, _ or . (e.g. mydroplet)".into())
    } else {
        Ok(())
    }
}

/// What the student types from now on to log in, once stage 4 is done: the alias when one was
/// set (it carries the user, port and key), else the whole command.
pub fn login_from_now_on(
    user: &str,
    host: &str,
    port: u16,
    key: &Path,
    alias: Option<&str>,
) -> String {
    match alias {
        Some(alias) => format!("ssh {alias}"),
        None => {
            let port = if port == 22 {
                String::new()
            } else {
                format!(" -p {port}")
            };
            format!("ssh -i {}{port} {user}@{host}", key.display())
        }
    }
}

const SETTINGS: &str = include_str!("settings.sh");
const PROBE: &str = include_str!("probe.sh");
const INSTALL_KEY: &str = include_str!("install_key.sh");
const PREPARE: &str = include_str!("prepare.sh");
/// Installed on the server by `prepare.sh` (it reads it from stdin); run by the undo timer.
const REVERT: &str = include_str!("revert.sh");
const HARDEN: &str = include_str!("harden.sh");
const SCHEDULE_UNDO: &str = include_str!("../../scripts/undo/schedule.sh");
const RELOAD: &str = include_str!("reload.sh");
const STOP_UNDO: &str = include_str!("../../scripts/undo/stop.sh");
const CANCEL_UNDO: &str = include_str!("../../scripts/undo/cancel.sh");
const ROLLBACK: &str = include_str!("rollback.sh");
const VERIFY: &str = include_str!("verify.sh");

pub fn plans(
    user: &UserName,
    key: &Path,
    alias: Option<&Alias>,
    host: &Host,
    port: u16,
) -> Result<StagePlans, QuoteError> {
    let pubkey = public_key(key);
    let state = Const(STATE_DIR);
    let unit = Const(UNDO_UNIT);
    let with_state = |files: &[&'static str]| Script::new(files).set("state", &state);
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
            Command::root(&Script::new(&[INSTALL_KEY]).set("u", user))?
                .stdin(vec![StdinPart::LocalFile(pubkey.clone())]),
        ),
        Step::login(
            format!("Prove that {user} can log in with the key before changing anything"),
            user.as_str(),
            key_auth.clone(),
            None,
            Expect::Success,
        ),
        Step::run(
            "Back up sshd's current settings and install the script that puts them back",
            Command::root(&with_state(&[SETTINGS, PREPARE]).set("u", user))?
                .stdin(vec![StdinPart::Text(REVERT.into())]),
        ),
        Step::run(
            format!(
                "Safety net, before anything changes: schedule an automatic undo in \
                 {UNDO_AFTER_SECS} seconds"
            ),
            Command::root(
                &with_state(&[SCHEDULE_UNDO])
                    .set("undo_unit", &unit)
                    .set("undo_after", &UNDO_AFTER_SECS),
            )?,
        ),
        Step::run(
            format!(
                "Write the new sshd settings (no root, only your user, keys only, modern \
                 encryption) and check them with sshd -t\nPermitRootLogin no: every bot tries \
                 root first. AllowUsers {user}: any other account is refused over SSH, so add \
                 new users there. SSH programs older than about 2015 can no longer connect."
            ),
            Command::root(&with_state(&[SETTINGS, HARDEN]).set("u", user))?
                .by_hand("sudo nano /etc/ssh/sshd_config && sudo sshd -t"),
        ),
        Step::run(
            "Reload sshd so it uses the new settings (open connections stay)",
            Command::root(&Script::new(&[RELOAD]).set("undo_unit", &unit))?
                .by_hand("sudo systemctl reload ssh"),
        ),
        Step::login(
            format!("From a brand-new connection: log in as {user} with the key and use sudo"),
            user.as_str(),
            key_auth.clone(),
            Some(whoami()?),
            Expect::Success,
        ),
        Step::login(
            format!("From a brand-new connection: {user}'s password alone must now be refused"),
            user.as_str(),
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
            Command::root(&with_state(&[STOP_UNDO, CANCEL_UNDO]).set("undo_unit", &unit))?,
        ),
    ];
    if let Some(alias) = alias {
        apply.push(Step::local(
            format!("Add `Host {alias}` to your ~/.ssh/config, so `ssh {alias}` is enough"),
            LocalAction::SshAlias {
                alias: alias.as_str().to_owned(),
                host: host.as_str().to_owned(),
                port,
                user: user.as_str().to_owned(),
                key: key.to_path_buf(),
            },
        ));
    }
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Is your key installed for {user}, and does sshd refuse root and passwords?"),
            Command::root(&with_state(&[SETTINGS, PROBE]).set("u", user))?
                .stdin(vec![StdinPart::LocalFile(pubkey)]),
        )]),
        apply: Plan::new(apply).with_rollback(vec![Step::run(
            "Something failed: put the old SSH settings back now",
            Command::root(&with_state(&[STOP_UNDO, ROLLBACK]).set("undo_unit", &unit))?
                .timeout(Duration::from_secs(60)),
        )]),
        verify: Plan::new(vec![Step::run(
            "Check the settings sshd really uses (sshd -T)",
            Command::root(&Script::new(&[VERIFY]).set("u", user))?,
        )]),
    })
}

// ── The stage, as the rest of droplift sees it ──

pub const STAGE: Stage = Stage {
    id: StageId::SshHardening,
    key: "ssh",
    title: "SSH key & hardening",
    explanation: "Bots guess passwords all day. An SSH key is a pair of files: the private half \
                  stays here; the public half goes into authorized_keys (the keys that may log \
                  in as you). Then sshd, the SSH server, refuses root and passwords.",
    inputs: &[
        InputSpec {
            default: DEFAULT_KEY,
            ..text("key", "Key file", "your private key; made if missing")
        },
        secret(
            "key_passphrase",
            "Passphrase",
            "for a new key only; empty: none",
        ),
        text("alias", "Alias", "e.g. mydroplet; empty: skip"),
    ],
    validate,
    fill,
    note: note_nothing,
    take,
    plans: plans_for,
    fetch: fetch_nothing,
    rollback_after: Some("sshd was changed"),
    advice: &[],
    ansible_tasks: Some(include_str!("tasks.yml")),
};

fn validate(value: &FieldText<'_>) -> Vec<FieldError> {
    let mut errors = FieldErrors::default();
    errors.check("key", check::validate_key_path(&value("key")));
    errors.check(
        "key_passphrase",
        check::validate_password(&value("key_passphrase")),
    );
    let alias = value("alias");
    if !alias.is_empty() {
        errors.check(
            "alias",
            validate_alias(&alias).map_err(Refused::capitalised),
        );
    }
    errors.into_vec()
}

fn fill(answers: &Answers, key: &str) -> Option<String> {
    Some(match key {
        "key" => answers.key.display().to_string(),
        "alias" => answers.alias.clone().unwrap_or_default(),
        _ => return None,
    })
}

fn take(answers: &mut Answers, form: &mut dyn FormInput) -> Vec<(SecretName, Secret)> {
    answers.key = form.value("key").trim().into();
    let alias = form.value("alias").trim().to_owned();
    answers.alias = (!alias.is_empty()).then_some(alias);
    let passphrase = form.take_secret("key_passphrase");
    if passphrase.is_empty() {
        Vec::new()
    } else {
        vec![(SecretName::KeyPassphrase, passphrase)]
    }
}

fn plans_for(answers: &Answers) -> Result<StagePlans, PlanError> {
    let alias = match &answers.alias {
        Some(alias) => Some(answer("alias", Alias::parse(alias))?),
        None => None,
    };
    Ok(plans(
        &answer("user", UserName::parse(answers.login_name()))?,
        &answers.key,
        alias.as_ref(),
        &answer("host", Host::parse(&answers.host))?,
        answers.port,
    )?)
}
