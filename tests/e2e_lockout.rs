//! The lockout guard, end to end on a real practice droplet: a fault is injected into the real
//! hardening plan (the fresh login after sshd reloads uses a key the server does not know). The
//! stage must undo itself at once, and the old way in (root with its password) must still work.

mod common;

use common::droplet::TestDroplet;
use droplift::course::{self, StageId};
use droplift::practice::UpOptions;
use droplift::runner::{Outcome, Phase};

#[test]
fn a_failed_login_after_hardening_reverts_and_root_still_works() {
    let Some(droplet) = TestDroplet::boot(UpOptions::updated(Default::default())) else {
        return;
    };
    let home = tempfile::tempdir().expect("temp home");
    let new_root = "another root pw 42";
    let (mut session, answers) =
        common::session::with_user(&droplet, home.path(), "bob", new_root, "bob's password 1");
    let before = droplet.run(&["sshd", "-T"]);

    // The fault: after the reload, prove access with a key the server has never seen.
    let wrong = home.path().join(".ssh/wrong_ed25519");
    droplift::driver::ensure_key(&wrong, None).expect("second key");
    let plans = course::plans(StageId::SshHardening, &answers).expect("plans");
    let plans = common::session::with_failing_login(&plans, &wrong);

    match session
        .run_plans(StageId::SshHardening, &plans, false)
        .expect("stage runs")
    {
        Outcome::Failed {
            phase,
            rolled_back,
            message,
            ..
        } => {
            assert_eq!(phase, Phase::Apply);
            assert!(rolled_back, "the change must be undone");
            assert!(message.contains("login failed"), "{message}");
        }
        other => panic!("the stage should have failed and reverted, got {other:?}"),
    }

    // The old configuration is in force again, from an independent view.
    let after = droplet.run(&["sshd", "-T"]);
    assert_eq!(before, after, "sshd's effective settings are as before");
    let dropins = droplet.run(&["ls", "-A", "/etc/ssh/sshd_config.d"]);
    assert!(!dropins.contains("00-droplift.conf"), "{dropins}");
    assert!(
        !droplet
            .rootfs()
            .join("var/lib/droplift/sshd/pending")
            .exists()
    );
    let timers = droplet.run(&["systemctl", "list-timers", "--all"]);
    assert!(!timers.contains("droplift-sshd-undo"), "{timers}");
    // And root can still log in with its password, with OpenSSH's own client.
    let root = droplet.ssh_with_password("root", new_root, "id -un");
    assert!(
        root.status.success(),
        "{}",
        String::from_utf8_lossy(&root.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&root.stdout).trim(), "root");
}
