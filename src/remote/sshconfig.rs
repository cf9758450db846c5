//! Where OpenSSH keeps its files (`SshPaths`) and how a typed host becomes an address, port, user
//! and key list through ~/.ssh/config, using the `ssh2-config` crate as OpenSSH would read it.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use ssh2_config::{ParseRule, SshConfig};

use super::protocol::Target;

/// The files the worker reads and writes. Injectable so tests never touch the real ~/.ssh.
#[derive(Clone, Debug, Default)]
pub struct SshPaths {
    /// ~/.ssh/config; a missing file means "no config".
    pub config: Option<PathBuf>,
    /// ~/.ssh/known_hosts; created (with a 700 directory) when the first key is accepted.
    pub known_hosts: PathBuf,
    /// The system-wide known_hosts (/etc/ssh/ssh_known_hosts), read but never written.
    pub global_known_hosts: Option<PathBuf>,
    /// Keys tried after Credentials.identity_files and the config's IdentityFile, in order.
    pub default_keys: Vec<PathBuf>,
    /// The ssh-agent socket; None means "use $SSH_AUTH_SOCK", as libssh2 does by default.
    pub agent_socket: Option<PathBuf>,
    /// Used to expand `~` inside the config file.
    pub home: Option<PathBuf>,
}

impl SshPaths {
    /// The student's own OpenSSH files under `home`.
    pub fn in_home(home: &Path) -> Self {
        let ssh = home.join(".ssh");
        Self {
            config: Some(ssh.join("config")),
            known_hosts: ssh.join("known_hosts"),
            global_known_hosts: Some(PathBuf::from("/etc/ssh/ssh_known_hosts")),
            // OpenSSH's order of default identities.
            default_keys: ["id_ed25519", "id_ecdsa", "id_rsa"]
                .iter()
                .map(|k| ssh.join(k))
                .collect(),
            agent_socket: None,
            home: Some(home.to_path_buf()),
        }
    }

    /// `in_home($HOME)`; with no HOME, paths relative to the working directory (never panics).
    pub fn from_home() -> Self {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        Self::in_home(&home)
    }
}

/// A target after ~/.ssh/config: what to dial and who to log in as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// What the student typed (an alias, a name or an address).
    pub alias: String,
    /// What to connect to (HostName, or the alias itself).
    pub hostname: String,
    pub port: u16,
    pub user: String,
    /// IdentityFile entries from the config, in order.
    pub identity_files: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid OpenSSH config: {message}")]
    Parse { path: PathBuf, message: String },
}

/// Apply the config file (if any) to `target`. Explicit port/user on the target win, as `-p`
/// and `user@` do on OpenSSH's command line; without any, the user is root (a new droplet's).
pub fn resolve(target: &Target, paths: &SshPaths) -> Result<Resolved, ConfigError> {
    let params = match &paths.config {
        Some(path) if path.exists() => {
            let file = File::open(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            let mut config = SshConfig::default();
            if let Some(home) = &paths.home {
                config = config.home_dir(home);
            }
            // A student's config may hold options we do not use; they must not stop us.
            let config = config
                .parse(
                    &mut BufReader::new(file),
                    ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS,
                )
                .map_err(|e| ConfigError::Parse {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            Some(config.query(&target.host))
        }
        _ => None,
    };
    let hostname = params
        .as_ref()
        .and_then(|p| p.host_name.clone())
        .unwrap_or_else(|| target.host.clone());
    let port = target
        .port
        .or(params.as_ref().and_then(|p| p.port))
        .unwrap_or(22);
    let user = target
        .user
        .clone()
        .or(params.as_ref().and_then(|p| p.user.clone()))
        .unwrap_or_else(|| "root".to_owned());
    let identity_files = params.and_then(|p| p.identity_file).unwrap_or_default();
    Ok(Resolved {
        alias: target.host.clone(),
        hostname,
        port,
        user,
        identity_files,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn alias_resolves_and_explicit_values_win() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(
            &config,
            "Host web\n  HostName 10.0.0.7\n  User deploy\n  Port 2222\n  IdentityFile ~/.ssh/web_key\n  ForwardX11 no\n",
        )
        .unwrap();
        let mut paths = SshPaths::in_home(dir.path());
        paths.config = Some(config);
        let t = Target {
            host: "web".into(),
            port: None,
            user: None,
        };
        let r = resolve(&t, &paths).unwrap();
        assert_eq!(r.hostname, "10.0.0.7");
        assert_eq!((r.port, r.user.as_str()), (2222, "deploy"));
        assert_eq!(r.identity_files, vec![dir.path().join(".ssh/web_key")]);
        let t = Target {
            host: "web".into(),
            port: Some(22),
            user: Some("root".into()),
        };
        let r = resolve(&t, &paths).unwrap();
        assert_eq!((r.port, r.user.as_str()), (22, "root"));
        let t = Target {
            host: "203.0.113.9".into(),
            port: None,
            user: None,
        };
        let r = resolve(&t, &paths).unwrap();
        assert_eq!(
            (r.hostname.as_str(), r.port, r.user.as_str()),
            ("203.0.113.9", 22, "root")
        );
    }
}
