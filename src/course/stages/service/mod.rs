//! Stage 9, uWSGI under systemd: uwsgi.ini and the unit from droplift's templates, the release
//! going live with a smoke test through nginx (undone if it fails), and the same go-live for
//! `droplift rollback`, plus the release list for `droplift releases`.

use std::time::Duration;

use crate::course::StageId;
use crate::course::answers::Answers;
use crate::course::plan::{Command, LocalAction, Plan, StagePlans, StdinPart, Step};
use crate::course::stage::{
    Stage, fetch_nothing, fill_nothing, note_nothing, nothing_to_check, take_nothing,
};
use crate::course::stages::app::health::{Health, health};
use crate::course::stages::app::{LIB, LOCK, Layout, site_answer};
use crate::course::values::{AppModule, Made, ReleaseName, ServerName, SiteName, UserName};
use crate::course::{PlanError, answer};
use crate::shell::{Const, QuoteError, Script, ShellArg};

/// uWSGI's settings, with `{{site}}` and `{{module}}` to fill in.
pub const UWSGI_INI: &str = include_str!("../../../../assets/uwsgi/uwsgi.ini");
/// The systemd unit, with `{{site}}` and `{{user}}` to fill in.
pub const UNIT: &str = include_str!("../../../../assets/uwsgi/uwsgi.service");

const SMOKE: &str = include_str!("smoke.sh");
const PROBE: &str = include_str!("probe.sh");
const STAGE_FILE: &str = include_str!("stage_file.sh");
const GO_LIVE: &str = include_str!("go_live.sh");
const VERIFY: &str = include_str!("verify.sh");
const RELEASES: &str = include_str!("releases.sh");
const TARGET: &str = include_str!("target.sh");
const ROLLBACK_PROBE: &str = include_str!("rollback_probe.sh");

/// Everything stage 9 needs, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceValues {
    pub site: SiteName,
    pub user: UserName,
    pub module: AppModule,
    pub server_name: ServerName,
    /// The droplet as the student typed it, for the request from their computer.
    pub host: String,
    /// What the smoke test asks, and whether it wants JSON (`[app] health`).
    pub health: Health,
}

pub fn values(answers: &Answers) -> Result<ServiceValues, PlanError> {
    Ok(ServiceValues {
        site: answer("nginx.site", SiteName::parse(site_answer(answers)))?,
        user: answer("user", UserName::parse(&answers.user))?,
        module: answer("app.module", AppModule::parse(&answers.app.module))?,
        server_name: answer(
            "nginx.server_name",
            ServerName::parse(&answers.nginx.server_name),
        )?,
        host: answers.host.clone(),
        health: health(answers)?,
    })
}

fn fill(template: &str, pairs: &[(&str, &dyn ShellArg)]) -> Made {
    let mut text = template.to_owned();
    for (name, value) in pairs {
        text = text.replace(&format!("{{{{{name}}}}}"), &value.shell_text());
    }
    Made::new(text)
}

/// The SHA-256 of a file's text, as `sha256sum` prints it: the check compares files by it.
fn sha256(text: &Made) -> Made {
    use sha2::{Digest, Sha256};
    Made::new(
        Sha256::digest(text.as_str().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    )
}

/// A step writing `text` to droplift's staging folder as `name` (shown against `installed`).
fn stage_file(
    layout: &Layout,
    name: String,
    installed: String,
    text: &Made,
) -> Result<Command, QuoteError> {
    Ok(Command::root(
        &layout
            .script(&[LOCK, STAGE_FILE])
            .set("name", &Made::new(name))
            .set("installed", &Made::new(installed)),
    )?
    .stdin(vec![StdinPart::Text(text.to_string())]))
}

/// uwsgi.ini for the site, filled from checked values only.
pub fn uwsgi_ini(site: &SiteName, module: &AppModule) -> Made {
    fill(UWSGI_INI, &[("site", site), ("module", module)])
}

/// The systemd unit for the site, filled from checked values only.
pub fn unit_file(site: &SiteName, user: &UserName) -> Made {
    fill(UNIT, &[("site", site), ("user", user)])
}

/// A script of `files` (one of them smoke.sh) with the site's values, the server name and the
/// health check set.
fn smoke_script(layout: &Layout, v: &ServiceValues, files: &[&'static str]) -> Script {
    layout
        .script(files)
        .set("server_name", &v.server_name)
        .set("health", &v.health.path)
        .set("health_json", &v.health.json_flag())
}

/// The go-live step: `target` is next (stage 8's release), previous, or a release's name.
fn go_live(
    layout: &Layout,
    v: &ServiceValues,
    target: &dyn ShellArg,
) -> Result<Command, QuoteError> {
    Ok(Command::root(
        &smoke_script(layout, v, &[LIB, LOCK, TARGET, SMOKE, GO_LIVE]).set("target", target),
    )?
    .timeout(Duration::from_secs(240))
    .by_hand(format!(
        "cd {} && ln -sfn releases/RELEASE current && sudo systemctl restart {} && curl -i http://localhost{}",
        layout.base, layout.unit, v.health.path
    )))
}

/// The checks after a release went live: on the server, then from the student's computer.
fn verify_steps(v: &ServiceValues, layout: &Layout) -> Result<Vec<Step>, QuoteError> {
    let host_header = (v.server_name.as_str() != "_").then(|| v.server_name.to_string());
    let path = &v.health.path;
    Ok(vec![
        Step::run(
            format!(
                "Check that {} runs and starts at boot, and ask nginx on the server for GET {path}",
                layout.unit
            ),
            Command::root(&smoke_script(layout, v, &[LIB, SMOKE, VERIFY]))?,
        ),
        Step::local(
            format!(
                "Ask for http://{}{path} from this computer, as any visitor would ({} wanted)",
                v.host,
                v.health.wanted()
            ),
            LocalAction::HttpCheck {
                host: v.host.clone(),
                path: path.to_string(),
                host_header,
                json: v.health.json,
            },
        ),
    ])
}

pub fn plans(v: &ServiceValues) -> Result<StagePlans, QuoteError> {
    let layout = Layout::new(&v.site, &v.user);
    let ini = uwsgi_ini(&v.site, &v.module);
    let unit_text = unit_file(&v.site, &v.user);
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!(
                "Does {} serve the release built from your code, and does GET {} answer?",
                layout.unit, v.health.path
            ),
            Command::root(
                &smoke_script(&layout, v, &[LIB, SMOKE, PROBE])
                    .set("ini_sha", &sha256(&ini))
                    .set("unit_sha", &sha256(&unit_text)),
            )?,
        )]),
        apply: Plan::new(vec![
            Step::run(
                format!(
                    "Write uwsgi.ini (module {}, the socket nginx uses, need-app) to droplift's \
                     staging folder\nand show how it differs from the installed one",
                    v.module
                ),
                stage_file(&layout, "uwsgi.ini".into(), layout.ini.to_string(), &ini)?,
            ),
            Step::run(
                format!(
                    "Write the systemd unit {}.service (User {}, Group www-data, \
                     EnvironmentFile, Restart=always) to the staging folder",
                    layout.unit, v.user
                ),
                stage_file(
                    &layout,
                    format!("{}.service", layout.unit),
                    format!("/etc/systemd/system/{}.service", layout.unit),
                    &unit_text,
                )?,
            ),
            Step::run(
                format!(
                    "Go live: point `current` at the new release and restart {}\n(it runs on \
                     the server by itself, so a lost connection cannot stop it half-way: an \
                     atomic rename; the unit is checked with systemd-analyze verify and \
                     installed first, the release's environment file replaces the live one, then \
                     GET {} through nginx must answer {}; if anything fails, the \
                     release and the files that served before serve again)",
                    layout.unit,
                    v.health.path,
                    v.health.wanted()
                ),
                go_live(&layout, v, &Const("next"))?,
            ),
        ]),
        verify: Plan::new(verify_steps(v, &layout)?),
    })
}

/// `droplift rollback`: `current` back to the previous good release (or the one named), the
/// service restarted, and the same checks as stage 9.
pub fn rollback_plans(
    v: &ServiceValues,
    release: Option<&ReleaseName>,
) -> Result<StagePlans, QuoteError> {
    let layout = Layout::new(&v.site, &v.user);
    let previous = Const("previous");
    let target: &dyn ShellArg = match release {
        Some(name) => name,
        None => &previous,
    };
    let which = release.map_or("the previous good release".to_owned(), |r| {
        format!("release {r}")
    });
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Which release would serve after the rollback ({which})?"),
            Command::root(
                &layout
                    .script(&[LIB, TARGET, ROLLBACK_PROBE])
                    .set("target", target),
            )?,
        )]),
        apply: Plan::new(vec![Step::run(
            format!(
                "Roll back to {which}: point `current` at it, restart {} and ask nginx for GET \
                 {} (if it fails, the release serving now serves again)",
                layout.unit, v.health.path
            ),
            go_live(&layout, v, target)?,
        )]),
        verify: Plan::new(verify_steps(v, &layout)?),
    })
}

/// `droplift releases`: every release with its mark, newest first.
pub fn releases_command(site: &SiteName, user: &UserName) -> Result<Command, QuoteError> {
    Command::root(&Layout::new(site, user).script(&[LIB, RELEASES]))
}

// ── The stage, as the rest of droplift sees it ──

pub const STAGE: Stage = Stage {
    id: StageId::Service,
    key: "service",
    title: "uWSGI service",
    explanation: "uWSGI runs your Flask app and talks to nginx through a socket file. It is the \
                  system's own uWSGI: nothing to compile, apt keeps it patched (the log says \
                  why if pip must build one). systemd starts it at boot and after a crash. The \
                  release goes live by moving one link, `current`; then droplift asks nginx \
                  for the app's health path (stage 8's) as a visitor would, and if that fails \
                  the link moves back. \
                  `droplift rollback` moves it back later.",
    // Everything it needs was answered by the nginx and app stages.
    inputs: &[],
    validate: nothing_to_check,
    fill: fill_nothing,
    note: note_nothing,
    take: take_nothing,
    plans: |answers| Ok(plans(&values(answers)?)?),
    // The app stage fetches uWSGI's packages: it installs them.
    fetch: fetch_nothing,
    rollback_after: None,
    advice: &[],
    ansible_tasks: Some(include_str!("tasks.yml")),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_are_filled_from_checked_values() {
        let site = SiteName::parse("items-rest").expect("site");
        let ini = uwsgi_ini(&site, &AppModule::parse("app:app").expect("module"));
        let text = ini.as_str();
        assert!(text.contains("module = app:app"));
        assert!(text.contains("socket = /var/www/html/items-rest/socket.sock"));
        assert!(text.contains("need-app = true"));
        assert!(text.contains("chmod-socket = 660"));
        assert!(!text.contains("{{"));
        let unit = unit_file(&site, &UserName::parse("johndoe").expect("user"));
        let text = unit.as_str();
        assert!(text.contains("User=johndoe"));
        assert!(text.contains("Group=www-data"));
        assert!(text.contains("EnvironmentFile=/var/lib/droplift/app/items-rest/app.env"));
        assert!(text.contains("--ini /etc/droplift/items-rest/uwsgi.ini"));
        assert!(text.contains("After=network.target postgresql.service"));
        assert!(!text.contains("DATABASE_URL="), "no secret in the unit");
        assert!(!text.contains("{{"));
    }
}
