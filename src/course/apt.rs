//! Installing packages, shared by every stage that installs any: waiting for apt's lock and for
//! the background download, installing from its cache, and apt's memo of waiting upgrades.

use crate::shell::{Const, Script};

/// Shared by every stage that installs packages: waits for the download, uses its cache.
pub const APT_LIB: &str = include_str!("scripts/apt/lib.sh");
/// Installs packages only when missing, waiting for apt.
pub const APT_PRESENT: &str = include_str!("scripts/apt/present.sh");
pub const APT_INSTALL: &str = include_str!("scripts/apt/install.sh");
/// The wait for the dpkg lock (a new droplet updates itself for a while).
pub const WAIT_FOR_APT: &str = include_str!("scripts/apt/wait_for_apt.sh");
/// The memo of apt's upgrade count, shared with every stage that installs packages.
pub const UPGRADES: &str = include_str!("scripts/apt/upgrades.sh");
/// Where `upgrades.sh` keeps apt's last count of waiting upgrades with its fingerprint.
pub const UPGRADES_MEMO: &str = "/var/lib/droplift/upgrades";

/// apt's cache and package lists of the background download (droplift's own, not apt's).
pub const APT_CACHE: &str = "/var/cache/droplift/apt";
/// The systemd unit the background download runs as (installing waits for it).
pub const PREFETCH_UNIT: &str = "droplift-prefetch";

/// `upgrades.sh` with its memo's path, followed by `files`.
pub fn with_upgrades(files: &[&'static str]) -> Script {
    let mut all = vec![UPGRADES];
    all.extend_from_slice(files);
    Script::new(&all).set("memo", &Const(UPGRADES_MEMO))
}

/// A script that installs packages: the upgrade memo, `apt/lib.sh` (apt_install), then `files`.
pub fn apt_script(files: &[&'static str]) -> Script {
    let mut all = vec![UPGRADES, APT_LIB];
    all.extend_from_slice(files);
    Script::new(&all)
        .set("memo", &Const(UPGRADES_MEMO))
        .set("apt_cache", &Const(APT_CACHE))
        .set("prefetch_unit", &Const(PREFETCH_UNIT))
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
