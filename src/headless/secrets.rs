//! Getting secrets without ever writing them down: `name=value` lines on stdin
//! (`--secrets-stdin`), or asked on the terminal without echo.

use std::io::BufRead;

use crate::refused::Refused;
use crate::secret::{Redactor, Secret, SecretName, Secrets, check_chosen, check_typed};

/// The rule for a secret's value: every one is typed (no control characters); those droplift
/// has the student choose are at least 8 characters long.
fn check(name: SecretName, value: &str) -> Result<(), Refused> {
    match name {
        SecretName::NewRootPassword | SecretName::DbPassword => check_chosen(value),
        _ => check_typed(value),
    }
}

/// A secret that could not be read; the value itself is never part of the message.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("cannot read secrets from stdin: {0}")]
    Stdin(std::io::Error),
    #[error("stdin line {line}: not valid UTF-8")]
    NotUtf8 { line: usize },
    #[error("stdin line {line}: expected name=value (e.g. user_password=…)")]
    NoEquals { line: usize },
    /// The text before the `=` is not echoed: it may be a password pasted on the wrong line.
    #[error(
        "stdin line {line}: unknown secret name before the `=`; the names are {}",
        names()
    )]
    Unknown { line: usize },
    /// The value breaks its rule (the rule's sentence); the value is never part of it.
    #[error("stdin line {line} ({name}): {message}")]
    Refused {
        line: usize,
        name: &'static str,
        message: Refused,
    },
    #[error("cannot read a password from the terminal: {0}")]
    Terminal(std::io::Error),
}

fn names() -> String {
    let mut names: Vec<&str> = SecretName::ALL
        .iter()
        .filter(|s| !s.optional())
        .map(|s| s.key())
        .collect();
    names.push("env.NAME (a secret setting of the app)");
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
        // `env.NAME=value`: the value of the app's secret setting NAME.
        if let Some(setting) = name.trim().strip_prefix("env.") {
            let value = Secret::new(value);
            redactor.add(&value);
            crate::course::stages::app::settings::validate_env_name(setting)
                .and_then(|()| {
                    crate::course::stages::app::settings::validate_secret_value(
                        setting,
                        value.expose(),
                    )
                })
                .map_err(|message| SecretsError::Refused {
                    line: number + 1,
                    name: "env.NAME",
                    message,
                })?;
            secrets.set_app_secret(setting, &value, redactor);
            continue;
        }
        let Some(key) = SecretName::from_key(name.trim()) else {
            return Err(SecretsError::Unknown { line: number + 1 });
        };
        let value = Secret::new(value);
        // Known even when refused, so nothing that echoes it later shows it.
        redactor.add(&value);
        check(key, value.expose()).map_err(|message| SecretsError::Refused {
            line: number + 1,
            name: key.key(),
            message,
        })?;
        secrets.set(key, value, redactor);
    }
    Ok(secrets)
}

/// Asks for a secret on the terminal without echo.
pub fn ask(prompt: &str) -> Result<Secret, SecretsError> {
    rpassword::prompt_password(prompt)
        .map(Secret::new)
        .map_err(SecretsError::Terminal)
}

/// Asks twice until both match and the password is one droplift lets the student choose.
pub fn ask_new(prompt: &str) -> Result<Secret, SecretsError> {
    loop {
        let first = ask(prompt)?;
        if let Err(message) = check_chosen(first.expose()) {
            eprintln!("{message}");
            continue;
        }
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
    fn secret_settings_come_as_env_lines_and_are_masked() {
        let r = Redactor::new();
        let secrets = parse(
            "db_password=pw-long-enough\nenv.SECRET_KEY=a b=c $x 'q'\nenv.JWT=jwt-secret\n"
                .as_bytes(),
            &r,
        )
        .expect("parse");
        assert_eq!(
            secrets.get(SecretName::AppSecrets).map(Secret::expose),
            Some("SECRET_KEY=a b=c $x 'q'\nJWT=jwt-secret\n")
        );
        assert_eq!(r.redact("jwt-secret"), crate::secret::MASK);
        let err = parse("env.SECRET_KEY=short\n".as_bytes(), &r)
            .expect_err("short")
            .to_string();
        assert!(
            err.contains("line 1 (env.NAME): SECRET_KEY: Use at least 8"),
            "{err}"
        );
        let err = parse("env.DATABASE_URL=postgresql://x\n".as_bytes(), &r)
            .expect_err("ours")
            .to_string();
        assert!(err.contains("droplift writes DATABASE_URL"), "{err}");
        assert!(!err.contains("postgresql://x"), "{err}");
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

    #[test]
    fn errors_name_the_line_never_the_text() {
        let r = Redactor::new();
        // A password pasted without its name: the part before `=` may be a secret too.
        let err = parse("user_password=ok-password\nHunter=2pw\n".as_bytes(), &r)
            .expect_err("unknown name")
            .to_string();
        assert!(err.contains("stdin line 2"), "{err}");
        assert!(!err.contains("Hunter"), "{err}");
        assert!(!err.contains("2pw"), "{err}");
    }

    #[test]
    fn control_characters_and_short_chosen_secrets_are_refused_by_name() {
        let r = Redactor::new();
        let err = parse("new_root_password=abcd\u{15}efghij\n".as_bytes(), &r)
            .expect_err("^U")
            .to_string();
        assert!(err.contains("line 1 (new_root_password)"), "{err}");
        assert!(err.contains("control characters"), "{err}");
        let err = parse("root_password=ok\u{7f}\n".as_bytes(), &r)
            .expect_err("DEL")
            .to_string();
        assert!(err.contains("(root_password)"), "{err}");
        let err = parse("new_root_password=short7\n".as_bytes(), &r)
            .expect_err("short")
            .to_string();
        assert!(err.contains("at least 8"), "{err}");
        assert!(!err.contains("short7"), "{err}");
        // The droplet's own password is not ours to choose: any length.
        assert!(parse("root_password=abc\n".as_bytes(), &r).is_ok());
    }
}
