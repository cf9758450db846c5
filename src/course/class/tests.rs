use super::*;

fn host() -> Answers {
    let text = "[server]\nhost = \"203.0.113.7\"\n[user]\nname = \"erin\"\n[postgres]\nrole = \"erin\"\ndatabase = \"items\"\n[nginx]\nsite = \"items\"\n[app]\nmodule = \"app:app\"\nhealth = \"/health\"\n";
    crate::course::answers_file::parse(text)
        .expect("host answers")
        .0
}

fn squad(name: &str) -> Squad {
    Squad {
        name: name.to_owned(),
        keys: vec!["ssh-ed25519 AAAA".into()],
        module: "app:create_app()".into(),
        health: "/health".into(),
        memory_max: "256M".into(),
        cpu_quota: "50%".into(),
        tasks_max: "64".into(),
    }
}

fn roster(domain: Option<&str>) -> Roster {
    Roster {
        host: "items.toml".into(),
        domain: domain.map(str::to_owned),
        squads: vec![squad("avengers")],
    }
}

#[test]
fn a_squad_s_answers_are_a_private_site_set_up_by_the_instructor() {
    let answers = squad_answers(&host(), &roster(None), &squad("avengers")).expect("answers");
    assert_eq!(answers.user, "avengers");
    assert_eq!(answers.login_name(), "erin");
    assert!(!answers.user_sudo);
    assert_eq!(
        (answers.db_role(), answers.db_name()),
        ("avengers", "avengers")
    );
    assert_eq!(answers.nginx.site, "avengers");
    assert_eq!(answers.nginx.under.as_deref(), Some("items"));
    assert_eq!(answers.app.memory_max, "256M");
    assert_eq!(answers.app.tasks_max, "64");
    assert_eq!(answers.app.module, "app:create_app()");
    let named = squad_answers(
        &host(),
        &roster(Some("class.example.edu")),
        &squad("avengers"),
    )
    .expect("answers");
    assert_eq!(named.nginx.under, None);
    assert_eq!(named.nginx.server_name, "avengers.class.example.edu");
}

#[test]
fn the_sealed_steps_do_not_depend_on_the_squad_s_folder() {
    // class apply seals with a placeholder for the code; a member's deploy reads their folder.
    let placeholder = squad_answers(&host(), &roster(None), &squad("avengers")).expect("answers");
    let mut theirs = placeholder.clone();
    theirs.app.folder = Some("/home/alice/work/api".into());
    theirs.app.folder_digest = Some("ab".repeat(32));
    theirs.app.source = "/home/alice/work/api".into();
    assert_eq!(
        crate::course::deploy_key::sealed_steps(&placeholder).expect("sealed"),
        crate::course::deploy_key::sealed_steps(&theirs).expect("sealed")
    );
}

#[test]
fn a_made_password_is_long_and_plain() {
    let pw = new_db_password().expect("urandom");
    assert_eq!(pw.expose().len(), 32);
    assert!(pw.expose().chars().all(|c| c.is_ascii_alphanumeric()));
    assert_ne!(pw.expose(), new_db_password().expect("urandom").expose());
    crate::course::stages::postgres::names::validate_password(pw.expose(), pw.expose())
        .expect("stage 5's rule");
}

#[test]
fn the_database_plans_check_then_seed() {
    let answers = squad_answers(&host(), &roster(None), &squad("avengers")).expect("answers");
    let plans = database_plans(&answers).expect("plans");
    assert_eq!(plans.probe.steps.len(), 1);
    assert_eq!(plans.apply.required_secrets(), [SecretName::DbPassword]);
}

#[test]
fn the_board_reads_each_squad_s_line() {
    let output = "    | squad|avengers|v3|1796592000|200|1|\n\
                  squad|xmen||||0||\n\
                  squad|hulk|20261206T2000Z|1796592000|502|0|ImportError: no module named x|y\n\
                  droplift-state: done the class's board\n";
    let rows = board_rows(output);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].release.as_deref(), Some("v3"));
    assert_eq!(rows[0].deployed.as_deref(), Some("2026-12-06T21:20:00Z"));
    assert!(rows[0].healthy);
    assert_eq!(rows[0].failed_releases, 1);
    assert_eq!(
        (rows[1].release.as_deref(), rows[1].health, rows[1].healthy),
        (None, 0, false)
    );
    assert_eq!(
        rows[2].last_error.as_deref(),
        Some("ImportError: no module named x|y")
    );
    let table = board_table(&rows);
    assert!(table[1].contains("ok 200"), "{table:?}");
    assert!(
        table[2].contains("(none yet)") && table[2].contains("not yet"),
        "{table:?}"
    );
    assert!(table[3].contains("FAIL 502"), "{table:?}");
    // The wizard's: 74 columns at most, the error under its squad.
    let compact = board_compact(&rows);
    assert!(
        compact.iter().all(|l| l.chars().count() <= 74),
        "{compact:#?}"
    );
    assert!(
        compact[1].starts_with("avengers") && compact[1].contains("12-06 21:20"),
        "{compact:#?}"
    );
    let hulk = compact
        .iter()
        .position(|l| l.starts_with("hulk"))
        .expect("hulk");
    assert_eq!(
        compact[hulk + 1],
        "   last error: ImportError: no module named x|y"
    );
}

#[test]
fn the_board_asks_each_squad_at_its_prefix_or_name() {
    let mut two = roster(None);
    two.squads.push(squad("xmen"));
    let text = |plans: StagePlans| match &plans.probe.steps[0].action {
        crate::course::plan::Action::Run(command) => command.script.clone(),
        _ => panic!("a command"),
    };
    let under = text(board_plans(&host(), &two).expect("plans"));
    assert!(
        under.contains("avengers /health localhost /avengers\nxmen /health localhost /xmen"),
        "{under}"
    );
    let named = text(board_plans(&host(), &roster(Some("class.example.edu"))).expect("plans"));
    assert!(
        named.contains("avengers /health avengers.class.example.edu -"),
        "{named}"
    );
}

#[test]
fn squads_on_the_server_the_roster_no_longer_lists_are_named() {
    let output = "    | marked|avengers\n    | marked|xmen\ndroplift-state: done\n";
    assert_eq!(unlisted_squads(output, &roster(None)), ["xmen"]);
}
