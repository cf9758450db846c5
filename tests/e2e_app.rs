//! The whole course end to end on one practice droplet, with the real binary: from the expired
//! root password to the sample API answering `GET /items` from this computer; then releases
//! after the first (a folder, an app of its own with a `create_app()` factory found in its code,
//! a broken requirements.txt, a git URL and tag that do not exist, a real tag), a rollback, and a
//! re-run that changes nothing. Every claim about the server is
//! checked from inside the droplet (nsenter) or by plain HTTP from here.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::cli::{droplift_logged, said};
use common::course::{self, DB_PW, USER_PW};
use common::droplet::TestDroplet;
use droplift::practice::{PracticeOs, UpOptions};

const BASE: &str = "/var/www/html/items-rest";

/// A plain HTTP request from this computer, as a visitor's: (status code, content type, body).
fn http(address: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String, String) {
    let mut stream = TcpStream::connect((address, 80)).expect("port 80 answers");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a whole response");
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_default();
    (code, content_type, body.to_owned())
}

fn current(droplet: &TestDroplet) -> String {
    droplet
        .run(&["readlink", &format!("{BASE}/current")])
        .trim()
        .trim_start_matches("releases/")
        .to_owned()
}

fn mark(droplet: &TestDroplet, release: &str) -> String {
    droplet.run(&[
        "cat",
        &format!("{BASE}/releases/{release}/.droplift-release"),
    ])
}

/// A copy of the sample app in `dir`, with `requirements` as its requirements.txt.
fn sample_folder(dir: &Path, requirements: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for (name, text) in droplift::source::SAMPLE {
        std::fs::write(dir.join(name), text).expect("write");
    }
    std::fs::write(dir.join("requirements.txt"), requirements).expect("requirements");
    // What a student's folder also holds, and what must stay on their computer.
    std::fs::create_dir_all(dir.join(".git")).expect("git");
    std::fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").expect("git head");
    std::fs::create_dir_all(dir.join("venv/bin")).expect("venv");
    std::fs::write(dir.join("venv/pyvenv.cfg"), "home = /usr/bin\n").expect("pyvenv");
    std::fs::write(dir.join(".env"), "SECRET=x\n").expect(".env");
}

/// A small Flask app of droplift's own with an application factory in a package
/// (`shop/__init__.py`, `create_app()`), as Flask's tutorial lays one out: its /items reads the
/// sample's table with psycopg2 straight from the standard `postgresql://` DATABASE_URL.
fn factory_folder(dir: &Path) {
    std::fs::create_dir_all(dir.join("shop")).expect("mkdir");
    std::fs::write(
        dir.join("requirements.txt"),
        droplift::source::SAMPLE
            .iter()
            .find(|(name, _)| *name == "requirements.txt")
            .expect("the sample's requirements")
            .1,
    )
    .expect("requirements");
    std::fs::write(
        dir.join("shop/__init__.py"),
        r#""""A shop API built by a factory: droplift's end-to-end test app."""
import os

import psycopg2
from flask import Flask, jsonify


def create_app(test_config=None):
    app = Flask(__name__)
    url = os.environ["DATABASE_URL"]

    @app.get("/items")
    def items():
        connection = psycopg2.connect(url)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT name FROM items ORDER BY name")
                names = [row[0] for row in cursor.fetchall()]
        finally:
            connection.close()
        return jsonify({"items": names, "served_by": "create_app"})

    return app
"#,
    )
    .expect("the factory");
}

#[test]
fn the_course_ends_with_the_api_answering_and_releases_roll_forward_and_back() {
    // As a new droplet is handed over: on Ubuntu, apt busy with its own updates at first.
    let Some(droplet) = TestDroplet::boot(UpOptions::like_new(PracticeOs::default())) else {
        return;
    };
    let started = Instant::now();
    let home = tempfile::tempdir().expect("temp home");
    let address = droplet.address.to_string();
    let answers = course::write_answers(home.path(), &address);
    let answers = answers.as_str();
    let secrets = format!("user_password={USER_PW}\ndb_password={DB_PW}\n");

    // The whole course, from the e-mailed (expired) root password, and the state it leaves
    // (this droplet runs the harness's system, Ubuntu 24.04 unless DROPLIFT_TEST_OS says
    // otherwise; tests/e2e_course.rs runs the others).
    let course = course::apply_whole_course(&droplet, home.path(), answers);
    let course_text = said(&course);
    course::assert_course_state(&droplet, home.path());

    // From this computer, as any visitor: 200 with JSON; and the database behind it works.
    let (code, content_type, body) = http(&address, "GET", "/items", None);
    assert_eq!(
        (code, content_type.as_str()),
        (200, "application/json"),
        "{body}"
    );
    assert_eq!(body.trim(), r#"{"items":[]}"#);
    let (code, _, body) = http(
        &address,
        "POST",
        "/items",
        Some(r#"{"name": "chair", "price": 12.5}"#),
    );
    assert_eq!(code, 201, "{body}");

    // The secret never reached the output, the unit or anything but the mode-600 env file.
    let encoded = "%2540%3A%2F%3F%23%40%20db%20pw%201";
    for leak in [DB_PW, encoded] {
        assert!(
            !course_text.contains(leak),
            "the db password leaked into the output"
        );
    }
    let unit = droplet.run(&["cat", "/etc/systemd/system/uwsgi-items-rest.service"]);
    assert!(!unit.contains(encoded) && unit.contains("EnvironmentFile="));
    assert_eq!(
        droplet
            .run(&["stat", "-c", "%a %U", &format!("{BASE}/app.env")])
            .trim(),
        "600 erin"
    );
    let env = droplet.run(&["cat", &format!("{BASE}/app.env")]);
    assert!(
        env.contains("@127.0.0.1:5432/items-db") && env.contains(encoded),
        "DATABASE_URL holds the encoded password and the database named with -"
    );
    assert_eq!(
        droplet
            .run(&["systemctl", "is-active", "uwsgi-items-rest"])
            .trim(),
        "active"
    );
    let first = current(&droplet);
    assert!(mark(&droplet, &first).contains("status=good"));

    // A second release from a folder on this computer; .git, the venv and .env stay here.
    let v2 = home.path().join("items-v2");
    sample_folder(&v2, droplift::source::SAMPLE[2].1);
    std::fs::write(v2.join(".gitignore"), ".env\n").expect("gitignore");
    let v2_text = v2.to_str().expect("utf-8");
    let deploy = droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            answers,
            "--source",
            v2_text,
            "--secrets-stdin",
        ],
        &secrets,
    );
    assert!(deploy.status.success(), "deploy v2:\n{}", said(&deploy));
    let second = current(&droplet);
    assert_ne!(second, first, "a new release serves");
    let files = droplet.run(&["ls", "-A", &format!("{BASE}/releases/{second}")]);
    for absent in [".git", ".env"] {
        assert!(
            !files.lines().any(|f| f == absent),
            "{absent} was sent: {files}"
        );
    }
    let (code, _, body) = http(&address, "GET", "/items", None);
    assert_eq!(code, 200);
    assert!(
        body.contains("chair"),
        "the data outlives the release: {body}"
    );

    // An app of the student's own with a factory: [app] module is not given, so droplift finds
    // create_app() in shop/__init__.py, says so, and uWSGI calls it (no loader of droplift's).
    let shop = home.path().join("shop-api");
    factory_folder(&shop);
    let factory = droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            answers,
            "--source",
            shop.to_str().expect("utf-8"),
            "--secrets-stdin",
        ],
        &secrets,
    );
    let factory_text = said(&factory);
    assert!(
        factory.status.success(),
        "deploy the factory app:\n{factory_text}"
    );
    assert!(
        factory_text.contains(
            "The app's entry point: shop:create_app() (found def create_app in shop/__init__.py"
        ),
        "{factory_text}"
    );
    let third = current(&droplet);
    assert_ne!(third, second, "the factory app's release serves");
    let ini = droplet.run(&["cat", &format!("{BASE}/uwsgi.ini")]);
    assert!(ini.contains("module = shop:create_app()"), "{ini}");
    let (code, content_type, body) = http(&address, "GET", "/items", None);
    assert_eq!(
        (code, content_type.as_str()),
        (200, "application/json"),
        "{body}"
    );
    assert!(
        body.contains("create_app") && body.contains("chair"),
        "the factory's app answers from the database: {body}"
    );

    // One whose requirements.txt cannot install: marked failed, the factory app still serves.
    let v3 = home.path().join("items-v3");
    sample_folder(
        &v3,
        "Flask==3.1.3\nno-such-package-droplift==9.9.9\nuWSGI==2.0.31\n",
    );
    let broken = droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            answers,
            "--source",
            v3.to_str().expect("utf-8"),
            "--secrets-stdin",
        ],
        &secrets,
    );
    assert_eq!(broken.status.code(), Some(1), "{}", said(&broken));
    assert!(said(&broken).contains("marked failed"), "{}", said(&broken));
    assert_eq!(
        current(&droplet),
        third,
        "current stays on the release that served"
    );
    assert_eq!(http(&address, "GET", "/items", None).0, 200);
    // deploy saves progress as apply does: the wizard and status start from the failed build.
    let progress: toml::Table = std::fs::read_to_string(home.path().join("data/progress.toml"))
        .expect("progress saved")
        .parse()
        .expect("toml");
    let app_stage = progress["server"]
        .as_array()
        .and_then(|servers| servers.iter().find_map(|s| s.get("stages")?.get("app")))
        .expect("the app stage is saved");
    assert_eq!(app_stage["status"].as_str(), Some("failed"), "{app_stage}");

    // A folder without requirements.txt is refused before anything connects.
    let empty = home.path().join("no-requirements");
    std::fs::create_dir_all(&empty).expect("mkdir");
    std::fs::write(empty.join("app.py"), "app = None\n").expect("app.py");
    let refused = droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            answers,
            "--source",
            empty.to_str().expect("utf-8"),
            "--secrets-stdin",
        ],
        &secrets,
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        said(&refused).contains("has no requirements.txt"),
        "{}",
        said(&refused)
    );
    assert!(!said(&refused).contains("Logging in"), "nothing connected");

    // A git repository that does not exist, then a tag that does not: plain words, no change.
    let missing = droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            answers,
            "--source",
            "file:///srv/nothing-here.git",
            "--ref",
            "v1.0.0",
            "--secrets-stdin",
        ],
        &secrets,
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        said(&missing).contains("git cannot read file:///srv/nothing-here.git"),
        "{}",
        said(&missing)
    );
    // git is installed by now (the packages step ran): a real repository with a tag, made inside
    // from the second release (the sample; the factory app serves now).
    droplet.run(&[
        "sh",
        "-c",
        &format!(
            "set -e; rm -rf /tmp/work; mkdir -p /tmp/work; cd /tmp/work; git init -q; \
             cp {BASE}/releases/{second}/app.py {BASE}/releases/{second}/requirements.txt .; \
             git add .; git -c user.name=t -c user.email=t@t commit -qm v1; \
             git -c user.name=t -c user.email=t@t tag -a v1.0.0 -m v1.0.0; git clone -q --bare /tmp/work /srv/items.git; \
             chown -R erin /srv/items.git"
        ),
    ]);
    let no_tag = droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            answers,
            "--source",
            "file:///srv/items.git",
            "--ref",
            "v9.9.9",
            "--secrets-stdin",
        ],
        &secrets,
    );
    assert_eq!(no_tag.status.code(), Some(1));
    assert!(
        said(&no_tag).contains("has no branch or tag named v9.9.9"),
        "{}",
        said(&no_tag)
    );
    assert_eq!(current(&droplet), third, "nothing changed");
    let tagged = droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            answers,
            "--source",
            "file:///srv/items.git",
            "--ref",
            "v1.0.0",
            "--secrets-stdin",
        ],
        &secrets,
    );
    assert!(tagged.status.success(), "deploy v1.0.0:\n{}", said(&tagged));
    assert_eq!(current(&droplet), "v1.0.0", "a tag names its release");

    // The list, then a rollback to the first release, smoke-tested.
    let list = droplift_logged(
        home.path(),
        &["releases", "--answers", answers, "--secrets-stdin"],
        &secrets,
    );
    let list_text = said(&list);
    assert!(list.status.success(), "{list_text}");
    assert!(list_text.contains("* v1.0.0"), "{list_text}");
    assert!(list_text.contains("failed"), "{list_text}");
    let back = droplift_logged(
        home.path(),
        &["rollback", "--answers", answers, &first, "--secrets-stdin"],
        &secrets,
    );
    assert!(back.status.success(), "rollback:\n{}", said(&back));
    assert_eq!(current(&droplet), first);
    let (code, content_type, body) = http(&address, "GET", "/items", None);
    assert_eq!((code, content_type.as_str()), (200, "application/json"));
    assert!(body.contains("chair"));

    // The course again with the first answers: every stage is done, nothing changes.
    let again = droplift_logged(
        home.path(),
        &["apply", "--answers", answers, "--yes", "--secrets-stdin"],
        &secrets,
    );
    let again_text = said(&again);
    assert!(again.status.success(), "{again_text}");
    let done = again_text.matches("done (nothing to change").count();
    assert_eq!(done, 10, "every stage was done already:\n{again_text}");
    assert_eq!(
        current(&droplet),
        first,
        "the re-run left the rollback in place"
    );

    // Stage 10 with a domain: a practice droplet has no public DNS, so the check from this
    // computer refuses in plain words, and nothing reaches the server.
    let with_domain = home.path().join("answers-tls.toml");
    std::fs::write(
        &with_domain,
        format!(
            "{}\n[tls]\ndomain = \"api.example.com\"\nemail = \"erin@example.com\"\n",
            std::fs::read_to_string(answers).expect("answers")
        ),
    )
    .expect("answers with a domain");
    let tls = droplift_logged(
        home.path(),
        &[
            "apply",
            "--answers",
            with_domain.to_str().expect("utf-8"),
            "--yes",
            "--secrets-stdin",
            "--only",
            "domain",
        ],
        &secrets,
    );
    let tls_text = said(&tls);
    assert_eq!(tls.status.code(), Some(1), "{tls_text}");
    assert!(
        tls_text.contains("DNS, the internet's address book"),
        "{tls_text}"
    );
    assert!(tls_text.contains("Nothing was changed"), "{tls_text}");
    let certbot = droplet
        .exec(&["sh", "-c", "command -v certbot || echo none"], None)
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&certbot.stdout).trim(), "none");

    eprintln!(
        "MEASURED: the whole test took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
