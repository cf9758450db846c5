//! Runs the real `droplift` binary as a student would: its own HOME (so ~/.ssh and the data
//! directory are the test's), no ssh-agent, and `stdin` fed in (e.g. `--secrets-stdin` lines).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

pub fn droplift(home: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_droplift"))
        .args(args)
        .env("HOME", home)
        .env("DROPLIFT_DATA_DIR", home.join("data"))
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start droplift");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("droplift runs")
}
