//! Joined steps: consecutive root steps of one plan that need nothing from this computer between
//! them run as ONE command (`joint.sh`), to spare a round trip each (with a deploy key: an SSH
//! login through the site's gate, sudo and the sealed helper). The plan itself is unchanged (the
//! preview, the runbook and the wizard show and run its steps one by one); a run that joins
//! (`StageRun::joined`, `droplift deploy --deploy-key`) asks for `joint` of each group that
//! `group_end` finds in the apply's steps followed by the verify's (`sequence`), prints each
//! step's heading when the joint's line for it comes (`STEP_MARK`), and a failure is the step's
//! that failed, with its own error and phase, as when it runs alone (an apply's undoes it). A deploy key seals every
//! joint a deploy may run (`sealed_steps`), so it still never sends root a script of its own.

use crate::course::plan::{Action, Command, Step};
use crate::shell::RUNTIME_VALUES;

const JOINT: &str = include_str!("joint.sh");

/// The line a joint prints on stdout before each of its steps, followed by the step's number in
/// the joint (from 0).
pub const STEP_MARK: &str = "droplift-step: ";

/// At most this much script text in one joint. Joints run sealed (a deploy key sends only
/// `run HASH VALUES`), and the sealed helper hands the text to `bash -c` as one word, which Linux
/// limits to 128 KiB. A command sent whole over SSH (the student's own login) must stay under
/// libssh2's packet (35000 bytes): so only a deploy key's deploy joins.
const MAX_TEXT: usize = 96 * 1024;

/// A step a joint may hold: a root script built by `Command::root` (so a deploy key can run it
/// sealed). Uploads, downloads, fresh logins and steps on this computer each stay alone.
fn joinable(step: &Step) -> Option<&Command> {
    match &step.action {
        Action::Run(command) if command.sudo && command.runtime.is_some() => Some(command),
        _ => None,
    }
}

/// The end (exclusive) of the group of steps that run as one command from `from`: `from + 1`
/// when that step runs alone. A group holds joinable steps only, at most one that reads stdin,
/// run-time values that agree, and at most `MAX_TEXT` of script.
pub fn group_end(steps: &[Step], from: usize) -> usize {
    let mut end = from;
    let mut size = 0;
    let mut stdin = false;
    let mut runtime: Vec<(String, String)> = Vec::new();
    while let Some(command) = steps.get(end).and_then(joinable) {
        let reads = !command.stdin.is_empty();
        let args = command.runtime.as_deref().unwrap_or_default();
        let clashes = args
            .iter()
            .any(|(n, v)| runtime.iter().any(|(m, w)| m == n && w != v));
        if end > from && (size + command.script.len() > MAX_TEXT || (reads && stdin) || clashes) {
            break;
        }
        size += command.script.len();
        stdin |= reads;
        for arg in args {
            if !runtime.contains(arg) {
                runtime.push(arg.clone());
            }
        }
        end += 1;
    }
    end.max(from + 1)
}

/// The one command that runs `steps` (a group from `group_end`, at least two) in order: the
/// run-time values first (as `Script::text` puts them, so it seals like any step), `joint.sh`,
/// then each step in a subshell, after its mark. A step that reads stdin gets the command's;
/// the others get /dev/null, as when they run alone with nothing sent. The timeout is the sum.
/// None when a step cannot join.
pub fn joint(steps: &[Step]) -> Option<Command> {
    let commands: Vec<&Command> = steps.iter().map(joinable).collect::<Option<_>>()?;
    let mut runtime: Vec<(String, String)> = Vec::new();
    for command in &commands {
        for arg in command.runtime.as_deref().unwrap_or_default() {
            if !runtime.contains(arg) {
                runtime.push(arg.clone());
            }
        }
    }
    // The run-time values in RUNTIME_VALUES' order, one line each, as `Script::text` writes them.
    runtime.sort_by_key(|(name, _)| RUNTIME_VALUES.iter().position(|n| n == name));
    let mut text = String::new();
    for (name, value) in &runtime {
        text.push_str(name);
        text.push('=');
        text.push_str(&crate::shell::quote(value).ok()?);
        text.push('\n');
    }
    text.push_str(JOINT.trim_end_matches('\n'));
    text.push('\n');
    let mut stdin = Vec::new();
    let mut timeout = std::time::Duration::ZERO;
    for (n, command) in commands.iter().enumerate() {
        let own = command.runtime.as_deref().unwrap_or_default();
        // The step's text without its run-time lines (the joint's first lines hold them).
        let mut body = command.script.as_str();
        for _ in own {
            body = body.split_once('\n').map_or("", |(_, rest)| rest);
        }
        text.push_str(&format!("step_begins {n}\n(\n"));
        // Exactly the values it has alone: another step's run-time value is not its own.
        let foreign: Vec<&str> = runtime
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| !own.iter().any(|(n, _)| n == name))
            .collect();
        if !foreign.is_empty() {
            text.push_str(&format!("unset {}\n", foreign.join(" ")));
        }
        text.push_str(body.trim_end_matches('\n'));
        if command.stdin.is_empty() {
            text.push_str("\n) </dev/null\n");
        } else {
            stdin.clone_from(&command.stdin);
            text.push_str("\n)\n");
        }
        text.push_str("step_ended \"$?\"\n");
        timeout += command.timeout;
    }
    Some(Command {
        script: text.trim_end_matches('\n').to_owned(),
        sudo: true,
        stdin,
        timeout,
        by_hand: None,
        runtime: Some(runtime),
    })
}

/// The steps a run that joins goes through after the check, in order: the apply's, then the
/// verify's (an apply's last joint may take in the verify's first steps: a failure there is
/// still the verify's, and undoes nothing, as when it runs alone).
pub fn sequence(plans: &crate::course::plan::StagePlans) -> Vec<Step> {
    plans
        .apply
        .steps
        .iter()
        .chain(&plans.verify.steps)
        .cloned()
        .collect()
}

/// Every joint a run that joins would ask for in `steps` (for sealing).
pub fn joints(steps: &[Step]) -> Vec<Command> {
    let mut out = Vec::new();
    let mut from = 0;
    while from < steps.len() {
        let end = group_end(steps, from);
        if end - from > 1 {
            out.extend(joint(&steps[from..end]));
        }
        from = end;
    }
    out
}

/// The step number a joint's stdout line names, if it is one of its marks.
pub fn mark(line: &str) -> Option<usize> {
    line.strip_prefix(STEP_MARK)?.parse().ok()
}
