//! `droplift class remove SQUAD` (and `--all`): what a grader needs is copied to this computer
//! first (the squad's database and its serving release's code, in droplift's data folder,
//! mode 600), then nothing of the squad is left on the server (`course::class::remove_plans`).

use super::HeadlessError;
use super::apply::{connect, report};
use super::class::{ClassRemoveArgs, load};
use crate::course::class::{self, roster};
use crate::course::values::UserName;
use crate::course::{StageId, answer};

pub fn remove(args: &ClassRemoveArgs) -> Result<i32, HeadlessError> {
    let (roster, host) = load(&args.roster.roster)?;
    let squads: Vec<roster::Squad> = if args.all {
        roster.squads.clone()
    } else {
        let name = args.squad.clone().unwrap_or_default();
        match roster.squads.iter().find(|s| s.name == name) {
            Some(squad) => vec![squad.clone()],
            None => {
                // A squad already taken out of the roster: its names are all removal needs.
                let names = class::taken(&host);
                let taken = roster::Taken {
                    names: names.iter().map(String::as_str).collect(),
                };
                roster::validate_squad_name(&name, &taken)
                    .map_err(|m| HeadlessError::Invalid(format!("{name}: {m}")))?;
                vec![roster::Squad {
                    name,
                    keys: Vec::new(),
                    module: "app:app".into(),
                    health: "/health".into(),
                    memory_max: crate::course::answers::DEFAULT_MEMORY_MAX.into(),
                    cpu_quota: crate::course::answers::DEFAULT_CPU_QUOTA.into(),
                    tasks_max: crate::course::answers::DEFAULT_TASKS_MAX.into(),
                }]
            }
        }
    };
    let owner = answer("user.login", UserName::parse(host.login_name()))?;
    let data = crate::state::data_dir().ok_or(HeadlessError::NoDataDir)?;
    let stamp = crate::civil::rfc3339(crate::state::now()).replace([':', '-'], "");
    let mut saved = super::Saved::load()?;
    let mut session = connect(host.clone(), &args.login, &[StageId::User], false)?;
    for squad in &squads {
        let answers = class::squad_answers(&host, &roster, squad).map_err(|cause| {
            HeadlessError::Answers {
                path: args.roster.roster.clone(),
                cause,
            }
        })?;
        session.answers = answers.clone();
        println!("\n==== Removing the squad {} ====", squad.name);
        if !args.without_saving {
            let dest = data
                .join("class")
                .join(&host.host)
                .join(format!("{}-{stamp}", squad.name));
            println!(
                "\n== What a grader needs, saved first: {} ==",
                dest.display()
            );
            let plans = class::save_plans(&answers, &owner, &dest)?;
            let outcome = session.run_plans(StageId::Service, &plans, false)?;
            if !report(StageId::Service, outcome, &session.answers) {
                println!(
                    "Nothing of {} was removed: its database and code could not be saved.",
                    squad.name
                );
                return Ok(1);
            }
            println!("Saved in {}", dest.display());
        }
        println!("\n== Removing {} from the server ==", squad.name);
        let outcome =
            session.run_plans(StageId::Service, &class::remove_plans(&answers)?, false)?;
        if !report(StageId::Service, outcome, &session.answers) {
            return Ok(1);
        }
        saved.forget_site(&answers);
    }
    Ok(0)
}
