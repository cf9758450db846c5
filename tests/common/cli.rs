//! Runs the real `droplift` binary as a student would: its own HOME (so ~/.ssh and the data
//! directory are the test's), no ssh-agent, and `stdin` fed in (e.g. `--secrets-stdin` lines).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

/// The binary with the test's HOME and data directory, no agent, stdin and stdout piped.
fn command(home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_droplift"));
    cmd.args(args)
        .env("HOME", home)
        .env("DROPLIFT_DATA_DIR", home.join("data"))
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    cmd
}

/// Writes `text` as the answers file `home/answers.toml` and returns its path, as `--answers`
/// takes it.
pub fn answers_file(home: &Path, text: &str) -> String {
    let path = home.join("answers.toml");
    if let Err(e) = std::fs::write(&path, text) {
        panic!("write the answers file {}: {e}", path.display());
    }
    path.to_str()
        .unwrap_or_else(|| panic!("the answers file's path is not UTF-8: {}", path.display()))
        .to_owned()
}

pub fn droplift(home: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = command(home, args)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start droplift");
    // droplift may stop before it reads stdin (a mistake in the answers): a closed pipe is fine.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("droplift runs")
}

/// `droplift deploy` of the folder `folder` with `--secrets-stdin`, as a student deploys their
/// own code.
pub fn deploy_folder(home: &Path, answers: &str, folder: &Path, secrets: &str) -> Output {
    droplift_logged(
        home,
        &[
            "deploy",
            "--answers",
            answers,
            "--source",
            folder.to_str().expect("utf-8"),
            "--secrets-stdin",
        ],
        secrets,
    )
}

/// `droplift()` with its exit status, how long it took and what it printed shown in the test
/// log, where the story of a failed end-to-end test is read.
pub fn droplift_logged(home: &Path, args: &[&str], stdin: &str) -> Output {
    let started = Instant::now();
    let out = droplift(home, args, stdin);
    eprintln!(
        "--- droplift {args:?} ({}, {:.1} s)\n{}\n{}",
        out.status,
        started.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Starts `droplift` like `droplift()` and kills it with SIGKILL as soon as a line of its output
/// contains `at` (after `settle`): a crash or a closed laptop at that very moment. Returns what
/// it printed, and whether the line was seen before it ended by itself.
pub fn droplift_killed_at(
    home: &Path,
    args: &[&str],
    stdin: &str,
    at: &str,
    settle: std::time::Duration,
) -> (String, bool) {
    use std::io::{BufRead, BufReader};
    let mut child = command(home, args)
        .stderr(Stdio::null())
        .spawn()
        .expect("start droplift");
    // droplift may stop before it reads stdin (a mistake in the answers): a closed pipe is fine.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    let stdout = child.stdout.take().expect("stdout");
    let mut seen = String::new();
    let mut hit = false;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(at) {
            hit = true;
            // A deliberate pause, not a wait for something: where past `at` the kill lands is
            // the moment under test (mid-upgrade, as sshd reloads, mid-download).
            std::thread::sleep(settle);
            let _ = child.kill();
            break;
        }
    }
    let _ = child.wait();
    (seen, hit)
}

/// Starts `droplift` like `droplift()`, reads its output until a line contains `at` or `limit`
/// has passed (a command that would run on, like `logs --follow`), then stops it. Returns what
/// it printed and whether the line was seen.
pub fn droplift_until(
    home: &Path,
    args: &[&str],
    stdin: &str,
    at: &str,
    limit: std::time::Duration,
) -> (String, bool) {
    use std::io::{BufRead, BufReader};
    let mut child = command(home, args)
        .stderr(Stdio::null())
        .spawn()
        .expect("start droplift");
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    let stdout = child.stdout.take().expect("stdout");
    let pid = child.id().to_string();
    let (done, stopped) = std::sync::mpsc::channel::<()>();
    // The watchdog: past the limit the command is stopped, so the read below ends.
    let watchdog = std::thread::spawn(move || {
        if stopped.recv_timeout(limit).is_err() {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
    });
    let mut seen = String::new();
    let mut hit = false;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(at) {
            hit = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = done.send(());
    let _ = watchdog.join();
    (seen, hit)
}

/// `droplift apply` of `only` (every stage when empty), headless, secrets from `stdin`, a new
/// host key accepted: how the end-to-end tests run the course.
/// `apply`'s arguments as the tests give them: every stage (or `only`'s) without asking,
/// secrets on stdin, a new host key accepted.
pub fn apply_args<'a>(answers: &'a str, only: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "apply",
        "--answers",
        answers,
        "--yes",
        "--secrets-stdin",
        "--accept-new-host-key",
    ];
    if !only.is_empty() {
        args.push("--only");
        args.extend(only);
    }
    args
}

pub fn apply(home: &Path, answers: &str, only: &[&str], stdin: &str) -> Output {
    droplift(home, &apply_args(answers, only), stdin)
}

/// stdout and stderr together, for assertions and failure messages.
pub fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
