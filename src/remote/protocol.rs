//! The messages between the app and the SSH worker: `Job`s in, `WorkerEvent`s out.
//! The app never touches the ssh2 session; everything it wants done on the server is a Job.

use std::path::PathBuf;
use std::time::Duration;

use crate::secret::Secret;

/// Identifies one command or upload, so its output and end can be matched to the step.
pub type JobId = u64;

/// The `port` of a Target for a port the student typed: 22 (the default) is left to
/// ~/.ssh/config, so an alias with its own Port still works; any other port is explicit.
pub fn typed_port(port: u16) -> Option<u16> {
    (port != 22).then_some(port)
}

/// Where to connect. `host` is what the student typed: an address, a name, or a ~/.ssh/config
/// alias; the worker resolves it through ~/.ssh/config as OpenSSH does (HostName, User, Port,
/// IdentityFile). An explicit `port` or `user` here wins over the config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: Option<u16>,
    pub user: Option<String>,
}

/// What the worker may use to log in, tried in OpenSSH's order: agent, key files, password.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    pub use_agent: bool,
    /// Keys to try before the default ones (~/.ssh/id_ed25519, id_ecdsa, id_rsa) and any
    /// IdentityFile from ~/.ssh/config.
    pub identity_files: Vec<PathBuf>,
    pub key_passphrase: Option<Secret>,
    pub password: Option<Secret>,
    /// A site's deploy key logs in (`course::deploy_key`): only `identity_files` are tried (no
    /// ~/.ssh/config, no default keys), and root commands run as this site's sealed steps.
    pub sealed: Option<String>,
}

/// How to treat a host key that known_hosts does not vouch for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKeyPolicy {
    /// Unknown key: ask the app (WorkerEvent::HostKeyUnknown) and wait for a decision.
    Ask,
    /// Unknown key: accept and record it (headless `--accept-new-host-key`). Changed: refuse.
    AcceptNew,
    /// Like OpenSSH's StrictHostKeyChecking=yes: unknown or changed keys are refused.
    Strict,
}

/// The app's answer to HostKeyUnknown / HostKeyChanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostKeyDecision {
    /// Record the key in known_hosts and go on logging in.
    Accept,
    /// Remove only this host's old entry, record the new key, go on (after the student typed the
    /// host name to confirm).
    Replace,
    /// Stop; the connection is closed.
    Reject,
}

/// One thing to run on the server. The script is bash text without secrets (it is shown to the
/// student as is); a secret the command needs arrives on its stdin.
#[derive(Clone, Debug)]
pub struct RemoteCommand {
    pub script: String,
    /// Run as root. When the login user is not root the worker wraps the script in
    /// `sudo -k -S -p PROMPT` and sends the sudo password only when sudo shows that prompt.
    pub sudo: bool,
    /// Bytes for the command's stdin (then EOF). None: stdin is closed at once.
    pub stdin: Option<Secret>,
    pub timeout: Duration,
    /// The script's run-time values (`plan::Command::runtime`): with them a deploy key runs it as
    /// a sealed step; on a connection in sealed mode a root command without them cannot run.
    pub runtime: Option<Vec<(String, String)>>,
}

#[derive(Clone, Debug)]
pub enum Job {
    /// Open (or reopen) the session. Replaces any current one.
    Connect {
        target: Target,
        credentials: Credentials,
        host_keys: HostKeyPolicy,
    },
    /// Answer to a pending host key question.
    HostKey(HostKeyDecision),
    /// Answer to PasswordChangeRequired: run the expired-password dialog over a PTY, then log in
    /// again with `new`.
    ChangePassword {
        current: Secret,
        new: Secret,
    },
    /// The password `sudo -S` should use from now on (the login user's own).
    SetSudoPassword(Secret),
    Run {
        id: JobId,
        command: RemoteCommand,
    },
    /// Stop a running command: the remote process is killed and `Cancelled` follows.
    Cancel {
        id: JobId,
    },
    /// Write a file atomically (temporary name in the same directory, then rename).
    Upload {
        id: JobId,
        path: String,
        contents: Vec<u8>,
        mode: u32,
        /// `user` or `user:group`; None leaves the login user as owner.
        owner: Option<String>,
    },
    /// Run `command` (a hand-over script printing `droplift-fetch: PATH` last), copy that file
    /// into `dest_dir` on this computer (mode 600) and remove the server's copy
    /// (`download.rs`).
    Download {
        id: JobId,
        command: RemoteCommand,
        dest_dir: std::path::PathBuf,
    },
    Disconnect,
    /// Open a separate, brand-new connection to the same server as `user` (the main session
    /// stays as it is), run `command` there if any, and close it. Only the given credentials are
    /// tried (no agent, no default keys), so a success proves exactly those. The host key must
    /// already be known. Ends with `Finished` (exit 0 when there is no command), `LoginRefused`,
    /// or `JobFailed`.
    FreshLogin {
        id: JobId,
        user: String,
        credentials: Credentials,
        command: Option<RemoteCommand>,
        /// For `sudo -S` in `command` (the user's own password).
        sudo_password: Option<Secret>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A host key as shown to the student.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostKeyInfo {
    /// `host` or `[host]:port`, as known_hosts writes it.
    pub host: String,
    /// e.g. `ssh-ed25519`
    pub key_type: String,
    /// `SHA256:…`, exactly as `ssh-keygen -lf` prints it.
    pub fingerprint: String,
}

/// Why a connection could not be made, told apart so the student gets the right advice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectErrorKind {
    NameNotFound,
    Refused,
    Timeout,
    NoRoute,
    /// The TCP connection worked but the SSH handshake did not.
    Handshake,
    AuthFailed,
    HostKeyRejected,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkerEvent {
    Connecting {
        host: String,
        port: u16,
    },
    HostKeyUnknown(HostKeyInfo),
    HostKeyChanged(HostKeyInfo),
    /// Logged in, but the server demands a new password first (a new droplet's root).
    PasswordChangeRequired,
    /// The server refused the new password; `reason` is its own words (e.g. "BAD PASSWORD: it is
    /// too short"). The old password is still valid; a new ChangePassword may follow.
    PasswordChangeRejected {
        reason: String,
    },
    PasswordChanged,
    Connected {
        user: String,
        host: String,
        port: u16,
    },
    ConnectFailed {
        kind: ConnectErrorKind,
        message: String,
    },
    /// One line of a command's output, secrets already masked.
    Output {
        id: JobId,
        stream: Stream,
        line: String,
    },
    Finished {
        id: JobId,
        exit_code: i32,
    },
    TimedOut {
        id: JobId,
    },
    Cancelled {
        id: JobId,
    },
    /// The connection dropped while the command ran: its outcome is unknown (not failed).
    Interrupted {
        id: JobId,
    },
    Uploaded {
        id: JobId,
    },
    /// A Download's file is on this computer, whole.
    Downloaded {
        id: JobId,
        path: std::path::PathBuf,
        bytes: u64,
    },
    /// A job could not even start (no session, SFTP refused …).
    JobFailed {
        id: JobId,
        message: String,
    },
    /// A FreshLogin's login was refused by the server (wrong key, password not allowed, user
    /// not allowed).
    LoginRefused {
        id: JobId,
        message: String,
        /// The login methods the server offered (`publickey`, `password`, …): a refusal proves
        /// "passwords are refused" only when neither password nor keyboard-interactive is offered.
        offered: Vec<String>,
    },
    Disconnected {
        reason: String,
    },
    Reconnecting {
        attempt: u32,
        delay: Duration,
    },
}
