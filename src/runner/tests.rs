//! The runner's decisions, driven with hand-made worker events (the real worker is exercised
//! end to end in tests/e2e_access.rs).

use super::*;
use crate::course::answers::Answers;
use crate::course::{self, plan::LocalAction};

fn out(id: JobId, line: &str) -> WorkerEvent {
    WorkerEvent::Output {
        id,
        stream: Stream::Stdout,
        line: line.into(),
    }
}

fn err(id: JobId, line: &str) -> WorkerEvent {
    WorkerEvent::Output {
        id,
        stream: Stream::Stderr,
        line: line.into(),
    }
}

fn finished(id: JobId, exit_code: i32) -> WorkerEvent {
    WorkerEvent::Finished { id, exit_code }
}

fn id_of(progress: &Progress) -> JobId {
    match progress {
        Progress::Next(request) => request.id(),
        other => panic!("expected a request, got {other:?}"),
    }
}

fn answers() -> Answers {
    Answers::new("203.0.113.7", "johndoe")
}

#[test]
fn a_done_probe_changes_nothing() {
    let plans = course::plans(StageId::User, &answers()).expect("plans");
    let mut run = StageRun::new(StageId::User, plans, 1);
    let p = run.start();
    let id = id_of(&p);
    assert_eq!(
        run.on_event(&out(id, "droplift-state: done johndoe exists")),
        Progress::Wait
    );
    assert_eq!(
        run.on_event(&finished(id, 0)),
        Progress::Finished(Outcome::AlreadyDone("johndoe exists".into()))
    );
}

#[test]
fn pending_runs_apply_then_verify() {
    let plans = course::plans(StageId::User, &answers()).expect("plans");
    let apply_len = plans.apply.steps.len();
    let verify_len = plans.verify.steps.len();
    let mut run = StageRun::new(StageId::User, plans, 1);
    let mut id = id_of(&run.start());
    run.on_event(&out(id, "droplift-state: pending no account"));
    let mut p = run.on_event(&finished(id, 0));
    for _ in 0..apply_len {
        assert_eq!(run.phase(), Phase::Apply);
        id = id_of(&p);
        // Output for another id is ignored.
        assert_eq!(run.on_event(&finished(id + 100, 1)), Progress::Wait);
        p = run.on_event(&finished(id, 0));
    }
    for _ in 0..verify_len {
        assert_eq!(run.phase(), Phase::Verify);
        id = id_of(&p);
        p = run.on_event(&finished(id, 0));
    }
    assert_eq!(p, Progress::Finished(Outcome::Applied));
}

#[test]
fn a_failed_step_stops_the_stage_with_the_server_s_words() {
    let plans = course::plans(StageId::User, &answers()).expect("plans");
    let mut run = StageRun::new(StageId::User, plans, 1);
    let id = id_of(&run.start());
    run.on_event(&out(id, "droplift-state: pending"));
    let id = id_of(&run.on_event(&finished(id, 0)));
    run.on_event(&err(id, "useradd: cannot lock /etc/passwd"));
    match run.on_event(&finished(id, 1)) {
        Progress::Finished(Outcome::Failed {
            phase,
            detail,
            rolled_back,
            ..
        }) => {
            assert_eq!(phase, Phase::Apply);
            assert_eq!(detail, ["useradd: cannot lock /etc/passwd"]);
            assert!(!rolled_back, "the user stage has nothing to undo");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn hardening_failure_after_the_change_runs_the_rollback() {
    let plans = course::plans(StageId::SshHardening, &answers()).expect("plans");
    let mut run = StageRun::new(StageId::SshHardening, plans, 1);
    let id = id_of(&run.start());
    run.on_event(&out(id, "droplift-state: pending"));
    let mut p = run.on_event(&finished(id, 0));
    // Walk the apply steps until the login that must succeed after the reload, and fail it.
    loop {
        let id = id_of(&p);
        let step = run.current_step().expect("a step").clone();
        p = match (&step.action, &p) {
            (_, Progress::Next(Request::Local { .. })) => run.local_done(id, Ok(())),
            (
                Action::FreshLogin {
                    command: Some(_), ..
                },
                _,
            ) => {
                let p = run.on_event(&WorkerEvent::LoginRefused {
                    id,
                    message: "Permission denied".into(),
                    offered: vec!["publickey".into()],
                });
                assert_eq!(run.phase(), Phase::Rollback, "undo starts at once");
                p
            }
            _ => run.on_event(&finished(id, 0)),
        };
        if run.phase() == Phase::Rollback {
            break;
        }
    }
    let id = id_of(&p);
    match run.on_event(&finished(id, 0)) {
        Progress::Finished(Outcome::Failed {
            rolled_back,
            message,
            ..
        }) => {
            assert!(rolled_back);
            assert!(message.contains("Permission denied"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_login_that_should_be_refused_but_works_fails_the_step() {
    let plans = course::plans(StageId::SshHardening, &answers()).expect("plans");
    let mut run = StageRun::new(StageId::SshHardening, plans, 1);
    let id = id_of(&run.start());
    run.on_event(&out(id, "droplift-state: pending"));
    let mut p = run.on_event(&finished(id, 0));
    loop {
        let id = id_of(&p);
        let expect = match run.current_step().map(|s| &s.action) {
            Some(Action::FreshLogin { expect, .. }) => Some(*expect),
            _ => None,
        };
        if expect == Some(Expect::Refused) {
            p = run.on_event(&finished(id, 0));
            break;
        }
        p = match &p {
            Progress::Next(Request::Local {
                action: LocalAction::EnsureKey { .. },
                ..
            }) => run.local_done(id, Ok(())),
            _ => run.on_event(&finished(id, 0)),
        };
    }
    assert_eq!(run.phase(), Phase::Rollback);
    let id = id_of(&p);
    assert!(matches!(
        run.on_event(&finished(id, 0)),
        Progress::Finished(Outcome::Failed {
            rolled_back: true,
            ..
        })
    ));
}

#[test]
fn interrupted_is_not_failed() {
    let plans = course::plans(StageId::Update, &answers()).expect("plans");
    let mut run = StageRun::new(StageId::Update, plans, 7);
    let id = id_of(&run.start());
    assert_eq!(id, 7);
    assert!(matches!(
        run.on_event(&WorkerEvent::Interrupted { id }),
        Progress::Finished(Outcome::Interrupted { .. })
    ));
}

#[test]
fn stopping_stage_4_while_sshd_s_settings_change_rolls_them_back() {
    let plans = course::plans(StageId::SshHardening, &answers()).expect("plans");
    let mut run = StageRun::new(StageId::SshHardening, plans, 1);
    let id = id_of(&run.start());
    run.on_event(&out(id, "droplift-state: pending"));
    let mut p = run.on_event(&finished(id, 0));
    // Walk the apply steps up to the one that writes the new settings, and stop it there.
    loop {
        let id = id_of(&p);
        let step = run.current_step().expect("a step").clone();
        if step.title.starts_with("Write the new sshd settings") {
            p = run.on_event(&WorkerEvent::Cancelled { id });
            break;
        }
        p = match &p {
            Progress::Next(Request::Local { .. }) => run.local_done(id, Ok(())),
            _ => run.on_event(&finished(id, 0)),
        };
    }
    assert_eq!(
        run.phase(),
        Phase::Rollback,
        "the undo runs before the stop is reported"
    );
    let id = id_of(&p);
    match run.on_event(&finished(id, 0)) {
        Progress::Finished(Outcome::Cancelled { step }) => {
            assert!(step.starts_with("Write the new sshd settings"), "{step}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn stopping_a_stage_without_a_rollback_just_stops() {
    let plans = course::plans(StageId::Update, &answers()).expect("plans");
    let mut run = StageRun::new(StageId::Update, plans, 1);
    let id = id_of(&run.start());
    run.on_event(&out(id, "droplift-state: pending"));
    let p = run.on_event(&finished(id, 0));
    let id = id_of(&p);
    assert!(matches!(
        run.on_event(&WorkerEvent::Cancelled { id }),
        Progress::Finished(Outcome::Cancelled { .. })
    ));
}

#[test]
fn a_flood_of_probe_output_is_held_only_in_part_and_the_verdict_still_counts() {
    let plans = course::plans(StageId::User, &answers()).expect("plans");
    let mut run = StageRun::new(StageId::User, plans, 1);
    let id = id_of(&run.start());
    let line = "ü".repeat(300);
    for _ in 0..20_000 {
        run.on_event(&out(id, &line));
        assert!(run.stdout.len() <= 2 * STDOUT_KEPT + line.len() + 1);
    }
    run.on_event(&out(id, "droplift-state: done johndoe exists"));
    assert_eq!(
        run.on_event(&finished(id, 0)),
        Progress::Finished(Outcome::AlreadyDone("johndoe exists".into()))
    );
}

#[test]
fn a_refusal_while_passwords_are_still_offered_proves_nothing() {
    let plans = course::plans(StageId::SshHardening, &answers()).expect("plans");
    let mut run = StageRun::new(StageId::SshHardening, plans, 1);
    let id = id_of(&run.start());
    run.on_event(&out(id, "droplift-state: pending"));
    let mut p = run.on_event(&finished(id, 0));
    // Walk to the first login that must be refused, answering everything before it.
    loop {
        let id = id_of(&p);
        let step = run.current_step().expect("a step").clone();
        if matches!(
            step.action,
            Action::FreshLogin {
                expect: crate::course::plan::Expect::Refused,
                ..
            }
        ) {
            p = run.on_event(&WorkerEvent::LoginRefused {
                id,
                message: "Permission denied".into(),
                offered: vec!["publickey".into(), "password".into()],
            });
            break;
        }
        p = match &p {
            Progress::Next(Request::Local { .. }) => run.local_done(id, Ok(())),
            _ => run.on_event(&finished(id, 0)),
        };
    }
    assert_eq!(run.phase(), Phase::Rollback, "not a pass: undo");
    let id = id_of(&p);
    match run.on_event(&finished(id, 0)) {
        Progress::Finished(Outcome::Failed { message, .. }) => {
            assert!(message.starts_with("not tested"), "{message}");
            assert!(message.contains("password"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

/// A stage of three root steps (the second reads stdin), an undo, and a verify of one root step
/// and one on this computer.
fn joinable_plans() -> StagePlans {
    use crate::course::plan::{Command, StdinPart};
    use crate::shell::Script;
    let root = |text: &'static str| Command::root(&Script::new(&[text])).expect("command");
    StagePlans {
        probe: Plan::new(vec![Step::run("check", root("echo check"))]),
        apply: Plan::new(vec![
            Step::run("first", root("echo one")),
            Step::run(
                "second",
                root("read -r x").stdin(vec![StdinPart::Text("x\n".into())]),
            ),
            Step::run("third", root("echo three")),
        ])
        .with_rollback(vec![Step::run("undo", root("echo undo"))]),
        verify: Plan::new(vec![
            Step::run("look", root("echo look")),
            Step::local(
                "ask",
                LocalAction::HttpCheck {
                    host: "203.0.113.7".into(),
                    path: "/".into(),
                    host_header: None,
                    json: false,
                },
            ),
        ]),
    }
}

#[test]
fn a_joined_run_sends_consecutive_root_steps_as_one_command_and_follows_its_marks() {
    let mut run = StageRun::new(StageId::App, joinable_plans(), 1).joined();
    let id = id_of(&run.start());
    run.on_event(&out(id, "droplift-state: pending"));
    let p = run.on_event(&finished(id, 0));
    let Progress::Next(Request::Run { id, command }) = p else {
        panic!("one command, got {p:?}");
    };
    // The three apply steps and the verify's root step, each after its mark; the stdin is the
    // second's, and only it reads it.
    for part in ["echo one", "read -r x", "echo three", "echo look"] {
        assert!(command.script.contains(part), "{part}");
    }
    assert_eq!(
        command.stdin,
        vec![crate::course::plan::StdinPart::Text("x\n".into())]
    );
    assert_eq!(command.script.matches(") </dev/null").count(), 3);
    assert_eq!(run.progress_at(), (Phase::Apply, 0));
    assert_eq!(run.on_event(&out(id, "droplift-step: 0")), Progress::Wait);
    run.on_event(&out(id, "one"));
    assert_eq!(run.on_event(&out(id, "droplift-step: 2")), Progress::Wait);
    assert_eq!(run.progress_at(), (Phase::Apply, 2));
    assert_eq!(
        run.output(),
        "",
        "a mark is not output, and the step before's is gone"
    );
    // Never back: a step that printed an earlier mark is output.
    run.on_event(&out(id, "droplift-step: 1"));
    assert_eq!(run.progress_at(), (Phase::Apply, 2));
    assert_eq!(run.on_event(&out(id, "droplift-step: 3")), Progress::Wait);
    assert_eq!(run.progress_at(), (Phase::Verify, 0));
    // Done: on to the step on this computer, then applied.
    let p = run.on_event(&finished(id, 0));
    let Progress::Next(Request::Local { id, .. }) = p else {
        panic!("the local check, got {p:?}");
    };
    assert_eq!(run.progress_at(), (Phase::Verify, 1));
    assert_eq!(
        run.local_done(id, Ok(())),
        Progress::Finished(Outcome::Applied)
    );
}

#[test]
fn a_joint_s_failure_is_its_failing_step_s_and_is_undone() {
    let mut run = StageRun::new(StageId::App, joinable_plans(), 1).joined();
    let id = id_of(&run.start());
    run.on_event(&out(id, "droplift-state: pending"));
    let id = id_of(&run.on_event(&finished(id, 0)));
    run.on_event(&err(id, "the first's words"));
    run.on_event(&out(id, "droplift-step: 1"));
    run.on_event(&err(id, "no such thing"));
    // The undo runs alone.
    let p = run.on_event(&finished(id, 3));
    let Progress::Next(Request::Run { id, command }) = p else {
        panic!("the undo, got {p:?}");
    };
    assert!(command.script.ends_with("echo undo"));
    assert_eq!(
        run.on_event(&finished(id, 0)),
        Progress::Finished(Outcome::Failed {
            phase: Phase::Apply,
            step: "second".into(),
            message: "the command ended with exit status 3".into(),
            detail: vec!["no such thing".into()],
            rolled_back: true,
        })
    );
}

#[test]
fn a_run_that_does_not_join_sends_each_step_alone() {
    let mut run = StageRun::new(StageId::App, joinable_plans(), 1);
    let id = id_of(&run.start());
    run.on_event(&out(id, "droplift-state: pending"));
    let Progress::Next(Request::Run { command, .. }) = run.on_event(&finished(id, 0)) else {
        panic!("a command");
    };
    assert_eq!(command.script, "echo one");
}
