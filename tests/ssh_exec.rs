//! The blocking layer (`remote::exec`, `remote::run`) against a real sshd: logging in by password,
//! and running commands with streamed output, exit codes and masked secrets.

mod common;

use std::time::Duration;

use common::sshd::{Sshd, password, require_root};
use droplift::remote::exec::{ConnectError, Connection, HostKeyQuestion, connect};
use droplift::remote::run::{Control, RunOutcome, run};
use droplift::remote::{
    ConnectErrorKind, Credentials, HostKeyDecision, HostKeyPolicy, RemoteCommand, Stream, Target,
};
use droplift::secret::Redactor;

fn login(sshd: &Sshd, user: &str, creds: &Credentials) -> Result<Connection, ConnectError> {
    let paths = sshd.paths();
    sshd.trust(&paths);
    connect(
        &sshd.target(user),
        creds,
        &paths,
        HostKeyPolicy::Strict,
        &mut |_: HostKeyQuestion| HostKeyDecision::Reject,
    )
}

fn command(script: &str) -> RemoteCommand {
    RemoteCommand {
        script: script.into(),
        sudo: false,
        stdin: None,
        timeout: Duration::from_secs(60),
        runtime: None,
    }
}

fn run_collect(
    conn: &Connection,
    cmd: &RemoteCommand,
    redactor: &Redactor,
) -> (RunOutcome, Vec<(Stream, String)>) {
    let mut lines = Vec::new();
    let outcome = run(
        conn,
        cmd,
        None,
        redactor,
        &mut |s, l| lines.push((s, l)),
        &mut || Control::Continue,
    )
    .expect("command starts");
    (outcome, lines)
}

#[test]
fn password_login_runs_a_command() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let conn = login(&sshd, &user.name, &password(&user.password)).expect("login");
    assert_eq!(conn.user, user.name);
    let (outcome, lines) = run_collect(
        &conn,
        &command("id -un; echo oops >&2; exit 7"),
        &Redactor::new(),
    );
    assert_eq!(outcome, RunOutcome::Finished(7));
    assert_eq!(
        lines,
        vec![
            (Stream::Stdout, user.name.clone()),
            (Stream::Stderr, "oops".to_owned())
        ]
    );
}

#[test]
fn a_command_killed_by_a_signal_has_failed() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let conn = login(&sshd, &user.name, &password(&user.password)).expect("login");
    // Everything that runs it (droplift's wrapper and what sshd started) is killed at once, as
    // by `pkill -KILL` on the server or the OOM killer: no exit code comes back, only a signal.
    let (outcome, _) = run_collect(
        &conn,
        &command("echo started; pkill -KILL -f droplift-kill-me-now"),
        &Redactor::new(),
    );
    assert_eq!(outcome, RunOutcome::Finished(128 + 9));
}

#[test]
fn wrong_password_is_auth_failed() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let err = login(&sshd, &user.name, &password("not-the-password"))
        .err()
        .expect("must fail");
    assert_eq!(err.kind, ConnectErrorKind::AuthFailed, "{err}");
}

#[test]
fn refused_port_is_told_apart() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t = Target {
        host: "127.0.0.1".into(),
        port: Some(port),
        user: Some("x".into()),
    };
    let paths = droplift::remote::sshconfig::SshPaths::default();
    let err = connect(
        &t,
        &Credentials::default(),
        &paths,
        HostKeyPolicy::Strict,
        &mut |_| HostKeyDecision::Reject,
    )
    .err()
    .expect("nothing listens");
    assert_eq!(err.kind, ConnectErrorKind::Refused, "{err}");
    let t = Target {
        host: "no-such-host.invalid".into(),
        port: Some(22),
        user: None,
    };
    let err = connect(
        &t,
        &Credentials::default(),
        &paths,
        HostKeyPolicy::Strict,
        &mut |_| HostKeyDecision::Reject,
    )
    .err()
    .expect("no such name");
    assert_eq!(err.kind, ConnectErrorKind::NameNotFound, "{err}");
}

#[test]
fn interleaved_output_keeps_every_line_and_order() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let conn = login(&sshd, &user.name, &password(&user.password)).expect("login");
    let script = "for i in $(seq 1 5000); do echo \"out $i\"; echo \"err $i\" >&2; done; printf tail; exit 3";
    let (outcome, lines) = run_collect(&conn, &command(script), &Redactor::new());
    assert_eq!(outcome, RunOutcome::Finished(3));
    let out: Vec<&str> = lines
        .iter()
        .filter(|(s, _)| *s == Stream::Stdout)
        .map(|(_, l)| l.as_str())
        .collect();
    let err: Vec<&str> = lines
        .iter()
        .filter(|(s, _)| *s == Stream::Stderr)
        .map(|(_, l)| l.as_str())
        .collect();
    let mut want_out: Vec<String> = (1..=5000).map(|i| format!("out {i}")).collect();
    want_out.push("tail".into());
    let want_err: Vec<String> = (1..=5000).map(|i| format!("err {i}")).collect();
    assert_eq!(out, want_out);
    assert_eq!(err, want_err);
}

#[test]
fn a_port_that_does_not_speak_ssh_is_a_handshake_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::Write;
        let (mut s, _) = listener.accept().unwrap();
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
    });
    let t = Target {
        host: "127.0.0.1".into(),
        port: Some(port),
        user: Some("x".into()),
    };
    let paths = droplift::remote::sshconfig::SshPaths::default();
    let err = connect(
        &t,
        &Credentials::default(),
        &paths,
        HostKeyPolicy::Strict,
        &mut |_| HostKeyDecision::Reject,
    )
    .err()
    .expect("not ssh");
    assert_eq!(err.kind, ConnectErrorKind::Handshake, "{err}");
    server.join().unwrap();
}

/// A listening socket whose accept queue is full: the kernel drops further SYNs, which is what
/// a firewall that silently drops SSH looks like from outside.
fn full_listener() -> (std::os::fd::OwnedFd, u16, Vec<std::net::TcpStream>) {
    use std::os::fd::FromRawFd;
    // SAFETY: plain socket calls on a fresh descriptor that the OwnedFd then owns.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0);
        let owned = std::os::fd::OwnedFd::from_raw_fd(fd);
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        assert_eq!(
            libc::bind(fd, &addr as *const _ as *const libc::sockaddr, len),
            0
        );
        assert_eq!(libc::listen(fd, 0), 0);
        let mut bound: libc::sockaddr_in = std::mem::zeroed();
        let mut blen = len;
        libc::getsockname(fd, &mut bound as *mut _ as *mut libc::sockaddr, &mut blen);
        let port = u16::from_be(bound.sin_port);
        // Fill the queue (backlog 0 still admits one or two).
        let mut held = Vec::new();
        for _ in 0..4 {
            if let Ok(s) = std::net::TcpStream::connect_timeout(
                &([127, 0, 0, 1], port).into(),
                std::time::Duration::from_millis(300),
            ) {
                held.push(s);
            }
        }
        (owned, port, held)
    }
}

#[test]
fn a_silent_port_is_a_timeout() {
    let (_listener, port, _held) = full_listener();
    let t = Target {
        host: "127.0.0.1".into(),
        port: Some(port),
        user: Some("x".into()),
    };
    let paths = droplift::remote::sshconfig::SshPaths::default();
    let err = connect(
        &t,
        &Credentials::default(),
        &paths,
        HostKeyPolicy::Strict,
        &mut |_| HostKeyDecision::Reject,
    )
    .err()
    .expect("nobody answers");
    assert_eq!(err.kind, ConnectErrorKind::Timeout, "{err}");
}
