//! `droplift export ansible`, end to end: two practice droplets whose expired root passwords
//! droplift's own login changed, one run of the exported play against both at once, the same
//! server state droplift's own tests assert (checked inside each droplet), and a second run that
//! changes nothing. Needs Ansible (scripts/test installs it from PyPI into target/ansible-venv).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::droplet::TestDroplet;
use droplift::practice::UpOptions;

const USER_PW: &str = "fleet pw 'q' $x \\ 42";

/// ansible-playbook: DROPLIFT_ANSIBLE_PLAYBOOK, target/ansible-venv, or PATH. None skips loudly
/// (never under CI).
fn ansible_playbook() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("DROPLIFT_ANSIBLE_PLAYBOOK").map(PathBuf::from),
        Some(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ansible-venv/bin/ansible-playbook"),
        ),
        Some(PathBuf::from("ansible-playbook")),
    ];
    for candidate in candidates.into_iter().flatten() {
        if Command::new(&candidate)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(candidate);
        }
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "ansible-playbook must be installed under CI (scripts/test does it)"
    );
    eprintln!("SKIPPED: ansible-playbook is not installed; scripts/test installs it");
    None
}

fn run(playbook: &Path, dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(playbook)
        .args(args)
        .current_dir(dir)
        .env("ANSIBLE_HOST_KEY_CHECKING", "False")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_FORCE_COLOR", "0")
        .output()
        .expect("ansible-playbook runs");
    eprintln!(
        "--- ansible-playbook {args:?} ({})\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `changed=N` for each host in the recap.
fn changed_per_host(recap: &str) -> Vec<(String, u32)> {
    recap
        .lines()
        .filter(|l| l.contains(" : ok="))
        .filter_map(|l| {
            let host = l.split_whitespace().next()?.to_owned();
            let changed = l
                .split("changed=")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()?;
            Some((host, changed))
        })
        .collect()
}

#[test]
fn the_exported_play_sets_up_two_droplets_like_droplift_and_runs_again_without_changes() {
    let Some(playbook) = ansible_playbook() else {
        return;
    };
    let (Some(a), Some(b)) = (
        TestDroplet::boot(UpOptions::default()),
        TestDroplet::boot(UpOptions::default()),
    ) else {
        return;
    };
    let home = tempfile::tempdir().expect("temp home");
    let key = home.path().join(".ssh/id_ed25519");
    droplift::driver::ensure_key(&key, None).expect("a key");
    let pubkey = std::fs::read_to_string(home.path().join(".ssh/id_ed25519.pub")).expect("pub");

    // A brand-new droplet's expired root password is changed once with droplift's own login;
    // then root's key goes in, as the export's README says (ssh-copy-id).
    for (i, droplet) in [&a, &b].into_iter().enumerate() {
        let answers = home.path().join(format!("connect-{i}.toml"));
        std::fs::write(
            &answers,
            format!(
                "[server]\nhost = \"{}\"\n\n[user]\nname = \"erin\"\n",
                droplet.address
            ),
        )
        .expect("answers");
        let out = common::cli::droplift(
            home.path(),
            &[
                "apply",
                "--answers",
                answers.to_str().expect("utf-8"),
                "--only",
                "connect",
                "--yes",
                "--secrets-stdin",
                "--accept-new-host-key",
            ],
            &format!(
                "root_password={}\nnew_root_password=fleet root {i} pw 9\n",
                droplet.root_password.expose()
            ),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        droplet.run(&["install", "-d", "-m", "700", "/root/.ssh"]);
        std::fs::write(droplet.rootfs().join("root/.ssh/authorized_keys"), &pubkey)
            .expect("root's key");
    }

    // Export for the first droplet, then list the second too, as the inventory's comment says.
    let answers = home.path().join("answers.toml");
    std::fs::write(
        &answers,
        format!(
            "[server]\nhost = \"{}\"\n\n[user]\nname = \"erin\"\n\n[ssh]\nkey = \"{}\"\n",
            a.address,
            key.display()
        ),
    )
    .expect("answers");
    let out_dir = home.path().join("fleet");
    let export = common::cli::droplift(
        home.path(),
        &[
            "export",
            "ansible",
            "--answers",
            answers.to_str().expect("utf-8"),
            "--out",
            out_dir.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let inventory = out_dir.join("inventory.ini");
    let mut text = std::fs::read_to_string(&inventory).expect("inventory");
    text.push_str(&format!("{} ansible_port=22\n", b.address));
    std::fs::write(&inventory, text).expect("inventory");

    let syntax = run(
        &playbook,
        &out_dir,
        &["-i", "inventory.ini", "site.yml", "--syntax-check"],
    );
    assert!(syntax.status.success(), "syntax check");

    // The user's password reaches the play as an extra-vars file of mode 600, as a vault would:
    // never on a command line.
    let secrets = home.path().join("secrets.yml");
    std::fs::write(
        &secrets,
        format!("user_password: '{}'\n", USER_PW.replace('\'', "''")),
    )
    .expect("secrets");
    let key_arg = key.to_str().expect("utf-8");
    let extra = format!("@{}", secrets.display());
    let first = run(
        &playbook,
        &out_dir,
        &[
            "-i",
            "inventory.ini",
            "site.yml",
            "-u",
            "root",
            "--private-key",
            key_arg,
            "-e",
            &extra,
        ],
    );
    assert!(first.status.success(), "the first run");
    let first_text = String::from_utf8_lossy(&first.stdout);
    assert_eq!(
        changed_per_host(&first_text).len(),
        2,
        "both droplets: {first_text}"
    );
    assert!(!first_text.contains(USER_PW), "no_log hides the password");

    for droplet in [&a, &b] {
        let effective = droplet.run(&["sshd", "-T"]);
        for line in [
            "permitrootlogin no",
            "passwordauthentication no",
            "allowusers erin",
        ] {
            assert!(effective.lines().any(|l| l == line), "{line}:\n{effective}");
        }
        droplet.run(&["visudo", "-cf", "/etc/sudoers.d/droplift-erin"]);
        let authorized = droplet.run(&["cat", "/home/erin/.ssh/authorized_keys"]);
        assert!(authorized.contains(pubkey.trim()));
        let periodic = droplet.run(&["apt-config", "dump", "APT::Periodic::Unattended-Upgrade"]);
        assert!(periodic.contains("\"1\""), "{periodic}");
        let root = droplet.ssh_with_password("root", "fleet root 0 pw 9", "true");
        assert!(!root.status.success(), "root is refused");
        common::audit::finds_no_failure(&droplet.address.to_string());
    }

    // Again, as the user (root is refused now): nothing changes on either droplet.
    let second = run(
        &playbook,
        &out_dir,
        &[
            "-i",
            "inventory.ini",
            "site.yml",
            "-u",
            "erin",
            "--private-key",
            key_arg,
            "-e",
            &extra,
        ],
    );
    assert!(second.status.success(), "the second run");
    let recap = changed_per_host(&String::from_utf8_lossy(&second.stdout));
    assert_eq!(recap.len(), 2);
    assert!(recap.iter().all(|(_, changed)| *changed == 0), "{recap:?}");
    // No secret in any file of the project.
    for entry in walk(&out_dir) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        assert!(!text.contains(USER_PW), "{}", entry.display());
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
