//! The headless commands as a student runs them (the real binary): the runbook for the example
//! answers, and the answers-file and secret mistakes, each with its message and nothing run.

mod common;

use std::process::Output;

use common::cli::answers_file;

fn droplift(args: &[&str], stdin: &str, home: &std::path::Path) -> Output {
    common::cli::droplift(home, args, stdin)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn plan_prints_the_runbook_for_the_example_answers() {
    let home = tempfile::tempdir().expect("tempdir");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/answers.example.toml");
    let out = droplift(&["plan", "--answers", example], "", home.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let warnings = stderr(&out);
    assert!(
        !warnings.contains("is for a stage this version"),
        "every section has its stage: {warnings}"
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"203.0.113.7\"\n\n[user]\nname = \"johndoe\"\nshell = \"zsh\"\n",
    );
    let out = droplift(&["plan", "--answers", &file], "", home.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown field `shell`"), "{err}");
    assert!(err.contains("line 6"), "{err}");
}

#[test]
fn a_bad_user_name_is_refused_with_the_rule() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"203.0.113.7\"\n\n[user]\nname = \"1abc\"\n",
    );
    let out = droplift(
        &["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        "",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("line 5: `user.name`: A user name must start with a letter"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing ran");
}

#[test]
fn a_missing_secret_is_an_error_before_anything_runs() {
    let home = tempfile::tempdir().expect("tempdir");
    // Port 1 on loopback: if droplift tried to connect, the message would be about that.
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"127.0.0.1\"\nport = 1\n\n[user]\nname = \"johndoe\"\n",
    );
    let out = droplift(
        &["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        "root_password=hunter2 and more\n",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("needed and were not on stdin: user_password"),
        "{err}"
    );
    assert!(!err.contains("hunter2") && out.stdout.is_empty());
}

#[test]
fn an_unknown_secret_name_is_refused() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"127.0.0.1\"\n[user]\nname = \"bob\"\n",
    );
    let out = droplift(
        &["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        "rootpassword=x\n",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    // Only the line number: a mistyped line may hold a password (issue 11, item 8).
    let said = stderr(&out);
    assert!(said.contains("stdin line 1: unknown secret"), "{said}");
    assert!(!said.contains("rootpassword"), "{said}");
}

#[test]
fn an_unreachable_server_says_what_is_wrong_in_plain_words() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"127.0.0.1\"\nport = 1\n\n[user]\nname = \"johndoe\"\n",
    );
    let out = droplift(
        &["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        "root_password=s3cr3t pw\nuser_password=an0ther pw\ndb_password=th1rd pw\n",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("nothing accepts SSH connections on port 1"),
        "{err}"
    );
    let all = format!("{err}{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        !all.contains("s3cr3t") && !all.contains("an0ther"),
        "no secret in the output"
    );
}

#[test]
fn status_needs_a_host_or_answers() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = droplift(&["status"], "", home.path());
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
    assert!(stderr(&out).contains("<HOST>"), "{}", stderr(&out));
}

#[test]
fn a_short_user_password_on_stdin_gets_the_wizards_rule() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"127.0.0.1\"\nport = 1\n[user]\nname = \"bob\"\n",
    );
    let out = droplift(
        &["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        "root_password=x\nuser_password=short\n",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("user_password: Use at least 8 characters"),
        "{err}"
    );
    assert!(!err.contains("short"), "the value is not repeated");
}

// ── Stages 5 and 6 ──

#[test]
fn bad_postgres_names_and_ports_each_name_their_key_and_line_and_nothing_runs() {
    let home = tempfile::tempdir().expect("tempdir");
    let long = "x".repeat(64);
    let file = answers_file(
        home.path(),
        &format!(
            "[server]\nhost = \"127.0.0.1\"\nport = 1\n[user]\nname = \"bob\"\n\
             [postgres]\nrole = \"select\"\ndatabase = \"{long}\"\n\
             [firewall]\nextra_ports = [0, 70000, \"22/xyz\", 8080]\n"
        ),
    );
    let out = droplift(
        &["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        "root_password=x\n",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for expected in [
        "line 7: `postgres.role`: \"select\" is a word SQL itself uses",
        "line 8: `postgres.database`: PostgreSQL keeps at most 63 bytes of a name; this one has 64",
        "line 10: `firewall.extra_ports`: There is no port 0",
        "line 10: `firewall.extra_ports`: 70000 is too big for a port",
        "line 10: `firewall.extra_ports`: \"xyz\" is not a protocol",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert!(!err.contains("connecting"), "nothing ran: {err}");
    let empty = answers_file(
        home.path(),
        "[server]\nhost = \"127.0.0.1\"\n[user]\nname = \"bob\"\n[postgres]\nrole = \"\"\n",
    );
    let out = droplift(&["plan", "--answers", &empty], "", home.path());
    assert!(
        stderr(&out).contains("`postgres.role`: Choose a role name"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_short_db_password_on_stdin_gets_the_wizards_rule() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"127.0.0.1\"\nport = 1\n[user]\nname = \"bob\"\n",
    );
    let out = droplift(
        &[
            "apply",
            "--answers",
            &file,
            "--yes",
            "--secrets-stdin",
            "--only",
            "postgres",
        ],
        "user_password=long enough 1\ndb_password=shorty\n",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("(db_password): Use at least 8 characters"),
        "{err}"
    );
    assert!(!err.contains("shorty"), "the value is not repeated");
    let out = droplift(
        &[
            "apply",
            "--answers",
            &file,
            "--yes",
            "--secrets-stdin",
            "--only",
            "postgres",
        ],
        "user_password=long enough 1\n",
        home.path(),
    );
    assert!(
        stderr(&out).contains("not on stdin: db_password"),
        "{}",
        stderr(&out)
    );
}
// ── nginx (stage 7) ──
#[test]
fn an_nginx_site_file_replaces_the_template_and_a_missing_one_names_key_and_line() {
    let home = tempfile::tempdir().expect("tempdir");
    let base = "[server]\nhost = \"203.0.113.7\"\n\n[user]\nname = \"johndoe\"\n\n[nginx]\n";
    let missing = answers_file(home.path(), &format!("{base}site_file = \"nope.conf\"\n"));
    let out = droplift(&["plan", "--answers", &missing], "", home.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("line 8: `nginx.site_file`"), "{err}");
    assert!(err.contains("nope.conf"), "{err}");

    let empty = home.path().join("empty.conf");
    std::fs::write(&empty, "\n").expect("write");
    let file = answers_file(home.path(), &format!("{base}site_file = \"empty.conf\"\n"));
    let err = stderr(&droplift(&["plan", "--answers", &file], "", home.path()));
    assert!(err.contains("The site file is empty"), "{err}");

    // Relative to the answers file; its text reaches the server only on stdin.
    let mine = "server { listen 80; server_name my.example.com; return 204; }\n";
    std::fs::write(home.path().join("mine.conf"), mine).expect("write");
    let file = answers_file(home.path(), &format!("{base}site_file = \"mine.conf\"\n"));
    let out = droplift(
        &["plan", "--answers", &file, "--only", "nginx"],
        "",
        home.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let runbook = String::from_utf8_lossy(&out.stdout);
    assert!(runbook.contains(mine.trim_end()), "{runbook}");
    assert!(
        !runbook.contains("HTTP_X_REAL_IP"),
        "the template is not used"
    );
    assert_eq!(runbook.matches("<<'DROPLIFT_EOF'").count(), 1, "{runbook}");
}

#[test]
fn keeping_the_default_site_beside_a_nameless_site_is_refused_at_its_key() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"203.0.113.7\"\n\n[user]\nname = \"johndoe\"\n\n[nginx]\nserver_name = \"_\"\nremove_default = false\n",
    );
    let out = droplift(&["plan", "--answers", &file], "", home.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("line 9: `nginx.remove_default`"), "{err}");
    assert!(
        err.contains("default site would answer every request"),
        "{err}"
    );
}
// ── end nginx ──

#[test]
fn a_students_app_without_a_health_path_is_refused_before_anything_connects() {
    let home = tempfile::tempdir().expect("tempdir");
    let code = home.path().join("shop");
    std::fs::create_dir_all(&code).expect("mkdir");
    std::fs::write(code.join("requirements.txt"), "Flask\n").expect("requirements");
    std::fs::write(
        code.join("app.py"),
        "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get(\"/store\")\n\
         def stores():\n    return {\"stores\": []}\n\n\n@app.route(\"/store/<int:id>\")\n\
         def store(id):\n    return {}\n",
    )
    .expect("app.py");
    // 192.0.2.1 (TEST-NET-1) answers nobody: a login attempt would hang, not pass.
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"192.0.2.1\"\n[user]\nname = \"johndoe\"\n[app]\nsource = \"shop\"\n",
    );
    for args in [
        vec!["deploy", "--answers", &file, "--secrets-stdin"],
        vec!["apply", "--answers", &file, "--yes", "--secrets-stdin"],
        vec!["plan", "--answers", &file],
    ] {
        let out = droplift(&args, "user_password=x\ndb_password=y\n", home.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("line 6: `app.health`: your own app needs a health path")
                && err.contains("health = \"/store\" (routes seen in the code: /store)"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("Logging in"), "nothing connected: {err}");
    }
    // The fix on the command line works too, and a bad one is named by its flag.
    let out = droplift(
        &[
            "deploy",
            "--answers",
            &file,
            "--health",
            "store",
            "--secrets-stdin",
        ],
        "",
        home.path(),
    );
    assert!(
        stderr(&out).contains("--health: A health path starts with /, e.g. /store."),
        "{}",
        stderr(&out)
    );
    // An empty `health` is named at its own line.
    let empty = answers_file(
        home.path(),
        "[server]\nhost = \"192.0.2.1\"\n[user]\nname = \"johndoe\"\n[app]\nsource = \"shop\"\n\
         health = \"\"\n",
    );
    let out = droplift(&["plan", "--answers", &empty], "", home.path());
    assert!(
        stderr(&out).contains("line 7: `app.health`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_folder_without_module_gets_the_entry_point_found_in_its_code() {
    let home = tempfile::tempdir().expect("tempdir");
    let code = home.path().join("shop");
    std::fs::create_dir_all(code.join("shop")).expect("mkdir");
    std::fs::write(code.join("requirements.txt"), "Flask\n").expect("requirements");
    std::fs::write(
        code.join("shop/__init__.py"),
        "from flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n",
    )
    .expect("package");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"203.0.113.7\"\n[user]\nname = \"johndoe\"\n[app]\nsource = \"shop\"\n\
         health = \"/store\"\n",
    );
    let out = droplift(&["plan", "--answers", &file], "", home.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("module='shop:create_app()'"), "{plan}");
    assert!(plan.contains("health=/store\nhealth_json=no\n"), "{plan}");

    // Nothing to find: the answer to give is named, and nothing runs.
    std::fs::remove_dir_all(code.join("shop")).expect("rm");
    std::fs::write(code.join("notes.py"), "x = 1\n").expect("notes");
    let out = droplift(&["plan", "--answers", &file], "", home.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("found no entry point") && stderr(&out).contains("[app] module"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_bad_class_roster_is_refused_at_its_lines_and_nothing_connects() {
    let home = tempfile::tempdir().expect("tempdir");
    // Port 1 on loopback: if droplift tried to connect, the message would be about that.
    std::fs::write(
        home.path().join("items.toml"),
        "[server]\nhost = \"127.0.0.1\"\nport = 1\n[user]\nname = \"erin\"\n[nginx]\nsite = \"items\"\n",
    )
    .expect("write");
    std::fs::create_dir_all(home.path().join("keys")).expect("mkdir");
    std::fs::write(
        home.path().join("keys/carol"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n",
    )
    .expect("write");
    let roster = home.path().join("class.toml");
    std::fs::write(
        &roster,
        "host = \"items.toml\"\n\n[[squad]]\nname = \"avengers\"\n\
         keys = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGsvEowuQpHxq3e3I2EQfPaulFddCzQpbcjE0DXWHOmV alice\", \"keys/carol\", \"keys/bob.pub\"]\n\n\
         [[squad]]\nname = \"avengers\"\nkeys = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGsvEowuQpHxq3e3I2EQfPaulFddCzQpbcjE0DXWHOmV alice@other\"]\n\n\
         [[squad]]\nname = \"Items\"\nkeys = [\"ssh-ed25519 AAAA\"]\nmemory_max = \"lots\"\n\n\
         [[squad]]\nname = \"items\"\nkeys = [\"not a key\"]\n",
    )
    .expect("write");
    let roster = roster.to_str().expect("utf-8");
    for command in ["check", "apply"] {
        let out = droplift(
            &["class", command, "--roster", roster, "--secrets-stdin"]
                [..if command == "check" { 4 } else { 5 }],
            "user_password=a long enough password\n",
            home.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            out.stdout.is_empty(),
            "nothing ran: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let err = stderr(&out).replace(roster, "class.toml");
        assert!(
            !err.contains("b3BlbnNzaC1rZXkt"),
            "a private key is never echoed: {err}"
        );
        insta::assert_snapshot!("a_bad_class_roster", err);
    }
}

/// `droplift env set|unset NAME`: a NAME droplift owns, or one the answers' [app.env] writes
/// again at each deploy, is refused at the argument; a value never on the command line and
/// never in a message; all before anything connects (port 1: a connection would fail first).
#[test]
fn env_set_refuses_droplift_s_names_and_bad_values_before_connecting() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = answers_file(
        home.path(),
        "[server]\nhost = \"127.0.0.1\"\nport = 1\n[user]\nname = \"ola\"\n[nginx]\nsite = \"shop\"\n\
         [app]\nsource = \"https://example.com/shop.git\"\nhealth = \"/health\"\n\
         secrets = [\"SECRET_KEY\"]\n\n[app.env]\nGREETING = \"hi\"\n",
    );
    let run = |args: &[&str], stdin: &str| {
        let mut all = vec!["env"];
        all.extend_from_slice(args);
        all.extend(["--answers", file.as_str(), "--secrets-stdin"]);
        droplift(&all, stdin, home.path())
    };
    for (name, said) in [
        ("DATABASE_URL", "NAME: droplift writes DATABASE_URL itself"),
        ("DROPLIFT_RELEASE", "NAME: DROPLIFT_RELEASE is taken"),
        ("GREETING", "NAME: GREETING is a plain setting in [app.env]"),
        ("2FA", "NAME: \"2FA\" is not an environment variable name"),
    ] {
        for verb in ["set", "unset"] {
            let out = run(&[verb, name], "user_password=pw-of-ola-1\n");
            assert_eq!(out.status.code(), Some(2), "{verb} {name}");
            let err = stderr(&out);
            assert!(err.contains(said), "{verb} {name}: {err}");
        }
    }
    let out = run(&["set", "API_TOKEN"], "user_password=pw-of-ola-1\n");
    let err = stderr(&out);
    assert!(err.contains("no env.API_TOKEN=… line"), "{err}");
    let out = run(
        &["set", "SECRET_KEY"],
        "user_password=pw-of-ola-1\nenv.SECRET_KEY=short7\n",
    );
    let err = stderr(&out);
    assert!(
        err.contains("the value of SECRET_KEY: Use at least 8 characters"),
        "{err}"
    );
    assert!(!err.contains("short7"), "{err}");
    let out = run(
        &["set", "API_TOKEN"],
        "user_password=pw-of-ola-1\nenv.API_TOKEN=two\ttabs\n",
    );
    let err = stderr(&out);
    assert!(
        err.contains("API_TOKEN: A setting's value has no control"),
        "{err}"
    );
    let out = run(
        &["set", "API_TOKEN"],
        "user_password=pw-of-ola-1\nenv.API_TOKEN=ok\nenv.OTHER=x-secret-1\n",
    );
    let err = stderr(&out);
    assert!(err.contains("leave the other env. lines out"), "{err}");
    assert!(!err.contains("x-secret-1"), "{err}");
    let out = run(
        &["unset", "API_TOKEN"],
        "user_password=pw\nenv.API_TOKEN=v\n",
    );
    assert!(stderr(&out).contains("takes no value"), "{}", stderr(&out));
    // A value on the command line is not an option clap knows.
    let out = droplift(
        &["env", "set", "API_TOKEN", "value", "--answers", &file],
        "",
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}
