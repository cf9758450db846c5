//! The course without screens: `plan` prints the runbook, `apply` runs the stages, `status`
//! probes them. Same plans, same runner, same SSH worker as the wizard; plain text output.

pub mod apply;
pub mod secrets;
pub mod session;

use std::path::{Path, PathBuf};

use clap::Args;

use crate::course::answers::{self, Answers};
use crate::course::{self, StageId};

/// Options shared by the headless commands.
#[derive(Debug, Args)]
pub struct AnswersArgs {
    /// The answers file (TOML); see assets/answers.example.toml.
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    /// Only these stages, by key (connect, update, user, ssh, nginx, …); may be repeated.
    #[arg(long, value_name = "STAGE", value_parser = parse_stage, num_args = 1..)]
    pub only: Vec<StageId>,
}

pub(crate) fn parse_stage(text: &str) -> Result<StageId, String> {
    StageId::from_key(text).ok_or_else(|| {
        let keys: Vec<&str> = StageId::ALL.iter().map(|s| s.key()).collect();
        format!("unknown stage {text:?}; the stages are {}", keys.join(", "))
    })
}

/// Reads and checks the answers file; warnings go to stderr.
pub fn load_answers(path: &Path) -> Result<Answers, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (answers, warnings) =
        answers::parse(&text).map_err(|e| format!("{}:\n{e}", path.display()))?;
    for warning in warnings {
        eprintln!("warning: {}: {warning}", path.display());
    }
    let mut answers = answers;
    read_site_file(&mut answers, path)?;
    Ok(answers)
}

// ── nginx (stage 7) ──
/// `[nginx] site_file`: its text replaces the template. A relative path is read from the answers
/// file's folder; a problem names the key and line like every other answer.
fn read_site_file(answers: &mut Answers, answers_path: &Path) -> Result<(), String> {
    let Some((file, line)) = answers.nginx.site_file.clone() else {
        return Ok(());
    };
    let full = match answers_path.parent() {
        Some(dir) if file.is_relative() => dir.join(&file),
        _ => file.clone(),
    };
    let fail = |message: String| {
        format!(
            "{}:\nline {line}: `nginx.site_file`: {message}",
            answers_path.display()
        )
    };
    let text = std::fs::read_to_string(&full)
        .map_err(|e| fail(format!("cannot read {}: {e}", full.display())))?;
    course::inputs::validate_site_text(&text).map_err(fail)?;
    answers.nginx.site_text = Some(text);
    Ok(())
}
// ── end nginx ──

/// The stages to run: the ones asked for (or all) that this version has, in course order.
pub fn selected(only: &[StageId]) -> Vec<StageId> {
    let mut stages: Vec<StageId> = course::BUILT
        .into_iter()
        .filter(|s| only.is_empty() || only.contains(s))
        .collect();
    stages.sort();
    for s in only {
        if !course::BUILT.contains(s) {
            eprintln!(
                "warning: the {} stage is not in this version of droplift yet; skipped",
                s.key()
            );
        }
    }
    stages
}

/// `droplift plan`: the runbook on stdout.
pub fn plan(args: &AnswersArgs) -> Result<i32, String> {
    let answers = load_answers(&args.answers)?;
    let runbook =
        course::runbook::render(&answers, &selected(&args.only)).map_err(|e| e.to_string())?;
    print!("{runbook}");
    Ok(0)
}
