//! The whole course as one `droplift apply`, and the server state it must leave, asserted from
//! inside the droplet and from this computer: shared by the per-system course tests and e2e_app.

use super::cli::{droplift_logged, said};
use super::droplet::TestDroplet;
use droplift::practice::PracticeOs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

/// Passwords with quotes, spaces and shell syntax: they must travel as data, never as code.
pub const NEW_ROOT: &str = "new 'root' $(id) pw";
pub const USER_PW: &str = "erin's \"pw\" $HOME 8";
/// Every character a URL gives a meaning to, so DATABASE_URL must encode them.
pub const DB_PW: &str = "%40:/?#@ db pw 1";

/// The answers of a course run as `erin` with the sample app, database `items-db`.
pub fn write_answers(home: &Path, address: &str) -> String {
    super::cli::answers_file(
        home,
        &format!(
            "[server]\nhost = \"{address}\"\n\n[user]\nname = \"erin\"\n\n\
             [postgres]\nrole = \"erin\"\ndatabase = \"items-db\"\n\n\
             [nginx]\nsite = \"items-rest\"\nserver_name = \"_\"\n"
        ),
    )
}

/// Every stage, headless, from the e-mailed (expired) root password. Returns the output.
pub fn apply_whole_course(droplet: &TestDroplet, home: &Path, answers: &str) -> Output {
    let started = Instant::now();
    let out = super::cli::apply(
        home,
        answers,
        &[],
        &format!(
            "root_password={}\nnew_root_password={NEW_ROOT}\nuser_password={USER_PW}\n\
             db_password={DB_PW}\n",
            droplet.root_password.expose()
        ),
    );
    let took = started.elapsed();
    eprintln!("--- droplift apply ({})\n{}", out.status, said(&out));
    assert!(out.status.success(), "the course:\n{}", said(&out));
    eprintln!(
        "MEASURED: the whole course on {} took {:.1} s",
        droplet.os.label(),
        took.as_secs_f64()
    );
    out
}

/// The course in two runs, as a student whose laptop died at a given moment: the first run is
/// killed (SIGKILL) once a line of its output contains `at` (after `settle`), `between` looks at
/// the server then (given what the first run printed), and a second `apply` with `rest_secrets`
/// finishes the course. Returns both runs' output, the first's before the second's.
pub fn apply_course_stopped_at(
    droplet: &TestDroplet,
    home: &Path,
    answers: &str,
    at: &str,
    settle: std::time::Duration,
    between: impl FnOnce(&str),
    rest_secrets: &str,
) -> String {
    let started = Instant::now();
    let args = super::cli::apply_args(answers, &[]);
    let (first, hit) = super::cli::droplift_killed_at(
        home,
        &args,
        &format!(
            "root_password={}\nnew_root_password={NEW_ROOT}\nuser_password={USER_PW}\n\
             db_password={DB_PW}\n",
            droplet.root_password.expose()
        ),
        at,
        settle,
    );
    eprintln!("--- droplift apply, killed at {at:?}\n{first}");
    assert!(hit, "the course reached {at:?}:\n{first}");
    between(&first);
    let rest = droplift_logged(home, &args, rest_secrets);
    let rest_text = said(&rest);
    assert!(
        rest.status.success(),
        "the rest of the course:\n{rest_text}"
    );
    eprintln!(
        "MEASURED: the course in two runs on {} took {:.1} s (with the checks between)",
        droplet.os.label(),
        started.elapsed().as_secs_f64()
    );
    format!("{first}{rest_text}")
}

/// What a finished course leaves, checked where it lives: sshd's effective settings and the
/// unit that really listens, sudo, PostgreSQL, the firewall, the service, and the API from here.
pub fn assert_course_state(droplet: &TestDroplet, home: &Path) {
    let sshd = droplet.run(&["sshd", "-T"]);
    for line in [
        "permitrootlogin no",
        "passwordauthentication no",
        "kbdinteractiveauthentication no",
        "allowusers erin",
    ] {
        assert!(sshd.lines().any(|l| l == line), "{line}:\n{sshd}");
    }
    // The unit that runs sshd differs by system; the one that runs must be the one expected.
    let units: &[&str] = match droplet.os {
        PracticeOs::Ubuntu2404 => &["ssh.socket", "ssh.service"],
        PracticeOs::Ubuntu2204 | PracticeOs::Debian12 => &["ssh.service"],
    };
    let mut argv = vec!["systemctl", "is-active"];
    argv.extend(units);
    assert_eq!(
        droplet.run(&argv),
        "active\n".repeat(units.len()),
        "{units:?}"
    );
    // The key logs in; sudo works for erin with the password on stdin.
    let key = home.join(".ssh/id_ed25519");
    let login = droplet.fresh_ssh("erin", &key);
    assert_eq!(
        String::from_utf8_lossy(&login.stdout).trim(),
        "erin",
        "key login: {}",
        String::from_utf8_lossy(&login.stderr)
    );
    let sudo = droplet.run_with_stdin(
        &[
            "runuser", "-u", "erin", "--", "sudo", "-S", "-p", "", "id", "-un",
        ],
        format!("{USER_PW}\n").as_bytes(),
    );
    assert_eq!(sudo.trim(), "root");
    droplet.assert_postgres_stage("erin", "items-db");
    droplet.assert_firewall_on(&["22/tcp", "80/tcp"]);
    // The release serves from the first of the two slots (uwsgi-items-rest@a), nginx's socket
    // name pointing at its socket.
    assert_eq!(
        droplet
            .run(&["cat", "/var/lib/droplift/app/items-rest/slot"])
            .trim(),
        "a"
    );
    assert_eq!(
        droplet
            .run(&[
                "systemctl",
                "is-active",
                "uwsgi-items-rest@a",
                "nginx",
                "postgresql"
            ])
            .trim(),
        "active\nactive\nactive"
    );
    assert_eq!(
        droplet
            .run(&["readlink", "/var/www/html/items-rest/socket.sock"])
            .trim(),
        "socket-a.sock"
    );
    // The environment file is root's, in root's folder for the site (systemd reads it for the
    // service); the site's own folder holds no copy.
    let mode = droplet.run(&[
        "stat",
        "-c",
        "%a %U",
        "/var/lib/droplift/app/items-rest",
        "/var/lib/droplift/app/items-rest/app.env",
    ]);
    assert_eq!(mode.trim(), "700 root\n600 root");
    let stray = droplet.run(&[
        "sh",
        "-c",
        "ls -A /var/www/html/items-rest; find /var/www/html/items-rest/releases -maxdepth 2 -name '.droplift-release*'",
    ]);
    assert_eq!(
        stray.split_whitespace().collect::<Vec<_>>(),
        [
            "check-a.sock",
            "current",
            "log",
            "releases",
            "socket-a.sock",
            "socket.sock",
            "venvs"
        ],
        "the site's folder holds the app's parts only"
    );
    // From this computer, as any visitor: 200 with JSON.
    let curl = Command::new("curl")
        .args(["-sS", "-m", "15", "-w", "\n%{http_code} %{content_type}"])
        .arg(format!("http://{}/items", droplet.address))
        .output()
        .expect("curl runs");
    let answer = String::from_utf8_lossy(&curl.stdout);
    assert!(
        answer.ends_with("\n200 application/json"),
        "GET /items from this computer: {answer}"
    );
    super::audit::finds_no_failure(&droplet.address.to_string());
}

/// A second run on the finished server changes nothing: every stage says so.
pub fn assert_second_run_changes_nothing(home: &Path, answers: &str) {
    let started = Instant::now();
    let again = droplift_logged(
        home,
        &["apply", "--answers", answers, "--yes", "--secrets-stdin"],
        &format!("user_password={USER_PW}\ndb_password={DB_PW}\n"),
    );
    let took = started.elapsed();
    let said = said(&again);
    assert!(again.status.success(), "second run:\n{said}");
    assert_eq!(
        said.matches("done (nothing to change").count(),
        9,
        "every stage was done already:\n{said}"
    );
    // The optional tenth, without a domain, is skipped (not done).
    assert_eq!(said.matches("skipped (no domain").count(), 1, "{said}");
    assert!(!said.contains("[apply]"), "nothing was applied:\n{said}");
    eprintln!("MEASURED: the second run took {:.1} s", took.as_secs_f64());
}
