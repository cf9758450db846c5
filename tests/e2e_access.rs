//! End to end on a real practice droplet: `droplift apply` (the real binary, over real SSH)
//! takes a new droplet with an expired root password through connect, update, the new sudo user
//! and SSH hardening; the server's state is then checked from independent views (nsenter into
//! the droplet, and OpenSSH's own client). Then apply again changes nothing, and status agrees.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::cli::{answers_file, said};
use common::droplet::TestDroplet;
use droplift::practice::UpOptions;

const NEW_ROOT: &str = "Neu 'root' $(id) `x` \\ pass ü";
const USER_PW: &str = "us\"er $HOME \\ 'pw' ö #1";
/// The access stages only: the later stages have their own end-to-end test (e2e_pgfw.rs).
const ACCESS: [&str; 5] = ["--only", "connect", "update", "user", "ssh"];

fn droplift(home: &Path, args: &[&str], stdin: &str) -> Output {
    let args = [args, &ACCESS[..]].concat();
    let args = args.as_slice();
    common::cli::droplift_logged(home, args, stdin)
}

fn assert_no_secret(haystack: &str, secrets: &[&str], what: &str) {
    for secret in secrets {
        assert!(!haystack.contains(secret), "a secret leaked into {what}");
    }
}

#[test]
fn apply_hardens_a_new_droplet_and_a_second_run_changes_nothing() {
    // Like a real cloud droplet: Ubuntu's password drop-in, and unattended-upgrades holding
    // the dpkg lock for a while after boot.
    let Some(droplet) = TestDroplet::boot(UpOptions {
        cloud_init_dropin: true,
        hold_dpkg_lock_secs: Some(15),
        ..UpOptions::default()
    }) else {
        return;
    };
    let home = tempfile::tempdir().expect("temp home");
    let answers = answers_file(
        home.path(),
        &format!(
            "[server]\nhost = \"{}\"\nport = 22\n\n[user]\nname = \"alice\"\n\n[ssh]\nalias = \"practice\"\n",
            droplet.address
        ),
    );
    let answers = answers.as_str();
    let first_root = droplet.root_password.expose().to_owned();
    let secrets = format!(
        "root_password={first_root}\nnew_root_password={NEW_ROOT}\nuser_password={USER_PW}\n"
    );

    // Without --accept-new-host-key an unknown host is refused before anything runs.
    let refused = droplift(
        home.path(),
        &["apply", "--answers", answers, "--yes", "--secrets-stdin"],
        &secrets,
    );
    assert!(!refused.status.success());
    assert!(
        said(&refused).contains("--accept-new-host-key"),
        "{}",
        said(&refused)
    );

    // A wrong root password: refused, with a plain message, and nothing runs.
    let wrong = droplift(
        home.path(),
        &[
            "apply",
            "--answers",
            answers,
            "--yes",
            "--secrets-stdin",
            "--accept-new-host-key",
        ],
        &format!("root_password=not-{first_root}\nuser_password={USER_PW}\n"),
    );
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        said(&wrong).contains("refused both root and alice"),
        "{}",
        said(&wrong)
    );
    assert!(!said(&wrong).contains("== Stage"), "no stage ran");

    // status changes nothing, so it will not change the expired password either.
    let early = droplift(
        home.path(),
        &[
            "status",
            "--answers",
            answers,
            "--secrets-stdin",
            "--accept-new-host-key",
        ],
        &format!("root_password={first_root}\n"),
    );
    assert_eq!(early.status.code(), Some(2));
    assert!(said(&early).contains("has expired"), "{}", said(&early));

    let first = droplift(
        home.path(),
        &[
            "apply",
            "--answers",
            answers,
            "--yes",
            "--secrets-stdin",
            "--accept-new-host-key",
        ],
        &secrets,
    );
    let first_text = said(&first);
    assert!(first.status.success(), "first apply failed:\n{first_text}");
    assert!(
        first_text.contains("waiting for apt"),
        "the dpkg lock wait is visible"
    );
    assert_eq!(first_text.matches("\ndone").count(), 4, "{first_text}");

    // Independent view 1: inside the droplet.
    let effective = droplet.run(&["sshd", "-T"]);
    for line in [
        "permitrootlogin no",
        "passwordauthentication no",
        "allowusers alice",
    ] {
        assert!(
            effective.lines().any(|l| l == line),
            "sshd -T lacks {line}:\n{effective}"
        );
    }
    let dropins = droplet.run(&["ls", "/etc/ssh/sshd_config.d"]);
    assert!(dropins.contains("00-droplift.conf") && dropins.contains("50-cloud-init.conf"));
    assert!(droplet.run(&["id", "-nG", "alice"]).contains("alice"));
    droplet.run(&["visudo", "-cf", "/etc/sudoers.d/droplift-alice"]);
    let pubkey = std::fs::read_to_string(home.path().join(".ssh/id_ed25519.pub")).expect("key");
    let authorized = droplet.run(&["cat", "/home/alice/.ssh/authorized_keys"]);
    assert!(authorized.contains(pubkey.trim()));
    let modes = droplet.run(&[
        "stat",
        "-c",
        "%a %U",
        "/home/alice/.ssh",
        "/home/alice/.ssh/authorized_keys",
    ]);
    assert_eq!(modes, "700 alice\n600 alice\n");
    let upgrades = droplet.run(&["sh", "-c", "apt-get -s upgrade | grep -c '^Inst ' || true"]);
    assert_eq!(upgrades.trim(), "0", "the system is up to date");
    assert!(
        droplet
            .run(&["systemctl", "list-timers", "--all"])
            .lines()
            .all(|l| !l.contains("droplift-sshd-undo")),
        "the automatic undo was cancelled"
    );

    // Automatic security updates are on, from the security suite only.
    let periodic = droplet.run(&["apt-config", "dump", "APT::Periodic::Unattended-Upgrade"]);
    assert!(periodic.contains("\"1\""), "{periodic}");
    let origins = droplet.run(&["apt-config", "dump", "Unattended-Upgrade::Origins-Pattern"]);
    let patterns: Vec<&str> = origins.lines().filter(|l| l.contains("origin=")).collect();
    assert!(!patterns.is_empty(), "{origins}");
    assert!(
        patterns.iter().all(|l| l.contains("-security")),
        "only the security suite: {origins}"
    );

    // Independent view 2: ssh-audit, the auditor's tool, finds no failure (modern algorithms only).
    common::audit::finds_no_failure(&droplet.address.to_string());

    // Independent view 3: OpenSSH's client, from outside.
    let root = droplet.ssh_with_password("root", NEW_ROOT, "true");
    assert!(!root.status.success(), "root must be refused now");
    let key = home.path().join(".ssh/id_ed25519");
    let mut sudo = Command::new("ssh")
        .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no"])
        .args([
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "IdentitiesOnly=yes",
            "-i",
        ])
        .arg(&key)
        .arg(format!("alice@{}", droplet.address))
        .arg("sudo -S -p '' id -un")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ssh");
    writeln!(sudo.stdin.take().expect("stdin"), "{USER_PW}").expect("password");
    let sudo = sudo.wait_with_output().expect("ssh runs");
    assert!(
        sudo.status.success(),
        "{}",
        String::from_utf8_lossy(&sudo.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&sudo.stdout).trim(), "root");
    let config = std::fs::read_to_string(home.path().join(".ssh/config")).expect("ssh config");
    assert!(config.contains("Host practice"), "{config}");

    // Again: the server is hardened, root is refused, so droplift logs in with the key; every
    // stage's probe finds it done and nothing changes.
    let before = droplet.run(&[
        "stat",
        "-c",
        "%Y",
        "/etc/ssh/sshd_config.d/00-droplift.conf",
        "/etc/shadow",
        "/etc/sudoers.d/droplift-alice",
    ]);
    let again_secrets = format!("root_password={NEW_ROOT}\nuser_password={USER_PW}\n");
    let second = droplift(
        home.path(),
        &["apply", "--answers", answers, "--yes", "--secrets-stdin"],
        &again_secrets,
    );
    let second_text = said(&second);
    assert!(
        second.status.success(),
        "second apply failed:\n{second_text}"
    );
    assert_eq!(
        second_text.matches("nothing to change").count(),
        4,
        "{second_text}"
    );
    let after = droplet.run(&[
        "stat",
        "-c",
        "%Y",
        "/etc/ssh/sshd_config.d/00-droplift.conf",
        "/etc/shadow",
        "/etc/sudoers.d/droplift-alice",
    ]);
    assert_eq!(before, after, "a second run changes nothing");

    let status = droplift(
        home.path(),
        &["status", "--answers", answers, "--secrets-stdin"],
        &again_secrets,
    );
    assert!(status.status.success());
    assert_eq!(
        said(&status).matches(" done ").count(),
        4,
        "{}",
        said(&status)
    );

    // Secrets appear nowhere: not in any output, not in droplift's files.
    let all = [&refused, &early, &first, &second, &status]
        .map(said)
        .join("\n");
    assert_no_secret(&all, &[&first_root, NEW_ROOT, USER_PW], "droplift's output");
    let files = common::files::all_text_under(&home.path().join("data"))
        + &common::files::all_text_under(&home.path().join(".ssh"));
    assert_no_secret(
        &files,
        &[&first_root, NEW_ROOT, USER_PW],
        "files on this computer",
    );
}
