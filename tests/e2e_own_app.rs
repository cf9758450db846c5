//! A student's own Flask app end to end on one practice droplet, with only the stages it needs
//! (connect, user, postgres, nginx, then the app and its service): an application factory with
//! Flask-SQLAlchemy and Flask-Migrate goes live with `[app] release = ["flask --app shop db
//! upgrade"]`, a plain setting and two secret ones (one typed, one made on the server). Checked
//! from inside the droplet: the table the migration made (psql), the environment file, the marks;
//! and from this computer: the app saw its settings, and no secret value is in droplift's output
//! or in any local file. Then a release whose migration fails is marked failed and never serves
//! (the one before keeps answering), and a fixed one goes live keeping the server's secrets.
//! Last, `droplift doctor` on the live site: no problem found, then faults made on purpose one
//! after another (socket mode 600, the slot stopped, the app raising at import, a `User=` that
//! names no account, port 80 denied in ufw), each named with its fix, which is then typed as the
//! card says and brings the site back.

mod common;

use std::path::Path;
use std::process::Command;

use common::cli::{self, said};
use common::droplet::TestDroplet;
use droplift::practice::UpOptions;

const NEW_ROOT: &str = "own 'root' $(id) pw";
const USER_PW: &str = "ola's \"pw\" $HOME 9";
const DB_PW: &str = "shop:db/pw@1 %";
/// The secret setting typed: quotes, `$`, a backslash, `#` and spaces must all reach the app.
const TYPED_SECRET: &str = "typed-'secret' \"key\" $HOME \\n #1";
const STATE: &str = "/var/lib/droplift/app/shop";
const ENV_FILE: &str = "/var/lib/droplift/app/shop/app.env";

/// The test app: a factory in a package, models with Flask-SQLAlchemy, migrations with
/// Flask-Migrate (its env.py and one migration written here), a health route that reads the
/// migrated table, and a route that says whether its settings arrived (a secret's SHA-256,
/// never the secret). `second` adds a second migration: a good one or one that fails.
fn shop_folder(dir: &Path, second: Option<&str>) {
    let write = |path: &str, text: &str| {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    };
    write(
        "requirements.txt",
        "Flask>=3.0,<4\nFlask-SQLAlchemy>=3.1,<4\nFlask-Migrate>=4.0,<5\npsycopg2-binary>=2.9,<3\n",
    );
    write(
        "shop/__init__.py",
        r#""""A shop API, droplift's test of a student's own app."""
import hashlib
import os

from flask import Flask, jsonify
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
migrate = Migrate()


class Product(db.Model):
    __tablename__ = "products"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)


def create_app(test_config=None):
    app = Flask(__name__)
    # The standard URL every framework reads; SQLAlchemy is told its driver here.
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg2://", 1)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY")
    db.init_app(app)
    migrate.init_app(app, db)

    @app.get("/health")
    def health():
        return jsonify(ok=True, products=db.session.query(Product).count())

    @app.get("/settings")
    def settings():
        key = os.environ.get("SECRET_KEY", "")
        return jsonify(
            secret_key_set=bool(key),
            secret_key_sha256=hashlib.sha256(key.encode()).hexdigest(),
            jwt_secret_key_length=len(os.environ.get("JWT_SECRET_KEY", "")),
            greeting=os.environ.get("GREETING"),
            version=VERSION,
        )

    return app


VERSION = "__VERSION__"
"#
        .replace("__VERSION__", if second.is_some() { "2" } else { "1" })
        .as_str(),
    );
    write("migrations/alembic.ini", "[alembic]\n");
    write(
        "migrations/env.py",
        r#"# Runs the migrations with the app's own engine (Flask-Migrate hands it over), saying
# each one on stderr as `flask db init`'s logging settings do.
import logging

from alembic import context
from flask import current_app

logging.basicConfig(level=logging.INFO, format="%(levelname)-5.5s [%(name)s] %(message)s")

db = current_app.extensions["migrate"].db

with db.engine.connect() as connection:
    context.configure(connection=connection, target_metadata=db.metadata)
    with context.begin_transaction():
        context.run_migrations()
"#,
    );
    write(
        "migrations/versions/0001_products.py",
        r#""""The products table."""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "products",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
    )


def downgrade():
    op.drop_table("products")
"#,
    );
    if let Some(statement) = second {
        write(
            "migrations/versions/0002_more.py",
            &format!(
                "\"\"\"The second migration.\"\"\"\nfrom alembic import op\n\nrevision = \"0002\"\n\
                 down_revision = \"0001\"\nbranch_labels = None\ndepends_on = None\n\n\n\
                 def upgrade():\n    op.execute({statement:?})\n\n\ndef downgrade():\n    pass\n"
            ),
        );
    }
}

/// GET `path` from this computer, as a visitor: (status code, body).
fn get(address: &str, path: &str) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-sS", "-m", "15", "-w", "\n%{http_code}"])
        .arg(format!("http://{address}{path}"))
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(text.as_bytes()))
}

/// Every file under `dir` that holds `needle` (droplift's data directory, the answers, ~/.ssh).
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(path) = todo.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                todo.extend(entries.flatten().map(|e| e.path()));
            }
        } else if meta.is_file() {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if String::from_utf8_lossy(&bytes).contains(needle) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

/// The value of `name` in the server's live environment file, as written there.
fn env_line(droplet: &TestDroplet, name: &str) -> String {
    droplet
        .run(&["sh", "-c", &format!("grep '^{name}=' {ENV_FILE} || true")])
        .trim()
        .to_owned()
}

#[test]
fn an_own_flask_app_migrates_gets_its_settings_and_a_failed_migration_never_serves() {
    let Some(droplet) = TestDroplet::boot(UpOptions::updated(Default::default())) else {
        return;
    };
    let home = tempfile::tempdir().expect("temp home");
    let code = tempfile::tempdir().expect("the app's folders");
    let address = droplet.address.to_string();
    let first = code.path().join("shop-v1");
    shop_folder(&first, None);
    let answers = cli::answers_file(
        home.path(),
        &format!(
            "[server]\nhost = \"{address}\"\n\n[user]\nname = \"ola\"\n\n\
             [postgres]\nrole = \"ola\"\ndatabase = \"shop\"\n\n\
             [nginx]\nsite = \"shop\"\nserver_name = \"_\"\n\n\
             [app]\nsource = \"{}\"\nmodule = \"shop:create_app()\"\nhealth = \"/health\"\n\
             release = [\"flask --app shop db upgrade\"]\n\
             secrets = [\"SECRET_KEY\", \"JWT_SECRET_KEY\"]\n\n\
             [app.env]\nGREETING = \"hello, \\\"world\\\" $HOME\"\n",
            first.display()
        ),
    );
    // The stages this app needs, from the e-mailed (expired) root password; SECRET_KEY typed,
    // JWT_SECRET_KEY left to the server.
    let setup = cli::apply(
        home.path(),
        &answers,
        &["connect", "user", "postgres", "nginx", "app", "service"],
        &format!(
            "root_password={}\nnew_root_password={NEW_ROOT}\nuser_password={USER_PW}\n\
             db_password={DB_PW}\nenv.SECRET_KEY={TYPED_SECRET}\n",
            droplet.root_password.expose()
        ),
    );
    let setup_text = said(&setup);
    eprintln!("--- droplift apply ({})\n{setup_text}", setup.status);
    assert!(setup.status.success(), "{setup_text}");
    // The release command ran, as the site's user, before the release served.
    assert!(
        setup_text.contains("release command 1, as ola in /var/www/html/shop/releases/"),
        "{setup_text}"
    );
    assert!(
        setup_text.contains("Running upgrade  -> 0001"),
        "alembic's own words: {setup_text}"
    );
    assert!(
        setup_text.contains("secret setting JWT_SECRET_KEY: a new random value made here"),
        "{setup_text}"
    );

    // The table exists in PostgreSQL, and alembic recorded the migration.
    let tables = droplet.run(&[
        "runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t", "-d", "shop", "-c", "\\dt",
    ]);
    assert!(tables.contains("|products|table|ola"), "{tables}");
    let version = droplet.run(&[
        "runuser",
        "-u",
        "postgres",
        "--",
        "psql",
        "-X",
        "-A",
        "-t",
        "-d",
        "shop",
        "-c",
        "SELECT version_num FROM alembic_version",
    ]);
    assert_eq!(version.trim(), "0001");
    let (status, body) = get(&address, "/health");
    assert_eq!((status, body.trim()), (200, r#"{"ok":true,"products":0}"#));

    // The settings reached the process: the typed secret exactly, the made one 50 characters
    // long, the plain one with its quotes and $.
    let (status, body) = get(&address, "/settings");
    assert_eq!(status, 200, "{body}");
    let settings: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(settings["secret_key_set"], true, "{body}");
    assert_eq!(
        settings["secret_key_sha256"],
        sha256(TYPED_SECRET).as_str(),
        "{body}"
    );
    assert_eq!(settings["jwt_secret_key_length"], 50, "{body}");
    assert_eq!(settings["greeting"], "hello, \"world\" $HOME", "{body}");
    let made = env_line(&droplet, "JWT_SECRET_KEY");
    let made = made
        .trim_start_matches("JWT_SECRET_KEY=\"")
        .trim_end_matches('"')
        .to_owned();
    assert_eq!(made.len(), 50, "{made}");
    assert_eq!(
        droplet.run(&["stat", "-c", "%a %U", ENV_FILE]).trim(),
        "600 root"
    );
    let mark = droplet.run(&["sh", "-c", &format!("cat {STATE}/marks/*")]);
    assert!(mark.contains("release_cmds="), "{mark}");

    // No secret value in droplift's output, or in any file on this computer.
    for secret in [TYPED_SECRET, made.as_str(), DB_PW] {
        assert!(!setup_text.contains(secret), "a secret in the output");
        assert_eq!(
            files_holding(home.path(), secret),
            Vec::<String>::new(),
            "a secret in a local file"
        );
    }
    // Nor on the site's user's side of the server: the release, its log.
    let leaked = droplet.run_with_stdin(
        &[
            "sh",
            "-c",
            "read -r s; grep -rlF -- \"$s\" /var/www/html/shop /tmp || true",
        ],
        format!("{made}\n").as_bytes(),
    );
    assert_eq!(
        leaked.trim(),
        "",
        "the made secret in a file the user can read"
    );
    let serving = droplet.run(&["cat", &format!("{STATE}/current")]);

    // A release whose migration fails: marked failed, never serves; the one before answers.
    let broken = code.path().join("shop-broken");
    shop_folder(
        &broken,
        Some("ALTER TABLE no_such_table ADD COLUMN price integer"),
    );
    let secrets =
        format!("root_password={NEW_ROOT}\nuser_password={USER_PW}\ndb_password={DB_PW}\n");
    let failed = cli::deploy_folder(home.path(), &answers, &broken, &secrets);
    let failed_text = said(&failed);
    assert!(!failed.status.success(), "{failed_text}");
    assert!(
        failed_text.contains("The release command `flask --app shop db upgrade` failed"),
        "{failed_text}"
    );
    assert!(
        failed_text.contains("no_such_table"),
        "its last lines: {failed_text}"
    );
    assert_eq!(droplet.run(&["cat", &format!("{STATE}/current")]), serving);
    let failed_name = droplet.run(&[
        "sh",
        "-c",
        &format!("grep -l '^status=failed$' {STATE}/marks/* | xargs -n1 basename"),
    ]);
    assert_eq!(failed_name.lines().count(), 1, "{failed_name}");
    assert_ne!(failed_name.trim(), serving.trim());
    assert!(
        droplet
            .run(&["sh", "-c", &format!("ls {STATE}")])
            .lines()
            .all(|l| l != "next"),
        "nothing waits to go live"
    );
    let (status, body) = get(&address, "/settings");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(r#""version":"1""#),
        "the release before serves: {body}"
    );
    let tables = droplet.run(&[
        "runuser",
        "-u",
        "postgres",
        "--",
        "psql",
        "-X",
        "-A",
        "-t",
        "-d",
        "shop",
        "-c",
        "SELECT version_num FROM alembic_version",
    ]);
    assert_eq!(
        tables.trim(),
        "0001",
        "the failed migration changed nothing"
    );

    // Fixed: it goes live, nothing typed, so both secrets are the server's, as before.
    let fixed = code.path().join("shop-v2");
    shop_folder(
        &fixed,
        Some("ALTER TABLE products ADD COLUMN price integer"),
    );
    let good = cli::deploy_folder(home.path(), &answers, &fixed, &secrets);
    let good_text = said(&good);
    assert!(good.status.success(), "{good_text}");
    assert!(
        good_text.contains("secret setting SECRET_KEY: kept from the live file"),
        "{good_text}"
    );
    let (status, body) = get(&address, "/settings");
    assert_eq!(status, 200, "{body}");
    let settings: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(settings["version"], "2", "{body}");
    assert_eq!(settings["secret_key_sha256"], sha256(TYPED_SECRET).as_str());
    assert!(env_line(&droplet, "JWT_SECRET_KEY").contains(&made));
    let columns = droplet.run(&[
        "runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t", "-d", "shop", "-c",
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'products' ORDER BY 1",
    ]);
    assert_eq!(
        columns.split_whitespace().collect::<Vec<_>>(),
        ["id", "name", "price"]
    );
    for text in [&failed_text, &good_text] {
        for secret in [TYPED_SECRET, made.as_str(), DB_PW] {
            assert!(!text.contains(secret), "a secret in the output");
        }
    }
    assert_eq!(files_holding(home.path(), &made), Vec::<String>::new());
    doctor_on_faults(&droplet, home.path(), &answers, &address);
    board_warnings(&droplet, home.path(), &answers);
}

/// `droplift doctor`: exit status and what it printed.
fn doctor(home: &Path, answers: &str) -> (i32, String) {
    let out = cli::droplift_logged(
        home,
        &["doctor", "--answers", answers, "--secrets-stdin"],
        &format!("root_password={NEW_ROOT}\n"),
    );
    (out.status.code().unwrap_or(-1), said(&out))
}

/// The card titled `title` in the doctor's output: its lines up to the blank line after it.
fn card<'a>(text: &'a str, title: &str) -> &'a str {
    let head = format!("PROBLEM: {title}");
    let start = text
        .find(&head)
        .unwrap_or_else(|| panic!("no card {head:?} in:\n{text}"));
    let card = &text[start..];
    &card[..card.find("\n\n").unwrap_or(card.len())]
}

/// Each fault made on purpose, named by the doctor with its fix; the fix typed as the card
/// says brings the site back (GET /health from this computer).
fn doctor_on_faults(droplet: &TestDroplet, home: &Path, answers: &str, address: &str) {
    let healthy = |when: &str| {
        let (code, text) = doctor(home, answers);
        assert_eq!(code, 0, "{when}: {text}");
        assert!(text.contains("No problem found"), "{when}: {text}");
        assert!(!text.contains("PROBLEM:"), "{when}: {text}");
    };
    let answers_ok = |when: &str| assert_eq!(get(address, "/health").0, 200, "{when}");
    healthy("the live site");
    let slot = droplet
        .run(&["cat", &format!("{STATE}/slot")])
        .trim()
        .to_owned();
    let unit = format!("uwsgi-shop@{slot}");
    let sh = |script: &str| droplet.run(&["sh", "-c", script]);
    // The fix a card gives, typed on the server as it is written (root's sudo asks nothing).
    let type_fix = |fix: &str| {
        sh(fix);
    };
    let fix_line = |card: &str| -> String {
        let line = card
            .lines()
            .find_map(|l| l.trim().strip_prefix("The fix:"))
            .unwrap_or_else(|| panic!("no fix in {card}"));
        line.split("  (").next().unwrap_or(line).trim().to_owned()
    };

    // 1. The socket made mode 600 (as a wrong chmod-socket would): nginx gets "13: Permission
    // denied" and answers 502.
    sh(&format!(
        "runuser -u ola -- chmod 600 /var/www/html/shop/socket-{slot}.sock"
    ));
    assert_eq!(get(address, "/health").0, 502);
    let (code, text) = doctor(home, answers);
    assert_eq!(code, 1, "{text}");
    let found = card(&text, "nginx may not open the app's socket");
    assert!(
        found.contains("is mode 600, owner ola, group www-data"),
        "{found}"
    );
    assert!(found.contains("13: Permission denied"), "{found}");
    assert_eq!(fix_line(found), format!("sudo systemctl restart {unit}"));
    type_fix(&fix_line(found));
    answers_ok("after the socket's fix");

    // 2. The serving slot stopped.
    sh(&format!("systemctl stop {unit}"));
    assert_eq!(get(address, "/health").0, 502);
    let (code, text) = doctor(home, answers);
    assert_eq!(code, 1, "{text}");
    let found = card(&text, &format!("{unit} is stopped"));
    assert_eq!(fix_line(found), format!("sudo systemctl start {unit}"));
    type_fix(&fix_line(found));
    answers_ok("after the slot's start");

    // 3. The app raising at import (a release edited on the server), restarted: uWSGI gives up
    // (need-app), systemd keeps trying.
    let package = "/var/www/html/shop/current/shop/__init__.py";
    sh(&format!(
        "runuser -u ola -- cp {package} /tmp/shop-init.py && \
         printf '\\nraise RuntimeError(\"SHOP_MODE is not set\")\\n' | runuser -u ola -- tee -a {package} >/dev/null"
    ));
    let _ = droplet.exec(&["systemctl", "restart", &unit], None);
    let (code, text) = doctor(home, answers);
    assert_eq!(code, 1, "{text}");
    let found = card(
        &text,
        &format!("{unit} cannot start: the app raises an error when uWSGI imports it"),
    );
    assert!(
        found.contains("RuntimeError: SHOP_MODE is not set"),
        "{found}"
    );
    assert!(found.contains("shop/__init__.py\", line"), "{found}");
    assert!(
        found.contains("droplift deploy") && found.contains("droplift rollback"),
        "{found}"
    );
    sh(&format!(
        "runuser -u ola -- cp /tmp/shop-init.py {package} && systemctl restart {unit}"
    ));
    answers_ok("after the code's fix");

    // 4. A drop-in that runs the app as an account that does not exist (217/USER).
    sh("mkdir -p /etc/systemd/system/uwsgi-shop@.service.d && \
         printf '[Service]\\nUser=olaf\\n' > /etc/systemd/system/uwsgi-shop@.service.d/user.conf && \
         systemctl daemon-reload");
    let _ = droplet.exec(&["systemctl", "restart", &unit], None);
    let (code, text) = doctor(home, answers);
    assert_eq!(code, 1, "{text}");
    let found = card(
        &text,
        &format!("{unit} cannot start: its User=olaf names no account on the server (217/USER)"),
    );
    assert!(
        found.contains("sudo systemctl revert uwsgi-shop@.service"),
        "{found}"
    );
    sh("systemctl revert uwsgi-shop@.service");
    let restart = found
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("sudo systemctl daemon-reload"))
        .unwrap_or_else(|| panic!("no restart in {found}"));
    assert_eq!(
        restart,
        format!("sudo systemctl daemon-reload && sudo systemctl restart {unit}")
    );
    type_fix(restart);
    answers_ok("after the drop-in's removal");

    // 5. Port 80 denied in ufw: nothing reaches nginx.
    sh("ufw allow 22/tcp && ufw deny 80/tcp && ufw --force enable");
    assert!(!droplet.reachable(80), "port 80 is dropped");
    let (code, text) = doctor(home, answers);
    assert_eq!(code, 1, "{text}");
    let found = card(&text, "ufw blocks port 80, where nginx listens");
    assert!(found.contains("`80/tcp DENY IN`"), "{found}");
    assert_eq!(fix_line(found), "sudo ufw allow 80/tcp");
    type_fix(&fix_line(found));
    answers_ok("after ufw's fix");
    let rules = droplet.run(&["ufw", "status"]);
    let port_80: Vec<&str> = rules
        .lines()
        .filter(|l| l.starts_with("80/tcp ") && !l.contains("(v6)"))
        .collect();
    assert!(
        port_80.len() == 1 && port_80[0].contains("ALLOW"),
        "ufw updated its rule in place: {rules}"
    );

    healthy("every fault fixed");
}

/// The health board of `droplift status` (issue 29): a reboot-required flag and a filesystem
/// nearly full show as warnings with what to do. The practice droplet's root is the host's own
/// big filesystem, which a test must not fill: the nearly full one is a 100 MB tmpfs mounted on
/// the backups' folder (as a volume would be), 90 % filled with fallocate.
fn board_warnings(droplet: &TestDroplet, home: &Path, answers: &str) {
    let sh = |script: &str| droplet.run(&["sh", "-c", script]);
    sh(
        "printf 'linux-image-doctor-test\\n' > /var/run/reboot-required.pkgs && \
        touch /var/run/reboot-required && mkdir -p /var/lib/droplift/backups && \
        mount -t tmpfs -o size=100m droplift-test /var/lib/droplift/backups && \
        fallocate -l 90M /var/lib/droplift/backups/filler",
    );
    let status = cli::droplift_logged(
        home,
        &["status", "--answers", answers, "--secrets-stdin"],
        &format!("root_password={NEW_ROOT}\ndb_password={DB_PW}\n"),
    );
    sh(
        "umount /var/lib/droplift/backups && rm -f /var/run/reboot-required /var/run/reboot-required.pkgs",
    );
    let text = said(&status);
    assert!(status.status.success(), "{text}");
    let line = |start: &str| {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?} in:\n{text}"))
    };
    assert!(line("  site         ok   uwsgi-shop@").contains("GET /health"));
    assert!(line("  reboot       WARN required (for linux-image-doctor-test)").len() < 81);
    assert!(line("  disk         WARN /var/lib/droplift/backups 90 % used").len() < 81);
    assert!(line("  disk         ok   / ").len() < 81);
    assert!(text.contains("→ sudo reboot at a quiet moment"), "{text}");
    assert!(
        text.contains("→ free room before it fills: sudo du"),
        "{text}"
    );
    assert!(line("  units        ok   none failed").len() < 81);
}
