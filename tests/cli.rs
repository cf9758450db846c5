//! The headless commands as a student runs them (the real binary): the runbook for the example
//! answers, and the answers-file and secret mistakes, each with its message and nothing run.

mod common;

use std::process::Output;

fn droplift(args: &[&str], stdin: &str, home: &std::path::Path) -> Output {
    common::cli::droplift(home, args, stdin)
}

fn answers_file(dir: &std::path::Path, text: &str) -> String {
    let path = dir.join("answers.toml");
    std::fs::write(&path, text).expect("write answers");
    path.to_str().expect("utf-8").to_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn plan_prints_the_runbook_for_the_example_answers() {
    let home = tempfile::tempdir().expect("tempdir");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/answers.example.toml");
    let out = droplift(&["plan", "--answers", example], "", home.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let warnings = stderr(&out);
    assert!(
        warnings.contains("[postgres] is for a stage this version"),
        "{warnings}"
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"203.0.113.7\"\n\n[user]\nname = \"johndoe\"\nshell = \"zsh\"\n",
    );
    let out = droplift(&["plan", "--answers", &file], "", home.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown field `shell`"), "{err}");
    assert!(err.contains("line 6"), "{err}");
}

#[test]
fn a_bad_user_name_is_refused_with_the_rule() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"203.0.113.7\"\n\n[user]\nname = \"1abc\"\n",
    );
    let out = droplift(
        &["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        "",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("line 5: `user.name`: A user name must start with a letter"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing ran");
}

#[test]
fn a_missing_secret_is_an_error_before_anything_runs() {
    let home = tempfile::tempdir().expect("tempdir");
    // Port 1 on loopback: if droplift tried to connect, the message would be about that.
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"127.0.0.1\"\nport = 1\n\n[user]\nname = \"johndoe\"\n",
    );
    let out = droplift(
        &["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        "root_password=hunter2 and more\n",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("needed and were not on stdin: user_password"),
        "{err}"
    );
    assert!(!err.contains("hunter2") && out.stdout.is_empty());
}

#[test]
fn an_unknown_secret_name_is_refused() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"127.0.0.1\"\n[user]\nname = \"bob\"\n",
    );
    let out = droplift(
        &["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        "rootpassword=x\n",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown secret \"rootpassword\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unreachable_server_says_what_is_wrong_in_plain_words() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"127.0.0.1\"\nport = 1\n\n[user]\nname = \"johndoe\"\n",
    );
    let out = droplift(
        &["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        "root_password=s3cr3t pw\nuser_password=an0ther pw\ndb_password=th1rd pw\n",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("nothing accepts SSH connections on port 1"),
        "{err}"
    );
    let all = format!("{err}{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        !all.contains("s3cr3t") && !all.contains("an0ther"),
        "no secret in the output"
    );
}

#[test]
fn status_needs_a_host_or_answers() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = droplift(&["status"], "", home.path());
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
    assert!(stderr(&out).contains("<HOST>"), "{}", stderr(&out));
}

#[test]
fn a_short_user_password_on_stdin_gets_the_wizards_rule() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"127.0.0.1\"\nport = 1\n[user]\nname = \"bob\"\n",
    );
    let out = droplift(
        &["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        "root_password=x\nuser_password=short\n",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("user_password: Use at least 8 characters"),
        "{err}"
    );
    assert!(!err.contains("short"), "the value is not repeated");
}
