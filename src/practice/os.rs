//! Which system a practice droplet runs: Ubuntu 24.04 (what a new droplet gets by default),
//! Ubuntu 22.04 or Debian 12, with the one mirror constant per distribution and the image recipe.

use std::fmt;
use std::str::FromStr;

// Each mirror's host is written once, here; the URLs and the proxy's allow-list are built from it.
macro_rules! debian_host {
    () => {
        "deb.debian.org"
    };
}
macro_rules! ubuntu_host {
    () => {
        "archive.ubuntu.com"
    };
}
pub const DEBIAN_HOST: &str = debian_host!();
pub const UBUNTU_HOST: &str = ubuntu_host!();
/// Debian's mirror (plain HTTP through the droplet's proxy); the security suite is on the same host.
pub const DEBIAN_MIRROR: &str = concat!("http://", debian_host!(), "/debian");
/// Ubuntu's own archive, the mirror Ubuntu's images use; it carries the -security suite too.
pub const UBUNTU_MIRROR: &str = concat!("http://", ubuntu_host!(), "/ubuntu");

/// The Ubuntu archive's signing key (2018), as Ubuntu's ubuntu-keyring package ships it
/// (fingerprint F6EC B376 2474 EDA9 D21B 7022 8719 20D1 991B C93C). Debian's debootstrap has no
/// Ubuntu keyring of its own, and the base must still be verified.
pub const UBUNTU_ARCHIVE_KEY: &[u8] =
    include_bytes!("../../assets/practice/ubuntu-archive-2018.gpg");

/// What every droplet has that the stages use (ufw, sudo, curl, python3 …).
const COMMON_PACKAGES: &str = "openssh-server,sudo,systemd,systemd-sysv,dbus,iproute2,ca-certificates,python3,curl,ufw,less,procps";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PracticeOs {
    /// Ubuntu 24.04 LTS "noble": the default image of a new droplet.
    #[default]
    Ubuntu2404,
    /// Ubuntu 22.04 LTS "jammy": still common.
    Ubuntu2204,
    /// Debian 12 "bookworm".
    Debian12,
}

impl PracticeOs {
    pub const ALL: [PracticeOs; 3] = [Self::Ubuntu2404, Self::Ubuntu2204, Self::Debian12];

    /// The name used on the command line and in state files: `ubuntu-24.04`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Ubuntu2404 => "ubuntu-24.04",
            Self::Ubuntu2204 => "ubuntu-22.04",
            Self::Debian12 => "debian-12",
        }
    }

    /// What a person calls it: `Ubuntu 24.04 LTS`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ubuntu2404 => "Ubuntu 24.04 LTS",
            Self::Ubuntu2204 => "Ubuntu 22.04 LTS",
            Self::Debian12 => "Debian 12",
        }
    }

    pub fn is_ubuntu(self) -> bool {
        !matches!(self, Self::Debian12)
    }

    /// The release's code name, which is also the image cache's name (`base-noble`).
    pub fn suite(self) -> &'static str {
        match self {
            Self::Ubuntu2404 => "noble",
            Self::Ubuntu2204 => "jammy",
            Self::Debian12 => "bookworm",
        }
    }

    pub fn mirror(self) -> &'static str {
        if self.is_ubuntu() {
            UBUNTU_MIRROR
        } else {
            DEBIAN_MIRROR
        }
    }

    /// The archive areas the base is built from: Ubuntu's uwsgi and certbot live in universe.
    pub fn components(self) -> &'static str {
        if self.is_ubuntu() {
            "main,restricted,universe,multiverse"
        } else {
            "main"
        }
    }

    /// debootstrap's `--include`: Ubuntu server images also ship needrestart and
    /// unattended-upgrades (switched on), which the update stage has to live with.
    pub fn packages(self) -> String {
        if self.is_ubuntu() {
            format!("{COMMON_PACKAGES},needrestart,unattended-upgrades")
        } else {
            COMMON_PACKAGES.to_owned()
        }
    }

    /// Debian's debootstrap has scripts for Debian's suites; Ubuntu's newer releases are built by
    /// its generic Ubuntu script (`gutsy`, which every later release follows).
    pub fn debootstrap_script(self) -> Option<&'static str> {
        self.is_ubuntu()
            .then_some("/usr/share/debootstrap/scripts/gutsy")
    }

    /// The archive as a real droplet lists it: release, updates and security suites. Ubuntu 24.04
    /// uses the deb822 `ubuntu.sources`; 22.04 and Debian the one-line `sources.list`.
    /// Returns the file's path inside the image and its text.
    pub fn sources(self) -> (&'static str, String) {
        let (mirror, suite) = (self.mirror(), self.suite());
        match self {
            Self::Ubuntu2404 => (
                "etc/apt/sources.list.d/ubuntu.sources",
                format!(
                    "Types: deb\nURIs: {mirror}\nSuites: {suite} {suite}-updates {suite}-backports\n\
                     Components: main restricted universe multiverse\n\
                     Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\n\n\
                     Types: deb\nURIs: {mirror}\nSuites: {suite}-security\n\
                     Components: main restricted universe multiverse\n\
                     Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\n"
                ),
            ),
            Self::Ubuntu2204 => (
                "etc/apt/sources.list",
                format!(
                    "deb {mirror} {suite} main restricted universe multiverse\n\
                     deb {mirror} {suite}-updates main restricted universe multiverse\n\
                     deb {mirror} {suite}-backports main restricted universe multiverse\n\
                     deb {mirror} {suite}-security main restricted universe multiverse\n"
                ),
            ),
            Self::Debian12 => (
                "etc/apt/sources.list",
                format!(
                    "deb {mirror} {suite} main\n\
                     deb {mirror} {suite}-updates main\n\
                     deb {mirror}-security {suite}-security main\n"
                ),
            ),
        }
    }

    /// The mirror's host name, for the proxy's list of what a droplet may reach.
    pub const fn mirror_host(self) -> &'static str {
        match self {
            Self::Debian12 => DEBIAN_HOST,
            Self::Ubuntu2404 | Self::Ubuntu2204 => UBUNTU_HOST,
        }
    }
}

impl fmt::Display for PracticeOs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown system `{0}`: practice droplets run ubuntu-24.04, ubuntu-22.04 or debian-12")]
pub struct UnknownOs(pub String);

impl FromStr for PracticeOs {
    type Err = UnknownOs;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|os| os.id() == s || os.suite() == s)
            .ok_or(UnknownOs(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_code_names_are_accepted() {
        for os in PracticeOs::ALL {
            assert_eq!(os.id().parse::<PracticeOs>(), Ok(os));
            assert_eq!(os.suite().parse::<PracticeOs>(), Ok(os));
        }
        assert_eq!(
            "Ubuntu-24.04".parse::<PracticeOs>(),
            Ok(PracticeOs::Ubuntu2404)
        );
        let err = "centos-9".parse::<PracticeOs>().expect_err("not supported");
        assert!(
            err.to_string()
                .contains("ubuntu-24.04, ubuntu-22.04 or debian-12")
        );
        assert_eq!(PracticeOs::default(), PracticeOs::Ubuntu2404);
    }

    #[test]
    fn each_distribution_names_its_mirror_once() {
        assert_eq!(PracticeOs::Debian12.mirror_host(), "deb.debian.org");
        assert_eq!(PracticeOs::Ubuntu2204.mirror_host(), "archive.ubuntu.com");
        for os in PracticeOs::ALL {
            assert!(
                os.mirror()
                    .starts_with(&format!("http://{}/", os.mirror_host()))
            );
            let (_, text) = os.sources();
            assert!(text.contains(os.mirror()), "{os}");
            assert!(text.contains(&format!("{}-security", os.suite())), "{os}");
            assert!(text.contains(&format!("{}-updates", os.suite())), "{os}");
        }
        assert!(PracticeOs::Ubuntu2404.sources().1.contains("universe"));
    }
}
