//! Snapshots of every stage's plans and of the runbook for the example answers: a change to a
//! command the student runs shows up here as a diff to review.

use droplift::course::{self, StageId, answers, answers_file, runbook};

fn example() -> answers::Answers {
    let text = include_str!("../assets/answers.example.toml");
    answers_file::parse(text).expect("example answers parse").0
}

/// A second site on the same droplet: bob's, with no sudo, set up by erin's login, served at
/// /shop/ on the site items (several sites on one droplet, issue 28).
fn second_site() -> answers::Answers {
    let text = "[server]\nhost = \"203.0.113.7\"\n[user]\nname = \"bob\"\nsudo = false\n\
                login = \"erin\"\n[postgres]\ndatabase = \"shop\"\n[nginx]\nsite = \"shop\"\n\
                under = \"items\"\n[app]\nsource = \"https://example.com/bob/shop.git\"\n\
                module = \"shop:create_app()\"\nhealth = \"/health\"\nmemory_max = \"256M\"\n";
    answers_file::parse(text)
        .expect("second site's answers parse")
        .0
}

/// A plan as readable text: every step as the runbook shows it, including the probe and the
/// rollback, which the runbook leaves out or puts last.
fn readable(plans: &course::plan::StagePlans) -> String {
    let mut out = String::new();
    for (name, steps) in [
        ("probe", &plans.probe.steps),
        ("apply", &plans.apply.steps),
        ("verify", &plans.verify.steps),
        ("rollback", &plans.apply.rollback),
    ] {
        out.push_str(&format!("════ {name} ════\n"));
        for step in steps {
            if let course::plan::Action::Run(command) = &step.action {
                let who = if command.sudo {
                    "root"
                } else {
                    "the login user"
                };
                out.push_str(&format!(
                    "[as {who}, timeout {} s]\n",
                    command.timeout.as_secs()
                ));
            }
            out.push_str(&course::plan::step_text(step, "203.0.113.7").expect("quotes"));
            out.push('\n');
        }
    }
    out
}

#[test]
fn stage_plans() {
    let answers = example();
    for stage in course::StageId::ALL {
        let plans = course::plans(stage, &answers).expect("built stage has plans");
        insta::assert_snapshot!(format!("plans_{}", stage.key()), readable(&plans));
    }
}

/// A second site's own plans: stage 3 for an owner without sudo, stage 7 for a site under
/// another; stage 9 mounts the app at its prefix, with the owner's group and the limits.
#[test]
fn a_second_site_s_plans() {
    let answers = second_site();
    for stage in [StageId::User, StageId::Nginx] {
        let plans = course::plans(stage, &answers).expect("plans");
        insta::assert_snapshot!(format!("second_site_{}", stage.key()), readable(&plans));
    }
    let service = readable(&course::plans(StageId::Service, &answers).expect("plans"));
    for line in [
        "mount = /shop=shop:create_app()\nmanage-script-name = true\n",
        "User=bob\n",
        "Group=bob\n",
        "MemoryMax=256M\n",
        "health=/shop/health\n",
    ] {
        assert!(service.contains(line), "{line}");
    }
    let firewall = readable(&course::plans(StageId::Firewall, &answers).expect("plans"));
    assert!(
        firewall.contains("droplift-state: skipped the firewall is the server's"),
        "a second site's file leaves the server's firewall alone: {firewall}"
    );
    assert!(!firewall.contains("ufw "), "{firewall}");
    let app = readable(&course::plans(StageId::App, &answers).expect("plans"));
    assert!(
        app.contains("group=bob\n"),
        "the site's folder gets bob's group"
    );
}

#[test]
fn plans_never_contain_a_secret_value_only_names() {
    let answers = example();
    for stage in StageId::ALL {
        if let Ok(plans) = course::plans(stage, &answers) {
            let text = format!("{plans:?}");
            assert!(!text.contains("Secret(\""), "{stage}: {text}");
        }
    }
}

#[test]
fn user_input_is_quoted_in_scripts() {
    // A user name can't carry shell syntax past validation, but a key path can: it must be quoted.
    let mut answers = example();
    answers.key = "/tmp/my key$(reboot)".into();
    let plans = course::plans(StageId::SshHardening, &answers).expect("plans");
    let text = runbook::render(&answers, &[StageId::SshHardening]).expect("renders");
    assert!(text.contains("'/tmp/my key$(reboot)'"), "{text}");
    assert!(format!("{plans:?}").contains("my key$(reboot).pub"));
}

/// Every command of every plan built from the example answers, with what it is.
fn every_command() -> Vec<(String, course::plan::Command)> {
    // Also as on a droplet droplift created with the key (stage 3 checks sudo differently).
    let mut by_key = example();
    by_key.root_by_key = true;
    let mut all = Vec::new();
    let second = [
        StageId::User,
        StageId::Firewall,
        StageId::Postgres,
        StageId::Nginx,
        StageId::App,
        StageId::Service,
    ]
    .map(|s| (second_site(), s));
    for (answers, stage) in course::StageId::ALL
        .into_iter()
        .map(|s| (example(), s))
        .chain(std::iter::once((by_key, StageId::User)))
        .chain(second)
    {
        let plans = course::plans(stage, &answers).expect("built stage has plans");
        for (phase, steps) in [
            ("probe", &plans.probe.steps),
            ("apply", &plans.apply.steps),
            ("verify", &plans.verify.steps),
            ("rollback", &plans.apply.rollback),
        ] {
            for step in steps {
                let command = match &step.action {
                    course::plan::Action::Run(c) => Some(c),
                    course::plan::Action::FreshLogin { command, .. } => command.as_ref(),
                    course::plan::Action::Download { command, .. } => Some(command),
                    course::plan::Action::Local(_) | course::plan::Action::Upload { .. } => None,
                };
                if let Some(c) = command {
                    all.push((format!("{stage} {phase}: {}", step.headline()), c.clone()));
                }
            }
        }
    }
    all.extend(day_two_commands());
    all
}

/// The commands of the plans outside the stages: backups, restores and drills, a rollback.
fn day_two_commands() -> Vec<(String, course::plan::Command)> {
    use course::backup;
    let answers = example();
    let b = backup::values(&answers).expect("backup values");
    let app = course::stages::service::values(&answers).expect("service values");
    let name = backup::backup_name("items-db-20261206T030512Z.dump").expect("a name");
    let server_name =
        course::values::ServerName::parse(&answers.nginx.server_name).expect("server name");
    let plans = [
        ("backup setup", backup::setup_plans(&b)),
        ("backup now", backup::now_plans(&b)),
        ("backup list", backup::list_plans(&b)),
        (
            "backup pull",
            backup::pull_plans(&b, std::path::Path::new("/tmp/x")),
        ),
        ("drill", backup::drill_plans(&b, &name, None)),
        (
            "drill with the release",
            backup::drill_plans(&b, &name, Some(&app)),
        ),
        (
            "restore",
            backup::restore_plans(&b, &name, &server_name, &app.health.path),
        ),
        (
            "rollback",
            course::stages::service::rollback_plans(&app, None),
        ),
    ];
    let plans = plans.into_iter().chain(env_plans(&answers));
    let mut all = Vec::new();
    for (what, plans) in plans {
        let plans = plans.expect("builds");
        for step in plans.probe.steps.iter().chain(&plans.apply.steps) {
            match &step.action {
                course::plan::Action::Run(c)
                | course::plan::Action::Download { command: c, .. } => {
                    all.push((format!("{what}: {}", step.headline()), c.clone()));
                }
                _ => {}
            }
        }
    }
    all
}

/// `droplift env list`, `env set NAME --restart` and `env unset NAME` for the example answers.
fn env_plans(
    answers: &answers::Answers,
) -> Vec<(
    &'static str,
    Result<course::plan::StagePlans, droplift::shell::QuoteError>,
)> {
    use course::env::{self, Change};
    let v = env::values(answers).expect("env values");
    let app = course::stages::service::values(answers).expect("service values");
    let name = course::values::EnvName::parse("API_TOKEN").expect("a name");
    vec![
        ("env list", env::list_plans(&v)),
        (
            "env set --restart",
            env::change_plans(&v, &name, Change::Set, Some(&app)),
        ),
        (
            "env unset",
            env::change_plans(&v, &name, Change::Unset, None),
        ),
    ]
}

/// The plans of `droplift env`: what the student sees before a setting changes.
#[test]
fn env_plans_show_names_never_values() {
    let answers = example();
    let mut text = String::new();
    for (what, plans) in env_plans(&answers) {
        let plans = plans.expect("builds");
        text.push_str(&format!("━━━━ {what} ━━━━\n{}", readable(&plans)));
        for step in plans.apply.steps.iter().chain(&plans.probe.steps) {
            if let course::plan::Action::Run(c) = &step.action {
                let secrets: Vec<_> = c.required_secrets().collect();
                assert!(
                    secrets.is_empty() || secrets == [droplift::secret::SecretName::AppSecrets],
                    "{what}: {secrets:?}"
                );
            }
        }
    }
    insta::assert_snapshot!("env_plans", text);
}

#[test]
fn every_command_is_valid_bash() {
    for (what, command) in every_command() {
        let out = std::process::Command::new("bash")
            .args(["-n", "-c", &command.script])
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{what}: bash -n says {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            command.script
        );
    }
}

/// libssh2 sends a command in one packet whose payload must stay under MAX_SSH_PACKET_LEN
/// (35000) less 256: about 34720 bytes of command. A longer one fails to start ("Unable to send
/// channel request"), seen with a go-live that grew to 34800.
#[test]
fn every_command_fits_in_one_ssh_packet() {
    let prompt = droplift::remote::run::sudo_prompt();
    for (what, command) in every_command() {
        let line =
            droplift::remote::run::command_line(&command.script, Some(&prompt)).expect("quotes");
        eprintln!("{:6} {what}", line.len());
        assert!(
            line.len() < 34_000,
            "{what}: {} bytes on the command line, near libssh2's limit (about 34720)",
            line.len()
        );
    }
}

/// The names a script's preamble sets: its `name=value` lines before the first line of a file,
/// a quoted value that spans lines (a file's text handed over) read to its closing quote.
fn preamble_names(script: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut lines = script.lines();
    while let Some(line) = lines.next() {
        let Some((name, _)) = line.split_once('=') else {
            break;
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            break;
        }
        let mut assignment = line.to_owned();
        while shlex::split(&assignment).is_none() {
            let Some(more) = lines.next() else { break };
            assignment.push('\n');
            assignment.push_str(more);
        }
        names.push(name);
    }
    names
}

#[test]
fn every_script_sets_exactly_the_values_its_files_declare() {
    for (what, command) in every_command() {
        // The preamble: the `name=value` lines before the first line of a file.
        let mut set: Vec<&str> = preamble_names(&command.script);
        set.sort_unstable();
        let declared = droplift::shell::declared_inputs(&command.script);
        assert_eq!(set, declared, "{what}");
        assert!(
            command.script.contains("set -euo pipefail"),
            "{what}: scripts start from the strict prologue"
        );
    }
}

#[test]
fn every_check_in_one_command_is_valid_bash_and_each_reader_gets_one_line() {
    let answers = example();
    let (command, left_out) =
        course::probe_all(&StageId::ALL, &answers, &|_| true).expect("builds");
    for stage in course::StageId::ALL {
        assert!(
            stage == StageId::Connect || !left_out.contains(&stage),
            "{stage} is checked"
        );
    }
    assert!(command.sudo, "checks run as root");
    // The loader is short; the checks themselves come first on stdin.
    assert!(command.script.len() < 1000, "{}", command.script);
    let inner = course::probe_all_script(&command);
    for script in [command.script.as_str(), inner] {
        let out = std::process::Command::new("bash")
            .args(["-n", "-c", script])
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = std::process::Command::new("bash")
        .args(["-n", "-c", inner])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each stage's check is handed over whole, quoted, as the value of its variable.
    for stage in course::StageId::ALL
        .iter()
        .filter(|s| **s != StageId::Connect)
    {
        let plans = course::plans(*stage, &answers).expect("plans");
        let course::plan::Action::Run(probe) = &plans.probe.steps[0].action else {
            panic!("a probe is one command");
        };
        let quoted = droplift::shell::quote(&probe.script).expect("quotes");
        assert!(inner.contains(&quoted), "{stage}");
    }
    // The checks that read stdin read one line each, in course order: the public key (the
    // driver ends a local file with a line break), then the database password.
    use course::plan::StdinPart;
    assert!(
        matches!(
            &command.stdin[1..],
            [
                StdinPart::LocalFile(_),
                StdinPart::Secret(droplift::secret::SecretName::DbPassword),
                StdinPart::Text(end),
            ] if end == "\n"
        ),
        "{:?}",
        command.stdin
    );
    assert!(inner.contains("readers='ssh postgres'"), "{inner}");
}

#[test]
fn the_combined_check_hands_each_reader_its_own_line() {
    const PROBE_ALL: &str = include_str!("../src/course/scripts/probe_all.sh");
    let script = format!(
        "stages='update ssh postgres'\nreaders='update postgres'\n\
         probe_update='read -r x; echo \"a got $x\"'\nprobe_ssh='cat; echo b ran'\n\
         probe_postgres='x=$(cat); echo \"c got $x\"; exit 3'\n{PROBE_ALL}"
    );
    let mut child = std::process::Command::new("bash")
        .args(["-c", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("bash runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"it's $x \\ #1\nssh-ed25519 AAAA key\n")
        .expect("write");
    let out = child.wait_with_output().expect("bash ends");
    let parts = course::probe::split(&String::from_utf8_lossy(&out.stdout));
    let seen: Vec<(&str, Option<i32>)> = parts
        .iter()
        .map(|p| (p.output.as_str(), p.exit_code))
        .collect();
    assert_eq!(
        seen,
        [
            ("a got it's $x \\ #1\n", Some(0)),
            ("b ran\n", Some(0)),
            ("c got ssh-ed25519 AAAA key\n", Some(3)),
        ]
    );
}

#[test]
fn the_runbook_is_notes_that_cannot_end_the_students_shell() {
    let text = runbook::render(&example(), &course::StageId::ALL).expect("renders");
    assert!(!text.starts_with("#!"), "notes, not an executable script");
    // On stdin: the whole runbook is longer than one argument may be (128 KiB).
    let mut child = std::process::Command::new("bash")
        .arg("-n")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash runs");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write");
    }
    let out = child.wait_with_output().expect("bash ends");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `set -e` and `exit` may only appear inside a ( … ) block, where they end the subshell.
    let mut inside = false;
    let mut heredoc: Option<String> = None;
    for line in text.lines() {
        if let Some(end) = &heredoc {
            if line == end {
                heredoc = None;
            }
            continue;
        }
        if line == "(" {
            inside = true;
        } else if line == ")" || line.starts_with(") <<'") {
            inside = false;
            if let Some(rest) = line.strip_prefix(") <<'") {
                heredoc = Some(rest.trim_end_matches('\'').to_owned());
            }
        } else if !inside && !line.starts_with('#') {
            assert!(
                !line.contains("set -e") && !line.trim_start().starts_with("exit"),
                "outside a ( … ) block: {line}"
            );
        }
    }
    // A secret is never something to paste: where one is needed, the interactive command is shown.
    assert!(!text.contains("johndoe:<user_password>"), "{text}");
    assert!(text.contains("passwd johndoe"));
}

/// Stages 8 and 10 with the answers the example leaves out: code from git, and a domain.
#[test]
fn a_git_source_and_a_domain_give_valid_scripts_with_exactly_their_values() {
    let mut answers = example();
    answers.app.source = "https://github.com/you/app.git".into();
    answers.app.git_ref = "v1.0.0".into();
    answers.app.health = "/store?full=1&x=y".into();
    answers.domain = Some("api.example.com".into());
    answers.tls_email = Some("you@example.com".into());
    for stage in [StageId::App, StageId::Service, StageId::Domain] {
        let plans = course::plans(stage, &answers).expect("plans");
        for step in plans
            .probe
            .steps
            .iter()
            .chain(&plans.apply.steps)
            .chain(&plans.verify.steps)
            .chain(&plans.apply.rollback)
        {
            let course::plan::Action::Run(command) = &step.action else {
                continue;
            };
            let out = std::process::Command::new("bash")
                .args(["-n", "-c", &command.script])
                .output()
                .expect("bash runs");
            assert!(
                out.status.success(),
                "{}: {}",
                step.headline(),
                command.script
            );
            let mut set: Vec<&str> = preamble_names(&command.script);
            set.sort_unstable();
            assert_eq!(
                set,
                droplift::shell::declared_inputs(&command.script),
                "{}",
                step.headline()
            );
        }
    }
    let text = runbook::render(&answers, &[StageId::App, StageId::Domain]).expect("runbook");
    assert!(
        text.contains("url=https://github.com/you/app.git"),
        "{text}"
    );
    assert!(text.contains("getent ahosts api.example.com"), "{text}");
    // The student's own health path reaches every check, quoted, and wants 2xx, not JSON.
    let text = runbook::render(&answers, &[StageId::Service, StageId::Domain]).expect("runbook");
    assert!(
        text.contains("health='/store?full=1&x=y'\nhealth_json=no\n"),
        "{text}"
    );
    assert!(
        text.contains("curl -g -i 'http://203.0.113.7/store?full=1&x=y'"),
        "{text}"
    );
    for items in ["GET /items", "/items'", "/items\n", "/items "] {
        assert!(
            !text.contains(items),
            "no /items for a student's app:\n{text}"
        );
    }
}

/// Stage 8 for a student's own app with release commands and settings: the preview shows the
/// exact commands and the settings' names; secret values are only ever a placeholder.
#[test]
fn release_commands_and_settings_reach_stage_8_s_plan_as_checked_values() {
    let mut answers = example();
    answers.app.source = "https://github.com/you/shop.git".into();
    answers.app.module = "shop:create_app()".into();
    answers.app.health = "/health".into();
    answers.app.release = vec!["flask --app shop db upgrade".into()];
    answers.app.env = vec![("FLASK_DEBUG".into(), "0".into())];
    answers.app.secrets = vec!["SECRET_KEY".into(), "JWT_SECRET_KEY".into()];
    let plans = course::plans(StageId::App, &answers).expect("plans");
    for step in plans
        .probe
        .steps
        .iter()
        .chain(&plans.apply.steps)
        .chain(&plans.verify.steps)
        .chain(&plans.apply.rollback)
    {
        let course::plan::Action::Run(command) = &step.action else {
            continue;
        };
        let out = std::process::Command::new("bash")
            .args(["-n", "-c", &command.script])
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "{}", step.headline());
        let mut set: Vec<&str> = preamble_names(&command.script);
        set.sort_unstable();
        assert_eq!(
            set,
            droplift::shell::declared_inputs(&command.script),
            "{}",
            step.headline()
        );
    }
    answers
        .app
        .release
        .push("flask --app shop seed --if-empty".into());
    answers
        .app
        .env
        .push(("GREETING".into(), "hello, \"world\" $HOME".into()));
    let plans = course::plans(StageId::App, &answers).expect("plans");
    insta::assert_snapshot!("plans_app_release_and_settings", readable(&plans));
}

#[test]
fn the_log_names_what_a_step_does_never_a_shared_file_s_plumbing() {
    // Scripts start with shared functions (the site's lock, the releases' bookkeeping): the line
    // the log shows for a step is the step's own first command.
    for (title, command) in every_command() {
        let line = command.log_line();
        eprintln!("{title:.50} → {line}");
        for plumbing in [
            "marks=",
            "site_lock",
            "lock_wait=",
            "trap ",
            "local ",
            "if [ \"$(id -un)\"",
        ] {
            assert!(!line.starts_with(plumbing), "{title}: {line}");
        }
        assert!(!line.contains("() {"), "{title}: {line}");
    }
}

#[test]
fn a_deploy_s_joints_fit_one_command_and_parse() {
    // `droplift deploy --deploy-key` runs consecutive root steps as one sealed command
    // (course::joint): the sealed helper hands each to `bash -c` as one word, which Linux takes
    // up to 128 KiB (checked here quoted, larger still), and each must parse.
    let mut with_release = example();
    with_release
        .app
        .release
        .push("flask --app shop seed --if-empty".into());
    with_release.app.shared.push("uploads".into());
    for answers in [example(), second_site(), with_release] {
        for stage in [StageId::App, StageId::Service] {
            let plans = course::plans(stage, &answers).expect("plans");
            let steps = course::joint::sequence(&plans);
            let joints = course::joint::joints(&steps);
            assert!(!joints.is_empty(), "{stage:?} joins its steps");
            for joint in joints {
                let line = droplift::remote::run::command_line(&joint.script, Some("[sudo] p: "))
                    .expect("quotes");
                assert!(line.len() < 128 * 1024, "{stage:?}: {} bytes", line.len());
                let out = std::process::Command::new("bash")
                    .args(["-n", "-c", &joint.script])
                    .output()
                    .expect("bash runs");
                assert!(out.status.success(), "{stage:?}: {out:?}");
            }
        }
    }
}
