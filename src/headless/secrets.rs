//! Getting secrets without ever writing them down: `name=value` lines on stdin
//! (`--secrets-stdin`), or asked on the terminal without echo.

use std::io::BufRead;

use crate::secret::{Redactor, Secret, SecretName, Secrets};

/// Parses `name=value` lines. Everything after the first `=` is the value, exactly (quotes, `$`,
/// backslashes, spaces, `#`, non-ASCII); only the line break ends it. Blank lines are skipped.
pub fn parse(input: impl BufRead, redactor: &Redactor) -> Result<Secrets, String> {
    let mut secrets = Secrets::new();
    for (number, line) in input.split(b'\n').enumerate() {
        let line = line.map_err(|e| format!("cannot read secrets from stdin: {e}"))?;
        let line = String::from_utf8(line)
            .map_err(|_| format!("stdin line {}: not valid UTF-8", number + 1))?;
        let line = line.strip_suffix('\r').unwrap_or(&line);
        if line.is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!(
                "stdin line {}: expected name=value (e.g. user_password=…)",
                number + 1
            ));
        };
        let Some(key) = SecretName::from_key(name.trim()) else {
            let names: Vec<&str> = SecretName::ALL.iter().map(|s| s.key()).collect();
            return Err(format!(
                "stdin line {}: unknown secret {:?}; the names are {}",
                number + 1,
                name.trim(),
                names.join(", ")
            ));
        };
        secrets.set(key, Secret::new(value), redactor);
    }
    Ok(secrets)
}

/// Asks for a secret on the terminal without echo.
pub fn ask(prompt: &str) -> Result<Secret, String> {
    rpassword::prompt_password(prompt)
        .map(Secret::new)
        .map_err(|e| format!("cannot read a password from the terminal: {e}"))
}

/// Asks twice until both match; for new passwords.
pub fn ask_new(prompt: &str) -> Result<Secret, String> {
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
                .contains("unknown secret")
        );
        assert!(
            parse("justtext\n".as_bytes(), &r)
                .expect_err("eq")
                .contains("name=value")
        );
    }
}
