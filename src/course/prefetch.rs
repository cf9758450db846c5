//! The background download: right after the first login, droplift starts fetching (never
//! installing) every package the later stages that are on will install, and the sample app's
//! Python wheels, so each stage installs from a local cache while the student reads and types.

use super::answers::Answers;
use super::apprules::{SourceKind, source_kind};
use super::plan::{Command, StdinPart};
use super::values::Made;
use super::{PlanError, StageId, app, postgres};
use crate::shell::{Const, Script};

const FETCH: &str = include_str!("scripts/prefetch/fetch.sh");
const START: &str = include_str!("scripts/prefetch/start.sh");
/// Shared by every stage that installs packages: waits for the download, uses its cache.
pub const APT_LIB: &str = include_str!("scripts/apt/lib.sh");

/// apt's cache and package lists of the background download (droplift's own, not apt's).
pub const APT_CACHE: &str = "/var/cache/droplift/apt";
/// The app's wheels, fetched in the background; the virtualenv step installs from them first.
pub const WHEELS: &str = "/var/cache/droplift/wheels";
/// The systemd unit the download runs as.
pub const UNIT: &str = "droplift-prefetch";
/// The download's script and log.
pub const STATE: &str = "/var/lib/droplift/prefetch";

/// A script that installs packages: the upgrade memo, `apt/lib.sh` (apt_install), then `files`.
pub fn apt_script(files: &[&'static str]) -> Script {
    let mut all = vec![super::update::UPGRADES, APT_LIB];
    all.extend_from_slice(files);
    Script::new(&all)
        .set("memo", &Const(super::update::UPGRADES_MEMO))
        .set("apt_cache", &Const(APT_CACHE))
        .set("prefetch_unit", &Const(UNIT))
}

/// What the download fetches for these stages (in course order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fetch {
    /// Debian packages, besides uWSGI's (the server decides which uWSGI: `app/uwsgi.sh`).
    pub packages: Vec<&'static str>,
    /// The app stage is on: fetch what its uWSGI needs too.
    pub uwsgi: bool,
    /// requirements.txt when it is known before the code reaches the server (the sample app).
    pub requirements: Option<&'static str>,
}

/// What the stages that are on will install. The database, nginx and the app's packages come
/// from the same constants their stages install.
pub fn fetch_for(stages: &[StageId], answers: &Answers) -> Fetch {
    let mut fetch = Fetch::default();
    for stage in stages {
        match stage {
            // Installed for the automatic security updates.
            StageId::Update => fetch.packages.push("unattended-upgrades"),
            StageId::Postgres => fetch.packages.extend(postgres::PACKAGES.split(' ')),
            StageId::Nginx => fetch.packages.extend(["nginx", "curl"]),
            StageId::App => {
                let (packages, sample) = match source_kind(&answers.app.source) {
                    SourceKind::Git => (app::PYTHON_PACKAGES_GIT, false),
                    SourceKind::Sample => (app::PYTHON_PACKAGES, true),
                    SourceKind::Folder => (app::PYTHON_PACKAGES, false),
                };
                fetch.packages.extend(packages.split(' '));
                fetch.uwsgi = true;
                if sample {
                    fetch.requirements = crate::source::SAMPLE
                        .iter()
                        .find(|(name, _)| *name == "requirements.txt")
                        .map(|(_, text)| *text);
                }
            }
            StageId::Domain if answers.domain.is_some() => {
                fetch.packages.extend(["certbot", "python3-certbot-nginx"]);
            }
            _ => {}
        }
    }
    fetch
}

impl Fetch {
    /// The one line the log shows about the download.
    pub fn summary(&self) -> String {
        let mut what = self.packages.join(" ");
        if self.uwsgi {
            what.push_str(" and uWSGI's packages");
        }
        if self.requirements.is_some() {
            what.push_str(", and the sample app's Python wheels");
        }
        format!("Fetching in the background (niced; nothing is installed early): {what}")
    }
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
    let worker = Script::new(&[super::app::UWSGI, FETCH])
        .set("apt_cache", &Const(APT_CACHE))
        .set("wheels", &Const(WHEELS))
        .set("packages", &packages)
        .set("want_uwsgi", &Const(if fetch.uwsgi { "yes" } else { "no" }))
        .set("requirements", &Made::new(fetch.requirements.unwrap_or("")))
        .text()?;
    let start = Script::new(&[START])
        .set("state", &Const(STATE))
        .set("prefetch_unit", &Const(UNIT))
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
}
