//! Logging in as OpenSSH would, against a real sshd: key files (with passphrase), ssh-agent on an
//! injected socket, a ~/.ssh/config alias, and a password full of shell metacharacters.

mod common;

use std::time::Duration;

use common::sshd::{Agent, Sshd, authorize, make_key, require_root};
use droplift::remote::exec::{ConnectError, Connection, connect};
use droplift::remote::run::{Control, RunOutcome, run};
use droplift::remote::sshconfig::SshPaths;
use droplift::remote::{
    ConnectErrorKind, Credentials, HostKeyDecision, HostKeyPolicy, RemoteCommand, Target,
};
use droplift::secret::{Redactor, Secret};

fn login(
    target: &Target,
    creds: &Credentials,
    paths: &SshPaths,
) -> Result<Connection, ConnectError> {
    connect(target, creds, paths, HostKeyPolicy::Strict, &mut |_| {
        HostKeyDecision::Reject
    })
}

fn whoami(conn: &Connection) -> String {
    let cmd = RemoteCommand {
        script: "id -un".into(),
        sudo: false,
        stdin: None,
        timeout: Duration::from_secs(30),
        runtime: None,
    };
    let mut out = String::new();
    let outcome = run(
        conn,
        &cmd,
        None,
        &Redactor::new(),
        &mut |_, l| out.push_str(&l),
        &mut || Control::Continue,
    )
    .expect("run");
    assert_eq!(outcome, RunOutcome::Finished(0));
    out
}

#[test]
fn key_file_with_passphrase() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let keys = tempfile::tempdir().unwrap();
    let key = make_key(keys.path(), "id_ed25519", "correct horse");
    authorize(&user, &key);
    let paths = sshd.paths();
    sshd.trust(&paths);
    let mut creds = Credentials {
        identity_files: vec![key],
        key_passphrase: Some(Secret::new("wrong horse")),
        ..Credentials::default()
    };
    let err = login(&sshd.target(&user.name), &creds, &paths)
        .err()
        .expect("wrong passphrase");
    assert_eq!(err.kind, ConnectErrorKind::AuthFailed);
    creds.key_passphrase = Some(Secret::new("correct horse"));
    let conn = login(&sshd.target(&user.name), &creds, &paths).expect("key login");
    assert_eq!(whoami(&conn), user.name);
}

#[test]
fn default_key_is_found_without_being_named() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let keys = tempfile::tempdir().unwrap();
    let key = make_key(keys.path(), "id_ed25519", "");
    authorize(&user, &key);
    let mut paths = sshd.paths();
    sshd.trust(&paths);
    paths.default_keys = vec![keys.path().join("id_ecdsa"), key];
    let conn =
        login(&sshd.target(&user.name), &Credentials::default(), &paths).expect("default key");
    assert_eq!(whoami(&conn), user.name);
}

#[test]
fn agent_on_an_injected_socket() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let keys = tempfile::tempdir().unwrap();
    let key = make_key(keys.path(), "agent_key", "");
    authorize(&user, &key);
    let agent = Agent::start(keys.path(), &key);
    // The key file is gone: only the agent can log us in.
    std::fs::remove_file(&key).unwrap();
    let mut paths = sshd.paths();
    sshd.trust(&paths);
    let creds = Credentials {
        use_agent: true,
        ..Credentials::default()
    };
    paths.agent_socket = Some(keys.path().join("no-agent-here.sock"));
    let err = login(&sshd.target(&user.name), &creds, &paths)
        .err()
        .expect("no agent");
    assert_eq!(err.kind, ConnectErrorKind::AuthFailed);
    paths.agent_socket = Some(agent.socket.clone());
    let conn = login(&sshd.target(&user.name), &creds, &paths).expect("agent login");
    assert_eq!(whoami(&conn), user.name);
}

#[test]
fn config_alias_gives_address_port_user_and_key() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let keys = tempfile::tempdir().unwrap();
    let key = make_key(keys.path(), "alias_key", "");
    authorize(&user, &key);
    let config = keys.path().join("config");
    std::fs::write(
        &config,
        format!(
            "Host mydroplet\n    HostName 127.0.0.1\n    Port {}\n    User {}\n    IdentityFile {}\n\nHost *\n    ServerAliveInterval 30\n",
            sshd.port,
            user.name,
            key.display()
        ),
    )
    .unwrap();
    let mut paths = sshd.paths();
    sshd.trust(&paths);
    paths.config = Some(config);
    let target = Target {
        host: "mydroplet".into(),
        port: None,
        user: None,
    };
    let conn = login(&target, &Credentials::default(), &paths).expect("alias login");
    assert_eq!((conn.host.as_str(), conn.port), ("127.0.0.1", sshd.port));
    assert_eq!(whoami(&conn), user.name);
}

#[test]
fn password_with_shell_metacharacters_and_non_ascii() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let password = "a b 'c' \"d\" $(id) `id` \\e; ünï €";
    let user = sshd.add_user_with_password(password);
    let paths = sshd.paths();
    sshd.trust(&paths);
    let creds = common::sshd::password(password);
    let conn = login(&sshd.target(&user.name), &creds, &paths).expect("login");
    assert_eq!(whoami(&conn), user.name);
}
