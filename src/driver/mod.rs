//! Turns the runner's requests into real work: fills in secrets and local files to make worker
//! Jobs, and performs the steps that happen on the student's computer (creating an SSH key,
//! adding a Host alias to ~/.ssh/config). The only place where a plan meets secret values.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, LineEnding, PrivateKey};

use crate::course::plan::{CodeSource, Command, LocalAction, StdinPart};
use crate::home::expand_home;
use crate::keyfile::public_key;
use crate::remote::worker::WorkerHandle;
use crate::remote::{Job, JobId, RemoteCommand};
use crate::runner::Request;
use crate::secret::{Secret, SecretName, Secrets};
use crate::source::SourceError;

mod error;
pub use error::{DnsError, DriverError, HttpCheckError, KeyError, LocalError, SshConfigError};

/// What performing a request gives at once: a local step's result (a line for the log), or why
/// a remote request could not be sent. Tell the runner (`StageRun::local_done`).
#[derive(Clone, Debug)]
pub struct Done {
    pub id: JobId,
    pub result: Result<String, DriverError>,
}

/// Carries out a runner request, for the wizard and headless alike: a remote one becomes a job
/// for the worker (its events follow), a local one is done here. `Some` when there is a result
/// to report now.
pub fn perform(
    request: &Request,
    secrets: &Secrets,
    home: &Path,
    worker: &WorkerHandle,
) -> Option<Done> {
    if let Request::Local { id, action } = request {
        return Some(Done {
            id: *id,
            result: perform_local(action, secrets, home),
        });
    }
    match job_for(request, secrets, home) {
        Ok(Some(job)) => {
            worker.send(job);
            None
        }
        Ok(None) => None,
        Err(error) => Some(Done {
            id: request.id(),
            result: Err(error),
        }),
    }
}

fn secret(secrets: &Secrets, name: SecretName) -> Result<&Secret, DriverError> {
    secrets.get(name).ok_or(DriverError::MissingSecret(name))
}

/// A plan command with its stdin filled in: secret values and local files.
pub fn remote_command(
    command: &Command,
    secrets: &Secrets,
    home: &Path,
) -> Result<RemoteCommand, DriverError> {
    let stdin = if command.stdin.is_empty() {
        None
    } else {
        let mut text = String::new();
        for part in &command.stdin {
            match part {
                StdinPart::Text(t) => text.push_str(t),
                StdinPart::Secret(name) if name.optional() && !secrets.contains(*name) => {}
                // Not given (a deploy key's deploy): the script keeps the server's own.
                StdinPart::KeptSecret(name) => {
                    if let Some(secret) = secrets.get(*name) {
                        text.push_str(secret.expose());
                    }
                }
                StdinPart::Secret(name) => text.push_str(secret(secrets, *name)?.expose()),
                StdinPart::LocalFile(path) => {
                    // A key not created yet is never an empty line (that matches any blank line
                    // in authorized_keys, and the stage looked done): a line no key file holds.
                    let path = expand_home(path, home);
                    match fs::read_to_string(&path) {
                        Ok(content) => text.push_str(content.trim_end()),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                            text.push_str(&missing_file_line(&path))
                        }
                        Err(e) => {
                            return Err(DriverError::ReadFile {
                                path,
                                cause: Arc::new(e),
                            });
                        }
                    }
                    text.push('\n');
                }
            }
        }
        Some(Secret::new(text))
    };
    Ok(RemoteCommand {
        script: command.script.clone(),
        sudo: command.sudo,
        stdin,
        timeout: command.timeout,
        runtime: command.runtime.clone(),
    })
}

/// What a missing local file reads as: a line that matches no authorized_keys entry and that
/// the install step refuses as "not an SSH public key".
fn missing_file_line(path: &Path) -> String {
    format!("droplift: {} does not exist yet", path.display())
}

/// The worker job for a remote request; None for a local one.
pub fn job_for(
    request: &Request,
    secrets: &Secrets,
    home: &Path,
) -> Result<Option<Job>, DriverError> {
    Ok(Some(match request {
        Request::Run { id, command } => Job::Run {
            id: *id,
            command: remote_command(command, secrets, home)?,
        },
        Request::FreshLogin {
            id,
            user,
            auth,
            command,
        } => {
            let credentials = crate::login::credentials::proof(auth, secrets, home);
            let command = match command {
                Some(c) => Some(remote_command(c, secrets, home)?),
                None => None,
            };
            Job::FreshLogin {
                id: *id,
                user: user.clone(),
                credentials,
                command,
                sudo_password: secrets.get(SecretName::UserPassword).cloned(),
            }
        }
        Request::Upload { id, source, path } => Job::Upload {
            id: *id,
            path: path.clone(),
            contents: pack(source, home).map_err(LocalError::from)?.bytes,
            mode: 0o600,
            owner: Some("root:root".into()),
        },
        Request::Download {
            id,
            command,
            dest_dir,
        } => Job::Download {
            id: *id,
            command: remote_command(command, secrets, home)?,
            dest_dir: dest_dir.clone(),
        },
        Request::Local { .. } => return Ok(None),
    }))
}

/// The code packed for upload: the sample, or the folder (~ expanded).
pub fn pack(source: &CodeSource, home: &Path) -> Result<crate::source::Archive, SourceError> {
    match source {
        CodeSource::Sample => Ok(crate::source::sample()),
        CodeSource::Folder(folder) => crate::source::folder(&expand_home(folder, home)),
    }
}

/// Does a step on this computer. Returns a line for the log on success.
pub fn perform_local(
    action: &LocalAction,
    secrets: &Secrets,
    home: &Path,
) -> Result<String, DriverError> {
    let result: Result<String, LocalError> = match action {
        LocalAction::EnsureKey { path } => ensure_key(
            &expand_home(path, home),
            secrets.get(SecretName::KeyPassphrase),
        )
        .map_err(LocalError::from),
        LocalAction::SshAlias {
            alias,
            host,
            port,
            user,
            key,
        } => {
            // What droplift really connected to: the host may itself be an alias, and `HostName
            // other-alias` in the new block would be looked up in DNS, not in the config.
            let config = home.join(".ssh").join("config");
            let target = crate::remote::Target {
                host: host.clone(),
                port: crate::remote::typed_port(*port),
                user: Some(user.clone()),
            };
            let paths = crate::remote::sshconfig::SshPaths {
                config: Some(config.clone()),
                home: Some(home.to_path_buf()),
                ..crate::remote::sshconfig::SshPaths::default()
            };
            crate::remote::sshconfig::resolve(&target, &paths)
                .map_err(|e| SshConfigError::Resolve(Arc::new(e)))
                .and_then(|resolved| {
                    add_alias(
                        &config,
                        alias,
                        &resolved.hostname,
                        resolved.port,
                        user,
                        &expand_home(key, home),
                    )
                })
                .map_err(LocalError::from)
        }
        LocalAction::HttpCheck {
            host,
            path,
            host_header,
            json,
        } => http_check(host, path, host_header.as_deref(), *json, home).map_err(LocalError::from),
        LocalAction::DnsCheck { domain, host } => {
            dns_check(domain, host, home).map_err(LocalError::from)
        }
    };
    Ok(result?)
}

/// The name this computer reaches the droplet by: an ~/.ssh/config alias resolved to its
/// HostName (the ssh client's view), else `host` as given.
fn host_name(host: &str, home: &Path) -> String {
    let target = crate::remote::Target {
        host: host.to_owned(),
        port: None,
        user: None,
    };
    crate::remote::sshconfig::resolve(&target, &crate::remote::sshconfig::SshPaths::in_home(home))
        .map(|r| r.hostname)
        .unwrap_or_else(|_| host.to_owned())
}

/// The droplet's addresses as this computer reaches it (`host_name`, then looked up).
fn droplet_addresses(host: &str, home: &Path) -> Vec<std::net::IpAddr> {
    use std::net::ToSocketAddrs;
    (host_name(host, home).as_str(), 0)
        .to_socket_addrs()
        .map(|addrs| addrs.map(|a| a.ip()).collect())
        .unwrap_or_default()
}

/// Before anything changes for HTTPS: the domain, looked up from this computer, must point only
/// at the droplet. When it does not, the error explains DNS in a few plain lines.
pub fn dns_check(domain: &str, host: &str, home: &Path) -> Result<String, DnsError> {
    use std::net::ToSocketAddrs;
    let droplet = droplet_addresses(host, home);
    let pointed: Vec<std::net::IpAddr> = match (domain, 0).to_socket_addrs() {
        Ok(addrs) => addrs.map(|a| a.ip()).collect(),
        Err(e) => {
            return Err(DnsError::NotResolved {
                domain: domain.to_owned(),
                cause: Arc::new(e),
            });
        }
    };
    let elsewhere: Vec<std::net::IpAddr> = pointed
        .iter()
        .filter(|ip| !droplet.contains(ip))
        .copied()
        .collect();
    if pointed.is_empty() || !elsewhere.is_empty() {
        return Err(DnsError::PointsElsewhere {
            domain: domain.to_owned(),
            elsewhere,
            droplet,
        });
    }
    Ok(format!(
        "from this computer, {domain} points at the droplet"
    ))
}

/// GET `path` (the app's health path) from the droplet over plain HTTP, from this computer, as
/// a visitor's browser would: 2xx passes, or 200 with a JSON body when `want_json` (the sample
/// app's /items). An ~/.ssh/config alias is resolved to its HostName.
pub fn http_check(
    host: &str,
    path: &str,
    host_header: Option<&str>,
    want_json: bool,
    home: &Path,
) -> Result<String, HttpCheckError> {
    use std::io::Read;
    use std::net::{TcpStream, ToSocketAddrs};
    use std::time::Duration;
    let address = host_name(host, home);
    let url = format!("http://{address}{path}");
    let socket = (address.as_str(), 80)
        .to_socket_addrs()
        .map_err(|e| HttpCheckError::Lookup {
            url: url.clone(),
            address: address.clone(),
            cause: Arc::new(e),
        })?
        .next()
        .ok_or_else(|| HttpCheckError::NoAddress {
            url: url.clone(),
            address: address.clone(),
        })?;
    let mut stream = TcpStream::connect_timeout(&socket, Duration::from_secs(10)).map_err(|e| {
        HttpCheckError::Connect {
            url: url.clone(),
            cause: Arc::new(e),
        }
    })?;
    let timeout = Some(Duration::from_secs(15));
    let _ = stream.set_read_timeout(timeout);
    let _ = stream.set_write_timeout(timeout);
    let host_line = host_header.unwrap_or(&address);
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host_line}\r\nAccept: application/json\r\nUser-Agent: droplift\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| HttpCheckError::Send {
            url: url.clone(),
            cause: Arc::new(e),
        })?;
    let mut response = Vec::new();
    stream
        .take(1024 * 1024)
        .read_to_end(&mut response)
        .map_err(|e| HttpCheckError::NoAnswer {
            url: url.clone(),
            cause: Arc::new(e),
        })?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.lines().next().unwrap_or_default().trim().to_owned();
    let json = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("content-type:") && l.contains("application/json")
    });
    let code = status.split_whitespace().nth(1).unwrap_or_default();
    let body = body.trim();
    let shown: String = body.chars().take(120).collect();
    let healthy = if want_json {
        code == "200" && json
    } else {
        code.len() == 3 && code.starts_with('2')
    };
    if healthy {
        let kind = if json { "JSON" } else { "not JSON" };
        Ok(format!(
            "from this computer, GET {url}: {status}, {kind}: {shown}"
        ))
    } else {
        Err(HttpCheckError::Answered {
            url,
            status,
            json,
            want_json,
            shown,
        })
    }
}

/// Creates an ed25519 key pair at `path` (private 600, public 644, folder 700) unless a key is
/// already there. The passphrase, if any, encrypts the private key; it is never written.
pub fn ensure_key(path: &Path, passphrase: Option<&Secret>) -> Result<String, KeyError> {
    let public = public_key(path);
    if !path.exists() && public.exists() {
        // A new private key would not match this .pub, and the server would get the old one.
        return Err(KeyError::PublicWithoutPrivate {
            public,
            private: path.to_path_buf(),
        });
    }
    if path.exists() {
        if public.exists() {
            return Ok(format!("using your existing key {}", path.display()));
        }
        return Err(KeyError::PrivateWithoutPublic {
            private: path.to_path_buf(),
            public,
        });
    }
    let passphrase = passphrase.filter(|p| !p.is_empty());
    if let Some(p) = passphrase {
        crate::secret::check_chosen(p.expose()).map_err(KeyError::Passphrase)?;
    }
    if let Some(dir) = path.parent() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| KeyError::CreateDir {
                dir: dir.to_path_buf(),
                cause: Arc::new(e),
            })?;
        if dir.ends_with(".ssh") {
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        }
    }
    let mut key = PrivateKey::random(&mut OsRng, Algorithm::Ed25519).map_err(KeyError::Generate)?;
    key.set_comment(format!("droplift@{}", hostname()));
    let key = match passphrase {
        Some(p) => key
            .encrypt(&mut OsRng, p.expose())
            .map_err(KeyError::Encrypt)?,
        None => key,
    };
    let private = key.to_openssh(LineEnding::LF).map_err(KeyError::Encode)?;
    let public_text = key
        .public_key()
        .to_openssh()
        .map_err(KeyError::EncodePublic)?;
    write_new(path, private.as_bytes(), 0o600)?;
    write_new(&public, format!("{public_text}\n").as_bytes(), 0o644)?;
    Ok(format!("created a new ed25519 key: {}", path.display()))
}

fn hostname() -> String {
    fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "laptop".into())
}

/// Writes a file that must not exist yet, with `mode` from the start (no window where a private
/// key is world-readable).
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let cannot_write = |e| KeyError::Write {
        path: path.to_path_buf(),
        cause: Arc::new(e),
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(cannot_write)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(cannot_write)
}

/// A value for one line of ~/.ssh/config: a line break would start a new directive (such as
/// `ProxyCommand`), and a space or quote would change how the line is split.
fn config_word<'a>(what: &'static str, value: &'a str) -> Result<&'a str, SshConfigError> {
    if value.is_empty()
        || value
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '"')
    {
        Err(SshConfigError::NotOneWord {
            what,
            value: value.to_owned(),
        })
    } else {
        Ok(value)
    }
}

/// `IdentityFile "…"`: quoted, so a space in the path is kept, and `%` doubled, because ssh
/// expands `%h`, `%u` … in it. Control characters and `"` cannot be written at all.
fn identity_file_line(key: &Path) -> Result<String, SshConfigError> {
    let text = key
        .to_str()
        .ok_or_else(|| SshConfigError::KeyPathNotUtf8(key.to_path_buf()))?;
    if text.chars().any(|c| c.is_control() || c == '"') {
        return Err(SshConfigError::KeyPathUnwritable(text.to_owned()));
    }
    Ok(format!("IdentityFile \"{}\"", text.replace('%', "%%")))
}

/// Adds a `Host alias` block to an OpenSSH config file: a backup (600) first, then an atomic
/// replace of the file the path names (through a symlink, the link's target). An alias that is
/// already there is left alone (never a duplicate block).
pub fn add_alias(
    config: &Path,
    alias: &str,
    host: &str,
    port: u16,
    user: &str,
    key: &Path,
) -> Result<String, SshConfigError> {
    let block = format!(
        "# Added by droplift\nHost {}\n    HostName {}\n    Port {port}\n    User {}\n    {}\n    IdentitiesOnly yes\n",
        config_word("the alias", alias)?,
        config_word("the host name", host)?,
        config_word("the user", user)?,
        identity_file_line(key)?,
    );
    let old = match fs::read_to_string(config) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(SshConfigError::Read {
                config: config.to_path_buf(),
                cause: Arc::new(e),
            });
        }
    };
    let exists = old.lines().any(|line| {
        let mut words = line.split_whitespace();
        words.next().is_some_and(|w| w.eq_ignore_ascii_case("host")) && words.any(|w| w == alias)
    });
    if exists {
        return Ok(format!(
            "{} already has a Host {alias} block; left as it is",
            config.display()
        ));
    }
    let real = crate::fsutil::resolve_link(config).map_err(|e| SshConfigError::FollowLink {
        config: config.to_path_buf(),
        cause: Arc::new(e),
    })?;
    let dir = real.parent().unwrap_or(Path::new("."));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| SshConfigError::CreateDir {
            dir: dir.to_path_buf(),
            cause: Arc::new(e),
        })?;
    if !old.is_empty() {
        let backup = config.with_extension("droplift-backup");
        let _ = fs::remove_file(&backup);
        crate::fsutil::replace(&backup, old.as_bytes(), 0o600).map_err(|e| {
            SshConfigError::Backup {
                config: config.to_path_buf(),
                cause: Arc::new(e),
            }
        })?;
    }
    let mut text = old.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(&block);
    crate::fsutil::replace(&real, text.as_bytes(), 0o600).map_err(|e| SshConfigError::Replace {
        config: config.to_path_buf(),
        cause: Arc::new(e),
    })?;
    Ok(format!("added Host {alias} to {}", config.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn alias_is_added_once_with_a_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("config");
        fs::write(&config, "Host other\n    HostName 10.0.0.1").expect("write");
        let key = Path::new("/home/me/.ssh/id_ed25519");
        add_alias(&config, "mydroplet", "203.0.113.7", 22, "johndoe", key).expect("add");
        add_alias(&config, "mydroplet", "203.0.113.7", 22, "johndoe", key).expect("again");
        let text = fs::read_to_string(&config).expect("read");
        assert_eq!(text.matches("Host mydroplet").count(), 1, "{text}");
        assert!(text.starts_with("Host other\n    HostName 10.0.0.1\n"));
        assert!(dir.path().join("config.droplift-backup").exists());
    }

    #[test]
    fn key_is_created_with_private_modes_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".ssh").join("id_ed25519");
        let msg = ensure_key(&path, Some(&Secret::new("pass phrase"))).expect("create");
        assert!(msg.contains("created"));
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let public = fs::read_to_string(public_key(&path)).expect("pub");
        assert!(public.starts_with("ssh-ed25519 "));
        let private = fs::read_to_string(&path).expect("private");
        let parsed = PrivateKey::from_openssh(&private).expect("parse");
        assert!(parsed.is_encrypted(), "the passphrase encrypts the key");
        assert!(ensure_key(&path, None).expect("reuse").contains("existing"));
    }

    #[test]
    fn stdin_gets_secret_values_and_a_missing_one_is_an_error() {
        let redactor = crate::secret::Redactor::new();
        let mut secrets = Secrets::new();
        let cmd = Command::root(&crate::shell::Script::new(&["chpasswd"]))
            .expect("quotes")
            .stdin(vec![
                StdinPart::Text("bob:".into()),
                StdinPart::Secret(SecretName::UserPassword),
            ]);
        let err = remote_command(&cmd, &secrets, Path::new("/"))
            .expect_err("missing")
            .to_string();
        assert!(err.contains("user_password"));
        secrets.set(SecretName::UserPassword, Secret::new("a b$'\"ü"), &redactor);
        let rc = remote_command(&cmd, &secrets, Path::new("/")).expect("filled");
        assert_eq!(rc.stdin.as_ref().map(Secret::expose), Some("bob:a b$'\"ü"));
        assert_eq!(rc.script, "chpasswd", "the secret never reaches the script");
    }

    /// What OpenSSH itself makes of `alias` in `config`: `ssh -G` prints the resolved options.
    fn ssh_g(config: &Path, alias: &str) -> String {
        let out = std::process::Command::new("ssh")
            .arg("-G")
            .arg("-F")
            .arg(config)
            .arg(alias)
            .output()
            .expect("run ssh -G");
        assert!(
            out.status.success(),
            "ssh -G: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn a_key_path_with_a_space_is_kept_whole_and_a_line_break_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("config");
        let key = dir.path().join("my keys/id_ed25519");
        add_alias(&config, "mydroplet", "203.0.113.7", 22, "johndoe", &key).expect("add");
        let seen = ssh_g(&config, "mydroplet");
        assert!(
            seen.lines()
                .any(|l| l == format!("identityfile {}", key.display())),
            "{seen}"
        );
        // droplift's own reader of the config (ssh2-config) sees the same path.
        let paths = crate::remote::sshconfig::SshPaths {
            config: Some(config.clone()),
            ..crate::remote::sshconfig::SshPaths::default()
        };
        let target = crate::remote::Target {
            host: "mydroplet".into(),
            port: None,
            user: None,
        };
        let resolved = crate::remote::sshconfig::resolve(&target, &paths).expect("resolve");
        assert_eq!(resolved.identity_files, vec![key.clone()]);
        let before = fs::read_to_string(&config).expect("read");
        let evil = Path::new("/tmp/k\nProxyCommand touch /tmp/pwned");
        let err = add_alias(&config, "other", "203.0.113.7", 22, "johndoe", evil)
            .expect_err("a line break in the key path")
            .to_string();
        assert!(err.contains("control character"), "{err}");
        let quoted = Path::new("/tmp/k\" ProxyCommand x");
        assert!(add_alias(&config, "other", "203.0.113.7", 22, "johndoe", quoted).is_err());
        assert_eq!(fs::read_to_string(&config).expect("read"), before);
        // ssh expands %h in IdentityFile when it loads the key (ssh -G shows it unexpanded):
        // ssh_config(5) writes a literal % as %%.
        let percent = dir.path().join("100%h/id_ed25519");
        add_alias(&config, "pct", "203.0.113.7", 22, "johndoe", &percent).expect("add");
        let text = fs::read_to_string(&config).expect("read");
        let doubled = percent.display().to_string().replace('%', "%%");
        assert!(
            text.contains(&format!("IdentityFile \"{doubled}\"")),
            "{text}"
        );
    }

    #[test]
    fn the_alias_names_the_address_really_used_not_another_alias() {
        let home = tempfile::tempdir().expect("tempdir");
        let ssh = home.path().join(".ssh");
        fs::create_dir_all(&ssh).expect("mkdir");
        fs::write(
            ssh.join("config"),
            "Host web\n    HostName 10.0.0.7\n    Port 2222\n",
        )
        .expect("write");
        let action = LocalAction::SshAlias {
            alias: "mydroplet".into(),
            host: "web".into(),
            port: 22,
            user: "johndoe".into(),
            key: PathBuf::from("~/.ssh/id_ed25519"),
        };
        perform_local(&action, &Secrets::new(), home.path()).expect("alias");
        let seen = ssh_g(&ssh.join("config"), "mydroplet");
        assert!(seen.lines().any(|l| l == "hostname 10.0.0.7"), "{seen}");
        assert!(seen.lines().any(|l| l == "port 2222"), "{seen}");
    }

    #[test]
    fn a_symlinked_config_keeps_its_link_and_the_backup_is_private() {
        let home = tempfile::tempdir().expect("tempdir");
        let dotfiles = home.path().join("dotfiles");
        fs::create_dir_all(&dotfiles).expect("mkdir");
        fs::write(
            dotfiles.join("ssh_config"),
            "Host other\n    HostName 10.0.0.1\n",
        )
        .expect("write");
        let config = home.path().join("config");
        std::os::unix::fs::symlink(dotfiles.join("ssh_config"), &config).expect("symlink");
        let key = Path::new("/home/me/.ssh/id_ed25519");
        add_alias(&config, "mydroplet", "203.0.113.7", 22, "johndoe", key).expect("add");
        let meta = fs::symlink_metadata(&config).expect("meta");
        assert!(
            meta.file_type().is_symlink(),
            "the link was replaced by a file"
        );
        let target = fs::read_to_string(dotfiles.join("ssh_config")).expect("read");
        assert!(target.contains("Host mydroplet"), "{target}");
        let backup = home.path().join("config.droplift-backup");
        let mode = fs::metadata(&backup).expect("backup").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_pub_without_its_private_key_is_an_error_not_a_new_pair() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".ssh").join("id_ed25519");
        fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        fs::write(public_key(&path), "ssh-ed25519 AAAAold old@laptop\n").expect("write");
        let err = ensure_key(&path, None)
            .expect_err("orphan .pub")
            .to_string();
        assert!(err.contains("does not"), "{err}");
        assert!(
            !path.exists(),
            "a private key that does not match the .pub was made"
        );
        assert_eq!(
            fs::read_to_string(public_key(&path)).expect("pub"),
            "ssh-ed25519 AAAAold old@laptop\n"
        );
    }

    #[test]
    fn a_new_key_s_passphrase_has_8_characters() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("id_ed25519");
        let err = ensure_key(&path, Some(&Secret::new("short7!")))
            .expect_err("short")
            .to_string();
        assert!(
            err.contains("key_passphrase") && err.contains("at least 8"),
            "{err}"
        );
        assert!(!path.exists());
    }

    #[test]
    fn a_missing_public_key_is_never_sent_as_an_empty_line() {
        let home = tempfile::tempdir().expect("tempdir");
        let cmd = Command::root(&crate::shell::Script::new(&["key=$(cat)"]))
            .expect("quotes")
            .stdin(vec![StdinPart::LocalFile(PathBuf::from(
                "~/.ssh/id_ed25519.pub",
            ))]);
        let rc = remote_command(&cmd, &Secrets::new(), home.path()).expect("command");
        let sent = rc.stdin.as_ref().map(Secret::expose).unwrap_or_default();
        assert!(
            !sent.trim().is_empty(),
            "an empty line matches any blank line in authorized_keys"
        );
        assert!(!sent.starts_with("ssh-"), "{sent}");
    }
}
