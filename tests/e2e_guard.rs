//! The lockout guard's own failures, end to end on one practice droplet: an earlier run left
//! unfinished (the backup must stay the true original), sshd stopped when the undo runs (the undo
//! must start it), and a safety net that cannot be armed (sshd must not be touched).

mod common;

use common::droplet::TestDroplet;
use droplift::course::plan::StagePlans;
use droplift::course::{self, StageId};
use droplift::practice::UpOptions;
use droplift::runner::{Outcome, Phase};

const NEW_ROOT: &str = "guard root pw 42";

/// The hardening plan cut after its "Write the new sshd settings" step, without a rollback: what
/// a run killed at that moment leaves behind (new settings in place, the undo armed, pending).
fn cut_after_writing(plans: &StagePlans) -> StagePlans {
    let mut cut = plans.clone();
    let write = cut
        .apply
        .steps
        .iter()
        .position(|s| s.title.starts_with("Write the new sshd settings"))
        .expect("the write step");
    cut.apply.steps.truncate(write + 1);
    cut.apply.rollback.clear();
    cut
}

fn root_still_logs_in(droplet: &TestDroplet) {
    let root = droplet.ssh_with_password("root", NEW_ROOT, "id -un");
    assert!(
        root.status.success(),
        "root must still log in: {}",
        String::from_utf8_lossy(&root.stderr)
    );
}

fn no_droplift_dropin(droplet: &TestDroplet) {
    let dropins = droplet.run(&["ls", "-A", "/etc/ssh/sshd_config.d"]);
    assert!(!dropins.contains("00-droplift.conf"), "{dropins}");
}

#[test]
fn the_guard_keeps_the_true_original_restarts_a_stopped_sshd_and_needs_its_safety_net() {
    let Some(droplet) = TestDroplet::boot(UpOptions::updated(Default::default())) else {
        return;
    };
    let home = tempfile::tempdir().expect("temp home");
    let (mut session, answers) = common::session::with_user(
        &droplet,
        home.path(),
        "carol",
        NEW_ROOT,
        "carol's password 1",
    );
    let original = droplet.run(&["sshd", "-T"]);
    let plans = course::plans(StageId::SshHardening, &answers).expect("plans");
    let state = droplet.rootfs().join("var/lib/droplift/sshd");

    // 1. An earlier run stopped after writing the new settings: they are in place, unproven.
    let _ = session.run_plans(StageId::SshHardening, &cut_after_writing(&plans), false);
    assert!(state.join("pending").exists(), "the cut run left its mark");
    assert!(
        droplet
            .run(&["cat", "/etc/ssh/sshd_config.d/00-droplift.conf"])
            .contains("PermitRootLogin no")
    );
    // A second run that fails after the reload must restore the settings from before the FIRST
    // run, not the first run's own output.
    let wrong = home.path().join(".ssh/wrong_ed25519");
    droplift::driver::ensure_key(&wrong, None).expect("second key");
    match session
        .run_plans(
            StageId::SshHardening,
            &common::session::with_failing_login(&plans, &wrong),
            false,
        )
        .expect("stage runs")
    {
        Outcome::Failed {
            phase, rolled_back, ..
        } => {
            assert_eq!(phase, Phase::Apply);
            assert!(rolled_back);
        }
        other => panic!("the stage should have failed and reverted, got {other:?}"),
    }
    assert_eq!(
        droplet.run(&["sshd", "-T"]),
        original,
        "the true original is back"
    );
    no_droplift_dropin(&droplet);
    assert!(!state.join("pending").exists());
    root_still_logs_in(&droplet);

    // 2. The undo finds sshd stopped (the very case "sshd did not come back"): it must start it.
    let _ = session.run_plans(StageId::SshHardening, &cut_after_writing(&plans), false);
    droplet.run(&["systemctl", "stop", "ssh.service"]);
    // What the timer would do in 180 s, now.
    let undo = droplet
        .exec(
            &["systemctl", "start", "--wait", "droplift-sshd-undo.service"],
            None,
        )
        .expect("systemctl runs");
    if !undo.status.success() {
        let journal = droplet.run(&["journalctl", "-u", "droplift-sshd-undo", "--no-pager"]);
        panic!("the undo failed:\n{journal}");
    }
    droplet.run(&["systemctl", "is-active", "ssh.service"]);
    assert_eq!(droplet.run(&["sshd", "-T"]), original);
    no_droplift_dropin(&droplet);
    assert!(
        !state.join("pending").exists(),
        "pending is cleared only by a working undo"
    );
    root_still_logs_in(&droplet);
    droplet.run(&["systemctl", "stop", "droplift-sshd-undo.timer"]);

    // 3. The safety net cannot be armed (its unit name is masked): sshd must not be touched.
    droplet.run(&["systemctl", "mask", "droplift-sshd-undo.timer"]);
    match session
        .run_stage(StageId::SshHardening, false)
        .expect("stage runs")
    {
        Outcome::Failed { step, .. } => {
            assert!(
                step.starts_with("Safety net"),
                "it stops at the safety net: {step}"
            )
        }
        other => panic!("no safety net, no change: got {other:?}"),
    }
    assert_eq!(droplet.run(&["sshd", "-T"]), original);
    no_droplift_dropin(&droplet);
    root_still_logs_in(&droplet);
    droplet.run(&["systemctl", "unmask", "droplift-sshd-undo.timer"]);

    // With everything in order the stage passes, and the undo is really gone afterwards.
    assert_eq!(
        session
            .run_stage(StageId::SshHardening, false)
            .expect("stage runs"),
        Outcome::Applied
    );
    let timers = droplet.run(&["systemctl", "list-timers", "--all"]);
    assert!(!timers.contains("droplift-sshd-undo"), "{timers}");
}
