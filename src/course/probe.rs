//! What a probe found. A probe script is read-only and ends by printing one line
//! `droplift-state: done|pending|drifted <why>`; everything before it is shown as output.

/// The prefix of the line a probe ends with.
pub const PREFIX: &str = "droplift-state:";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    Done(String),
    Pending(String),
    /// The server has something in the way that the stage must not overwrite.
    Drifted(String),
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
            _ => None,
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            Probe::Done(r) | Probe::Pending(r) | Probe::Drifted(r) => r,
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
