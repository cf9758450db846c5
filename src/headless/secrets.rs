//! Getting secrets without ever writing them down: `name=value` lines on stdin
//! (`--secrets-stdin`), or asked on the terminal without echo.

use std::io::BufRead;

use crate::secret::{Redactor, Secret, SecretName, Secrets};

/// A secret that could not be read; the value itself is never part of the message.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("cannot read secrets from stdin: {0}")]
    Stdin(std::io::Error),
    #[error("stdin line {line}: not valid UTF-8")]
    NotUtf8 { line: usize },
    #[error("stdin line {line}: expected name=value (e.g. user_password=…)")]
    NoEquals { line: usize },
    #[error(
        "stdin line {line}: unknown secret {name:?}; the names are {}",
        names()
    )]
    Unknown { line: usize, name: String },
    #[error("cannot read a password from the terminal: {0}")]
    Terminal(std::io::Error),
}

fn names() -> String {
    let names: Vec<&str> = SecretName::ALL.iter().map(|s| s.key()).collect();
    names.join(", ")
}

/// Parses `name=value` lines. Everything after the first `=` is the value, exactly (quotes, `$`,
/// backslashes, spaces, `#`, non-ASCII); only the line break ends it. Blank lines are skipped.
pub fn parse(input: impl BufRead, redactor: &Redactor) -> Result<Secrets, SecretsError> {
    let mut secrets = Secrets::new();
    for (number, line) in input.split(b'\n').enumerate() {
        let line = line.map_err(SecretsError::Stdin)?;
        let line =
            String::from_utf8(line).map_err(|_| SecretsError::NotUtf8 { line: number + 1 })?;
        let line = line.strip_suffix('\r').unwrap_or(&line);
        if line.is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(SecretsError::NoEquals { line: number + 1 });
        };
        let Some(key) = SecretName::from_key(name.trim()) else {
            return Err(SecretsError::Unknown {
                line: number + 1,
                name: name.trim().to_owned(),
            });
        };
        secrets.set(key, Secret::new(value), redactor);
    }
    Ok(secrets)
}

/// Asks for a secret on the terminal without echo.
pub fn ask(prompt: &str) -> Result<Secret, SecretsError> {
    rpassword::prompt_password(prompt)
        .map(Secret::new)
        .map_err(SecretsError::Terminal)
}

/// Asks twice until both match; for new passwords.
pub fn ask_new(prompt: &str) -> Result<Secret, SecretsError> {
    loop {
        let first = ask(prompt)?;
        let second = ask("Type it again: ")?;
        if first == second {
            return Ok(first);
        }
        eprintln!("The two entries differ; try again.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_taken_exactly() {
        let input = "root_password=a=b #c $x 'q' \"d\" \\e ü \n\nuser_password=pw\r\n";
        let redactor = Redactor::new();
        let secrets = parse(input.as_bytes(), &redactor).expect("parse");
        assert_eq!(
            secrets.get(SecretName::RootPassword).map(Secret::expose),
            Some("a=b #c $x 'q' \"d\" \\e ü ")
        );
        assert_eq!(
            secrets.get(SecretName::UserPassword).map(Secret::expose),
            Some("pw")
        );
        assert_eq!(redactor.redact("pw"), crate::secret::MASK);
    }

    #[test]
    fn unknown_names_and_missing_equals_are_errors() {
        let r = Redactor::new();
        assert!(
            parse("pasword=x\n".as_bytes(), &r)
                .expect_err("name")
                .to_string()
                .contains("unknown secret")
        );
        assert!(
            parse("justtext\n".as_bytes(), &r)
                .expect_err("eq")
                .to_string()
                .contains("name=value")
        );
    }
}
