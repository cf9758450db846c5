//! The background download: right after the first login, droplift starts fetching (never
//! installing) every package the later stages that are on will install, and the sample app's
//! Python wheels, so each stage installs from a local cache while the student reads and types.

use super::answers::Answers;
use super::apt::{APT_CACHE, Fetch, PREFETCH_UNIT};
use super::plan::{Command, StdinPart};
use super::stages::app;
use super::values::Made;
use super::{PlanError, StageId};
use crate::shell::{Const, Script};

const FETCH: &str = include_str!("scripts/prefetch/fetch.sh");
const START: &str = include_str!("scripts/prefetch/start.sh");
/// The app's wheels, fetched in the background; the virtualenv step installs from them first.
pub const WHEELS: &str = "/var/cache/droplift/wheels";
/// The download's script and log.
pub const STATE: &str = "/var/lib/droplift/prefetch";
/// pip itself and the requirements, where the unprivileged download can read them (root's).
pub const PIP_TOOL: &str = "/var/cache/droplift/pip";
/// The name of the folder systemd gives the unprivileged pip (`CacheDirectory=`): pip writes
/// only there, as a user systemd makes up for the download (`DynamicUser=`), never as root.
pub const PIP_CACHE: &str = "droplift-pip";
/// The unit pip downloads the wheels in.
pub const PIP_UNIT: &str = "droplift-prefetch-pip";

/// What the stages that are on will install: each stage says what it fetches (a test holds each
/// package to one its own scripts install).
pub fn fetch_for(stages: &[StageId], answers: &Answers) -> Fetch {
    let mut fetch = Fetch::default();
    for stage in stages {
        (stage.stage().fetch)(answers, &mut fetch);
    }
    fetch
}

/// The command that starts the download for these stages, or None when they install nothing.
/// It returns at once; the download runs on the server under systemd.
pub fn command(stages: &[StageId], answers: &Answers) -> Result<Option<Command>, PlanError> {
    let fetch = fetch_for(stages, answers);
    if fetch.packages.is_empty() && !fetch.uwsgi {
        return Ok(None);
    }
    let packages = Made::new(fetch.packages.join(" "));
    let mut all_packages = fetch.packages.join(" ");
    if fetch.uwsgi {
        // Enough to tell "nothing to fetch" on a finished server (start.sh checks these).
        all_packages.push_str(" uwsgi-core");
    }
    let worker = Script::new(&[app::UWSGI, FETCH])
        .set("apt_cache", &Const(APT_CACHE))
        .set("wheels", &Const(WHEELS))
        .set("pip_tool", &Const(PIP_TOOL))
        .set("pip_cache", &Const(PIP_CACHE))
        .set("pip_unit", &Const(PIP_UNIT))
        .set("packages", &packages)
        .set("want_uwsgi", &Const(if fetch.uwsgi { "yes" } else { "no" }))
        .set("requirements", &Made::new(fetch.requirements.unwrap_or("")))
        .text()?;
    let start = Script::new(&[START])
        .set("state", &Const(STATE))
        .set("prefetch_unit", &Const(PREFETCH_UNIT))
        .set("packages", &Made::new(all_packages))
        .set("summary", &Made::new(fetch.summary()));
    Ok(Some(
        Command::root(&start)?.stdin(vec![StdinPart::Text(worker)]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stages_that_are_on_are_fetched() {
        let answers = Answers::new("10.0.0.2", "erin");
        let all = fetch_for(&StageId::ALL, &answers);
        assert_eq!(
            all.packages,
            [
                "unattended-upgrades",
                "postgresql",
                "postgresql-contrib",
                "nginx",
                "curl",
                "python3-venv"
            ]
        );
        assert!(all.uwsgi);
        assert!(all.requirements.is_some_and(|r| r.contains("Flask==")));
        let some = fetch_for(&[StageId::Connect, StageId::User, StageId::Nginx], &answers);
        assert_eq!(some.packages, ["nginx", "curl"]);
        assert!(!some.uwsgi && some.requirements.is_none());
        assert!(
            command(&[StageId::Connect, StageId::User], &answers)
                .expect("builds")
                .is_none()
        );
        // The server's script and droplift's constants name the same packages and pin.
        for text in [
            app::UWSGI_SYSTEM_PACKAGES,
            app::UWSGI_BUILD_PACKAGES,
            app::UWSGI_PIP,
        ] {
            assert!(app::UWSGI_LIB.contains(text), "uwsgi.sh says {text}");
        }
        let line = all.summary();
        assert!(line.contains("nothing is installed early") && line.contains("postgresql"));
    }

    #[test]
    fn pip_downloads_only_as_a_user_of_its_own_and_wheels_only_but_for_uwsgi() {
        let answers = Answers::new("10.0.0.2", "erin");
        let command = command(&StageId::ALL, &answers)
            .expect("builds")
            .expect("something to fetch");
        let worker = match command.stdin.as_slice() {
            [StdinPart::Text(text)] => text.clone(),
            other => panic!("the download's script goes on stdin: {other:?}"),
        };
        // The one place pip downloads is inside its own systemd unit, as a made-up user.
        let at = worker
            .find("\"${pip[@]}\" download")
            .expect("pip downloads");
        assert_eq!(worker.matches("\"${pip[@]}\" download").count(), 1);
        let unit = &worker[worker[..at].rfind("systemd-run").expect("in a unit")..at];
        for property in [
            "--wait",
            "-p DynamicUser=yes",
            "-p CacheDirectory=\"$pip_cache\"",
            "-p NoNewPrivileges=yes",
        ] {
            assert!(unit.contains(property), "{property} in {unit}");
        }
        assert!(worker[at..].contains("--only-binary=:all: --no-binary=uwsgi"));
        assert!(worker.contains(&format!("pip_unit={PIP_UNIT}")));
        assert!(worker.contains(&format!("pip_cache={PIP_CACHE}")));
        // Every line of the sample app's requirements but uWSGI's has a wheel on PyPI; uWSGI
        // is the one source package that --no-binary lets through.
        let requirements = fetch_for(&StageId::ALL, &answers)
            .requirements
            .expect("the sample app's");
        let sources: Vec<&str> = requirements
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter(|l| l.to_lowercase().starts_with("uwsgi"))
            .collect();
        assert_eq!(sources, ["uWSGI==2.0.31"]);
    }
}
