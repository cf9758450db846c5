//! The SSH worker against OpenSSH on the same test sshd, in the same run: streaming 100 MB of
//! output line by line, and a trivial command on the open session vs a fresh `ssh host true`.
//!
//! `cargo bench --bench ssh` (needs root: it starts its own sshd and a throw-away user).
//! A plain `main` (harness = false) rather than divan: the figure that matters is a ratio
//! between two tools measured side by side, which divan does not print.

#[path = "../tests/common/sshd.rs"]
mod sshd;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use droplift::remote::worker::{WorkerConfig, spawn_with};
use droplift::remote::{Credentials, HostKeyPolicy, Job, RemoteCommand, Target, WorkerEvent};
use droplift::secret::Redactor;

const STREAM: &str = "head -c 100000000 /dev/zero | tr '\\0' 'x' | fold -w 100";
const STREAM_LINES: usize = 1_000_000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo test --all-targets` runs bench targets too, without `--bench`: the full run takes
    // half a minute and root, so only `cargo bench` does it.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("\n*** SKIPPED: the ssh bench needs root (own sshd and user) ***\n");
        return;
    }
    let rounds: usize = std::env::var("SSH_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let mut server = sshd::Sshd::start();
    let user = server.add_user();
    let keys = tempfile::tempdir().expect("tempdir");
    let key = sshd::make_key(keys.path(), "id_ed25519", "");
    sshd::authorize(&user, &key);
    let paths = server.paths();
    server.trust(&paths);

    // OpenSSH, with nothing from the real ~/.ssh.
    let ssh = |remote: &str| -> (Duration, usize) {
        let start = Instant::now();
        let mut child = Command::new("ssh")
            .args([
                "-F",
                "/dev/null",
                "-o",
                "BatchMode=yes",
                "-o",
                "IdentitiesOnly=yes",
            ])
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                paths.known_hosts.display()
            ))
            .arg("-i")
            .arg(&key)
            .arg("-p")
            .arg(server.port.to_string())
            .arg(format!("{}@127.0.0.1", user.name))
            .arg(remote)
            .stdout(Stdio::piped())
            .spawn()
            .expect("ssh");
        let mut out = child.stdout.take().expect("stdout");
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0;
        loop {
            match out.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
        assert!(child.wait().expect("wait ssh").success(), "ssh failed");
        (start.elapsed(), total)
    };

    // The worker, its sink storing every line as the app's log would.
    let (tx, rx) = channel();
    let lines = Arc::new(Mutex::new(Vec::<String>::with_capacity(STREAM_LINES)));
    let store = Arc::clone(&lines);
    let worker = spawn_with(
        move |ev| match ev {
            WorkerEvent::Output { line, .. } => {
                if let Ok(mut l) = store.lock() {
                    l.push(line);
                }
            }
            other => {
                let _ = tx.send(other);
            }
        },
        Redactor::new(),
        WorkerConfig {
            paths: paths.clone(),
            ..WorkerConfig::default()
        },
    );
    worker.send(Job::Connect {
        target: Target {
            host: "127.0.0.1".into(),
            port: Some(server.port),
            user: Some(user.name.clone()),
        },
        credentials: Credentials {
            identity_files: vec![key.clone()],
            ..Credentials::default()
        },
        host_keys: HostKeyPolicy::Strict,
    });
    loop {
        match rx.recv().expect("worker event") {
            WorkerEvent::Connected { .. } => break,
            WorkerEvent::ConnectFailed { message, .. } => panic!("{message}"),
            _ => {}
        }
    }
    let mut next_id = 0;
    let mut run = |script: &str| -> Duration {
        next_id += 1;
        let start = Instant::now();
        worker.send(Job::Run {
            id: next_id,
            command: RemoteCommand {
                script: script.into(),
                sudo: false,
                stdin: None,
                timeout: Duration::from_secs(300),
                runtime: None,
            },
        });
        loop {
            match rx.recv().expect("worker event") {
                WorkerEvent::Finished { exit_code: 0, .. } => return start.elapsed(),
                ev @ (WorkerEvent::Finished { .. }
                | WorkerEvent::TimedOut { .. }
                | WorkerEvent::Interrupted { .. }
                | WorkerEvent::JobFailed { .. }) => panic!("{ev:?}"),
                _ => {}
            }
        }
    };

    // 1. 100 MB as 1,000,000 lines, from the brief's pipeline (CPU-bound in fold on this
    //    2-core machine) and from `yes` (cheap to produce, so the transport is what is measured).
    let row = "x".repeat(99);
    let producers = [
        ("tr | fold", STREAM.to_owned(), 100_999_999), // fold ends the last line without a newline.
        (
            "yes | head",
            format!("yes {row} | head -n {STREAM_LINES}"),
            100_000_000,
        ),
    ];
    for (name, script, want_bytes) in &producers {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        let mut connect_only = Vec::new();
        for _ in 0..rounds {
            lines.lock().expect("lines").clear();
            ours.push(run(script));
            let got = lines.lock().expect("lines");
            assert_eq!(got.len(), STREAM_LINES);
            assert!(got.iter().all(|l| l.len() >= 99));
            drop(got);
            let (t, bytes) = ssh(script);
            assert_eq!(bytes, *want_bytes);
            theirs.push(t);
            connect_only.push(ssh("true").0);
        }
        let (ours, theirs, connect_only) = (median(ours), median(theirs), median(connect_only));
        let mb = *want_bytes as f64 / 1e6;
        println!("stream 100 MB as 1,000,000 lines ({name}), median of {rounds}:");
        println!(
            "  worker, lines stored:      {:>8.3} s  ({:.0} MB/s)",
            ours.as_secs_f64(),
            mb / ours.as_secs_f64()
        );
        println!(
            "  ssh host '…' > pipe:       {:>8.3} s  ({:.0} MB/s, incl. {:.3} s to connect)",
            theirs.as_secs_f64(),
            mb / theirs.as_secs_f64(),
            connect_only.as_secs_f64()
        );
        let transfer_only = theirs.saturating_sub(connect_only);
        println!(
            "  ratio (ssh time / worker time): {:.2}x   [ssh minus its connect: {:.2}x]   target >= 0.5x",
            theirs.as_secs_f64() / ours.as_secs_f64(),
            transfer_only.as_secs_f64() / ours.as_secs_f64()
        );
    }

    // 2. `true` on the open session vs a fresh ssh process.
    let trivial: Vec<Duration> = (0..rounds * 10).map(|_| run("true")).collect();
    let fresh: Vec<Duration> = (0..rounds * 2).map(|_| ssh("true").0).collect();
    let (trivial, fresh) = (median(trivial), median(fresh));
    println!("trivial command `true`:");
    println!(
        "  worker, open session: {:>8.2} ms (median of {})",
        trivial.as_secs_f64() * 1e3,
        rounds * 10
    );
    println!(
        "  fresh `ssh host true`: {:>8.2} ms (median of {})",
        fresh.as_secs_f64() * 1e3,
        rounds * 2
    );
    println!(
        "  ratio: {:.1}x faster   target >= 10x",
        fresh.as_secs_f64() / trivial.as_secs_f64()
    );
}
