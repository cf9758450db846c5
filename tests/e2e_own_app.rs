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

use common::apps;
use common::cli::{self, said};
use common::droplet::TestDroplet;
use common::files::files_holding;
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
/// never the secret). `second` adds a second migration, a good one or one that fails, and the
/// column it adds to the model.
fn shop_folder(dir: &Path, second: Option<&str>) {
    let write = apps::writer(dir);
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
__PRICE__

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
            api_token_set="API_TOKEN" in os.environ,
            api_token_sha256=hashlib.sha256(os.environ.get("API_TOKEN", "").encode()).hexdigest(),
            version=VERSION,
        )

    return app


VERSION = "__VERSION__"
"#
        .replace("__VERSION__", if second.is_some() { "2" } else { "1" })
        // The second release's model knows the column its migration adds.
        .replace(
            "__PRICE__",
            if second.is_some() {
                "    price = db.Column(db.Integer)\n"
            } else {
                ""
            },
        )
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

/// counter_folder's lock as `uv lock` writes it (its fields droplift reads, and the kinds of
/// entry a real one has): the project (virtual), its dependencies and theirs, a marker, a
/// dev group, and a version older than pyproject.toml's range would give today.
const COUNTER_UV_LOCK: &str = r#"version = 1
revision = 2
requires-python = ">=3.9"

[[package]]
name = "blinker"
version = "1.9.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "click"
version = "8.1.8"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "colorama", marker = "sys_platform == 'win32'" },
]

[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "counter"
version = "1.0"
source = { virtual = "." }
dependencies = [
    { name = "flask" },
    { name = "gunicorn" },
    { name = "psycopg2" },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
]

[package.metadata]
requires-dist = [
    { name = "flask", specifier = ">=3.0,<4" },
    { name = "gunicorn", specifier = ">=21" },
    { name = "psycopg2", specifier = ">=2.9,<3" },
]

[[package]]
name = "flask"
version = "3.0.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "blinker" },
    { name = "click" },
    { name = "itsdangerous" },
    { name = "jinja2" },
    { name = "werkzeug" },
]

[[package]]
name = "gunicorn"
version = "23.0.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "packaging" },
]

[[package]]
name = "itsdangerous"
version = "2.2.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "jinja2"
version = "3.1.6"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "markupsafe" },
]

[[package]]
name = "markupsafe"
version = "3.0.2"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "packaging"
version = "25.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "psycopg2"
version = "2.9.13"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.3.5"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "werkzeug"
version = "3.0.6"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "markupsafe" },
]
"#;

/// A Flask app with only a pyproject.toml (no requirements.txt): psycopg2 built from source, a
/// gunicorn line, and SQLite in its instance folder (`[app] shared = ["instance"]`), which the
/// code ships with a README. `requires` is its requires-python.
fn counter_folder(dir: &Path, version: &str, requires: &str) {
    let write = apps::writer(dir);
    write(
        "pyproject.toml",
        &format!(
            "[project]\nname = \"counter\"\nversion = \"1.0\"\nrequires-python = \"{requires}\"\n\
             dependencies = [\"Flask>=3.0,<4\", \"psycopg2>=2.9,<3\", \"gunicorn>=21\"]\n"
        ),
    );
    write(
        "instance/README.txt",
        "The visits' SQLite file lives here.\n",
    );
    write(
        "app.py",
        &r#""""A visit counter: psycopg2 built from source, SQLite in the instance folder."""
import os
import sqlite3

import psycopg2
from flask import Flask, jsonify

VERSION = "__VERSION__"
app = Flask(__name__)


def visits_db():
    con = sqlite3.connect(os.path.join(app.instance_path, "visits.sqlite3"))
    con.execute("CREATE TABLE IF NOT EXISTS visits (at TEXT)")
    return con


def count(con):
    return con.execute("SELECT count(*) FROM visits").fetchone()[0]


@app.get("/health")
def health():
    with psycopg2.connect(os.environ["DATABASE_URL"]) as pg, pg.cursor() as cur:
        cur.execute("SELECT current_user")
        user = cur.fetchone()[0]
    con = visits_db()
    n = count(con)
    con.close()
    return jsonify(ok=True, visits=n, version=VERSION, db_user=user)


@app.post("/visits")
def visit():
    con = visits_db()
    con.execute("INSERT INTO visits VALUES (datetime('now'))")
    con.commit()
    n = count(con)
    con.close()
    return jsonify(visits=n), 201
"#
        .replace("__VERSION__", version),
    );
}

/// GET `path` from this computer with the response's headers: (status, headers, body).
fn get_with_headers(address: &str, path: &str) -> (u16, String, String) {
    let out = Command::new("curl")
        .args([
            "-sS",
            "-m",
            "15",
            "-D",
            "/dev/stderr",
            "-w",
            "\n%{http_code}",
        ])
        .arg(format!("http://{address}{path}"))
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (
        code.trim().parse().unwrap_or(0),
        String::from_utf8_lossy(&out.stderr).to_ascii_lowercase(),
        body.to_owned(),
    )
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
    // Nothing served before: no older code to meet the new schema, so no backup first.
    assert!(
        setup_text.contains("no release serves yet: no backup before the release commands"),
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
    // While release 1 served, the database was backed up before the migration ran.
    assert!(
        failed_text.contains("serves: first a backup of shop, as it is before these commands"),
        "{failed_text}"
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
    settings_set_by_hand(&droplet, home.path(), &answers, &secrets);
    let old_schema =
        rollback_across_a_schema_change(&droplet, home.path(), &answers, &serving, &secrets);
    drills_start_the_serving_release_on_a_scratch_copy(
        &droplet,
        home.path(),
        &answers,
        &secrets,
        &old_schema,
    );
    doctor_on_faults(&droplet, home.path(), &answers, &address);
    board_warnings(&droplet, home.path(), &answers);
    django_rest_app_with_static_files_served_by_nginx(
        &droplet,
        home.path(),
        &address,
        code.path(),
        &secrets,
    );
    pyproject_app_with_psycopg2_from_source_and_a_shared_folder(
        &droplet,
        home.path(),
        &address,
        code.path(),
        &secrets,
    );
}

/// A setting set by hand, never in the answers: its value travels on stdin only.
const API_TOKEN: &str = "by-hand 'token' \"x\" $PATH #2";

/// What /settings says of API_TOKEN: (set, the SHA-256 of its value).
fn api_token(droplet: &TestDroplet) -> (bool, String) {
    let (status, body) = get(&droplet.address.to_string(), "/settings");
    assert_eq!(status, 200, "{body}");
    let settings: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    (
        settings["api_token_set"] == true,
        settings["api_token_sha256"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// `droplift env` on the serving release 2: `env set API_TOKEN --restart` gives the app a new
/// setting by going live again in the other slot; `env list` names it as set by hand (and the
/// others by origin) with no value; `env unset` without a restart changes the file but not the
/// app serving (and `env list` says so); `--restart` then takes it away. Last it is set again
/// without a restart, for the Django app's deploy to keep. No value in any output or local file.
fn settings_set_by_hand(droplet: &TestDroplet, home: &Path, answers: &str, secrets: &str) {
    // The time these steps add to the file, printed for the report (never asserted).
    let started = std::time::Instant::now();
    let slot = || {
        droplet
            .run(&["cat", &format!("{STATE}/slot")])
            .trim()
            .to_owned()
    };
    let serving = droplet.run(&["cat", &format!("{STATE}/current")]);
    let slot_before = slot();
    assert!(!api_token(droplet).0, "not set before");
    let set = cli::droplift(
        home,
        &[
            "env",
            "set",
            "API_TOKEN",
            "--answers",
            answers,
            "--restart",
            "--secrets-stdin",
        ],
        &format!("{secrets}env.API_TOKEN={API_TOKEN}\n"),
    );
    let set_text = said(&set);
    eprintln!("--- droplift env set API_TOKEN --restart\n{set_text}");
    assert!(set.status.success(), "{set_text}");
    assert!(
        set_text.contains("The app serving has the new environment"),
        "{set_text}"
    );
    assert_eq!(api_token(droplet), (true, sha256(API_TOKEN)));
    // The same release, gone live again in the other slot.
    assert_eq!(droplet.run(&["cat", &format!("{STATE}/current")]), serving);
    assert_ne!(
        slot(),
        slot_before,
        "the restart went live in the other slot"
    );
    assert_eq!(get_version(droplet), "2");

    let list = cli::droplift(
        home,
        &["env", "list", "--answers", answers, "--secrets-stdin"],
        secrets,
    );
    let list_text = said(&list);
    eprintln!("--- droplift env list\n{list_text}");
    assert!(list.status.success(), "{list_text}");
    for (name, from) in [
        ("API_TOKEN", "set by hand"),
        ("SECRET_KEY", "secret ([app] secrets)"),
        ("JWT_SECRET_KEY", "secret ([app] secrets)"),
        ("GREETING", "answers ([app.env])"),
        ("DATABASE_URL", "droplift"),
    ] {
        assert!(
            list_text.lines().any(|l| {
                // Each line the server printed comes as `    | …`.
                let l = l.trim_start().trim_start_matches('|').trim_start();
                l.starts_with(&format!("{name} ")) && l.contains(from)
            }),
            "{name}: {list_text}"
        );
    }

    // Unset without a restart: the file changes, the app serving keeps what it started with.
    let unset = cli::droplift(
        home,
        &[
            "env",
            "unset",
            "API_TOKEN",
            "--answers",
            answers,
            "--secrets-stdin",
        ],
        secrets,
    );
    let unset_text = said(&unset);
    assert!(unset.status.success(), "{unset_text}");
    assert!(
        unset_text.contains("keeps the values it started with"),
        "{unset_text}"
    );
    assert_eq!(env_line(droplet, "API_TOKEN"), "");
    assert!(api_token(droplet).0, "the serving slot keeps its values");
    let list2 = cli::droplift(
        home,
        &["env", "list", "--answers", answers, "--secrets-stdin"],
        secrets,
    );
    let list2_text = said(&list2);
    assert!(
        list2_text.contains("the app serving does not have that change yet"),
        "{list2_text}"
    );
    let restart = cli::droplift(
        home,
        &[
            "env",
            "unset",
            "API_TOKEN",
            "--answers",
            answers,
            "--restart",
            "--secrets-stdin",
        ],
        secrets,
    );
    let restart_text = said(&restart);
    assert!(restart.status.success(), "{restart_text}");
    assert!(restart_text.contains("nothing to remove"), "{restart_text}");
    assert_eq!(api_token(droplet), (false, sha256("")));

    // Set again without a restart: the Django app's deploy on this site (a new release, so stage 8
    // writes the environment file anew) must keep it.
    let again = cli::droplift(
        home,
        &[
            "env",
            "set",
            "API_TOKEN",
            "--answers",
            answers,
            "--secrets-stdin",
        ],
        &format!("{secrets}env.API_TOKEN={API_TOKEN}\n"),
    );
    let again_text = said(&again);
    assert!(again.status.success(), "{again_text}");
    assert!(env_line(droplet, "API_TOKEN").starts_with("API_TOKEN="));
    assert!(!api_token(droplet).0, "the serving slot keeps its values");

    for text in [
        &set_text,
        &list_text,
        &again_text,
        &unset_text,
        &list2_text,
        &restart_text,
    ] {
        for secret in [API_TOKEN, TYPED_SECRET, DB_PW] {
            assert!(!text.contains(secret), "a secret in the output");
        }
    }
    assert_eq!(files_holding(home, API_TOKEN), Vec::<String>::new());
    eprintln!(
        "--- droplift env: the steps above took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Release 2's migration added a column, with a backup of the database taken first and named
/// after the release (root's, mode 600, without the column). A rollback to release 1 says its
/// code meets the new schema and names the backup taken before the first migration after it,
/// with the restore that puts it back; then release 2 serves again for the rest of the test.
fn rollback_across_a_schema_change(
    droplet: &TestDroplet,
    home: &Path,
    answers: &str,
    first: &str,
    secrets: &str,
) -> String {
    let first = first.trim();
    let second = droplet
        .run(&["cat", &format!("{STATE}/current")])
        .trim()
        .to_owned();
    let mark = |release: &str, key: &str| {
        droplet
            .run(&[
                "sed",
                "-n",
                &format!("s/^{key}=//p"),
                &format!("{STATE}/marks/{release}"),
            ])
            .trim()
            .to_owned()
    };
    let before_second = mark(&second, "backup_before");
    assert!(
        before_second.starts_with("shop-")
            && before_second.ends_with(&format!("-before-{second}.dump")),
        "{before_second:?}"
    );
    let file = format!("/var/lib/droplift/backups/shop/{before_second}");
    assert_eq!(
        droplet.run(&["stat", "-c", "%a %U", &file]).trim(),
        "600 root"
    );
    let schema = droplet.run(&[
        "sh",
        "-c",
        &format!("pg_restore --schema-only -f - {file} | grep -A4 'CREATE TABLE public.products'"),
    ]);
    assert!(schema.contains("name character varying"), "{schema}");
    assert!(
        !schema.contains("price"),
        "taken before the migration: {schema}"
    );
    // The failed release's migration was backed up too (it never served): the oldest backup
    // after release 1, so the one a rollback to release 1 names.
    let failed = droplet.run(&[
        "sh",
        "-c",
        &format!("grep -l '^status=failed$' {STATE}/marks/* | xargs -n1 basename"),
    ]);
    let named = mark(failed.trim(), "backup_before");
    assert!(
        named.ends_with(&format!("-before-{}.dump", failed.trim())),
        "{named:?}"
    );

    let back = cli::droplift(
        home,
        &["rollback", "--answers", answers, first, "--secrets-stdin"],
        secrets,
    );
    let back_text = said(&back);
    assert!(back.status.success(), "{back_text}");
    assert!(
        back_text.contains(&format!(
            "if they changed the database's schema, release {first}'s code meets the new schema"
        )),
        "{back_text}"
    );
    assert!(
        back_text.contains(&format!(
            "`droplift restore {named}` puts the database back"
        )),
        "{back_text}"
    );
    assert_eq!(
        droplet.run(&["cat", &format!("{STATE}/current")]).trim(),
        first
    );
    assert_eq!(get_version(droplet), "1");
    // Forward again: release 2 is the newest, so nothing after it changed the schema.
    let forward = cli::droplift(
        home,
        &["rollback", "--answers", answers, &second, "--secrets-stdin"],
        secrets,
    );
    let forward_text = said(&forward);
    assert!(forward.status.success(), "{forward_text}");
    assert!(
        !forward_text.contains("meets the new schema"),
        "{forward_text}"
    );
    assert_eq!(get_version(droplet), "2");
    before_second
}

/// Restore drills start the release serving now against the scratch copy on a socket of its
/// own, while a visitor keeps asking the live site (every answer must be 200): on the backup
/// taken before release 2's migration the release does not answer (its model has a column the
/// copy lacks), and the drill says so; on a backup taken now it answers. Nothing scratch stays.
fn drills_start_the_serving_release_on_a_scratch_copy(
    droplet: &TestDroplet,
    home: &Path,
    answers: &str,
    secrets: &str,
    old_schema: &str,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let address = droplet.address.to_string();
    let drill = |backup: &str| {
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            let visitor = s.spawn(|| {
                let mut codes = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    codes.push(get(&address, "/health").0);
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                codes
            });
            let out = cli::droplift(
                home,
                &[
                    "restore",
                    "--answers",
                    answers,
                    backup,
                    "--drill",
                    "--secrets-stdin",
                ],
                secrets,
            );
            stop.store(true, Ordering::Relaxed);
            let codes = visitor.join().expect("the visitor");
            assert!(codes.len() > 3, "{codes:?}");
            assert!(
                codes.iter().all(|c| *c == 200),
                "the live site answered every request during the drill: {codes:?}"
            );
            out
        })
    };
    let nothing_scratch_left = |when: &str| {
        let left = droplet.run(&[
            "sh",
            "-c",
            "systemctl list-units --all --no-legend 'droplift-drill*'; \
             ls /var/lib/droplift/app/shop/drill.env /var/www/html/shop/drill.sock 2>/dev/null; \
             runuser -u postgres -- psql -XAtl | grep droplift_drill; true",
        ]);
        assert_eq!(left.trim(), "", "{when}: scratch left behind");
    };

    let mismatch = drill(old_schema);
    let text = said(&mismatch);
    assert_eq!(mismatch.status.code(), Some(1), "{text}");
    assert!(
        text.contains("starting release") && text.contains("on the scratch copy"),
        "{text}"
    );
    assert!(
        text.contains("but the release serving now does not answer on it"),
        "{text}"
    );
    nothing_scratch_left("after the failed drill");

    let now = cli::droplift(
        home,
        &["backup", "now", "--answers", answers, "--secrets-stdin"],
        secrets,
    );
    let now_text = said(&now);
    assert!(now.status.success(), "{now_text}");
    let newest = droplet
        .run(&[
            "sh",
            "-c",
            "ls -t /var/lib/droplift/backups/shop | grep -v before | head -n 1",
        ])
        .trim()
        .to_owned();
    let good = drill(&newest);
    let text = said(&good);
    assert!(good.status.success(), "{text}");
    assert!(
        text.contains("on the scratch copy: GET /health on its socket answers 200"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["|", "public.products", "0", "0"]),
        "{text}"
    );
    nothing_scratch_left("after the drill");
}

/// The version the serving release says it is (GET /settings from this computer).
fn get_version(droplet: &TestDroplet) -> String {
    let (status, body) = get(&droplet.address.to_string(), "/settings");
    assert_eq!(status, 200, "{body}");
    let settings: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    settings["version"].as_str().unwrap_or_default().to_owned()
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
        format!(
            "sudo systemctl daemon-reload && sudo systemctl reset-failed {unit} && sudo systemctl \
             restart {unit}"
        )
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

/// A pyproject-only Flask app on the same site: its dependencies are installed without
/// gunicorn, psycopg2 is built from source after its build packages were installed, the
/// instance folder is shared (seeded from the code) and its SQLite data survives a new
/// release; a requires-python this server cannot meet is said before anything is built.
fn pyproject_app_with_psycopg2_from_source_and_a_shared_folder(
    droplet: &TestDroplet,
    home: &Path,
    address: &str,
    code: &Path,
    secrets: &str,
) {
    let answers_for = |folder: &Path| {
        cli::answers_file(
            home,
            &format!(
                "[server]\nhost = \"{address}\"\n\n[user]\nname = \"ola\"\n\n\
                 [postgres]\nrole = \"ola\"\ndatabase = \"shop\"\n\n\
                 [nginx]\nsite = \"shop\"\nserver_name = \"_\"\n\n\
                 [app]\nsource = \"{}\"\nhealth = \"/health\"\nshared = [\"instance\"]\n",
                folder.display()
            ),
        )
    };
    let first = code.join("counter-v1");
    counter_folder(&first, "1", ">=3.9");
    let answers = answers_for(&first);
    let out = cli::deploy_folder(home, &answers, &first, secrets);
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    for words in [
        "Proposed from your code: SQLite seen in app.py: a database file must be in a shared \
         folder (instance)",
        "no requirements.txt: pip installs pyproject.toml's [project] dependencies (3 of them)",
        "pyproject.toml's dependencies names gunicorn; uWSGI serves the app here, so that line \
         is left out",
        "pyproject.toml's dependencies names psycopg2, which pip builds from source: it needs",
        "shared folder instance: made in /var/www/html/shop/shared, with the files your code has \
         in instance",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    for package in ["libpq-dev", "python3-dev", "build-essential"] {
        let state = droplet.run(&["dpkg-query", "-W", "-f=${db:Status-Status}", package]);
        assert_eq!(state.trim(), "installed", "{package}");
    }
    let site_packages = droplet.run(&[
        "sh",
        "-c",
        "ls /var/www/html/shop/current/venv/lib/python3*/site-packages",
    ]);
    assert!(
        site_packages.lines().any(|l| l.starts_with("psycopg2-2.")),
        "psycopg2 from source: {site_packages}"
    );
    assert!(
        !site_packages.contains("binary") && !site_packages.contains("gunicorn"),
        "{site_packages}"
    );
    let out = Command::new("curl")
        .args(["-sS", "-m", "15", "-X", "POST"])
        .arg(format!("http://{address}/visits"))
        .output()
        .expect("curl runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"visits":1}"#
    );
    let (status, body) = get(address, "/health");
    assert_eq!(status, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        (&health["visits"], &health["version"], &health["db_user"]),
        (&1.into(), &"1".into(), &"ola".into()),
        "{body}"
    );

    // A new release keeps the visits: the instance folder is the shared one. This one comes
    // with a uv.lock (and a .python-version of the student's computer): pip installs the
    // locked versions, an older Flask than pyproject.toml's range would give, without the dev
    // group's pytest or the Windows-only colorama.
    let second = code.join("counter-v2");
    counter_folder(&second, "2", ">=3.9");
    std::fs::write(second.join("uv.lock"), COUNTER_UV_LOCK).expect("uv.lock");
    std::fs::write(second.join(".python-version"), "3.13\n").expect(".python-version");
    let answers = answers_for(&second);
    let out = cli::deploy_folder(home, &answers, &second, secrets);
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    for words in [
        "no requirements.txt: pip installs the versions uv.lock pins for your app (11 packages, \
         the project's and theirs)",
        "note: .python-version names Python 3.13 (what pyenv or uv uses on your computer); this \
         server has 3.",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    let site_packages = droplet.run(&[
        "sh",
        "-c",
        "ls /var/www/html/shop/current/venv/lib/python3*/site-packages",
    ]);
    for (wanted, unwanted) in [
        ("flask-3.0.3.dist-info", "pytest"),
        ("werkzeug-3.0.6.dist-info", "colorama"),
    ] {
        assert!(site_packages.contains(wanted), "{wanted}: {site_packages}");
        assert!(
            !site_packages.contains(unwanted),
            "{unwanted}: {site_packages}"
        );
    }
    let (status, body) = get(address, "/health");
    assert_eq!(status, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        (&health["visits"], &health["version"]),
        (&1.into(), &"2".into()),
        "{body}"
    );
    assert_eq!(
        droplet
            .run(&["readlink", "/var/www/html/shop/current/instance"])
            .trim(),
        "/var/www/html/shop/shared/instance"
    );
    let files = droplet.run(&[
        "sh",
        "-c",
        "cd /var/www/html/shop/shared/instance && stat -c '%n %U' * | sort",
    ]);
    assert_eq!(
        files.lines().collect::<Vec<_>>(),
        ["README.txt ola", "visits.sqlite3 ola"],
        "{files}"
    );

    // `droplift logs`: the slots' journal, uWSGI's log (a request the test made) and nginx's
    // part; then --follow shows a request made while it runs.
    let out = cli::droplift(
        home,
        &[
            "logs",
            "--answers",
            &answers,
            "--lines",
            "30",
            "--secrets-stdin",
        ],
        secrets,
    );
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    for words in [
        "── journal of uwsgi-shop@*",
        "── /var/www/html/shop/log/uwsgi.log (last 30 lines)",
        "GET /health",
        "── /var/log/nginx/error.log, lines naming /var/www/html/shop/",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    let asking = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let requests = {
        let asking = asking.clone();
        let address = address.to_owned();
        std::thread::spawn(move || {
            for _ in 0..120 {
                if !asking.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let _ = get(&address, "/health?follow-check-7");
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
        })
    };
    let (followed, hit) = cli::droplift_until(
        home,
        &["logs", "--answers", &answers, "--follow", "--secrets-stdin"],
        secrets,
        "follow-check-7",
        std::time::Duration::from_secs(90),
    );
    asking.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = requests.join();
    assert!(hit, "{followed}");
    assert!(followed.contains("[uwsgi.log]"), "{followed}");

    // Python 3.99 wanted: said before anything is built; release 2 keeps serving.
    let third = code.join("counter-v3");
    counter_folder(&third, "3", ">=3.99");
    let answers = answers_for(&third);
    let out = cli::deploy_folder(home, &answers, &third, secrets);
    let text = said(&out);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains(
            "Your app asks for Python >=3.99 (requires-python in pyproject.toml); this server \
             has Python 3."
        ),
        "{text}"
    );
    assert!(
        text.contains("Nothing was installed. Your options:"),
        "{text}"
    );
    assert!(
        text.contains("(no system droplift sets up has such a Python: Ubuntu 24.04 has 3.12"),
        "{text}"
    );
    assert!(!text.contains("Collecting Flask"), "pip never ran: {text}");
    let (status, body) = get(address, "/health");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""version":"2""#), "{body}");

    // Unpinned requirements from an old tutorial: Flask-JWT pins PyJWT 1.4.2, which imports a
    // name Python 3.10 took out of `collections`. The import check stops the release with the
    // Python error's last line and what to pin; release 2 keeps serving.
    let jwt = code.join("jwt-app");
    std::fs::create_dir_all(&jwt).expect("mkdir");
    std::fs::write(jwt.join("requirements.txt"), "Flask\nFlask-JWT\n").expect("write");
    std::fs::write(
        jwt.join("app.py"),
        "from flask import Flask, jsonify\nfrom flask_jwt import JWT\n\napp = Flask(__name__)\n\n\n\
         @app.get(\"/health\")\ndef health():\n    return jsonify(ok=True)\n",
    )
    .expect("write");
    let answers = answers_for(&jwt);
    let out = cli::deploy_folder(home, &answers, &jwt, secrets);
    let text = said(&out);
    assert!(!out.status.success(), "{text}");
    for words in [
        "ImportError: cannot import name 'Mapping' from 'collections'",
        "What to do: Pin a newer version of that library in requirements.txt, one made for the \
         server's Python",
        "Flask-JWT-Extended replaces it",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    let (status, body) = get(address, "/health");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""version":"2""#), "{body}");
}

/// The Django REST app on the same site: droplift proposes migrate, collectstatic and nginx for
/// STATIC_ROOT; the static files come from nginx itself (no Django headers, nginx's ETag), a
/// missing one is nginx's own 404 page, and the migration's table is in PostgreSQL.
fn django_rest_app_with_static_files_served_by_nginx(
    droplet: &TestDroplet,
    home: &Path,
    address: &str,
    code: &Path,
    secrets: &str,
) {
    let notes = code.join("notes");
    apps::notes_folder(&notes);
    let answers = cli::answers_file(
        home,
        &format!(
            "[server]\nhost = \"{address}\"\n\n[user]\nname = \"ola\"\n\n\
             [postgres]\nrole = \"ola\"\ndatabase = \"shop\"\n\n\
             [nginx]\nsite = \"shop\"\nserver_name = \"_\"\n\n\
             [app]\nsource = \"{}\"\nhealth = \"/api/health/\"\nsecrets = [\"SECRET_KEY\"]\n",
            notes.display()
        ),
    );
    let out = cli::deploy_folder(home, &answers, &notes, secrets);
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    // `droplift env set` before it (settings_set_by_hand): a new release's environment file
    // keeps a line set by hand, and says no value.
    assert!(
        env_line(droplet, "API_TOKEN").starts_with("API_TOKEN=\"by-hand"),
        "{}",
        env_line(droplet, "API_TOKEN")
    );
    assert!(!text.contains(API_TOKEN), "a secret in the output");
    for proposed in [
        "The app's entry point: api.wsgi:application (found WSGI_APPLICATION",
        "Proposed from your code: release commands: python manage.py migrate --noinput, python \
         manage.py collectstatic --noinput",
        "Proposed from your code: static files: nginx serves /static/ from staticfiles \
         (STATIC_ROOT in api/settings.py",
        "static folder staticfiles (/static/):",
        "nginx serves /static/ from /var/www/html/shop/current/staticfiles/",
    ] {
        assert!(text.contains(proposed), "{proposed}: {text}");
    }
    let tables = droplet.run(&[
        "runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t", "-d", "shop", "-c", "\\dt",
    ]);
    assert!(tables.contains("|notes_note|table|ola"), "{tables}");
    let (status, body) = get(address, "/api/health/");
    assert_eq!((status, body.trim()), (200, r#"{"ok":true,"notes":0}"#));
    // The app's own static file and DRF's, from nginx: its ETag, none of Django's headers.
    let (status, headers, body) = get_with_headers(address, "/static/notes/hello.txt");
    assert_eq!(
        (status, body.as_str()),
        (200, apps::NOTES_STATIC),
        "{headers}"
    );
    assert!(headers.contains("etag:"), "nginx's own answer: {headers}");
    assert!(
        !headers.contains("x-frame-options"),
        "Django's middleware never saw it: {headers}"
    );
    let (status, headers, _) =
        get_with_headers(address, "/static/rest_framework/css/bootstrap.min.css");
    assert_eq!(status, 200, "{headers}");
    // A missing static file is nginx's 404 page, not the app's.
    let (status, _, body) = get_with_headers(address, "/static/notes/missing.txt");
    let nginx_404 = droplet.run(&["cat", "/var/www/errors/404.html"]);
    assert_eq!((status, body.trim()), (404, nginx_404.trim()));
    let (status, headers, _) = get_with_headers(address, "/api/missing/");
    assert_eq!(status, 404);
    assert!(
        headers.contains("x-frame-options"),
        "the app's 404: {headers}"
    );
    let conf = droplet.run(&["cat", "/etc/nginx/droplift/shop-static.conf"]);
    assert!(
        conf.contains("location /static/ {\n    alias /var/www/html/shop/current/staticfiles/;"),
        "{conf}"
    );
    let files = droplet.run(&[
        "sh",
        "-c",
        "find /var/www/html/shop/current/staticfiles -type f -printf '%g %m\\n' | sort | uniq -c",
    ]);
    assert!(files.contains("www-data"), "{files}");
    assert!(!files.lines().any(|l| !l.contains("www-data")), "{files}");
    // status agrees: nothing pending once the static lines are in place.
    let status = cli::droplift(
        home,
        &["status", "--answers", &answers, "--secrets-stdin"],
        secrets,
    );
    let status_text = said(&status);
    assert!(
        !status_text.contains("static folders ([app] static) as asked yet"),
        "{status_text}"
    );
}
