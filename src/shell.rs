//! Shell text built safely: the crate's one quoting function, and `Script`, which puts a preamble
//! of quoted assignments in front of a `.sh` file's text, the only way values reach a script.

use std::borrow::Cow;

/// A value no shell can carry (a NUL byte ends a C string). Never turned into an empty word.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} contains a NUL byte, which cannot be passed to a shell")]
pub struct QuoteError {
    /// What the value was (a variable name or a description), never the value itself.
    pub what: String,
}

/// Quotes a word for bash or sh (POSIX single quotes, shlex's rules).
pub fn quote(word: &str) -> Result<String, QuoteError> {
    shlex::try_quote(word)
        .map(Cow::into_owned)
        .map_err(|_| QuoteError {
            what: "a value".into(),
        })
}

/// A value that may be assigned in a script's preamble. Implemented by the checked types of
/// `course::values` (only their validators make them), by numbers, and by `Const`.
pub trait ShellArg {
    /// The text the variable gets (unquoted; `Script` quotes it).
    fn shell_text(&self) -> Cow<'_, str>;
}

impl ShellArg for u16 {
    fn shell_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

impl ShellArg for u32 {
    fn shell_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

/// A value fixed in droplift's own source (a path, a unit name): never the student's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Const(pub &'static str);

impl ShellArg for Const {
    fn shell_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.0)
    }
}

/// A server script: `name='value'` lines, then the text of one or more `.sh` files unchanged.
/// The files declare what they read (`: "${name:?}"`), which both tells shellcheck and stops the
/// script at once if the preamble lacks a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    vars: Vec<(std::borrow::Cow<'static, str>, String)>,
    files: Vec<&'static str>,
}

impl Script {
    /// A script made of these files' texts, in order (shared function files first).
    pub fn new(files: &[&'static str]) -> Self {
        Self {
            vars: Vec::new(),
            files: files.to_vec(),
        }
    }

    /// Adds more files after the ones given so far.
    pub fn files(mut self, files: &[&'static str]) -> Self {
        self.files.extend_from_slice(files);
        self
    }

    /// Sets a variable for the script. `name` must be a shell identifier (checked in `text`).
    pub fn set(mut self, name: &'static str, value: &dyn ShellArg) -> Self {
        self.vars
            .push((name.into(), value.shell_text().into_owned()));
        self
    }

    /// `set` for a name made at run time (one per stage, from the stage's key).
    pub fn set_named(mut self, name: String, value: &dyn ShellArg) -> Self {
        self.vars
            .push((name.into(), value.shell_text().into_owned()));
        self
    }

    /// The exact text that runs: the preamble, then the files.
    pub fn text(&self) -> Result<String, QuoteError> {
        let mut out = String::new();
        // The run-time values first, one line each: a sealed script is this text without them
        // (`Seal::of`).
        let (runtime, fixed): (Vec<_>, Vec<_>) = self
            .vars
            .iter()
            .partition(|(name, _)| RUNTIME_VALUES.contains(&name.as_ref()));
        for (name, value) in runtime.into_iter().chain(fixed) {
            debug_assert!(is_identifier(name), "not a shell variable name: {name}");
            let quoted = quote(value).map_err(|_| QuoteError {
                what: format!("the value of {name}"),
            })?;
            out.push_str(name.as_ref());
            out.push('=');
            out.push_str(&quoted);
            out.push('\n');
        }
        for file in &self.files {
            out.push_str(file.trim_end_matches('\n'));
            out.push('\n');
        }
        Ok(out.trim_end_matches('\n').to_owned())
    }
}

/// The values a deploy key's sealed step takes when it runs (`course::seal`): the tag to clone,
/// the packed code's digest, the release to go live. Every other value is fixed when the steps are
/// sealed, so a sealed script is the same text whatever is deployed.
pub const RUNTIME_VALUES: [&str; 5] = ["ref", "digest", "target", "log_lines", "log_follow"];

/// A script as a deploy key runs it: the SHA-256 of its text without the run-time values
/// (`RUNTIME_VALUES`), those values, which the server's sealed helper checks and puts back in
/// front, and the sealed text itself (what `droplift deploy-key` installs under `hash`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seal {
    pub hash: String,
    pub args: Vec<(String, String)>,
    pub text: String,
}

impl Seal {
    /// The seal of a script's `text` (from `Script::text`, whose first lines are its run-time
    /// values `args`): computed only where a deploy key needs it, never for a plan on screen.
    pub fn of(text: &str, args: &[(String, String)]) -> Seal {
        let mut rest = text;
        for (name, _) in args {
            // Each run-time value is one line (its checks allow no line break) of `name=`.
            debug_assert!(rest.starts_with(&format!("{name}=")), "{name} first");
            rest = rest.split_once('\n').map_or("", |(_, r)| r);
        }
        Seal {
            hash: sha256_hex(rest.as_bytes()),
            args: args.to_vec(),
            text: rest.to_owned(),
        }
    }
}

impl Script {
    /// The run-time values this script was given (the first lines of its text), in order.
    pub fn runtime_args(&self) -> Vec<(String, String)> {
        self.vars
            .iter()
            .filter(|(name, _)| RUNTIME_VALUES.contains(&name.as_ref()))
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect()
    }
}

/// SHA-256 in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The variables a script file declares it reads: each `${name:?}` in it, and `${name?}` for a
/// value that may be empty (a list with nothing in it) but must be set.
pub fn declared_inputs(file: &str) -> Vec<&str> {
    let mut names: Vec<&str> = file
        .match_indices("${")
        .filter_map(|(at, _)| {
            let rest = &file[at + 2..];
            let end = rest.find('}')?;
            let name = rest[..end]
                .strip_suffix(":?")
                .or_else(|| rest[..end].strip_suffix('?'))?;
            is_identifier(name).then_some(name)
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_byte_is_an_error_not_an_empty_word() {
        assert!(quote("a\0b").is_err());
        assert_eq!(quote("it's").expect("quotes"), "\"it's\"");
        let err = Script::new(&["echo \"$u\""])
            .set("u", &Const("a\0b"))
            .text()
            .expect_err("NUL");
        assert_eq!(err.what, "the value of u");
    }

    #[test]
    fn the_preamble_comes_before_the_files_unchanged() {
        let text = Script::new(&["f() { :; }\n", ": \"${u:?}\"\necho \"$u\"\n"])
            .set("u", &Const("$(reboot) x"))
            .set("port", &2222u16)
            .text()
            .expect("quotes");
        assert_eq!(
            text,
            "u='$(reboot) x'\nport=2222\nf() { :; }\n: \"${u:?}\"\necho \"$u\""
        );
    }

    #[test]
    fn a_seal_is_the_same_whatever_the_run_time_values_and_not_otherwise() {
        let script = |git_ref: &str, site: &str| {
            let s = Script::new(&[": \"${ref:?}\" \"${site:?}\"\n"])
                .set("site", &Const(if site == "a" { "a" } else { "b" }))
                .set("ref", &Const(if git_ref == "v1" { "v1" } else { "v2" }));
            Seal::of(&s.text().expect("text"), &s.runtime_args())
        };
        let (v1, v2) = (script("v1", "a"), script("v2", "a"));
        assert_eq!(v1.hash, v2.hash);
        assert_eq!(v1.text, "site=a\n: \"${ref:?}\" \"${site:?}\"");
        assert_eq!(v2.args, [("ref".to_owned(), "v2".to_owned())]);
        assert_ne!(script("v1", "b").hash, v1.hash, "a fixed value is sealed");
        assert_eq!(v1.hash, sha256_hex(v1.text.as_bytes()));
    }

    #[test]
    fn declared_inputs_are_read_from_the_file() {
        assert_eq!(
            declared_inputs(
                ": \"${u:?}\" \"${port:?}\" \"${list?}\"\necho \"${x:-1}\" \"${u:?}\" \"${y%?}\""
            ),
            vec!["list", "port", "u"]
        );
    }
}
