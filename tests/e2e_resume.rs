//! Resume anything, end to end on practice droplets: `droplift apply` killed with SIGKILL in
//! the middle of the upgrade and inside stage 4's guarded window, then run again, finishes with
//! the server in the right state (checked from inside) and the saved progress holds no secret;
//! and a server set up partly by hand, as the course does it, is recognised stage by stage.

mod common;

use std::path::Path;
use std::time::Duration;

use common::droplet::TestDroplet;
use droplift::practice::UpOptions;

const NEW_ROOT: &str = "resume root pw 1";
const USER_PW: &str = "resume user pw 2";

fn answers(home: &Path, host: &str, user: &str) -> String {
    common::cli::answers_file(
        home,
        &format!("[server]\nhost = \"{host}\"\n\n[user]\nname = \"{user}\"\n"),
    )
}

#[test]
fn killed_mid_upgrade_and_inside_the_guarded_window_apply_again_finishes() {
    let Some(droplet) = TestDroplet::boot(UpOptions::default()) else {
        return;
    };
    let home = tempfile::tempdir().expect("home");
    let file = answers(home.path(), &droplet.address.to_string(), "fay");
    let args = [
        "apply",
        "--answers",
        &file,
        "--yes",
        "--secrets-stdin",
        "--accept-new-host-key",
        "--only",
        "connect",
        "update",
        "user",
        "ssh",
    ];
    let secrets = format!(
        "root_password={}\nnew_root_password={NEW_ROOT}\nuser_password={USER_PW}\n",
        droplet.root_password.expose()
    );

    // 1. The laptop dies while apt upgrades the droplet.
    let (out, hit) = common::cli::droplift_killed_at(
        home.path(),
        &args,
        &secrets,
        "Install every available update",
        Duration::from_secs(2),
    );
    assert!(hit, "the upgrade step started:\n{out}");

    // 2. Again with the same secrets (root's e-mailed password no longer works: the first run
    // changed it, and droplift tries the new one), and it dies just as sshd reloads its new
    // settings (the undo timer is armed).
    let (out, hit) = common::cli::droplift_killed_at(
        home.path(),
        &args,
        &secrets,
        "Reload sshd",
        Duration::from_millis(300),
    );
    assert!(hit, "the second run reached the reload:\n{out}");

    // 3. Once more: it finds out where the server is and finishes.
    let third = common::cli::droplift(home.path(), &args, &secrets);
    let text = String::from_utf8_lossy(&third.stdout).into_owned()
        + &String::from_utf8_lossy(&third.stderr);
    assert!(third.status.success(), "the third run finishes:\n{text}");

    // The server, seen from inside.
    let effective = droplet.run(&["sshd", "-T"]);
    for line in [
        "permitrootlogin no",
        "passwordauthentication no",
        "allowusers fay",
    ] {
        assert!(effective.lines().any(|l| l == line), "{line}:\n{effective}");
    }
    assert!(
        !droplet
            .rootfs()
            .join("var/lib/droplift/sshd/pending")
            .exists()
    );
    let timers = droplet.run(&["systemctl", "list-timers", "--all"]);
    assert!(!timers.contains("droplift-sshd-undo"), "{timers}");
    let upgrades = droplet.run(&["sh", "-c", "apt-get -s upgrade | grep -c '^Inst ' || true"]);
    assert_eq!(upgrades.trim(), "0");
    droplet.run(&["dpkg", "--audit"]);
    assert!(
        !droplet
            .ssh_with_password("root", NEW_ROOT, "true")
            .status
            .success(),
        "root is refused"
    );

    // Saved progress: this server, its stages done, and not one secret.
    let data = home.path().join("data");
    let progress = std::fs::read_to_string(data.join("progress.toml")).expect("progress saved");
    assert!(
        progress.contains(&droplet.address.to_string()),
        "{progress}"
    );
    assert!(progress.contains("[server.stages.ssh]"), "{progress}");
    let everything = common::files::all_text_under(&data);
    for secret in [droplet.root_password.expose(), NEW_ROOT, USER_PW] {
        assert!(
            !everything.contains(secret),
            "a secret reached the data directory"
        );
    }
}

#[test]
fn a_server_set_up_partly_by_hand_is_recognised_stage_by_stage() {
    let Some(droplet) = TestDroplet::boot(UpOptions::default()) else {
        return;
    };
    let home = tempfile::tempdir().expect("home");
    let key = home.path().join(".ssh/id_ed25519");
    droplift::driver::ensure_key(&key, None).expect("key");
    let pubkey = std::fs::read_to_string(home.path().join(".ssh/id_ed25519.pub")).expect("pub");
    // As the course does it by hand: the provider's sudo group, the key, and sshd_config edited
    // in place (no drop-in of droplift's), the root password already changed.
    droplet.run(&["chage", "-d", "20000", "root"]);
    droplet.run(&[
        "useradd",
        "--create-home",
        "--shell",
        "/bin/bash",
        "-G",
        "sudo",
        "gus",
    ]);
    droplet.run(&["sh", "-c", "echo 'gus:gus pass word 4' | chpasswd"]);
    droplet.run(&[
        "install",
        "-d",
        "-m",
        "700",
        "-o",
        "gus",
        "-g",
        "gus",
        "/home/gus/.ssh",
    ]);
    std::fs::write(
        droplet.rootfs().join("home/gus/.ssh/authorized_keys"),
        &pubkey,
    )
    .expect("key");
    droplet.run(&["chown", "gus:gus", "/home/gus/.ssh/authorized_keys"]);
    droplet.run(&[
        "sed",
        "-i",
        "-e",
        "s/^PermitRootLogin .*/PermitRootLogin no/",
        "-e",
        "s/^PasswordAuthentication .*/PasswordAuthentication no/",
        "-e",
        "$a AllowUsers gus",
        "/etc/ssh/sshd_config",
    ]);
    droplet.reload_ssh();

    let file = answers(home.path(), &droplet.address.to_string(), "gus");
    let status = || {
        let out = common::cli::droplift(
            home.path(),
            &[
                "status",
                "--answers",
                &file,
                "--secrets-stdin",
                "--accept-new-host-key",
                "--only",
                "connect",
                "update",
                "user",
                "ssh",
            ],
            "user_password=gus pass word 4\n",
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        eprintln!(
            "status said:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    let line = |text: &str, n: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(n))
            .unwrap_or_default()
            .to_owned()
    };
    let text = status();
    assert!(line(&text, "3 New sudo user").contains("done"), "{text}");
    assert!(line(&text, "2 Update system").contains("pending"), "{text}");
    // On Ubuntu, cloud-init's 50-cloud-init.conf is read before sshd_config and keeps password
    // logins on: an edit of sshd_config alone is not hardening, and the check says so.
    let ssh = line(&text, "4 SSH key");
    if droplet.os.is_ubuntu() {
        assert!(
            ssh.contains("pending") && ssh.contains("password"),
            "{text}"
        );
    } else {
        assert!(ssh.contains("done"), "{text}");
    }
    // Done the way that works everywhere, in a drop-in read first: now the stage is done.
    std::fs::write(
        droplet
            .rootfs()
            .join("etc/ssh/sshd_config.d/00-by-hand.conf"),
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n",
    )
    .expect("drop-in");
    droplet.reload_ssh();
    let text = status();
    assert!(line(&text, "4 SSH key").contains("done"), "{text}");
}
