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
