//! Values from the student that reach a server script, as types only the validators of
//! `inputs.rs` can make: a plan takes these, so it cannot be built from unchecked text.

use std::borrow::Cow;
use std::fmt;

use super::inputs;
use crate::shell::ShellArg;

macro_rules! checked {
    ($(#[$doc:meta])* $name:ident, $validate:path) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks `text` with the same rule the wizard's field and the answers file use.
            pub fn parse(text: &str) -> Result<Self, String> {
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
    inputs::validate_username
);

checked!(
    /// The droplet's address: an IP address, a DNS name or an ~/.ssh/config alias.
    Host,
    inputs::validate_host
);

checked!(
    /// A `Host` alias for ~/.ssh/config.
    Alias,
    super::answers::validate_alias
);

// ── Stages 8–9: the app ──

checked!(
    /// A git repository URL for the app's code (https, ssh, scp-like, git or file).
    GitUrl,
    super::apprules::validate_git_url
);

checked!(
    /// A branch or tag to deploy (`v1.0.0`, `main`).
    GitRef,
    super::apprules::validate_git_ref
);

checked!(
    /// uWSGI's `module`: `module:callable`, e.g. `app:app`.
    AppModule,
    super::apprules::validate_module
);

checked!(
    /// A release's folder name under releases/ (a tag, or the UTC time it was built).
    ReleaseName,
    super::apprules::validate_release_name
);

checked!(
    /// The SHA-256 of packed code, which names the code a release holds.
    CodeDigest,
    super::apprules::validate_digest
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

// Stand-ins for the names stages 5 and 7 define (SiteName, PgRole, PgDatabase), with their
// rules; removed when those stages land.
fn standin_site(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    ok.then_some(())
        .ok_or_else(|| "a site name is a–z, digits and -".to_owned())
}

fn standin_pg_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && !name.contains('"')
        && !name.chars().any(char::is_control);
    ok.then_some(())
        .ok_or_else(|| "not a PostgreSQL name".to_owned())
}

checked!(
    /// The nginx site's name (stand-in until stage 7 lands).
    SiteName,
    standin_site
);

checked!(
    /// A PostgreSQL role (stand-in until stage 5 lands).
    PgRole,
    standin_pg_name
);

checked!(
    /// A PostgreSQL database (stand-in until stage 5 lands).
    PgDatabase,
    standin_pg_name
);

fn standin_server_name(name: &str) -> Result<(), String> {
    let ok = name == "_"
        || !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'));
    ok.then_some(())
        .ok_or_else(|| "a domain, an IPv4 address or _".to_owned())
}

checked!(
    /// nginx's server_name (stand-in until stage 7 lands).
    ServerName,
    standin_server_name
);

// ── end stages 8–9 ──

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
    }
}
