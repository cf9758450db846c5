//! The runbook: every stage's commands as one commented shell script a student can keep as
//! notes (`droplift plan`). Secrets appear only as placeholders such as `<user_password>`.

use std::fmt::Write;

use super::answers::Answers;
use super::plan::{Step, step_text};
use super::{PlanError, StageId, plans};

fn wrap_comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + word.len() + 1 > 98 {
            let _ = writeln!(out, "{line}");
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    let _ = writeln!(out, "{line}");
}

fn plan_text(out: &mut String, steps: &[Step], host: &str) -> Result<(), PlanError> {
    for step in steps {
        out.push_str(&step_text(step, host)?);
        out.push('\n');
    }
    Ok(())
}

/// The runbook for `stages` (in course order).
pub fn render(answers: &Answers, stages: &[StageId]) -> Result<String, PlanError> {
    let host = &answers.host;
    let mut out = String::new();
    let user = if answers.user.is_empty() {
        "your user"
    } else {
        answers.user.as_str()
    };
    let _ = write!(
        out,
        "# droplift's notes for {host}: every command the wizard runs, in order, with why.
#
# These are notes to read and follow by hand, not a script: don't run this file as a whole.
# - Each block says where it runs: [on your computer], or [on the server, as root].
#   On the server you are root at first; once stage 3 is done, log in as {user} and type
#   `sudo -i` to become root.
# - Copy one block at a time. Server blocks are wrapped in ( … ), so a block that stops with an
#   error ends only itself, never your SSH session.
# - <name> stands for a secret droplift sends on stdin and never writes anywhere. Where one is
#   needed, the notes show the command that asks you for it instead.
# - More droplets the same way: `droplift export ansible --answers FILE --out DIR` writes these
#   stages as an Ansible playbook.

"
    );
    for &stage in stages {
        let plans = match plans(stage, answers) {
            Ok(plans) => plans,
            Err(PlanError::Answer { key, .. }) => {
                let _ = writeln!(
                    out,
                    "# ───── Stage {}: {} ─────\n# (its commands appear once `{key}` is answered)\n",
                    stage.index() + 1,
                    stage.title()
                );
                continue;
            }
            Err(e) => return Err(e),
        };
        let _ = writeln!(
            out,
            "# ───── Stage {}: {} ─────",
            stage.index() + 1,
            stage.title()
        );
        wrap_comment(&mut out, stage.stage().explanation);
        out.push('\n');
        if stage == StageId::Connect {
            let _ = writeln!(
                out,
                "# Log in (a new droplet then asks for the e-mailed password and a new one)"
            );
            let _ = writeln!(out, "# [on your computer]");
            let _ = writeln!(out, "ssh -p {} root@{host}\n", answers.port);
        }
        plan_text(&mut out, &plans.apply.steps, host)?;
        if !plans.verify.is_empty() {
            let _ = writeln!(out, "# Then check the result:\n");
            plan_text(&mut out, &plans.verify.steps, host)?;
        }
        // A rollback whose stage does not say when it applies is refused by a test.
        if let (false, Some(when)) = (
            plans.apply.rollback.is_empty(),
            stage.stage().rollback_after,
        ) {
            let _ = writeln!(out, "# If any step above fails after {when}:\n");
            plan_text(&mut out, &plans.apply.rollback, host)?;
        }
    }
    Ok(out)
}
