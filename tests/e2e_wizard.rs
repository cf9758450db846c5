//! The wizard's own path, end to end on a practice droplet, without a terminal: keys go into
//! `update`, its effects are performed by the same `event::perform` the real loop uses (the real
//! SSH worker, the real driver), and worker events come back through the channel. From the
//! e-mailed (expired) root password to a hardened server, as a student would click through.

mod common;

use std::time::Duration;

use common::droplet::TestDroplet;
use common::wizard::Wizard;
use crossterm::event::KeyCode;
use droplift::course::{StageId, StageStatus};
use droplift::practice::UpOptions;
use droplift::wizard::{Overlay, View};

#[test]
fn a_student_clicks_through_stages_one_to_four() {
    let Some(droplet) = TestDroplet::boot(UpOptions::updated(Default::default())) else {
        return;
    };
    let home = tempfile::tempdir().expect("temp home");
    let mut wizard = Wizard::new(home.path());
    let minute = Duration::from_secs(60);

    // 1. Connect: address, port (22), the e-mailed password.
    let address = droplet.address.to_string();
    wizard.fill(&[&address, "", droplet.root_password.expose()]);
    wizard.press(KeyCode::Enter);
    wizard.until("host key question", minute, |app| {
        matches!(app.overlay, Some(Overlay::HostKey { .. }))
    });
    wizard.press(KeyCode::Char('y'));
    wizard.until("password change", minute, |app| {
        matches!(app.overlay, Some(Overlay::PasswordChange(_)))
    });
    let new_root = "a new root pass phrase";
    wizard.fill(&[new_root, new_root]);
    wizard.press(KeyCode::Enter);
    wizard.until("connected and every stage checked", minute, |app| {
        app.status(StageId::Connect) == StageStatus::Done && !app.checking_all
    });
    wizard.press(KeyCode::Enter);

    // 2. Update (no questions). While it installs, the student answers stage 3 (`n`): its
    // check waits for the update and then shows its preview.
    wizard.press(KeyCode::Enter);
    wizard.until("the update's preview", minute, |app| {
        matches!(app.view, View::Preview { .. })
    });
    wizard.press(KeyCode::Enter);
    wizard.until("the update applying", minute, |app| {
        app.work_ahead_target() == Some(StageId::User)
    });
    wizard.press(KeyCode::Char('n'));
    assert_eq!(wizard.app.current, StageId::User);
    let carol_pw = "carol's pass 7";
    wizard.fill(&["carol", carol_pw, carol_pw]);
    wizard.press(KeyCode::Enter);
    assert!(
        wizard.app.queued == Some(StageId::User)
            || wizard.app.status(StageId::Update) == StageStatus::Done,
        "the answers wait for the update: {}",
        wizard.log_tail()
    );
    wizard.until(
        "the update done, then the new user's preview",
        5 * minute,
        |app| app.current == StageId::User && matches!(app.view, View::Preview { .. }),
    );
    assert_eq!(
        wizard.app.status(StageId::Update),
        StageStatus::Done,
        "{}",
        wizard.log_tail()
    );
    // 3. The new user, from its preview.
    wizard.apply_previewed(StageId::User, minute);

    // 4. SSH key and hardening: the default key path (made in the temp HOME), an alias.
    wizard.fill(&["", "", "practice"]);
    wizard.run_stage(StageId::SshHardening, minute);
    assert!(
        wizard
            .app
            .preview
            .report
            .iter()
            .any(|l| l == "+PermitRootLogin no"),
        "the preview showed the sshd change as a diff: {:?}",
        wizard.app.preview.report
    );

    // ── Stages 5 and 6 ──
    // 5. PostgreSQL: the role defaults to carol; a database name that needs quoting.
    let db_pw = "carol's db: 100% #1";
    wizard.fill(&["", "items-db", db_pw, db_pw]);
    wizard.run_stage(StageId::Postgres, 5 * minute);
    assert!(
        wizard
            .app
            .preview
            .report
            .iter()
            .any(|l| l.starts_with("+local") && l.ends_with("scram-sha-256")),
        "the preview showed the pg_hba.conf change: {:?}",
        wizard.app.preview.report
    );
    // 6. Firewall: add a port in the list, then Enter on the empty field.
    wizard.type_text("8080");
    wizard.press(KeyCode::Enter);
    wizard.run_stage(StageId::Firewall, 2 * minute);
    assert!(
        wizard
            .app
            .preview
            .report
            .iter()
            .any(|l| l == "+ allow 8080/tcp"),
        "the preview listed the new rule: {:?}",
        wizard.app.preview.report
    );
    let ufw = droplet.run(&["ufw", "status"]);
    assert!(
        ufw.contains("Status: active") && ufw.contains("8080/tcp"),
        "{ufw}"
    );
    let owner = droplet.run(&[
        "runuser",
        "-u",
        "postgres",
        "--",
        "psql",
        "-XAtc",
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'items-db'",
    ]);
    assert_eq!(owner.trim(), "carol");
    // ── end of stages 5 and 6 ──

    // The server, seen independently.
    let effective = droplet.run(&["sshd", "-T"]);
    for line in [
        "permitrootlogin no",
        "passwordauthentication no",
        "allowusers carol",
    ] {
        assert!(effective.lines().any(|l| l == line), "sshd -T lacks {line}");
    }
    assert!(
        !droplet
            .ssh_with_password("root", new_root, "true")
            .status
            .success()
    );
    assert!(home.path().join(".ssh/id_ed25519").exists());
    let config = std::fs::read_to_string(home.path().join(".ssh/config")).expect("config");
    assert!(config.contains("Host practice"));
    // Starting again on the hardened server: root is refused, so the wizard offers the
    // student's own user with the key, and every stage's check finds it done.
    let mut again = Wizard::new(home.path());
    again.fill(&[&address, "", new_root]);
    again.press(KeyCode::Enter);
    again.until("the offer to log in as the user", minute, |app| {
        matches!(app.overlay, Some(Overlay::UserLogin(_)))
    });
    again.fill(&["carol", carol_pw]);
    again.press(KeyCode::Enter);
    again.until("connected as carol", minute, |app| {
        app.status(StageId::Connect) == StageStatus::Done && !app.checking_all
    });
    // The check of every stage at login (one command) found each stage done: the stage list
    // tells the truth at once, and Enter goes on to the first stage still to do.
    for stage in [StageId::Update, StageId::User, StageId::SshHardening] {
        assert_eq!(again.app.status(stage), StageStatus::Done, "{stage}");
    }
    again.press(KeyCode::Enter);
    assert_eq!(again.app.current, StageId::Postgres);
    // Stages 5 and 6 need their answers (and the database password) to be checked.
    again.fill(&["", "items-db", db_pw, db_pw]);
    again.already_done(StageId::Postgres, minute);
    again.type_text("8080");
    again.press(KeyCode::Enter);
    again.already_done(StageId::Firewall, minute);

    // The log panel never showed a password.
    let log = wizard.log_text(wizard.app.log.rows()) + &again.log_text(again.app.log.rows());
    for secret in [droplet.root_password.expose(), new_root, carol_pw, db_pw] {
        assert!(!log.contains(secret), "a secret reached the log panel");
    }
}
