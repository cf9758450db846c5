//! A deploy key per site (issue 27): `droplift deploy-key` makes an ed25519 key on this computer
//! and lets it ship, roll back and list this one site's releases without any password, and do
//! nothing else.
//!
//! How: every root script a deploy, a rollback or `releases` runs is *sealed* on the server (its
//! text, without the values that change per deploy, in a root-only folder named by its SHA-256).
//! The key's public half is in the site's user's authorized_keys with `restrict` and a forced
//! command, the site's gate, which passes only `run HASH NAME=VALUE…` and `kill PGID` on to one
//! sudo rule: the site's user may run the sealed helper for this site without a password. The
//! helper runs a script only when its hash is sealed, puts the checked run-time values (the tag,
//! the code's digest, the release to go live: `shell::RUNTIME_VALUES`) in front of it, and runs
//! it with the same start and exit marks as any droplift command. So the key never hands root a
//! script of its own, and a changed answer (another module, health path, setting) needs
//! `droplift deploy-key` again, with sudo's password.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::course::answers::Answers;
use crate::course::plan::{Action, Command, Plan, StagePlans, StdinPart, Step};
use crate::course::stages::service;
use crate::course::values::{Made, ReleaseName, SiteName, UserName};
use crate::course::{PlanError, StageId};
use crate::shell::{Const, QuoteError, Script, Seal};

const SEALED: &str = include_str!("sealed.sh");
const GATE: &str = include_str!("gate.sh");
const INSTALL: &str = include_str!("install.sh");

/// Where `droplift deploy-key` keeps a site's key on this computer: `DATA/deploy-keys/HOST/SITE`
/// (the private half 600, `.pub` beside it), HOST as the answers name the server.
pub fn key_path(data: &Path, host: &str, site: &SiteName) -> PathBuf {
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Never `.` or `..`: a folder name, not a way up.
    let host = if host.is_empty() || host.starts_with('.') {
        format!("_{host}")
    } else {
        host
    };
    data.join("deploy-keys").join(host).join(site.as_str())
}

/// The sealed helper's text (without its `#!` line): the same marks as `remote::run`'s wrapper.
pub fn sealed_helper() -> Result<String, QuoteError> {
    Script::new(&[SEALED])
        .set("pgid_mark", &Const(crate::remote::run::PGID_MARK))
        .set("rc_mark", &Const(crate::remote::run::RC_MARK))
        .text()
}

/// The site's gate, the key's forced command (without its `#!` line).
pub fn gate(site: &SiteName) -> Result<String, QuoteError> {
    Script::new(&[GATE]).set("site", site).text()
}

/// Every root script a deploy key may need for this site, by hash: the site's logs, stages 8 and 9 (check,
/// change, undo, verify, and the joints `droplift deploy` runs of their steps), a rollback (to the previous release or a named one: the name is a
/// run-time value), the release list, and the upload of packed code.
pub fn sealed_steps(answers: &Answers) -> Result<BTreeMap<String, String>, PlanError> {
    let mut plans = vec![
        crate::course::plans(StageId::App, answers)?,
        crate::course::plans(StageId::Service, answers)?,
    ];
    let values = service::values(answers)?;
    let any = crate::course::answer("rollback", ReleaseName::parse("v1"))?;
    plans.push(service::rollback_plans(&values, None)?);
    plans.push(service::rollback_plans(&values, Some(&any))?);
    let mut sealed = BTreeMap::new();
    let mut add = |seal: Seal| {
        sealed.insert(seal.hash, seal.text);
    };
    let root_seal = |command: &Command| command.seal().filter(|_| command.sudo);
    if let Some(seal) = root_seal(&service::releases_command(&values.site, &values.user)?) {
        add(seal);
    }
    // The site's logs (how many lines, and following, are run-time values).
    if let Some(seal) = root_seal(&service::logs_command(
        &values.site,
        &values.user,
        100,
        false,
    )?) {
        add(seal);
    }
    for plan in &plans {
        for step in plan_steps(plan) {
            match &step.action {
                Action::Run(command) => {
                    if let Some(seal) = root_seal(command) {
                        add(seal);
                    }
                }
                Action::Upload { path, .. } => {
                    let script = crate::remote::upload::receive_script(path, 0o600, "root:root");
                    add(Seal::of(&script.text()?, &script.runtime_args()));
                }
                Action::FreshLogin { .. } | Action::Local(_) | Action::Download { .. } => {}
            }
        }
        // `droplift deploy` runs consecutive root steps as one command (`course::joint`).
        let after_check = crate::course::joint::sequence(plan);
        for steps in [&plan.probe.steps, &after_check, &plan.verify.steps] {
            for command in crate::course::joint::joints(steps) {
                if let Some(seal) = root_seal(&command) {
                    add(seal);
                }
            }
        }
    }
    Ok(sealed)
}

fn plan_steps(plans: &StagePlans) -> impl Iterator<Item = &Step> {
    [&plans.probe, &plans.apply, &plans.verify]
        .into_iter()
        .flat_map(|p| p.steps.iter().chain(p.rollback.iter()))
}

/// An ed25519 public key as `ssh-ed25519 BASE64` (the comment left out), or why not.
pub fn public_key_line(text: &str) -> Result<String, String> {
    let mut words = text.split_whitespace();
    match (words.next(), words.next()) {
        (Some("ssh-ed25519"), Some(b64))
            if !b64.is_empty()
                && b64
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')) =>
        {
            Ok(format!("ssh-ed25519 {b64}"))
        }
        _ => Err("not an ed25519 public key (ssh-ed25519 AAAA…)".into()),
    }
}

/// The plans of `droplift deploy-key`: one root step that installs the helper, the gate, the
/// sealed steps, the sudo rule and the key (`install.sh`), all on its stdin as JSON.
pub fn install_plans(
    answers: &Answers,
    site: &SiteName,
    user: &UserName,
    public_key: &str,
) -> Result<StagePlans, PlanError> {
    install_plans_for_keys(answers, site, user, &[public_key.to_owned()])
}

/// `install_plans` for several keys (a class's squad: one per member, `class apply`): each gets
/// the same line, and a key of this site's no longer listed leaves authorized_keys.
pub fn install_plans_for_keys(
    answers: &Answers,
    site: &SiteName,
    user: &UserName,
    public_keys: &[String],
) -> Result<StagePlans, PlanError> {
    let steps = sealed_steps(answers)?;
    let bundle = serde_json::json!({
        "gate": gate(site)?,
        "sealed": sealed_helper()?,
        "keys": public_keys,
        "scripts": steps,
    });
    let script = Script::new(&[INSTALL]).set("u", user).set("site", site);
    let keys = match public_keys.len() {
        1 => "the key's public half".to_owned(),
        n => format!("the {n} members' public keys (only these)"),
    };
    let title = format!(
        "Let the deploy key ship {site} and nothing else: seal the {} root steps a deploy, a \
         rollback and `releases` run (in /var/lib/droplift/sealed/{site}, root only), one sudo \
         rule for {user} naming only droplift's sealed helper with this site \
         (/etc/sudoers.d/zz-droplift-deploy-{site}, checked by visudo), and {keys} \
         in {user}'s authorized_keys, limited by `restrict` and a forced command",
        steps.len()
    );
    Ok(StagePlans {
        apply: Plan::new(vec![Step::run(
            title,
            Command::root(&script)?
                .stdin(vec![StdinPart::Text(bundle.to_string())])
                .timeout(std::time::Duration::from_secs(120)),
        )]),
        ..StagePlans::default()
    })
}

/// The site and its user from the answers, checked (stage 7's site, stage 3's user).
pub fn site_and_user(answers: &Answers) -> Result<(SiteName, UserName), PlanError> {
    let values = service::values(answers)?;
    Ok((values.site, values.user))
}

/// For a title: the forced command's path on the server.
pub fn gate_path(site: &SiteName) -> Made {
    Made::new(format!("/usr/local/lib/droplift/deploy-gate-{site}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_key_is_kept_without_its_comment() {
        assert_eq!(
            public_key_line("ssh-ed25519 AAAAC3Nz+/= droplift@laptop\n").as_deref(),
            Ok("ssh-ed25519 AAAAC3Nz+/=")
        );
        assert!(public_key_line("ssh-rsa AAAA x").is_err());
        assert!(public_key_line("ssh-ed25519 AAAA\"; rm -rf /").is_err());
        assert!(public_key_line("").is_err());
    }

    #[test]
    fn a_key_s_folder_names_the_host_safely() {
        let site = SiteName::parse("items-rest").expect("site");
        assert_eq!(
            key_path(Path::new("/d"), "[::1]:22/../x", &site),
            PathBuf::from("/d/deploy-keys/___1__22_.._x/items-rest")
        );
        assert_eq!(
            key_path(Path::new("/d"), "..", &site),
            PathBuf::from("/d/deploy-keys/_../items-rest")
        );
    }
}
