//! The release bookkeeping of stages 8 and 9 (marks, the current and next links, which release a
//! rollback picks, which old ones go), run by bash on this computer in a temporary folder: fast
//! checks of what the end-to-end test relies on.

use std::path::Path;
use std::process::Command;

const LIB: &str = include_str!("../src/course/stages/app/lib.sh");
const TARGET: &str = include_str!("../src/course/stages/service/target.sh");
const FINISH: &str = include_str!("../src/course/stages/app/finish.sh");

/// Runs `body` after the shared functions with the site's folders in `base`; (status, stdout).
fn bash(base: &Path, files: &[&str], body: &str) -> (bool, String) {
    let base = base.display();
    let script = format!(
        "base='{base}'\nreleases='{base}/releases'\n{}\n{body}",
        files.join("\n")
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
    )
}

/// A release folder with its mark.
fn release(base: &Path, name: &str, built: u64, status: &str) {
    let dir = base.join("releases").join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join(".droplift-release"),
        format!("status={status}\nbuilt={built}\ndigest=d-{name}\n"),
    )
    .expect("mark");
}

fn link(base: &Path, name: &str, to: &str) {
    std::os::unix::fs::symlink(format!("releases/{to}"), base.join(name)).expect("link");
}

#[test]
fn a_rollback_picks_the_newest_good_release_older_than_current() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    release(base, "r1", 100, "good");
    release(base, "r2", 200, "failed");
    release(base, "r3", 300, "good");
    release(base, "v1.0.0", 400, "good");
    release(base, "r5", 500, "built");
    link(base, "current", "v1.0.0");
    link(base, "next", "r5");
    let resolve = |target: &str| bash(base, &[LIB, TARGET], &format!("resolve_target {target}"));
    assert_eq!(resolve("previous"), (true, "r3".into()));
    assert_eq!(resolve("next"), (true, "r5".into()));
    assert_eq!(resolve("r1"), (true, "r1".into()));
    let (ok, why) = resolve("r2");
    assert!(!ok && why.contains("marked failed"), "{why}");
    let (ok, why) = resolve("nope");
    assert!(!ok && why.contains("no release named nope"), "{why}");
    // The digest finds the release built from the same code, good or built only.
    assert_eq!(
        bash(base, &[LIB], "release_with_digest d-r3").1,
        "r3".to_owned()
    );
    assert_eq!(bash(base, &[LIB], "release_with_digest d-r2").1, "");
}

#[test]
fn switching_a_link_replaces_it_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    release(base, "a", 1, "good");
    release(base, "b", 2, "good");
    link(base, "current", "a");
    let (ok, out) = bash(base, &[LIB], "switch_link current b; link_target current");
    assert_eq!((ok, out.as_str()), (true, "b"));
    assert!(
        !base.join(".current.new").exists(),
        "no temporary link is left"
    );
    assert_eq!(
        bash(base, &[LIB], "mark_set b status failed; mark_get b status").1,
        "failed"
    );
}

#[test]
fn the_five_newest_stay_and_current_and_next_always() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    for n in 1..=8 {
        release(base, &format!("r{n}"), n * 100, "good");
    }
    link(base, "current", "r1");
    link(base, "next", "r8");
    std::fs::write(
        base.join("releases/r8/.droplift-release"),
        "status=building\nbuilt=800\n",
    )
    .expect("mark");
    let (ok, out) = bash(base, &[LIB, FINISH], "");
    assert!(ok, "{out}");
    let mut left: Vec<String> = std::fs::read_dir(base.join("releases"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["r1", "r4", "r5", "r6", "r7", "r8"], "{out}");
    assert!(out.contains("release r8 is built: built"), "{out}");
}

const DBURL: &str = include_str!("../src/course/stages/app/dburl.sh");

#[test]
fn database_url_is_the_standard_form_with_every_part_encoded() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No PostgreSQL here: the port falls back to 5432, as on a server where psql cannot answer.
    let script = format!("role='items app'\ndb='items-db'\n{DBURL}\ndatabase_url");
    let mut child = Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("bash runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"p@ss:/w?#%rd\n")
        .expect("password");
    let out = child.wait_with_output().expect("ends");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "postgresql://items%20app:p%40ss%3A%2Fw%3F%23%25rd@127.0.0.1:5432/items-db"
    );
}
