//! The nginx stage end to end on a real practice droplet: the access stages first (the real
//! binary, as tests/e2e_access.rs runs them), then `apply --only nginx` with the course's
//! template, two broken edits that must leave the old site serving, a good edit, a re-run that
//! changes nothing, the enable step's undo when the configuration breaks under it, and the
//! wizard's editor pane (a broken edit, its line, the fix). Every claim about the server is
//! checked from inside the droplet (nsenter), not from droplift's own output.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::cli::{self, droplift_logged};
use common::droplet::TestDroplet;
use common::wizard::Wizard;
use crossterm::event::{KeyCode, KeyModifiers};
use droplift::course::StageStatus;
use droplift::course::plan::Action;
use droplift::course::{self, StageId, answers};
use droplift::practice::UpOptions;
use droplift::wizard::{Overlay, View};

const NEW_ROOT: &str = "nginx 'root' $(id) pw";
const USER_PW: &str = "dana's \"pw\" $HOME 7";
const SITE: &str = "/etc/nginx/sites-available/items-rest";
const ENABLED: &str = "/etc/nginx/sites-enabled/items-rest";

/// The status line of `curl -sI http://127.0.0.1/`, asked from inside the droplet.
fn status_from_inside(droplet: &TestDroplet) -> String {
    let headers = droplet.run(&["curl", "-sI", "--max-time", "10", "http://127.0.0.1/"]);
    headers.lines().next().unwrap_or_default().trim().to_owned()
}

/// The template as the stage fills it for these answers.
fn template_site() -> String {
    course::stages::nginx::site_from_template(
        &course::values::SiteName::parse("items-rest").expect("site"),
        &course::values::ServerName::parse("_").expect("server name"),
    )
}

/// Writes the answers file, with `site_file` when given.
fn write_answers(home: &Path, address: &str, site_file: Option<&str>) -> String {
    let mut answers = format!(
        "[server]\nhost = \"{address}\"\n\n[user]\nname = \"dana\"\n\n[nginx]\nsite = \"items-rest\"\nserver_name = \"_\"\n"
    );
    if let Some(file) = site_file {
        answers.push_str(&format!("site_file = \"{file}\"\n"));
    }
    common::cli::answers_file(home, &answers)
}

fn apply_nginx(home: &Path, answers: &str) -> Output {
    droplift_logged(
        home,
        &[
            "apply",
            "--answers",
            answers,
            "--yes",
            "--secrets-stdin",
            "--only",
            "nginx",
        ],
        &format!("root_password={NEW_ROOT}\nuser_password={USER_PW}\n"),
    )
}

#[test]
fn nginx_serves_the_site_and_a_broken_edit_never_replaces_it() {
    let Some(droplet) = TestDroplet::boot(UpOptions::updated(Default::default())) else {
        return;
    };
    let home = tempfile::tempdir().expect("temp home");
    let address = droplet.address.to_string();
    let answers = write_answers(home.path(), &address, None);

    // Stages 1–4, exactly as a student runs them: the nginx stage then logs in as dana.
    let access = droplift_logged(
        home.path(),
        &[
            "apply",
            "--answers",
            &answers,
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
            "root_password={}\nnew_root_password={NEW_ROOT}\nuser_password={USER_PW}\n",
            droplet.root_password.expose()
        ),
    );
    assert!(
        access.status.success(),
        "access stages:\n{}",
        cli::said(&access)
    );

    // The template, applied.
    let first = apply_nginx(home.path(), &answers);
    let first_text = cli::said(&first);
    assert!(first.status.success(), "nginx stage:\n{first_text}");
    assert!(
        first_text.contains("502 Bad Gateway is expected for now"),
        "the check says in plain words that 502 is expected:\n{first_text}"
    );
    let config = droplet.run(&["nginx", "-T"]);
    assert!(
        config.contains(&format!("# configuration file {ENABLED}:")),
        "{config}"
    );
    assert!(config.contains("uwsgi_pass unix:/var/www/html/items-rest/socket.sock;"));
    assert_eq!(droplet.run(&["cat", SITE]), template_site());
    assert_eq!(droplet.run(&["readlink", ENABLED]).trim(), SITE);
    assert!(
        !droplet
            .run(&["ls", "/etc/nginx/sites-enabled"])
            .contains("default"),
        "the default site is off"
    );
    droplet.run(&["test", "-f", "/etc/nginx/sites-available/default"]);
    assert_eq!(status_from_inside(&droplet), "HTTP/1.1 502 Bad Gateway");
    let leftovers = droplet.run(&[
        "sh",
        "-c",
        "ls -A /etc/nginx | grep droplift; ls -A /var/lib/droplift/nginx; true",
    ]);
    assert_eq!(leftovers, "", "no test or staging files are left behind");

    // Broken edits: a missing `;` and an unknown directive. Each fails at nginx -t with its
    // line in plain words; the server keeps the old file and the old site keeps answering.
    let good = template_site();
    let before = droplet.run(&["stat", "-c", "%Y %s", SITE]);
    // nginx names the `}` after the line that lost its `;`, and the misspelt directive itself.
    let line_of = |needle: &str| good.lines().position(|l| l.contains(needle)).expect("line") + 1;
    let broken = [
        (
            good.replacen("$scheme;", "$scheme", 1),
            line_of("$scheme;") + 1,
            format!("Line {} probably lacks a ; at its end", line_of("$scheme;")),
        ),
        // nginx names the line after `listen 80 default_server` (which lost its `;`) with its own
        // words.
        (
            good.replacen("listen 80 default_server;", "listen 80 default_server", 1),
            line_of("listen 80 default_server;") + 1,
            format!(
                "Line {} probably lacks a ; at its end",
                line_of("listen 80 default_server;")
            ),
        ),
        (
            good.replacen("server_name _;", "servr_name _;", 1),
            line_of("server_name _;"),
            "nginx does not know the word \"servr_name\"".to_owned(),
        ),
    ];
    for (site, line, plain) in &broken {
        std::fs::write(home.path().join("edited.conf"), site).expect("edit");
        let answers = write_answers(home.path(), &address, Some("edited.conf"));
        let out = apply_nginx(home.path(), &answers);
        let said = cli::said(&out);
        assert_eq!(out.status.code(), Some(1), "{said}");
        assert!(
            said.contains(&format!("In edited.conf: Line {line}: ")),
            "line {line}:\n{said}"
        );
        assert!(said.contains(plain.as_str()), "{said}");
        assert!(
            said.contains("Nothing was changed: the old configuration keeps serving."),
            "{said}"
        );
        assert_eq!(droplet.run(&["stat", "-c", "%Y %s", SITE]), before);
        assert_eq!(droplet.run(&["cat", SITE]), good);
        assert_eq!(status_from_inside(&droplet), "HTTP/1.1 502 Bad Gateway");
        droplet.run(&["nginx", "-t"]);
    }

    // A good edit goes live; running it again changes nothing.
    let edited = good.replacen(
        "    server_name _;\n",
        "    server_name _;\n    client_max_body_size 2m;\n",
        1,
    );
    std::fs::write(home.path().join("edited.conf"), &edited).expect("edit");
    let answers = write_answers(home.path(), &address, Some("edited.conf"));
    let applied = apply_nginx(home.path(), &answers);
    assert!(applied.status.success(), "{}", cli::said(&applied));
    assert!(
        cli::said(&applied).contains("+    client_max_body_size 2m;"),
        "the check showed the change as a diff"
    );
    assert!(
        droplet
            .run(&["nginx", "-T"])
            .contains("client_max_body_size 2m;")
    );
    assert_eq!(status_from_inside(&droplet), "HTTP/1.1 502 Bad Gateway");
    let stamp = |d: &TestDroplet| d.run(&["stat", "-c", "%Y %i", SITE, ENABLED]);
    let settled = stamp(&droplet);
    let master = droplet.run(&["cat", "/run/nginx.pid"]);
    let again = apply_nginx(home.path(), &answers);
    assert!(again.status.success(), "{}", cli::said(&again));
    assert!(
        cli::said(&again).contains("done (nothing to change"),
        "{}",
        cli::said(&again)
    );
    assert_eq!(stamp(&droplet), settled, "a re-run changes nothing");
    assert_eq!(droplet.run(&["cat", "/run/nginx.pid"]), master);
    let status = droplift_logged(
        home.path(),
        &[
            "status",
            "--answers",
            &answers,
            "--secrets-stdin",
            "--only",
            "nginx",
        ],
        &format!("user_password={USER_PW}\n"),
    );
    assert!(
        cli::said(&status).contains(" done "),
        "{}",
        cli::said(&status)
    );

    // The enable step's own guard: if the configuration breaks after the test (here, another
    // file nginx reads), enabling puts every file back and the old site keeps serving.
    let mut tested = course::answers::Answers::new(&address, "dana");
    tested.nginx = answers::NginxAnswers {
        site_text: Some(good.clone()),
        ..answers::NginxAnswers::default()
    };
    let plans = course::plans(StageId::Nginx, &tested).expect("plans");
    let Action::Run(enable) = &plans.apply.steps[2].action else {
        panic!("the third apply step runs the enable script");
    };
    droplet.run(&["sh", "-c", "mkdir -p /var/lib/droplift/nginx"]);
    let candidate = droplet.exec(
        &["sh", "-c", "cat > /var/lib/droplift/nginx/items-rest"],
        Some(good.as_bytes()),
    );
    assert!(candidate.expect("write candidate").status.success());
    droplet.run(&[
        "sh",
        "-c",
        "echo 'this is not nginx;' > /etc/nginx/conf.d/broken.conf",
    ]);
    let guarded = droplet
        .exec(&["bash", "-c", &enable.script], None)
        .expect("run enable");
    let guarded_said = String::from_utf8_lossy(&guarded.stderr).into_owned();
    assert!(!guarded.status.success(), "{guarded_said}");
    assert!(
        guarded_said.contains("Every file was put back as it was"),
        "{guarded_said}"
    );
    droplet.run(&["rm", "/etc/nginx/conf.d/broken.conf"]);
    assert_eq!(
        droplet.run(&["cat", SITE]),
        edited,
        "the live site file is back"
    );
    assert_eq!(droplet.run(&["readlink", ENABLED]).trim(), SITE);
    assert_eq!(status_from_inside(&droplet), "HTTP/1.1 502 Bad Gateway");
    droplet.run(&["nginx", "-t"]);

    // The wizard's own path: log in as dana (root is refused now), jump to the nginx stage,
    // give the site the droplet's address as its name, break the file in the editor pane,
    // see nginx -t's complaint at its line with the old site still serving, fix it, apply.
    let mut wizard = Wizard::new(home.path());
    let minute = Duration::from_secs(60);
    wizard.fill(&[&address, "", NEW_ROOT]);
    wizard.press(KeyCode::Enter);
    wizard.until("the offer to log in as the user", minute, |app| {
        matches!(app.overlay, Some(Overlay::UserLogin(_)))
    });
    wizard.fill(&["dana", USER_PW]);
    wizard.press(KeyCode::Enter);
    wizard.until("connected as dana and every stage checked", minute, |app| {
        app.status(StageId::Connect) == StageStatus::Done && !app.checking_all
    });
    for _ in 0..StageId::Nginx.index() {
        wizard.chord(KeyModifiers::ALT, KeyCode::Down);
    }
    assert_eq!(wizard.app.current, StageId::Nginx);
    wizard.press(KeyCode::Tab);
    wizard.press(KeyCode::Backspace);
    wizard.type_text(&address);
    wizard.press(KeyCode::Tab);
    wizard.press(KeyCode::Enter);
    wizard.until("the editor pane", minute, |app| app.view == View::Editor);
    assert_eq!(
        wizard.app.entry(StageId::Nginx).map(|e| e.note.as_str()),
        Some("the site file on the server is not yours yet")
    );
    let row = course::stages::nginx::TEMPLATE
        .lines()
        .position(|l| l.contains("include uwsgi_params;"))
        .expect("line");
    for _ in 0..row {
        wizard.press(KeyCode::Down);
    }
    wizard.type_text("x");
    wizard.chord(KeyModifiers::CONTROL, KeyCode::Char('s'));
    wizard.until("nginx -t's complaint in the pane", minute, |app| {
        app.view == View::Editor && app.editor.as_ref().is_some_and(|e| e.error.is_some())
    });
    let editor = wizard.app.editor.as_ref().expect("editor");
    let complaint = editor.error.as_ref().expect("complaint");
    assert_eq!(complaint.line, row + 1, "{}", complaint.message);
    assert!(
        complaint.message.contains("the word \"x\""),
        "{}",
        complaint.message
    );
    assert_eq!(
        editor.area.cursor().0,
        row,
        "the cursor is on the reported line"
    );
    assert_eq!(
        droplet.run(&["cat", SITE]),
        edited,
        "the old site file stays"
    );
    assert_eq!(status_from_inside(&droplet), "HTTP/1.1 502 Bad Gateway");
    wizard.press(KeyCode::Delete);
    wizard.chord(KeyModifiers::CONTROL, KeyCode::Char('s'));
    wizard.until("the nginx stage done", minute, |app| {
        app.view == View::Finished && app.status(StageId::Nginx) != StageStatus::Running
    });
    assert_eq!(
        wizard.app.status(StageId::Nginx),
        StageStatus::Done,
        "{}",
        wizard.log_tail()
    );
    let live = droplet.run(&["nginx", "-T"]);
    assert!(live.contains(&format!("server_name {address};")), "{live}");
    assert_eq!(status_from_inside(&droplet), "HTTP/1.1 502 Bad Gateway");

    // No password in any output.
    let wizard_log = wizard.log_text(wizard.app.log.rows());
    for said in [&access, &first, &applied, &again, &status]
        .map(cli::said)
        .into_iter()
        .chain([wizard_log])
    {
        for secret in [droplet.root_password.expose(), NEW_ROOT, USER_PW] {
            assert!(
                !said.contains(secret),
                "a secret leaked into droplift's output"
            );
        }
    }
}
