//! Stage 9, uWSGI under systemd: uwsgi.ini and the unit from droplift's templates, the release
//! going live in two slots by turns (started beside the one serving, smoke-tested on its own
//! socket, then nginx's socket name moved to it: no request dropped), and the same go-live for
//! `droplift rollback`, plus the release list for `droplift releases`.

use std::time::Duration;

use crate::course::StageId;
use crate::course::answers::Answers;
use crate::course::plan::{Command, LocalAction, Plan, StagePlans, StdinPart, Step};
use crate::course::stage::{
    Stage, fetch_nothing, fill_nothing, note_nothing, nothing_to_check, take_nothing,
};
use crate::course::stages::app::folders::{static_conf, static_lines};
use crate::course::stages::app::health::{Health, health};
use crate::course::stages::app::{LIB, LOCK, Layout, site_answer, site_group};
use crate::course::values::{
    AppModule, CpuQuota, Made, MemoryMax, ReleaseName, ServerName, SiteName, StaticDirs, TasksMax,
    UserName,
};
use crate::course::{PlanError, answer};
use crate::shell::{Const, QuoteError, Script, ShellArg};

/// uWSGI's settings for a slot, with `{{site}}` and `{{module}}` to fill in.
pub const SLOT_INI: &str = include_str!("../../../../assets/uwsgi/slot.ini");
/// The systemd unit of the two slots (`uwsgi-SITE@.service`), with `{{site}}` and `{{user}}`.
pub const SLOT_UNIT: &str = include_str!("../../../../assets/uwsgi/slot.service");
/// uWSGI's settings as one unit that restarts in place, with `{{site}}` and `{{module}}`: what
/// droplift and its Ansible export set up before the slots (the check still knows them; the next
/// go-live moves such a server to the slots).
pub const UWSGI_INI: &str = include_str!("../../../../assets/uwsgi/uwsgi.ini");
/// The one unit of before (`uwsgi-SITE.service`), with `{{site}}` and `{{user}}`: see UWSGI_INI.
pub const UNIT: &str = include_str!("../../../../assets/uwsgi/uwsgi.service");

const SMOKE: &str = include_str!("smoke.sh");
/// The two slots' functions (`serving_slot`, `slot_unit`, …): `droplift env list` reads them too.
pub const SLOTS: &str = include_str!("slots.sh");
const PROBE: &str = include_str!("probe.sh");
const STAGE_FILE: &str = include_str!("stage_file.sh");
const GO_LIVE: &str = include_str!("go_live.sh");
const VERIFY: &str = include_str!("verify.sh");
const RELEASES: &str = include_str!("releases.sh");
const TARGET: &str = include_str!("target.sh");
const ROLLBACK_PROBE: &str = include_str!("rollback_probe.sh");
const STATIC: &str = include_str!("static.sh");
const LOGS: &str = include_str!("logs.sh");
/// What supervisor's configuration means for a site (read-only; its files are never changed).
pub const SUPERVISOR: &str = include_str!("supervisor.sh");

/// Everything stage 9 needs, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceValues {
    pub site: SiteName,
    pub user: UserName,
    /// The service's group (`app::site_group`): www-data, or a private site's owner's.
    pub group: Made,
    /// `[nginx] under`: the site served at /SITE/ on that site's server block; uWSGI mounts the
    /// app at /SITE.
    pub under: Option<SiteName>,
    /// The slots' limits (`[app] memory_max`, `cpu_quota`, `tasks_max`).
    pub limits: Limits,
    pub module: AppModule,
    pub server_name: ServerName,
    /// The droplet as the student typed it, for the request from their computer.
    pub host: String,
    /// What the smoke test asks, and whether it wants JSON (`[app] health`).
    pub health: Health,
    /// `[app] static`, `PREFIX FOLDER` lines: served by nginx from the serving release.
    pub static_dirs: StaticDirs,
}

/// A slot's limits, checked: systemd's MemoryMax=, CPUQuota= and TasksMax=.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub memory_max: MemoryMax,
    pub cpu_quota: CpuQuota,
    pub tasks_max: TasksMax,
}

pub fn values(answers: &Answers) -> Result<ServiceValues, PlanError> {
    let user = answer("user", UserName::parse(&answers.user))?;
    let under = match &answers.nginx.under {
        Some(under) => Some(answer("nginx.under", SiteName::parse(under))?),
        None => None,
    };
    if under.is_some() && !answers.app.static_dirs.is_empty() {
        return Err(PlanError::Answer {
            key: "app.static",
            message: "not for a site under another ([nginx] under) yet: leave static out".into(),
        });
    }
    Ok(ServiceValues {
        site: answer("nginx.site", SiteName::parse(site_answer(answers)))?,
        group: site_group(answers, &user),
        user,
        under,
        limits: Limits {
            memory_max: answer("app.memory_max", MemoryMax::parse(&answers.app.memory_max))?,
            cpu_quota: answer("app.cpu_quota", CpuQuota::parse(&answers.app.cpu_quota))?,
            tasks_max: answer("app.tasks_max", TasksMax::parse(&answers.app.tasks_max))?,
        },
        module: answer("app.module", AppModule::parse(&answers.app.module))?,
        server_name: answer(
            "nginx.server_name",
            ServerName::parse(&answers.nginx.server_name),
        )?,
        host: answers.host.clone(),
        health: health(answers)?,
        static_dirs: answer(
            "app.static",
            StaticDirs::parse(&static_lines(&answers.app.static_dirs)),
        )?,
    })
}

/// Where nginx's lines for the static folders go: droplift's own file, which the site includes.
pub fn static_file(site: &SiteName) -> Made {
    Made::new(format!("/etc/nginx/droplift/{site}-static.conf"))
}

/// nginx's lines for the site's static folders (empty: none).
pub fn static_text(v: &ServiceValues) -> Made {
    if v.static_dirs.as_str().is_empty() {
        Made::new(String::new())
    } else {
        Made::new(static_conf(v.site.as_str(), v.static_dirs.as_str()))
    }
}

/// The step that writes (or removes) nginx's lines for the static folders, after a go-live.
fn static_step(layout: &Layout, v: &ServiceValues) -> Result<Step, QuoteError> {
    let file = static_file(&v.site);
    let title = if v.static_dirs.as_str().is_empty() {
        format!(
            "No static folders ([app] static): make sure {file} is gone, so the app answers every path"
        )
    } else {
        format!(
            "Serve the static folders with nginx itself, from the release that serves:
{}
             (the lines go to {file}, which the site includes; nginx -t before the reload, and              the file before is put back if it refuses)",
            v.static_dirs
                .as_str()
                .lines()
                .map(|l| {
                    let (prefix, folder) = l.split_once(' ').unwrap_or((l, ""));
                    format!("  {prefix} → {}/current/{folder}/", layout.base)
                })
                .collect::<Vec<_>>()
                .join("\n")
        )
    };
    Ok(Step::run(
        title,
        Command::root(
            &layout
                .script(&[LIB, LOCK, STATIC])
                .set("site", &v.site)
                .set("static_file", &file)
                .set("static_conf", &static_text(v))
                .set("static_lines", &v.static_dirs),
        )?,
    ))
}

/// The SHA-256 the probe wants of the static file, empty when there should be none.
fn static_sha(v: &ServiceValues) -> Made {
    if v.static_dirs.as_str().is_empty() {
        Made::new(String::new())
    } else {
        sha256(&static_text(v))
    }
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

/// A slot's uwsgi.ini for the site, filled from checked values only. A site served under
/// another (`under`) is mounted at /SITE instead: uWSGI gives the app SCRIPT_NAME=/SITE and the
/// path without it (`manage-script-name`), on nginx's socket and on the slot's own alike.
pub fn uwsgi_ini(site: &SiteName, module: &AppModule, under: Option<&SiteName>) -> Made {
    let template = match under {
        None => SLOT_INI.to_owned(),
        Some(_) => SLOT_INI.replace(
            "# module:callable, like `from app import app`.\nmodule = {{module}}\n",
            "# module:callable, like `from app import app`, mounted at /{{site}}: the site is\n\
             # served under another's address, so the app sees SCRIPT_NAME /{{site}} and\n\
             # each path without it.\nmount = /{{site}}={{module}}\nmanage-script-name = true\n",
        ),
    };
    fill(&template, &[("site", site), ("module", module)])
}

/// The slots' systemd unit for the site, filled from checked values only.
pub fn unit_file(site: &SiteName, user: &UserName, group: &Made, limits: &Limits) -> Made {
    fill(
        SLOT_UNIT,
        &[
            ("site", site),
            ("user", user),
            ("group", group),
            ("memory_max", &limits.memory_max),
            ("cpu_quota", &limits.cpu_quota),
            ("tasks_max", &limits.tasks_max),
        ],
    )
}

/// The one unit's uwsgi.ini of before (see UWSGI_INI), filled from checked values only.
pub fn legacy_uwsgi_ini(site: &SiteName, module: &AppModule) -> Made {
    fill(UWSGI_INI, &[("site", site), ("module", module)])
}

/// The one unit of before (see UNIT), filled from checked values only.
pub fn legacy_unit_file(site: &SiteName, user: &UserName) -> Made {
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

/// A script of `files` after the slots' and the smoke test's functions, with the site's values,
/// the server name and the health check set: for steps outside the stage that start the app
/// (a restore drill's release on a scratch copy).
pub fn smoke_script_of(v: &ServiceValues, files: &[&'static str]) -> Script {
    let layout = Layout::new(&v.site, &v.user);
    let mut all = vec![LIB, SLOTS, SMOKE];
    all.extend_from_slice(files);
    smoke_script(&layout, v, &all)
}

/// The files of the go-live, in order: the go-live step's, and the Ansible export's
/// `files/go-live.sh`.
pub fn go_live_parts() -> [&'static str; 6] {
    [LIB, LOCK, TARGET, SMOKE, SLOTS, GO_LIVE]
}

/// The go-live step: `target` is next (stage 8's release), previous, or a release's name.
fn go_live(
    layout: &Layout,
    v: &ServiceValues,
    target: &dyn ShellArg,
) -> Result<Command, QuoteError> {
    Ok(Command::root(
        &smoke_script(layout, v, &go_live_parts()).set("target", target),
    )?
    .timeout(Duration::from_secs(240))
    .by_hand(format!(
        "echo DROPLIFT_RELEASE=RELEASE | sudo tee /etc/droplift/{site}/slot-b.env && sudo systemctl \
         restart {unit}@b && curl -i http://localhost{path} (asked of socket-b.sock first) && cd {base} && \
         ln -sfn socket-b.sock .socket.sock.new && mv -T .socket.sock.new socket.sock && sudo systemctl stop {unit}@a",
        site = v.site,
        unit = layout.unit,
        path = v.health.path,
        base = layout.base,
    )))
}

/// `droplift env … --restart`: the serving release goes live again in the other slot, with the
/// environment file `droplift env` wrote beside the live one (`app.env.restart`), by the same
/// go-live as a deploy's release.
pub fn restart_command(v: &ServiceValues) -> Result<Command, QuoteError> {
    go_live(&Layout::new(&v.site, &v.user), v, &Const("restart"))
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
            Command::root(&smoke_script(layout, v, &[LIB, SMOKE, SLOTS, VERIFY]))?,
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

/// The two steps that stage uwsgi.ini and the slots' unit (each shown against the installed one)
/// for the go-live that follows: stage 9's and rollback's.
fn staging_steps(layout: &Layout, v: &ServiceValues) -> Result<(Step, Step), QuoteError> {
    let ini = uwsgi_ini(&v.site, &v.module, v.under.as_ref());
    let unit_text = unit_file(&v.site, &v.user, &v.group, &v.limits);
    Ok((
        Step::run(
            format!(
                "Write uwsgi.ini (module {}, each slot's own socket, need-app, a graceful \
                 stop) to droplift's\nstaging folder and show how it differs from the one \
                 serving",
                v.module
            ),
            stage_file(layout, "uwsgi.ini".into(), layout.ini.to_string(), &ini)?,
        ),
        Step::run(
            format!(
                "Write the systemd unit {}@.service (two slots, a and b; User {}, Group {}, \
                 EnvironmentFile, Restart=always; MemoryMax={}, CPUQuota={}, TasksMax={}) to the \
                 staging folder",
                layout.unit,
                v.user,
                v.group,
                v.limits.memory_max,
                v.limits.cpu_quota,
                v.limits.tasks_max
            ),
            stage_file(
                layout,
                format!("{}@.service", layout.unit),
                format!("/etc/systemd/system/{}@.service", layout.unit),
                &unit_text,
            )?,
        ),
    ))
}

pub fn plans(v: &ServiceValues) -> Result<StagePlans, QuoteError> {
    let layout = Layout::new(&v.site, &v.user);
    let ini = uwsgi_ini(&v.site, &v.module, v.under.as_ref());
    let unit_text = unit_file(&v.site, &v.user, &v.group, &v.limits);
    let staging = staging_steps(&layout, v)?;
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!(
                "Does {} serve the release built from your code, and does GET {} answer?",
                layout.unit, v.health.path
            ),
            Command::root(
                &smoke_script(&layout, v, &[LIB, SMOKE, SLOTS, SUPERVISOR, PROBE])
                    .set("ini_sha", &sha256(&ini))
                    .set("unit_sha", &sha256(&unit_text))
                    .set(
                        "legacy_ini_sha",
                        &sha256(&legacy_uwsgi_ini(&v.site, &v.module)),
                    )
                    .set(
                        "legacy_unit_sha",
                        &sha256(&legacy_unit_file(&v.site, &v.user)),
                    )
                    .set("static_file", &static_file(&v.site))
                    .set("static_sha", &static_sha(v)),
            )?,
        )]),
        apply: Plan::new(vec![
            staging.0,
            staging.1,
            Step::run(
                format!(
                    "Go live in the other slot of {}@a/b, with no request dropped\n(the new \
                     release starts beside the one serving; its own socket must answer GET {path} \
                     ({wanted}) before nginx sends it anything; then nginx's socket name moves to \
                     it (an atomic rename), nginx is asked too, and the old slot finishes its \
                     requests and stops. It runs on the server by itself, so a lost connection \
                     cannot stop it half-way; the unit is checked with systemd-analyze verify \
                     first; the release's environment file replaces the live one; if anything \
                     fails, the old slot never stopped and serves on)",
                    layout.unit,
                    path = v.health.path,
                    wanted = v.health.wanted()
                ),
                go_live(&layout, v, &Const("next"))?,
            ),
            static_step(&layout, v)?,
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
    let staging = staging_steps(&layout, v)?;
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Which release would serve after the rollback ({which})?"),
            Command::root(
                &layout
                    .script(&[LIB, TARGET, ROLLBACK_PROBE])
                    .set("target", target)
                    .set("site", &v.site),
            )?,
        )]),
        apply: Plan::new(vec![
            staging.0,
            staging.1,
            Step::run(
                format!(
                    "Roll back to {which} in the other slot of {}@a/b, with no request dropped\n\
                 (as a release goes live: its own socket, then nginx, must answer GET {}; if it \
                 fails, the release serving now serves on)",
                    layout.unit, v.health.path
                ),
                go_live(&layout, v, target)?,
            ),
        ]),
        verify: Plan::new(verify_steps(v, &layout)?),
    })
}

/// `droplift releases`: every release with its mark, newest first.
pub fn releases_command(site: &SiteName, user: &UserName) -> Result<Command, QuoteError> {
    Command::root(&Layout::new(site, user).script(&[LIB, RELEASES]))
}

/// The most lines `droplift logs --lines` shows of each log.
pub const MAX_LOG_LINES: u32 = 100_000;

/// `droplift logs`: the last `lines` lines of the site's uWSGI journal, its uWSGI log and
/// nginx's error lines for it, or (`follow`) every new line until stopped.
pub fn logs_command(
    site: &SiteName,
    user: &UserName,
    lines: u32,
    follow: bool,
) -> Result<Command, QuoteError> {
    let lines = Made::new(lines.clamp(1, MAX_LOG_LINES).to_string());
    let command = Command::root(
        &Layout::new(site, user)
            .script(&[LIB, LOGS])
            .set("log_lines", &lines)
            .set("log_follow", &Const(if follow { "yes" } else { "no" })),
    )?;
    // Following ends when the student stops it (Ctrl-C), or after a day.
    Ok(command.timeout(Duration::from_secs(if follow { 86_400 } else { 60 })))
}

// ── The stage, as the rest of droplift sees it ──

pub const STAGE: Stage = Stage {
    id: StageId::Service,
    key: "service",
    title: "uWSGI service",
    explanation: "uWSGI runs your Flask app and talks to nginx through a socket file: the \
                  system's own uWSGI, patched by apt. systemd starts it at boot and after a \
                  crash. A release goes live beside the one serving, answers the app's health \
                  path (stage 8's) before any visitor reaches it, then takes over while the old \
                  one finishes its requests: none is dropped. `droplift rollback` goes back the \
                  same way.",
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
    fn logs_reads_as_root_the_last_lines_or_follows_for_a_day_at_most() {
        let site = SiteName::parse("shop").expect("site");
        let user = UserName::parse("ola").expect("user");
        let last = logs_command(&site, &user, 0, false).expect("logs");
        assert!(last.sudo);
        assert!(last.script.contains("lines=1\n"), "at least one line");
        assert!(last.script.contains("follow=no\n"));
        assert!(last.script.contains("unit=uwsgi-shop\n"));
        assert_eq!(last.timeout, Duration::from_secs(60));
        let follow = logs_command(&site, &user, 5_000_000, true).expect("logs");
        assert!(follow.script.contains(&format!("lines={MAX_LOG_LINES}\n")));
        assert!(follow.script.contains("follow=yes\n"));
        assert_eq!(follow.timeout, Duration::from_secs(86_400));
        assert!(follow.stdin.is_empty(), "no secret goes to it");
    }

    #[test]
    fn the_static_lines_and_their_check_follow_the_answers() {
        let mut answers = Answers::new("203.0.113.7", "ola");
        answers.app.health = "/health".into();
        answers.app.source = "https://example.com/shop.git".into();
        let none = values(&answers).expect("values");
        assert_eq!(static_text(&none).as_str(), "");
        assert_eq!(static_sha(&none).as_str(), "");
        answers.app.static_dirs = vec![("/static/".into(), "staticfiles/".into())];
        let some = values(&answers).expect("values");
        assert!(
            static_text(&some)
                .as_str()
                .contains("alias /var/www/html/items-rest/current/staticfiles/;")
        );
        assert_eq!(static_sha(&some).as_str().len(), 64);
        answers.app.static_dirs = vec![("/".into(), "staticfiles".into())];
        assert!(values(&answers).is_err(), "checked again at the plan");
    }

    #[test]
    fn a_private_site_under_another_runs_with_its_owner_s_group_mounted_at_its_prefix() {
        let mut answers = Answers::new("203.0.113.7", "bob");
        answers.login = Some("erin".into());
        answers.user_sudo = false;
        answers.nginx.site = "shop".into();
        answers.nginx.under = Some("items".into());
        answers.app.health = "/health".into();
        answers.app.source = "https://example.com/shop.git".into();
        answers.app.memory_max = "1G".into();
        let v = values(&answers).expect("values");
        assert_eq!(v.group.as_str(), "bob");
        let unit = unit_file(&v.site, &v.user, &v.group, &v.limits);
        assert!(unit.as_str().contains("User=bob\n"));
        assert!(unit.as_str().contains("Group=bob\n"));
        assert!(unit.as_str().contains("MemoryMax=1G\n"));
        let ini = uwsgi_ini(&v.site, &v.module, v.under.as_ref());
        assert!(
            ini.as_str()
                .contains("mount = /shop=app:app\nmanage-script-name = true\n")
        );
        assert!(!ini.as_str().contains("module = "));
        // The smoke test asks the health path at the prefix.
        assert_eq!(v.health.path.as_str(), "/shop/health");
        answers.app.static_dirs = vec![("/static/".into(), "static".into())];
        assert!(values(&answers).is_err(), "static under another is refused");
    }

    #[test]
    fn the_templates_are_filled_from_checked_values() {
        let site = SiteName::parse("items-rest").expect("site");
        let ini = uwsgi_ini(&site, &AppModule::parse("app:app").expect("module"), None);
        let text = ini.as_str();
        assert!(text.contains("module = app:app"));
        assert!(text.contains("socket = /var/www/html/items-rest/socket-$(DROPLIFT_SLOT).sock"));
        assert!(text.contains("chdir = /var/www/html/items-rest/releases/$(DROPLIFT_RELEASE)"));
        assert!(text.contains("hook-master-start = unix_signal:15 gracefully_kill_them_all"));
        assert!(text.contains("need-app = true"));
        assert!(text.contains("chmod-socket = 660"));
        assert!(!text.contains("{{"));
        let mut answers = Answers::new("203.0.113.7", "johndoe");
        answers.app.health = "/health".into();
        let v = values(&answers).expect("values");
        let unit = unit_file(&site, &v.user, &v.group, &v.limits);
        let text = unit.as_str();
        assert!(text.contains("User=johndoe"));
        assert!(text.contains("Group=www-data"));
        assert!(text.contains("MemoryMax=512M\nCPUQuota=100%\nTasksMax=128\n"));
        assert!(text.contains("EnvironmentFile=/var/lib/droplift/app/items-rest/app.env"));
        assert!(text.contains("--ini /etc/droplift/items-rest/slot-%i.ini"));
        assert!(text.contains("EnvironmentFile=/etc/droplift/items-rest/slot-%i.env"));
        assert!(text.contains("After=network.target postgresql.service"));
        assert!(!text.contains("DATABASE_URL="), "no secret in the unit");
        assert!(!text.contains("{{"));
        // The one unit of before, for the check of a server set up then and for Ansible.
        let legacy = legacy_unit_file(&site, &UserName::parse("johndoe").expect("user"));
        assert!(
            legacy
                .as_str()
                .contains("--ini /etc/droplift/items-rest/uwsgi.ini")
        );
    }
}
