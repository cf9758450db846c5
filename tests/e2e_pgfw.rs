//! End to end on one practice droplet: the real binary takes it through the access stages, then
//! PostgreSQL (a role and a database whose names need quoting, a password full of characters
//! that break naive quoting) and the firewall (with extra ports). Everything is checked from
//! independent views: psql and ufw inside the droplet (nsenter), TCP and OpenSSH from outside.
//! Then: a second run changes nothing; a failed fresh login after `ufw enable` turns the
//! firewall off again (it was off); the automatic undo of a run cut off after `ufw enable`
//! puts a firewall that was on back on with its own rules, and the cancel that comes too late
//! says the change was undone; a hand-edited pg_hba.conf gets exactly droplift's one-line change.

mod common;

use common::cli::{droplift_logged, said};
use common::droplet::TestDroplet;
use droplift::course::plan::{Action, Expect, LoginAuth};
use droplift::course::{self, StageId, answers_file};
use droplift::headless::session::{ConnectOptions, Session};
use droplift::practice::UpOptions;
use droplift::remote::HostKeyPolicy;
use droplift::runner::{Outcome, Phase};
use droplift::secret::{Redactor, Secret, SecretName, Secrets};

const NEW_ROOT: &str = "new root pw 4 practice";
const USER_PW: &str = "alice's pw 123";
/// Every character the issue names: ' $ \ space % @ : / #
const DB_PW: &str = r"it's $HOME \ 100% a@b:c/d #x ü";
const ROLE: &str = "items app";
const DB: &str = "items-db";

#[test]
fn postgres_and_firewall_on_a_hardened_droplet_and_a_second_run_changes_nothing() {
    let Some(droplet) = TestDroplet::boot(UpOptions::updated(Default::default())) else {
        return;
    };
    let home = tempfile::tempdir().expect("temp home");
    let answers_path = common::cli::answers_file(
        home.path(),
        &format!(
            "[server]\nhost = \"{}\"\n\n[user]\nname = \"alice\"\n\n\
             [postgres]\nrole = \"{ROLE}\"\ndatabase = \"{DB}\"\n\n\
             [firewall]\nextra_ports = [8080, \"53/udp\"]\n",
            droplet.address
        ),
    );
    let answers_file = answers_path.as_str();
    let first_root = droplet.root_password.expose().to_owned();
    let mut outputs = Vec::new();

    // Stages 1–4 with the real binary, as a student would run them first.
    let access = droplift_logged(
        home.path(),
        &[
            "apply",
            "--answers",
            answers_file,
            "--yes",
            "--secrets-stdin",
            "--accept-new-host-key",
            "--only",
            "connect",
            "update",
            "user",
            "ssh",
        ],
        &format!(
            "root_password={first_root}\nnew_root_password={NEW_ROOT}\nuser_password={USER_PW}\n"
        ),
    );
    assert!(access.status.success(), "access stages:\n{}", said(&access));
    outputs.push(said(&access));

    // Like a server image without a firewall tool: the stage must install ufw itself.
    droplet.run(&["apt-get", "purge", "-y", "-q", "ufw"]);

    // Stages 5 and 6. Root is refused now: droplift logs in as alice with the key.
    let secrets = format!("user_password={USER_PW}\ndb_password={DB_PW}\n");
    let only = ["--only", "postgres", "firewall"];
    let apply_args = [
        &[
            "apply",
            "--answers",
            answers_file,
            "--yes",
            "--secrets-stdin",
        ][..],
        &only[..],
    ]
    .concat();
    let first = droplift_logged(home.path(), &apply_args, &secrets);
    let first_text = said(&first);
    assert!(first.status.success(), "first apply:\n{first_text}");
    assert_eq!(first_text.matches("\ndone\n").count(), 2, "{first_text}");
    assert!(
        first_text.contains(
            "+local   all             all                                     scram-sha-256"
        ),
        "the check showed pg_hba.conf's change as a diff:\n{first_text}"
    );
    assert!(
        first_text.contains("allow 22/tcp"),
        "the SSH rule is listed"
    );
    assert!(
        first_text.contains("to install: ufw"),
        "ufw was missing and is installed"
    );
    outputs.push(first_text);

    // PostgreSQL, from inside the droplet: the role's password works over the socket and TCP,
    // exactly as typed; a wrong one is refused; the database belongs to the role.
    let who = format!("{ROLE}|{DB}");
    assert_eq!(
        droplet.psql_as(ROLE, DB, "/var/run/postgresql", DB_PW),
        Ok(who.clone())
    );
    assert_eq!(droplet.psql_as(ROLE, DB, "127.0.0.1", DB_PW), Ok(who));
    let wrong = droplet
        .psql_as(ROLE, DB, "127.0.0.1", "it's $HOME")
        .expect_err("wrong password");
    assert!(wrong.contains("password authentication failed"), "{wrong}");
    let wrong = droplet
        .psql_as(ROLE, DB, "/var/run/postgresql", "")
        .expect_err("no password");
    assert!(wrong.contains("no password supplied"), "{wrong}");
    droplet.assert_postgres_stage(ROLE, DB);

    // The firewall, from inside (ufw) and from outside (TCP, OpenSSH).
    droplet.assert_firewall_on(&["22/tcp", "80/tcp", "8080/tcp", "53/udp"]);
    for port in ["8080", "9999"] {
        droplet.run(&[
            "systemd-run",
            &format!("--unit=listen{port}"),
            "python3",
            "-m",
            "http.server",
            port,
        ]);
    }
    droplet.run(&[
        "sh",
        "-c",
        "for i in $(seq 300); do ss -ltn | grep -q ':9999 ' && ss -ltn | grep -q ':8080 ' && exit 0; sleep 0.1; done; exit 1",
    ]);
    assert!(droplet.reachable(8080), "an added port gets through");
    assert!(!droplet.reachable(9999), "any other port is shut");
    let key = home.path().join(".ssh/id_ed25519");
    let login = droplet.fresh_ssh("alice", &key);
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );

    // Again: nothing to change, and nothing changed.
    let hba = droplet.hba_file();
    let watched = [hba.as_str(), "/etc/ufw/user.rules", "/etc/default/ufw"];
    let stat = |files: &[&str]| droplet.run(&[&["stat", "-c", "%n %Y %s"][..], files].concat());
    let before = stat(&watched);
    let second = droplift_logged(home.path(), &apply_args, &secrets);
    let second_text = said(&second);
    assert!(second.status.success(), "second apply:\n{second_text}");
    assert_eq!(
        second_text.matches("nothing to change").count(),
        2,
        "{second_text}"
    );
    assert_eq!(before, stat(&watched), "a second run changes nothing");
    outputs.push(second_text);

    // The guard: when the fresh login after `ufw enable` fails (here: a key the server does
    // not know), the firewall goes off again at once.
    let wrong_key = home.path().join(".ssh/wrong_ed25519");
    droplift::driver::ensure_key(&wrong_key, None).expect("second key");
    droplet.run(&["ufw", "--force", "disable"]);
    let (parsed, _) =
        answers_file::parse(&std::fs::read_to_string(&answers_path).expect("answers"))
            .expect("answers parse");
    let redactor = Redactor::new();
    let mut lib_secrets = Secrets::new();
    lib_secrets.set(SecretName::UserPassword, Secret::new(USER_PW), &redactor);
    let mut session = Session::connect(
        parsed.clone(),
        lib_secrets,
        redactor,
        ConnectOptions {
            host_keys: HostKeyPolicy::Strict,
            interactive: false,
            home: home.path().to_path_buf(),
            change_password: false,
            learn_new_host_key: false,
            deploy_key: None,
        },
    )
    .expect("alice logs in with the key");
    let mut plans = course::plans(StageId::Firewall, &parsed).expect("plans");
    let login_step = plans
        .apply
        .steps
        .iter_mut()
        .find(|s| {
            matches!(
                &s.action,
                Action::FreshLogin {
                    expect: Expect::Success,
                    ..
                }
            )
        })
        .expect("the fresh login");
    if let Action::FreshLogin { auth, .. } = &mut login_step.action {
        *auth = LoginAuth::Key(wrong_key);
    }
    match session
        .run_plans(StageId::Firewall, &plans, false)
        .expect("stage runs")
    {
        Outcome::Failed {
            phase, rolled_back, ..
        } => {
            assert_eq!(phase, Phase::Apply);
            assert!(rolled_back, "the firewall is turned off again");
        }
        other => panic!("the stage should have failed and reverted, got {other:?}"),
    }
    let status = droplet.run(&["ufw", "status"]);
    assert!(status.contains("Status: inactive"), "{status}");
    let timers = droplet.run(&["systemctl", "list-timers", "--all"]);
    assert!(!timers.contains("droplift-ufw-undo"), "{timers}");
    assert!(
        droplet.fresh_ssh("alice", &key).status.success(),
        "SSH works as before"
    );
    assert_eq!(
        session.run_stage(StageId::Firewall, false).expect("again"),
        Outcome::Applied
    );
    assert!(droplet.run(&["ufw", "status"]).contains("Status: active"));

    // The automatic undo puts back the firewall from before the stage, not "off": here it was on,
    // with a rule added by hand and without one of droplift's. A run cut off after `ufw enable`
    // (no fresh login, no cancel, no rollback) leaves the undo armed; systemd then runs it, as
    // the timer would after 180 s.
    droplet.run(&["ufw", "delete", "allow", "8080/tcp"]);
    droplet.run(&["ufw", "allow", "2222/tcp", "comment", "by hand"]);
    let before = droplet.run(&["ufw", "status", "verbose"]);
    assert!(
        before.contains("Status: active")
            && before.contains("2222/tcp")
            && !before.contains("8080"),
        "{before}"
    );
    let mut cut = plans.clone();
    let enable = cut
        .apply
        .steps
        .iter()
        .position(|s| s.title.starts_with("Turn the firewall on"))
        .expect("the enable step");
    cut.apply.steps.truncate(enable + 1);
    cut.apply.rollback.clear();
    let _ = session.run_plans(StageId::Firewall, &cut, false);
    let changed = droplet.run(&["ufw", "status", "verbose"]);
    assert!(
        changed.contains("8080/tcp"),
        "the cut run changed the rules:\n{changed}"
    );
    let undo = droplet
        .exec(
            &["systemctl", "start", "--wait", "droplift-ufw-undo.service"],
            None,
        )
        .expect("systemctl");
    assert!(
        undo.status.success(),
        "the undo failed:\n{}",
        droplet.run(&["journalctl", "-u", "droplift-ufw-undo", "--no-pager"])
    );
    assert_eq!(
        droplet.run(&["ufw", "status", "verbose"]),
        before,
        "on again with exactly its rules from before the stage"
    );
    assert!(droplet.reachable(22), "SSH gets through");
    // droplift's cancel, coming after the undo ran: the student is told the change was undone,
    // never that it stays, and the rollback that follows leaves the firewall as it was.
    let mut late = plans.clone();
    late.apply.steps.retain(|s| {
        s.title
            .starts_with("SSH gets through: cancel the automatic undo")
    });
    assert_eq!(late.apply.steps.len(), 1, "the cancel step");
    match session
        .run_plans(StageId::Firewall, &late, false)
        .expect("stage runs")
    {
        Outcome::Failed { detail, .. } => {
            let said = detail.join("\n");
            assert!(
                said.contains("this stage's change was undone and the old settings are back"),
                "{said}"
            );
        }
        other => panic!("a cancel after the undo ran must fail, got {other:?}"),
    }
    assert_eq!(droplet.run(&["ufw", "status", "verbose"]), before);
    let timers = droplet.run(&["systemctl", "list-timers", "--all"]);
    assert!(!timers.contains("droplift-ufw-undo"), "{timers}");
    assert_eq!(
        session.run_stage(StageId::Firewall, false).expect("again"),
        Outcome::Applied
    );
    let after = droplet.run(&["ufw", "status", "verbose"]);
    assert!(
        after.contains("8080/tcp") && after.contains("2222/tcp"),
        "the stage adds its rule and keeps the one added by hand:\n{after}"
    );
    drop(session);

    // A pg_hba.conf changed by hand: the check shows exactly droplift's one line, and the
    // apply changes that line and nothing else.
    droplet.run(&[
        "sh",
        "-c",
        "sed -i 's/^local   all             all                                     scram-sha-256$/local   all             all                                     peer/' \"$0\" \
         && printf '# added by hand\\nhost    items-db        all             10.0.0.0/8              scram-sha-256\\n' >> \"$0\" \
         && runuser -u postgres -- psql -X -q -c 'SELECT pg_reload_conf()'",
        &hba,
    ]);
    let hand_edited = droplet.run(&["cat", &hba]);
    let status = droplift_logged(
        home.path(),
        &[
            "status",
            "--answers",
            answers_file,
            "--secrets-stdin",
            "--only",
            "postgres",
        ],
        &secrets,
    );
    assert!(said(&status).contains("pending"), "{}", said(&status));
    let third = droplift_logged(
        home.path(),
        &[
            "apply",
            "--answers",
            answers_file,
            "--yes",
            "--secrets-stdin",
            "--only",
            "postgres",
        ],
        &secrets,
    );
    let third_text = said(&third);
    assert!(third.status.success(), "{third_text}");
    let changed: Vec<&str> = third_text
        .lines()
        .map(|l| l.trim_start_matches("    | "))
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        [
            "-local   all             all                                     peer",
            "+local   all             all                                     scram-sha-256",
            "-local   all             all                                     peer",
            "+local   all             all                                     scram-sha-256",
        ],
        "the check's diff and the apply's diff show that one line only:\n{third_text}"
    );
    let after = droplet.run(&["cat", &hba]);
    assert_eq!(
        after,
        hand_edited.replace(
            "local   all             all                                     peer",
            "local   all             all                                     scram-sha-256"
        ),
        "nothing else in the file changed"
    );
    outputs.push(third_text);

    let status = droplift_logged(
        home.path(),
        &["status", "--answers", answers_file, "--secrets-stdin"],
        &secrets,
    );
    assert!(status.status.success(), "{}", said(&status));
    // Stages 1–6; stage 10, which has nothing to do without a [tls] domain, is skipped.
    assert!(
        said(&status).contains("skipped   no domain"),
        "{}",
        said(&status)
    );
    assert_eq!(
        said(&status).matches(" done ").count(),
        6,
        "{}",
        said(&status)
    );
    outputs.push(said(&status));

    outputs.extend(backups(&droplet, home.path(), answers_file, &secrets));

    // No password anywhere: not in droplift's output, not in its files on this computer, not in
    // PostgreSQL's log on the server.
    let all = outputs.join("\n");
    let files = common::files::all_text_under(&home.path().join("data"))
        + &common::files::all_text_under(&home.path().join(".ssh"));
    for secret in [first_root.as_str(), NEW_ROOT, USER_PW, DB_PW] {
        assert!(
            !all.contains(secret),
            "a secret leaked into droplift's output"
        );
        assert!(
            !files.contains(secret),
            "a secret leaked into a file on this computer"
        );
    }
    let logged = droplet
        .exec(
            &["grep", "-rF", "-f", "-", "/var/log/postgresql"],
            Some(DB_PW.as_bytes()),
        )
        .expect("grep runs");
    assert_eq!(
        logged.status.code(),
        Some(1),
        "the password is not in PostgreSQL's log"
    );
}

const BACKUPS: &str = "/var/lib/droplift/backups/items-rest";

/// A backup file's name (as the server's script names them) for `hour` o'clock UTC, `days` days ago.
fn dump_name(days: u64, hour: u64) -> String {
    // At `hour` o'clock (UTC) `days` days before today: two of one day stay on that day
    // whatever time the test runs (hours before now crossed midnight between 00:00 and 01:00).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let secs = now - now % 86_400 - days * 86_400 + hour * 3600;
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{secs}"), "+%Y%m%dT%H%M%SZ"])
        .output()
        .expect("date");
    format!("{DB}-{}.dump", String::from_utf8_lossy(&out.stdout).trim())
}

/// Day two (issue 29): `droplift backup now` sets up the nightly timer and takes a backup by
/// its unit; the backup restores (rows counted from inside); older ones are thinned out; the
/// list shows them; a failing backup fails loudly and leaves no partial file. Returns what
/// droplift said.
fn backups(
    droplet: &TestDroplet,
    home: &std::path::Path,
    answers: &str,
    secrets: &str,
) -> Vec<String> {
    let mut said_all = Vec::new();
    // SQL as PostgreSQL's own superuser, inside the droplet; its output, trimmed.
    let sql = |db: &str, query: &str| {
        droplet
            .run(&[
                "runuser", "-u", "postgres", "--", "psql", "-XAtq", "-d", db, "-c", query,
            ])
            .trim()
            .to_owned()
    };
    sql(
        DB,
        "CREATE TABLE notes (id int); INSERT INTO notes VALUES (1), (2), (3);",
    );
    // Backups of other days, as the timer would have left them: 2 days old is kept, the older
    // of two on one day is removed, and so is one 40 days old (7 newer days and 4 newer weeks
    // have a backup).
    let (kept, same_day_older, too_old) = (dump_name(2, 12), dump_name(5, 11), dump_name(40, 12));
    let planted = [
        kept.clone(),
        dump_name(3, 12),
        dump_name(5, 12),
        same_day_older.clone(),
        dump_name(10, 12),
        dump_name(17, 12),
        dump_name(24, 12),
        too_old.clone(),
    ];
    droplet.run(&["install", "-d", "-m", "700", BACKUPS]);
    for name in &planted {
        droplet.run(&["touch", &format!("{BACKUPS}/{name}")]);
    }

    let now = droplift_logged(
        home,
        &["backup", "now", "--answers", answers, "--secrets-stdin"],
        secrets,
    );
    let text = said(&now);
    assert!(now.status.success(), "backup now:\n{text}");
    assert!(text.contains(&format!("backup: {BACKUPS}/{DB}-")), "{text}");
    said_all.push(text);
    assert_eq!(
        droplet
            .run(&[
                "systemctl",
                "is-enabled",
                "droplift-backup-items-rest.timer"
            ])
            .trim(),
        "enabled"
    );
    let newest = droplet
        .run(&["sh", "-c", &format!("ls -t {BACKUPS}/*.dump | head -n 1")])
        .trim()
        .to_owned();
    assert_eq!(
        droplet.run(&["stat", "-c", "%a %U", BACKUPS, &newest]),
        "700 root\n600 root\n",
        "only root may read the backups"
    );
    let left = droplet.run(&["ls", BACKUPS]);
    assert!(left.contains(&kept), "{left}");
    assert!(!left.contains(&same_day_older), "{left}");
    assert!(!left.contains(&too_old), "{left}");

    // The backup is a real one: restored into a scratch database, the rows are there.
    droplet.run(&[
        "sh",
        "-c",
        &format!(
            "cd / && runuser -u postgres -- createdb scratch && \
             runuser -u postgres -- pg_restore --no-owner -d scratch < {newest}"
        ),
    ]);
    let rows = sql("scratch", "SELECT count(*) FROM notes");
    assert_eq!(rows, "3");

    let list = droplift_logged(
        home,
        &["backup", "list", "--answers", answers, "--secrets-stdin"],
        secrets,
    );
    let text = said(&list);
    assert!(list.status.success(), "{text}");
    let newest_name = newest.rsplit('/').next().expect("a name");
    assert!(text.contains(newest_name), "{text}");
    assert!(text.contains("the timer: enabled"), "{text}");
    said_all.push(text);

    // A copy on this computer (one that outlives the droplet): the same bytes, mode 600, in
    // droplift's data folder; the server's hand-over copy is gone again.
    let pull = droplift_logged(
        home,
        &["backup", "pull", "--answers", answers, "--secrets-stdin"],
        secrets,
    );
    let text = said(&pull);
    assert!(pull.status.success(), "{text}");
    let local = home
        .join("data/backups")
        .join(droplet.address.to_string())
        .join("items-rest")
        .join(newest_name);
    assert!(
        text.contains(&format!("saved on this computer: {}", local.display())),
        "{text}"
    );
    let bytes = std::fs::read(&local).expect("the pulled backup");
    assert_eq!(
        bytes,
        std::fs::read(droplet.rootfs().join(newest.trim_start_matches('/'))).expect("server's")
    );
    assert_eq!(
        std::fs::metadata(&local)
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
            .expect("mode"),
        0o600
    );
    let handed = droplet.run(&["sh", "-c", "ls -d /tmp/droplift-pull.* 2>/dev/null | wc -l"]);
    assert_eq!(handed.trim(), "0", "the hand-over copy is removed");
    said_all.push(text);

    // A drill proves the backup restores, beside the live data, and leaves nothing behind.
    let restore = |args: &[&str]| {
        let mut all = vec!["restore", "--answers", answers, "--secrets-stdin"];
        all.extend_from_slice(args);
        droplift_logged(home, &all, secrets)
    };
    let drill = restore(&[newest_name, "--drill"]);
    let text = said(&drill);
    assert!(drill.status.success(), "{text}");
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["|", "public.notes", "3", "3"]),
        "{text}"
    );
    let scratch = droplet.run(&["runuser", "-u", "postgres", "--", "psql", "-XAtl"]);
    assert!(!scratch.contains("droplift_drill"), "{scratch}");
    said_all.push(text);

    // The data is deleted by mistake; a restore puts it back, asking first for the site's name.
    let rows = |db: &str| sql(db, "SELECT count(*) FROM notes");
    sql(DB, "DELETE FROM notes");
    assert_eq!(rows(DB), "0");
    let unasked = restore(&[newest_name]);
    assert_eq!(unasked.status.code(), Some(2), "{}", said(&unasked));
    assert!(
        said(&unasked).contains("--confirm items-rest"),
        "{}",
        said(&unasked)
    );
    let count = |dir: &str| droplet.run(&["sh", "-c", &format!("ls {dir} | wc -l")]);
    let before = count(BACKUPS);
    let back = restore(&[newest_name, "--confirm", "items-rest"]);
    let text = said(&back);
    assert!(back.status.success(), "{text}");
    assert_eq!(rows(DB), "3", "the rows are back");
    assert_ne!(
        count(BACKUPS),
        before,
        "the state before was kept as a backup"
    );
    said_all.push(text);

    // A damaged file is refused before anything changes.
    droplet.run(&[
        "sh",
        "-c",
        &format!("echo damaged > {BACKUPS}/{DB}-20200101T000000Z.dump"),
    ]);
    let damaged = restore(&[
        &format!("{DB}-20200101T000000Z.dump"),
        "--confirm",
        "items-rest",
    ]);
    let text = said(&damaged);
    assert_eq!(damaged.status.code(), Some(1), "{text}");
    assert!(
        text.contains("not a readable archive: nothing was changed"),
        "{text}"
    );
    assert_eq!(rows(DB), "3");
    said_all.push(text);

    // With PostgreSQL stopped, the backup fails, says so, and leaves nothing half-written.
    droplet.run(&["systemctl", "stop", "postgresql"]);
    let failed = droplift_logged(
        home,
        &["backup", "now", "--answers", answers, "--secrets-stdin"],
        secrets,
    );
    droplet.run(&["systemctl", "start", "postgresql"]);
    let text = said(&failed);
    assert_eq!(failed.status.code(), Some(1), "{text}");
    assert!(text.contains("the backup failed"), "{text}");
    let partial = droplet.run(&[
        "sh",
        "-c",
        &format!("ls -A {BACKUPS} | grep -c partial || true"),
    ]);
    assert_eq!(partial.trim(), "0");
    said_all.push(text);
    said_all
}
