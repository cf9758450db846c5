//! Day two, the app's settings (issue 26): `droplift env list` (the names in the site's
//! environment file and where each comes from, never a value), `env set NAME` / `unset NAME`
//! (one line of root's file changed, the value on stdin) and their `--restart`: the serving
//! release goes live again with the new file, by the same go-live as a deploy.

use crate::course::answers::Answers;
use crate::course::plan::{Command, Plan, StagePlans, StdinPart, Step};
use crate::course::stages::app::settings;
use crate::course::stages::app::{APPENV, LIB, LOCK, Layout, site_answer};
use crate::course::stages::service::{self, ServiceValues};
use crate::course::values::{AppSettings, EnvName, SecretNames, SiteName, UserName};
use crate::course::{PlanError, answer};
use crate::refused::Refused;
use crate::secret::SecretName;
use crate::shell::{Const, QuoteError, Script};

const SET: &str = include_str!("set.sh");
const LIST: &str = include_str!("list.sh");

/// What `droplift env` needs of the answers, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvValues {
    pub site: SiteName,
    pub user: UserName,
    /// `[app.env]`, `NAME=value` lines.
    pub settings: AppSettings,
    /// `[app] secrets`, names only.
    pub secret_names: SecretNames,
}

pub fn values(answers: &Answers) -> Result<EnvValues, PlanError> {
    let settings = answers
        .app
        .env
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(EnvValues {
        site: answer("nginx.site", SiteName::parse(site_answer(answers)))?,
        user: answer("user", UserName::parse(&answers.user))?,
        settings: answer("app.env", AppSettings::parse(&settings))?,
        secret_names: answer(
            "app.secrets",
            SecretNames::parse(&answers.app.secrets.join(" ")),
        )?,
    })
}

/// Set or removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Set,
    Unset,
}

/// Where a setting named on the command line comes from, as the answers say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `[app] secrets`: set this way to rotate it; unset, the next deploy makes a new one.
    Secret,
    /// Neither in `[app.env]` nor in `[app] secrets`: the student's own line.
    ByHand,
}

/// NAME as `env set`/`unset` takes it: an environment name droplift does not own (so not
/// DATABASE_URL, DROPLIFT_…, UWSGI_…), and not one of `[app.env]`'s, which the next deploy
/// writes again from the answers. The message is for the NAME argument.
pub fn check_name(answers: &Answers, name: &str) -> Result<(EnvName, Origin), Refused> {
    let checked = EnvName::parse(name)?;
    if answers.app.env.iter().any(|(n, _)| n == name) {
        return Err(format!(
            "{name} is a plain setting in [app.env] of the answers file: change it there and run \
             `droplift deploy` (a deploy writes [app.env]'s values again, so one set here would \
             not last)."
        )
        .into());
    }
    let origin = if answers.app.secrets.iter().any(|n| n == name) {
        Origin::Secret
    } else {
        Origin::ByHand
    };
    Ok((checked, origin))
}

/// The value for NAME: one line with no control characters; a secret setting's by the rule of
/// `[app] secrets` (at least 8 characters). Never part of the message.
pub fn check_value(name: &EnvName, origin: Origin, value: &str) -> Result<(), Refused> {
    if value.is_empty() {
        return Err(format!(
            "{name}: the value is empty; to remove the setting, `droplift env unset {name}`."
        )
        .into());
    }
    match origin {
        Origin::Secret => settings::validate_secret_value(name.as_str(), value),
        Origin::ByHand => {
            settings::validate_env_value(value).map_err(|m| Refused::from(format!("{name}: {m}")))
        }
    }
}

/// `droplift env list`: read-only, names and where they come from.
pub fn list_plans(v: &EnvValues) -> Result<StagePlans, QuoteError> {
    let layout = Layout::new(&v.site, &v.user);
    let files = [LIB, APPENV, service::SLOTS, LIST];
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!(
                "The settings in {}'s environment file, and where each comes from (names only)",
                v.site
            ),
            Command::root(
                &layout
                    .with_site(Script::new(&files), &files)
                    .set("settings", &v.settings)
                    .set("secret_names", &v.secret_names),
            )?,
        )]),
        ..StagePlans::default()
    })
}

/// `droplift env set|unset NAME [--restart]`: the change in root's environment file; with
/// `restart` (the service's values), the serving release then goes live again in the other
/// slot with it, as a deploy's release does (no request dropped; a failure keeps the one before).
pub fn change_plans(
    v: &EnvValues,
    name: &EnvName,
    change: Change,
    restart: Option<&ServiceValues>,
) -> Result<StagePlans, QuoteError> {
    let layout = Layout::new(&v.site, &v.user);
    let files = [LIB, LOCK, APPENV, SET];
    let mut command = Command::root(
        &layout
            .with_site(Script::new(&files), &files)
            .set("name", name)
            .set(
                "mode",
                &Const(match change {
                    Change::Set => "set",
                    Change::Unset => "unset",
                }),
            )
            .set(
                "restart",
                &Const(if restart.is_some() { "yes" } else { "no" }),
            ),
    )?;
    let title = match change {
        Change::Set => {
            // The value travels as the one `NAME=value` line of the app's secret settings.
            command = command.stdin(vec![StdinPart::Secret(SecretName::AppSecrets)]);
            format!(
                "Set {name} in the app's environment file {} (root's, mode 600; the value comes \
                 on stdin and is never shown)",
                layout.env_file
            )
        }
        Change::Unset => format!(
            "Remove {name} from the app's environment file {}",
            layout.env_file
        ),
    };
    command = command.by_hand(format!("sudoedit {}", layout.env_file));
    let mut steps = vec![Step::run(title, command)];
    if let Some(service) = restart {
        steps.push(Step::run(
            format!(
                "Restart the app with the new environment, with no request dropped\n(the \
                 release serving goes live again in the other slot of {}@a/b: its own socket, \
                 then nginx, must answer GET {}; if it fails, the slot serving now serves on \
                 with the environment before)",
                layout.unit, service.health.path
            ),
            service::restart_command(service)?,
        ));
    }
    Ok(StagePlans {
        apply: Plan::new(steps),
        ..StagePlans::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers() -> Answers {
        let text = "[server]\nhost = \"203.0.113.7\"\n[user]\nname = \"ola\"\n[nginx]\n\
                    site = \"shop\"\n[app]\nsource = \"https://example.com/shop.git\"\n\
                    health = \"/health\"\nsecrets = [\"SECRET_KEY\"]\n\n[app.env]\n\
                    GREETING = \"hi\"\n";
        crate::course::answers_file::parse(text)
            .expect("answers parse")
            .0
    }

    #[test]
    fn names_droplift_owns_or_the_answers_write_are_refused_with_the_reason() {
        let a = answers();
        for (name, said) in [
            ("DATABASE_URL", "droplift writes DATABASE_URL itself"),
            ("DROPLIFT_RELEASE", "droplift names its own variables"),
            ("UWSGI_MODULE", "uWSGI reads UWSGI_"),
            ("PATH", "set for the service by the system"),
            ("GREETING", "a plain setting in [app.env]"),
            ("1ABC", "not an environment variable name"),
            ("A-B", "not an environment variable name"),
            ("", "needs a name"),
        ] {
            let err = check_name(&a, name).expect_err(name).to_string();
            assert!(err.contains(said), "{name}: {err}");
        }
        assert_eq!(
            check_name(&a, "SECRET_KEY").map(|(n, o)| (n.to_string(), o)),
            Ok(("SECRET_KEY".into(), Origin::Secret))
        );
        assert_eq!(
            check_name(&a, "API_TOKEN").map(|(_, o)| o),
            Ok(Origin::ByHand)
        );
    }

    #[test]
    fn values_are_one_line_and_a_secret_s_at_least_8_characters_never_echoed() {
        let name = EnvName::parse("API_TOKEN").expect("name");
        assert_eq!(check_value(&name, Origin::ByHand, "x"), Ok(()));
        assert_eq!(check_value(&name, Origin::ByHand, r#"a "b" $c \d"#), Ok(()));
        for bad in ["", "two\nlines", "tab\there"] {
            let err = check_value(&name, Origin::ByHand, bad)
                .expect_err(bad)
                .to_string();
            assert!(err.starts_with("API_TOKEN:"), "{err}");
            assert!(bad.is_empty() || !err.contains(bad), "{err}");
        }
        assert!(
            check_value(&name, Origin::ByHand, "")
                .expect_err("empty")
                .to_string()
                .contains("droplift env unset API_TOKEN")
        );
        let secret = EnvName::parse("SECRET_KEY").expect("name");
        let err = check_value(&secret, Origin::Secret, "short7")
            .expect_err("short")
            .to_string();
        assert!(err.contains("at least 8"), "{err}");
        assert!(!err.contains("short7"), "{err}");
        assert_eq!(
            check_value(&secret, Origin::Secret, "long enough 1"),
            Ok(())
        );
    }
}
