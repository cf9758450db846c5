//! Values from the student that reach a server script, as types only the course's checks
//! (`check.rs` and the stages' own) can make; `parse` returns the check's `Refused`. A plan
//! takes these, so it cannot be built from unchecked text.

use std::borrow::Cow;
use std::fmt;

use crate::refused::Refused;
use crate::shell::ShellArg;

macro_rules! checked {
    ($(#[$doc:meta])* $name:ident, $validate:path) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks `text` with the same rule the wizard's field and the answers file use.
            pub fn parse(text: &str) -> Result<Self, Refused> {
                $validate(text)?;
                Ok(Self(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ShellArg for $name {
            fn shell_text(&self) -> Cow<'_, str> {
                Cow::Borrowed(&self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
    };
}

checked!(
    /// A Linux account name as Debian's adduser accepts it, not reserved by the system.
    UserName,
    super::check::validate_username
);

checked!(
    /// The droplet's address: an IP address, a DNS name or an ~/.ssh/config alias.
    Host,
    super::check::validate_host
);

checked!(
    /// A `Host` alias for ~/.ssh/config.
    Alias,
    super::stages::ssh::validate_alias
);

// ── Stage 5: PostgreSQL ──

checked!(
    /// A PostgreSQL role name (at most 63 bytes, no `"`, not reserved). Scripts quote it with
    /// psql's `:"role"` / `format('%I', …)`, never by pasting it into SQL.
    PgRole,
    super::stages::postgres::names::validate_role
);

checked!(
    /// A PostgreSQL database name, checked and quoted like `PgRole`.
    PgDatabase,
    super::stages::postgres::names::validate_database
);

checked!(
    /// The nginx site's name: its file in sites-available and the app's folder under
    /// /var/www/html (where the uWSGI socket lives).
    SiteName,
    crate::course::stages::nginx::checks::validate_site_name
);

checked!(
    /// nginx's `server_name`: a domain, the droplet's IPv4 address, or `_` (any name).
    ServerName,
    crate::course::stages::nginx::checks::validate_server_name
);

// ── Stages 8–9: the app ──

checked!(
    /// A git repository URL for the app's code (https, ssh, scp-like, git or file).
    GitUrl,
    super::stages::app::rules::validate_git_url
);

checked!(
    /// A branch or tag to deploy (`v1.0.0`, `main`).
    GitRef,
    super::stages::app::rules::validate_git_ref
);

checked!(
    /// uWSGI's `module`: `module:callable` (`app:app`, `proj.wsgi:application`) or a factory
    /// called with no arguments (`app:create_app()`).
    AppModule,
    super::stages::app::rules::validate_module
);

checked!(
    /// The health check's path (`[app] health`, `/items` for the sample app): starts with `/`,
    /// only a URL's literal characters, no `..`.
    HealthPath,
    super::stages::app::health::validate_health_path
);

checked!(
    /// The release commands (`[app] release`), one per line, each checked to be one line.
    ReleaseCommands,
    super::stages::app::settings::validate_release_lines
);

checked!(
    /// The app's plain settings (`[app.env]`), `NAME=value` lines: names the environment takes
    /// and droplift does not own, values of one line.
    AppSettings,
    super::stages::app::settings::validate_env_lines
);

checked!(
    /// One setting's name (`droplift env set NAME`): a name the environment takes and droplift
    /// does not own.
    EnvName,
    super::stages::app::settings::validate_env_name
);

checked!(
    /// The names of the app's secret settings (`[app] secrets`), space-separated; never values.
    SecretNames,
    super::stages::app::settings::validate_secret_name_list
);

checked!(
    /// The static folders nginx serves (`[app] static`), `PREFIX FOLDER` lines: a URL prefix
    /// starting and ending with `/`, a folder inside the release.
    StaticDirs,
    super::stages::app::folders::validate_static_lines
);

checked!(
    /// The folders kept across releases (`[app] shared`), space-separated, each inside the
    /// release.
    SharedDirs,
    super::stages::app::folders::validate_shared_list
);

checked!(
    /// A release's folder name under releases/ (a tag, or the UTC time it was built).
    ReleaseName,
    super::stages::app::rules::validate_release_name
);

checked!(
    /// The SHA-256 of packed code, which names the code a release holds.
    CodeDigest,
    super::stages::app::rules::validate_digest
);

/// Text droplift itself made from its own templates and checked values: a path under the
/// site's folder, a filled-in uwsgi.ini or unit. Only the course's modules can make one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Made(String);

impl Made {
    pub(super) fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ShellArg for Made {
    fn shell_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.0)
    }
}

impl fmt::Display for Made {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ── Stage 10: domain and TLS ──

checked!(
    /// The domain for HTTPS (`api.example.com`): a DNS name, not an address.
    Domain,
    super::stages::domain::validate_domain
);

checked!(
    /// The e-mail Let's Encrypt writes to before a certificate expires.
    Email,
    super::stages::app::rules::validate_email
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_checked_text_becomes_a_value() {
        assert!(UserName::parse("$(reboot)").is_err());
        assert!(UserName::parse("root").is_err());
        let user = UserName::parse("johndoe").expect("valid");
        assert_eq!(user.as_str(), "johndoe");
        assert!(Host::parse("a b").is_err());
        assert!(Alias::parse("my droplet").is_err());
        assert!(PgRole::parse("select").is_err());
        assert_eq!(
            PgDatabase::parse("items-db").map(|d| d.to_string()),
            Ok("items-db".into())
        );
        assert!(SiteName::parse("items rest").is_err());
        assert!(ServerName::parse("a; include /etc/shadow").is_err());
    }
}

checked!(
    /// A slot's memory limit (`[app] memory_max`, systemd's MemoryMax=): `512M`, `1G`.
    MemoryMax,
    super::stages::app::limits::validate_memory_max
);

checked!(
    /// A slot's processor share (`[app] cpu_quota`, systemd's CPUQuota=): `100%`.
    CpuQuota,
    super::stages::app::limits::validate_cpu_quota
);

checked!(
    /// A slot's most processes and threads (`[app] tasks_max`, systemd's TasksMax=): `128`.
    TasksMax,
    super::stages::app::limits::validate_tasks_max
);
