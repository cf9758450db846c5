//! `Refused`: what every check of a value the student gives returns when it says no — the
//! reason, in words for the student. The check does not know which field or key it judged.

/// A value refused, and why, in one or two sentences for the student ("A port is a number, like
/// 22."). Whoever knows where the value came from adds that: a form's `FieldError`, an answers
/// file's `AnswerError` (key and line), a plan's `PlanError::Answer`, a command line's flag.
///
/// It lives outside `course` because `secret` (the rules every password follows) and `remote`
/// (the worker refuses a new password before the server sees it) judge values too, and neither
/// should depend on the course.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(String);

impl Refused {
    pub fn new(why: impl Into<String>) -> Self {
        Self(why.into())
    }

    /// The reason, as shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The reason starting with a capital letter: a few checks word it to follow an answers
    /// file's "line 3: `ssh.alias`: ", and a form shows it on its own.
    pub fn capitalised(self) -> Self {
        let mut chars = self.0.chars();
        match chars.next() {
            Some(first) => Self(first.to_uppercase().chain(chars).collect()),
            None => self,
        }
    }
}

impl From<&str> for Refused {
    fn from(why: &str) -> Self {
        Self(why.to_owned())
    }
}

impl From<String> for Refused {
    fn from(why: String) -> Self {
        Self(why)
    }
}

/// For the places that keep a message as text (a form field's error, a worker event).
impl From<Refused> for String {
    fn from(refused: Refused) -> Self {
        refused.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_as_its_reason() {
        let refused = Refused::from("an alias is one word");
        assert_eq!(refused.to_string(), "an alias is one word");
        assert_eq!(refused.capitalised().as_str(), "An alias is one word");
        assert_eq!(Refused::new("").capitalised(), Refused::new(""));
    }
}
