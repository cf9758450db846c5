//! Opening an SSH session as OpenSSH would: ~/.ssh/config, a TCP connect with a timeout, the
//! host key checked against known_hosts, then agent → key files → password → keyboard-interactive.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::path::PathBuf;
use std::time::Duration;

use ssh2::{KeyboardInteractivePrompt, MethodType, Prompt, Session};

use super::hostkey::{HostKeyStatus, KnownHosts, host_key_info};
use super::protocol::{
    ConnectErrorKind, Credentials, HostKeyDecision, HostKeyInfo, HostKeyPolicy, Target,
};
use super::sshconfig::{SshPaths, resolve};
use crate::secret::Secret;

/// How long to wait for the TCP connection: long enough for a far-away droplet, short enough
/// that a wrong address does not look like a hang.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Upper bound for any single blocking libssh2 call (handshake, auth, opening a channel).
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(30);
/// Seconds between keepalives while the session is idle.
pub const KEEPALIVE_INTERVAL: u32 = 15;

/// Why a connection attempt failed, with a message a beginner can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConnectError {
    pub kind: ConnectErrorKind,
    pub message: String,
    /// Set when login failed because the password has expired (a server that offers only
    /// keyboard-interactive asks for the new password during login itself).
    pub expired: Option<ExpiredPassword>,
    /// For a refused login: the methods the server offered (`publickey`, `password`, …).
    pub offered: Vec<String>,
}

/// An expired password met during keyboard-interactive login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpiredPassword {
    /// The server asked for a new password and none was given: connect again with one.
    MustChange,
    /// The new password was refused; the server's own words.
    NewRejected(String),
}

impl ConnectError {
    fn new(kind: ConnectErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            expired: None,
            offered: Vec::new(),
        }
    }
}

/// A host key question for the app, asked only under `HostKeyPolicy::Ask`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostKeyQuestion {
    Unknown(HostKeyInfo),
    Changed(HostKeyInfo),
}

/// A logged-in session and what it was opened with.
pub struct Connection {
    session: Session,
    /// The socket libssh2 reads, kept to wait on it with poll(2) instead of spinning.
    fd: RawFd,
    pub user: String,
    pub host: String,
    pub port: u16,
    /// Logged in with a site's deploy key (`course::deploy_key`): root commands run as sealed
    /// steps of this site, never as scripts of their own.
    pub sealed: Option<String>,
}

impl Connection {
    pub fn session(&self) -> &Session {
        &self.session
    }
    pub fn fd(&self) -> RawFd {
        self.fd
    }
    pub fn is_root(&self) -> bool {
        self.user == "root"
    }

    /// Has the server closed or reset the TCP connection? Checked while idle, where libssh2
    /// reads nothing and so would not notice until the next command.
    pub fn peer_closed(&self) -> bool {
        let mut fds = libc::pollfd {
            fd: self.fd,
            events: libc::POLLRDHUP,
            revents: 0,
        };
        // SAFETY: one valid pollfd owned by this frame; a zero timeout never blocks.
        let ready = unsafe { libc::poll(&mut fds, 1, 0) };
        ready > 0 && fds.revents & (libc::POLLRDHUP | libc::POLLHUP | libc::POLLERR) != 0
    }
}

thread_local! {
    /// Set while a connect attempt runs under `without_panics`.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Keeps a caught panic quiet: the panic hook (ratatui's restores the terminal, then prints)
/// must not run for a panic `without_panics` turns into a connect failure, or the wizard's
/// screen would be torn down while it goes on. Other panics reach the hook as before.
fn quiet_guarded_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs a connect attempt, turning a panic inside the ssh2 wrapper (it unwraps some of the
/// server's words) into a connect failure: a panicking worker thread left the wizard waiting on
/// "Connecting" for ever. The half-made session is dropped with the attempt.
pub fn without_panics(
    attempt: impl FnOnce() -> Result<Connection, ConnectError>,
) -> Result<Connection, ConnectError> {
    quiet_guarded_panics();
    GUARDED.with(|g| g.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(attempt));
    GUARDED.with(|g| g.set(false));
    result.unwrap_or_else(|payload| {
        let said = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(ConnectError::new(
            ConnectErrorKind::Handshake,
            format!(
                "The server sent something the SSH library could not handle ({said}), so the \
                 connection was closed. Check the address and port."
            ),
        ))
    })
}

/// Connect, check the host key (asking `decide` when the policy is Ask), and log in.
pub fn connect(
    target: &Target,
    credentials: &Credentials,
    paths: &SshPaths,
    policy: HostKeyPolicy,
    decide: &mut dyn FnMut(HostKeyQuestion) -> HostKeyDecision,
) -> Result<Connection, ConnectError> {
    connect_changing_password(target, credentials, paths, policy, decide, None)
}

/// `connect`, answering a keyboard-interactive "New password:" dialog with `new_password`
/// (after `ExpiredPassword::MustChange`).
pub fn connect_changing_password(
    target: &Target,
    credentials: &Credentials,
    paths: &SshPaths,
    policy: HostKeyPolicy,
    decide: &mut dyn FnMut(HostKeyQuestion) -> HostKeyDecision,
    new_password: Option<&Secret>,
) -> Result<Connection, ConnectError> {
    let resolved = resolve(target, paths)
        .map_err(|e| ConnectError::new(ConnectErrorKind::Other, e.to_string()))?;
    let (host, port) = (resolved.hostname.clone(), resolved.port);
    let tcp = tcp_connect(&host, port)?;
    let fd = tcp.as_raw_fd();
    let known = KnownHosts::new(&paths.known_hosts, paths.global_known_hosts.clone());

    let mut session = Session::new().map_err(|e| {
        ConnectError::new(
            ConnectErrorKind::Other,
            format!("cannot start libssh2: {e}"),
        )
    })?;
    session.set_tcp_stream(tcp);
    session.set_timeout(SESSION_TIMEOUT.as_millis() as u32);
    // Ask for the key type known_hosts already has; another type would look like a changed key.
    let _ = session.method_pref(MethodType::HostKey, &known.hostkey_preference(&host, port));
    session.handshake().map_err(|e| {
        ConnectError::new(
            ConnectErrorKind::Handshake,
            format!(
                "{host}:{port} accepted the connection but the SSH handshake failed ({}). \
                 Is this really the SSH port of your server?",
                e.message()
            ),
        )
    })?;

    check_host_key(&session, &known, &host, port, policy, decide)?;
    authenticate(
        &session,
        &resolved.user,
        credentials,
        &resolved.identity_files,
        paths,
        new_password,
    )?;
    // No reply wanted: nothing reads the session while idle, so replies would only pile up in
    // the socket; a dead peer shows up as a failed send or as `peer_closed`.
    session.set_keepalive(false, KEEPALIVE_INTERVAL);
    Ok(Connection {
        session,
        fd,
        user: resolved.user,
        host,
        port,
        sealed: None,
    })
}

/// How long looking up a host name may take: a resolver that does not answer would otherwise
/// hold "Connecting" for minutes (getaddrinfo has no timeout of its own).
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The system's resolver (getaddrinfo, as OpenSSH uses).
fn system_lookup(host: String, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    (host.as_str(), port)
        .to_socket_addrs()
        .map(Iterator::collect)
}

/// Looks `host` up with `resolve` on its own thread, waiting at most `timeout`. The thread of
/// a lookup that takes longer is left to finish by itself (a lookup cannot be cancelled).
pub fn lookup_with(
    host: &str,
    port: u16,
    timeout: Duration,
    resolve: impl FnOnce(String, u16) -> std::io::Result<Vec<SocketAddr>> + Send + 'static,
) -> Result<Vec<SocketAddr>, ConnectError> {
    let not_found = |e: std::io::Error| {
        ConnectError::new(
            ConnectErrorKind::NameNotFound,
            format!(
                "Cannot find a server called \"{host}\" ({e}). Check the address for typos; \
                 a droplet's address looks like 203.0.113.10."
            ),
        )
    };
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let name = host.to_owned();
    std::thread::Builder::new()
        .name("dns-lookup".into())
        .spawn(move || {
            let _ = tx.send(resolve(name, port));
        })
        .map_err(not_found)?;
    match rx.recv_timeout(timeout) {
        Ok(result) => result.map_err(not_found),
        Err(_) => Err(ConnectError::new(
            ConnectErrorKind::NameNotFound,
            format!(
                "Looking up \"{host}\" took longer than {} s: the name server does not answer. \
                 Check your internet connection, or type the droplet's IP address instead.",
                timeout.as_secs()
            ),
        )),
    }
}

fn tcp_connect(host: &str, port: u16) -> Result<TcpStream, ConnectError> {
    let addrs = lookup_with(host, port, LOOKUP_TIMEOUT, system_lookup)?;
    let mut last = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                return Ok(tcp);
            }
            Err(e) => last = Some(e),
        }
    }
    let Some(e) = last else {
        return Err(ConnectError::new(
            ConnectErrorKind::NameNotFound,
            format!("\"{host}\" has no address. Check the address for typos."),
        ));
    };
    Err(classify_connect_error(host, port, &e))
}

fn classify_connect_error(host: &str, port: u16, e: &std::io::Error) -> ConnectError {
    const EHOSTUNREACH: i32 = libc::EHOSTUNREACH;
    const ENETUNREACH: i32 = libc::ENETUNREACH;
    match (e.kind(), e.raw_os_error()) {
        (ErrorKind::ConnectionRefused, _) => ConnectError::new(
            ConnectErrorKind::Refused,
            format!(
                "{host} answered, but nothing accepts SSH connections on port {port}. \
                 A new server may still be starting (wait a minute and retry), or the port is wrong."
            ),
        ),
        (ErrorKind::TimedOut | ErrorKind::WouldBlock, _) => ConnectError::new(
            ConnectErrorKind::Timeout,
            format!(
                "No answer from {host} on port {port} within {} s. Check the address; the \
                 server may be off, or a firewall drops SSH.",
                CONNECT_TIMEOUT.as_secs()
            ),
        ),
        (_, Some(EHOSTUNREACH | ENETUNREACH)) => ConnectError::new(
            ConnectErrorKind::NoRoute,
            format!(
                "There is no network route to {host} ({e}). Check your internet connection \
                 and the address."
            ),
        ),
        _ => ConnectError::new(
            ConnectErrorKind::Other,
            format!("Cannot connect to {host} port {port}: {e}"),
        ),
    }
}

fn check_host_key(
    session: &Session,
    known: &KnownHosts,
    host: &str,
    port: u16,
    policy: HostKeyPolicy,
    decide: &mut dyn FnMut(HostKeyQuestion) -> HostKeyDecision,
) -> Result<(), ConnectError> {
    let Some((blob, _)) = session.host_key() else {
        return Err(ConnectError::new(
            ConnectErrorKind::Handshake,
            "the server sent no host key",
        ));
    };
    let blob = blob.to_vec();
    let info = host_key_info(host, port, &blob);
    let io =
        |e: super::hostkey::HostKeyError| ConnectError::new(ConnectErrorKind::Other, e.to_string());
    let rejected = |why: String| ConnectError::new(ConnectErrorKind::HostKeyRejected, why);
    match known.check(host, port, &blob).map_err(io)? {
        HostKeyStatus::Known => Ok(()),
        HostKeyStatus::Revoked => Err(rejected(format!(
            "The key of {} ({}) is marked @revoked in {}: droplift will not log in with it.",
            info.host,
            info.fingerprint,
            known.path().display()
        ))),
        HostKeyStatus::Unknown => {
            let decision = match policy {
                HostKeyPolicy::Ask => decide(HostKeyQuestion::Unknown(info.clone())),
                HostKeyPolicy::AcceptNew => HostKeyDecision::Accept,
                HostKeyPolicy::Strict => HostKeyDecision::Reject,
            };
            match decision {
                HostKeyDecision::Accept | HostKeyDecision::Replace => {
                    known.accept(host, port, &blob).map_err(io)
                }
                HostKeyDecision::Reject => Err(rejected(format!(
                    "{} is not in {} and was not accepted (its key fingerprint is {}).",
                    info.host,
                    known.path().display(),
                    info.fingerprint
                ))),
            }
        }
        HostKeyStatus::Changed => {
            let decision = match policy {
                HostKeyPolicy::Ask => decide(HostKeyQuestion::Changed(info.clone())),
                HostKeyPolicy::AcceptNew | HostKeyPolicy::Strict => HostKeyDecision::Reject,
            };
            match decision {
                HostKeyDecision::Replace => known.replace(host, port, &blob).map_err(io),
                HostKeyDecision::Accept | HostKeyDecision::Reject => Err(rejected(format!(
                    "The key of {} is not the one recorded in {} (now {} {}). If you rebuilt \
                     this server, replace the old key; otherwise someone may be in between.",
                    info.host,
                    known.path().display(),
                    info.key_type,
                    info.fingerprint
                ))),
            }
        }
    }
}

/// Answers keyboard-interactive prompts: the password to "Password:"/"Current password:", and,
/// when PAM demands a change during login, the new one (if we have it) to "New password:".
struct PasswordPrompter<'a> {
    current: &'a str,
    new: Option<&'a str>,
    new_prompts: u32,
    /// Set when PAM asked for a new password.
    expired: Option<ExpiredPassword>,
}

impl KeyboardInteractivePrompt for PasswordPrompter<'_> {
    fn prompt<'b>(
        &mut self,
        _user: &str,
        instructions: &str,
        prompts: &[Prompt<'b>],
    ) -> Vec<String> {
        prompts
            .iter()
            .map(|p| {
                // sshd puts PAM's messages in front of the prompt, one per line.
                let (said, question) = p.text.trim_end().rsplit_once('\n').unwrap_or(("", &p.text));
                let question = question.trim().to_lowercase();
                if question.ends_with("new password:") && !question.starts_with("retype") {
                    self.new_prompts += 1;
                    match (self.new, self.new_prompts) {
                        (Some(new), 1) => return new.to_owned(),
                        (Some(_), _) => {
                            // Asked again: the first new password was refused. Empty answers
                            // make PAM give up; the old password stays.
                            let words = format!("{instructions} {said}").trim().replace('\n', " ");
                            if !matches!(self.expired, Some(ExpiredPassword::NewRejected(_))) {
                                self.expired = Some(ExpiredPassword::NewRejected(words));
                            }
                        }
                        (None, _) => self.expired = Some(ExpiredPassword::MustChange),
                    }
                    String::new()
                } else if question.starts_with("retype") || question.starts_with("re-enter") {
                    match (self.new, &self.expired) {
                        (Some(new), None) => new.to_owned(),
                        _ => String::new(),
                    }
                } else if question.contains("password") {
                    self.current.to_owned()
                } else {
                    String::new()
                }
            })
            .collect()
    }
}

/// The login methods the server offers, as `Session::auth_methods` would give them, but read
/// without its `from_utf8(…).unwrap()`: a hostile server's list that is not UTF-8 panicked the
/// worker thread. `Ok(None)`: the list is not UTF-8.
fn auth_methods(session: &Session, user: &str) -> Result<Option<String>, ssh2::Error> {
    let name = std::ffi::CString::new(user)
        .map_err(|_| ssh2::Error::new(ssh2::ErrorCode::Session(-34), "a user name with a NUL"))?;
    let list = {
        let raw = session.raw();
        let raw = &*raw as *const libssh2_sys::LIBSSH2_SESSION as *mut libssh2_sys::LIBSSH2_SESSION;
        // SAFETY: a live session (the guard above holds its lock for the call), a NUL-terminated
        // name and its length; the returned list is owned by libssh2 and copied at once.
        unsafe {
            let ptr = libssh2_sys::libssh2_userauth_list(
                raw,
                name.as_ptr(),
                user.len() as std::ffi::c_uint,
            );
            (!ptr.is_null()).then(|| std::ffi::CStr::from_ptr(ptr).to_bytes().to_vec())
        }
    };
    match list {
        Some(bytes) => Ok(String::from_utf8(bytes).ok()),
        None => match ssh2::Error::last_session_error(session) {
            Some(e) => Err(e),
            None => Ok(Some(String::new())),
        },
    }
}

/// Log in, in OpenSSH's order: agent, key files, password, keyboard-interactive.
pub fn authenticate(
    session: &Session,
    user: &str,
    credentials: &Credentials,
    config_keys: &[PathBuf],
    paths: &SshPaths,
    new_password: Option<&Secret>,
) -> Result<(), ConnectError> {
    let methods = match auth_methods(session, user) {
        Ok(Some(m)) => m,
        Ok(None) => {
            return Err(ConnectError::new(
                ConnectErrorKind::Handshake,
                "The server's list of login methods is not valid text: it does not behave like \
                 an SSH server, so droplift stops here. Check the address and port.",
            ));
        }
        // "none" succeeded: a server without authentication.
        Err(_) if session.authenticated() => return Ok(()),
        Err(e) => {
            return Err(ConnectError::new(
                ConnectErrorKind::Handshake,
                format!(
                    "The server closed the connection before login: {}",
                    e.message()
                ),
            ));
        }
    };
    let offers = |m: &str| methods.split(',').any(|x| x == m);
    let mut tried: Vec<&str> = Vec::new();

    if offers("publickey") {
        if credentials.use_agent {
            tried.push("ssh-agent");
            if try_agent(session, user, paths) {
                return Ok(());
            }
        }
        let mut keys: Vec<&PathBuf> = Vec::new();
        for k in credentials
            .identity_files
            .iter()
            .chain(config_keys)
            .chain(&paths.default_keys)
        {
            if k.exists() && !keys.contains(&k) {
                keys.push(k);
            }
        }
        if !keys.is_empty() {
            tried.push("key files");
        }
        let passphrase = credentials.key_passphrase.as_ref().map(|s| s.expose());
        for key in keys {
            if session
                .userauth_pubkey_file(user, None, key, passphrase)
                .is_ok()
                && session.authenticated()
            {
                return Ok(());
            }
        }
    }
    if let Some(password) = &credentials.password {
        // Plain "password" first: with an expired password it still logs in (the change comes
        // later over a PTY), whereas keyboard-interactive would start the change dialog itself.
        if offers("password") {
            tried.push("password");
            if session.userauth_password(user, password.expose()).is_ok() && session.authenticated()
            {
                return Ok(());
            }
        } else if offers("keyboard-interactive") {
            tried.push("keyboard-interactive");
            let mut prompter = PasswordPrompter {
                current: password.expose(),
                new: new_password.map(Secret::expose),
                new_prompts: 0,
                expired: None,
            };
            if session
                .userauth_keyboard_interactive(user, &mut prompter)
                .is_ok()
                && session.authenticated()
            {
                return Ok(());
            }
            if let Some(expired) = prompter.expired {
                let message = match &expired {
                    ExpiredPassword::MustChange => {
                        "The server wants a new password before anyone may log in.".to_owned()
                    }
                    ExpiredPassword::NewRejected(words) => words.clone(),
                };
                return Err(ConnectError {
                    kind: ConnectErrorKind::AuthFailed,
                    message,
                    expired: Some(expired),
                    offered: methods.split(',').map(str::to_owned).collect(),
                });
            }
        }
    }
    let tried = if tried.is_empty() {
        "nothing we have matches".to_owned()
    } else {
        tried.join(", ")
    };
    Err(ConnectError {
        offered: methods.split(',').map(str::to_owned).collect(),
        ..ConnectError::new(
            ConnectErrorKind::AuthFailed,
            format!(
                "The server refused to log in as \"{user}\" (tried: {tried}; it accepts: \
                 {methods}). Check the user name and the password; a new DigitalOcean droplet's \
                 user is root and its password is in the e-mail."
            ),
        )
    })
}

fn try_agent(session: &Session, user: &str, paths: &SshPaths) -> bool {
    let Ok(mut agent) = session.agent() else {
        return false;
    };
    if let Some(socket) = &paths.agent_socket {
        if agent.set_identity_path(socket).is_err() {
            return false;
        }
    }
    if agent.connect().is_err() || agent.list_identities().is_err() {
        return false;
    }
    let ok = agent
        .identities()
        .unwrap_or_default()
        .iter()
        .any(|id| agent.userauth(user, id).is_ok() && session.authenticated());
    let _ = agent.disconnect();
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_that_does_not_answer_times_out() {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let err = lookup_with(
            "slow.example",
            22,
            Duration::from_millis(50),
            move |_, _| {
                // A resolver that never answers (until the test ends).
                let _ = wait.recv();
                Ok(Vec::new())
            },
        )
        .expect_err("no answer");
        drop(release);
        assert_eq!(err.kind, ConnectErrorKind::NameNotFound);
        assert!(err.message.contains("does not answer"), "{}", err.message);
        let found = lookup_with("203.0.113.7", 22, Duration::ZERO, |_, _| {
            Err(std::io::Error::other("an address needs no lookup"))
        })
        .expect("an address");
        assert_eq!(found, vec![SocketAddr::from(([203, 0, 113, 7], 22))]);
    }

    #[test]
    fn a_panic_during_connect_is_a_connect_failure() {
        let result = without_panics(|| panic!("a wrapper unwrapped the server's words"));
        let err = result.err().expect("a failure");
        assert_eq!(err.kind, ConnectErrorKind::Handshake);
        assert!(
            err.message.contains("unwrapped the server's words"),
            "{}",
            err.message
        );
        // Outside the guard, panics still reach the hook and unwind as usual.
        assert!(std::panic::catch_unwind(|| panic!("not guarded")).is_err());
    }
}
