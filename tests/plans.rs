//! Snapshots of every stage's plans and of the runbook for the example answers: a change to a
//! command the student runs shows up here as a diff to review.

use droplift::course::{self, StageId, answers, runbook};

fn example() -> answers::Answers {
    let text = include_str!("../assets/answers.example.toml");
    answers::parse(text).expect("example answers parse").0
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
            out.push_str(&course::plan::step_text(step, "203.0.113.7"));
            out.push('\n');
        }
    }
    out
}

#[test]
fn stage_plans() {
    let answers = example();
    for stage in course::BUILT {
        let plans = course::plans(stage, &answers).expect("built stage has plans");
        insta::assert_snapshot!(format!("plans_{}", stage.key()), readable(&plans));
    }
}

#[test]
fn plans_never_contain_a_secret_value_only_names() {
    let answers = example();
    for stage in StageId::ALL {
        if let Some(plans) = course::plans(stage, &answers) {
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
    let text = runbook::render(&answers, &[StageId::SshHardening]);
    assert!(text.contains("'/tmp/my key$(reboot)'"), "{text}");
    assert!(format!("{plans:?}").contains("my key$(reboot).pub"));
}
