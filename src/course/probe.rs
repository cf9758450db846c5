//! What a probe found. A probe script is read-only and ends by printing one line
//! `droplift-state: done|pending|drifted|skipped <why>`; everything before it is shown as output.

/// The prefix of the line a probe ends with.
pub const PREFIX: &str = "droplift-state:";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    Done(String),
    Pending(String),
    /// The server has something in the way that the stage must not overwrite.
    Drifted(String),
    /// An optional stage that was not asked for (stage 10 without a domain): nothing to do,
    /// and nothing done either.
    Skipped(String),
}

impl Probe {
    /// Reads the verdict from a probe's output (the last `droplift-state:` line wins).
    pub fn parse(output: &str) -> Option<Probe> {
        let line = output
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix(PREFIX))?;
        let line = line.trim();
        let (word, why) = line.split_once(' ').unwrap_or((line, ""));
        let why = why.trim().to_owned();
        match word {
            "done" => Some(Probe::Done(why)),
            "pending" => Some(Probe::Pending(why)),
            "drifted" => Some(Probe::Drifted(why)),
            "skipped" => Some(Probe::Skipped(why)),
            _ => None,
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            Probe::Done(r) | Probe::Pending(r) | Probe::Drifted(r) | Probe::Skipped(r) => r,
        }
    }
}

/// Shell that prints the verdict line; `why` may use shell expansions (double-quoted).
pub fn verdict(state: &str, why: &str) -> String {
    format!("echo \"{PREFIX} {state} {why}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_last_verdict() {
        let out = "noise\ndroplift-state: pending first\ndroplift-state: done all good\n";
        assert_eq!(Probe::parse(out), Some(Probe::Done("all good".into())));
        assert_eq!(
            Probe::parse("droplift-state: drifted"),
            Some(Probe::Drifted(String::new()))
        );
        assert_eq!(Probe::parse("nothing"), None);
        assert_eq!(Probe::parse("droplift-state: maybe"), None);
    }
}

/// The marker lines of the combined check (`scripts/probe_all.sh`); U+001E never appears in a
/// probe's own words.
const STAGE_MARK: &str = "\u{1e}droplift-stage: ";
const RC_MARK: &str = "\u{1e}droplift-probe-rc: ";

/// One stage's part of the combined check's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageProbe {
    pub stage: super::StageId,
    /// What the check printed, without the marker lines.
    pub output: String,
    /// Its exit status; None when the output ended early (the connection dropped).
    pub exit_code: Option<i32>,
    pub verdict: Option<Probe>,
}

/// Splits the combined check's output into each stage's part. A part that is no stage's (the
/// health board's, `extra_part`) is left out, its lines with it.
pub fn split(output: &str) -> Vec<StageProbe> {
    let mut parts: Vec<StageProbe> = Vec::new();
    let mut in_stage = false;
    for line in output.lines() {
        if let Some(key) = line.strip_prefix(STAGE_MARK) {
            in_stage = false;
            if let Some(stage) = super::StageId::from_key(key.trim()) {
                in_stage = true;
                parts.push(StageProbe {
                    stage,
                    output: String::new(),
                    exit_code: None,
                    verdict: None,
                });
            }
        } else if !in_stage {
            continue;
        } else if let Some(rc) = line.strip_prefix(RC_MARK) {
            if let Some(last) = parts.last_mut() {
                last.exit_code = rc.trim().parse().ok();
                last.verdict = Probe::parse(&last.output);
            }
            in_stage = false;
        } else if let Some(last) = parts.last_mut() {
            last.output.push_str(line);
            last.output.push('\n');
        }
    }
    parts
}

/// What the combined check's part named `key` (not a stage's) printed, if it ran.
pub fn extra_part(output: &str, key: &str) -> Option<String> {
    let mut text: Option<String> = None;
    for line in output.lines() {
        if let Some(k) = line.strip_prefix(STAGE_MARK) {
            if text.is_some() {
                break;
            }
            if k.trim() == key {
                text = Some(String::new());
            }
        } else if line.starts_with(RC_MARK) {
            if text.is_some() {
                break;
            }
        } else if let Some(t) = text.as_mut() {
            t.push_str(line);
            t.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod split_tests {
    use super::*;
    use crate::course::StageId;

    #[test]
    fn splits_each_stage_s_output_and_verdict() {
        let out = "\u{1e}droplift-stage: update\nupgrades waiting: 0\n\
                   droplift-state: done the system is up to date\n\u{1e}droplift-probe-rc: 0\n\
                   \u{1e}droplift-stage: ssh\nboom\n\u{1e}droplift-probe-rc: 2\n\
                   \u{1e}droplift-stage: user\nhalf";
        let parts = split(out);
        assert_eq!(parts.len(), 3);
        assert_eq!(extra_part(out, "board"), None);
        assert_eq!(parts[0].stage, StageId::Update);
        assert_eq!(
            parts[0].verdict,
            Some(Probe::Done("the system is up to date".into()))
        );
        assert_eq!(parts[1].exit_code, Some(2));
        assert_eq!(parts[1].verdict, None);
        assert_eq!(parts[1].output, "boom\n");
        assert_eq!(parts[2].exit_code, None, "cut off");
    }

    #[test]
    fn a_part_that_is_no_stage_s_stays_out_of_the_stage_before() {
        let out = "\u{1e}droplift-stage: domain\ndroplift-state: skipped no domain\n\
                   \u{1e}droplift-probe-rc: 0\n\u{1e}droplift-stage: board\n\
                   droplift-state: done looks fine\nreboot required\n\u{1e}droplift-probe-rc: 0\n";
        let parts = split(out);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].output, "droplift-state: skipped no domain\n");
        assert_eq!(
            extra_part(out, "board").as_deref(),
            Some("droplift-state: done looks fine\nreboot required\n")
        );
    }
}
