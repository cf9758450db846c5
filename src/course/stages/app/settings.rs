//! The app's release commands (`[app] release`: migrations and the like, run for a new release
//! before it serves) and its settings (`[app.env]`, plain; `[app] secrets`, names whose values
//! are secret): their rules, and how the wizard's one-line fields hold them.

use crate::refused::Refused;
use crate::secret::Secret;

/// At most this many release commands: a list longer than this is most likely a mistake.
pub const MAX_RELEASE_COMMANDS: usize = 10;
/// The longest release command taken.
const MAX_COMMAND_LEN: usize = 1000;
/// At most this many settings, plain and secret together.
pub const MAX_SETTINGS: usize = 50;
/// The longest value of a plain setting.
const MAX_VALUE_LEN: usize = 4096;
/// How long one release command may run on the server before it is stopped, in seconds.
pub const RELEASE_COMMAND_TIMEOUT_SECS: u32 = 600;

/// One release command, as the shell of the site's user runs it in the release's folder.
pub fn validate_release_command(command: &str) -> Result<(), Refused> {
    if command.trim().is_empty() {
        return Err(
            "A release command cannot be empty: remove the empty one from the list.".into(),
        );
    }
    if command.contains(['\n', '\r']) {
        return Err(
            "One command per item, with no line breaks: give each command its own string, \
             e.g. release = [\"flask db upgrade\", \"flask seed\"]."
                .into(),
        );
    }
    if command.chars().any(char::is_control) {
        return Err("A release command has no control characters (Tab, Ctrl-…).".into());
    }
    if command.len() > MAX_COMMAND_LEN {
        return Err(format!(
            "A release command of at most {MAX_COMMAND_LEN} characters, please: put a longer \
             one in a script in your code and run that."
        )
        .into());
    }
    Ok(())
}

/// The list of release commands: each one checked, and not too many.
pub fn validate_release_commands(commands: &[String]) -> Result<(), Refused> {
    if commands.len() > MAX_RELEASE_COMMANDS {
        return Err(format!(
            "At most {MAX_RELEASE_COMMANDS} release commands, please: put more in a script in \
             your code and run that."
        )
        .into());
    }
    for (i, command) in commands.iter().enumerate() {
        validate_release_command(command).map_err(|m| {
            if commands.len() == 1 {
                m
            } else {
                Refused::from(format!("command {}: {m}", i + 1))
            }
        })?;
    }
    Ok(())
}

/// The release commands as one value for a script's preamble: one per line (each was checked
/// to hold no line break).
pub fn validate_release_lines(text: &str) -> Result<(), Refused> {
    let commands: Vec<String> = text.lines().map(str::to_owned).collect();
    validate_release_commands(&commands)
}

/// Names droplift or the service sets itself: an app setting of that name would be lost or
/// would break the service.
const RESERVED: &[&str] = &["PATH", "HOME", "USER", "LOGNAME", "SHELL", "PWD", "LANG"];

/// A setting's name, as the environment and systemd's EnvironmentFile take it.
pub fn validate_env_name(name: &str) -> Result<(), Refused> {
    if name.is_empty() {
        return Err("A setting needs a name, e.g. SECRET_KEY.".into());
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') || name.len() > 100 {
        return Err(format!(
            "{name:?} is not an environment variable name: letters, digits and _, not starting \
             with a digit (e.g. SECRET_KEY)."
        )
        .into());
    }
    if name == "DATABASE_URL" {
        return Err(
            "droplift writes DATABASE_URL itself, from the database stage's role and password: \
             leave it out."
                .into(),
        );
    }
    if name.to_ascii_uppercase().starts_with("DROPLIFT_") {
        return Err(format!(
            "{name} is taken: droplift names its own variables DROPLIFT_… (the slot's \
             DROPLIFT_RELEASE tells uWSGI which release to run)."
        )
        .into());
    }
    if name.to_ascii_uppercase().starts_with("UWSGI_") {
        return Err(format!(
            "{name} is taken: uWSGI reads UWSGI_… variables as its own settings, which droplift \
             writes in uwsgi.ini."
        )
        .into());
    }
    if RESERVED.contains(&name) {
        return Err(format!(
            "{name} is set for the service by the system and droplift: choose another name."
        )
        .into());
    }
    Ok(())
}

/// A plain setting's value: one line, written into the environment file as it is.
pub fn validate_env_value(value: &str) -> Result<(), Refused> {
    if value.contains(['\n', '\r']) {
        return Err("A setting's value is one line, with no line breaks.".into());
    }
    if value.chars().any(char::is_control) {
        return Err("A setting's value has no control characters (Tab, Ctrl-…).".into());
    }
    if value.len() > MAX_VALUE_LEN {
        return Err(
            format!("A setting's value of at most {MAX_VALUE_LEN} characters, please.").into(),
        );
    }
    Ok(())
}

/// The plain settings as one value for a script's preamble: `NAME=value` lines.
pub fn validate_env_lines(text: &str) -> Result<(), Refused> {
    for line in text.lines() {
        let (name, value) = line
            .split_once('=')
            .ok_or_else(|| Refused::from(format!("{line:?} is not NAME=value")))?;
        validate_env_name(name)?;
        validate_env_value(value)?;
    }
    Ok(())
}

/// The names of the secret settings, and the plain ones beside them: each a good name, none
/// twice, not too many.
pub fn validate_setting_names(plain: &[&str], secret: &[&str]) -> Result<(), Refused> {
    if plain.len() + secret.len() > MAX_SETTINGS {
        return Err(format!("At most {MAX_SETTINGS} settings, please.").into());
    }
    for name in secret {
        validate_env_name(name)?;
    }
    for (i, name) in secret.iter().enumerate() {
        if secret[..i].contains(name) {
            return Err(format!("{name} is named twice in the secret settings.").into());
        }
        if plain.contains(name) {
            return Err(format!(
                "{name} is both a plain setting ([app.env]) and a secret one: keep it in one place."
            )
            .into());
        }
    }
    Ok(())
}

/// The secret settings' names as one value for a script's preamble, space-separated.
pub fn validate_secret_name_list(text: &str) -> Result<(), Refused> {
    if text.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = text.split(' ').collect();
    validate_setting_names(&[], &names)
}

/// A secret setting's value, typed: one line, at least 8 characters (a shorter one would be
/// guessed, and masking it in the log would hide ordinary words).
pub fn validate_secret_value(name: &str, value: &str) -> Result<(), Refused> {
    crate::secret::check_chosen(value).map_err(|m| Refused::from(format!("{name}: {m}")))
}

// ── The wizard's one-line fields ──

/// Splits `text` at each `;` that is not inside quotes: the wizard's release commands field
/// holds the list as `flask db upgrade; flask seed`. Empty pieces are dropped.
pub fn split_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut piece = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quote != Some('\'') {
            escaped = true;
        } else if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else if c == '\'' || c == '"' {
            quote = Some(c);
        } else if c == ';' {
            out.push(std::mem::take(&mut piece));
            continue;
        }
        piece.push(c);
    }
    out.push(piece);
    out.into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The plain settings field, `NAME=value; NAME2=value`: pairs, or the first piece that is not
/// one. Values are trimmed (a value with `;` or edge spaces goes in the answers file).
pub fn split_settings(text: &str) -> Result<Vec<(String, String)>, Refused> {
    let mut out = Vec::new();
    for piece in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = piece.split_once('=') else {
            return Err(format!("{piece:?} is not NAME=value (e.g. FLASK_DEBUG=0).").into());
        };
        out.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    Ok(out)
}

/// The plain settings, each checked, and no name twice.
pub fn validate_settings(settings: &[(String, String)]) -> Result<(), Refused> {
    for (i, (name, value)) in settings.iter().enumerate() {
        validate_env_name(name)?;
        validate_env_value(value).map_err(|m| Refused::from(format!("{name}: {m}")))?;
        if settings[..i].iter().any(|(n, _)| n == name) {
            return Err(format!("{name} is given twice.").into());
        }
    }
    Ok(())
}

/// The secret settings' names field: names between spaces or commas.
pub fn split_names(text: &str) -> Vec<String> {
    text.split([' ', ','])
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The masked field of secret values, `NAME=value NAME2=value` (a value with a space goes on
/// `--secrets-stdin`): pairs, each name one of `names`.
pub fn split_secret_values(text: &str, names: &[String]) -> Result<Vec<(String, Secret)>, Refused> {
    let mut out: Vec<(String, Secret)> = Vec::new();
    for piece in text.split(' ').filter(|p| !p.is_empty()) {
        // The text is secret: a message names the setting, never what was typed.
        let Some((name, value)) = piece.split_once('=') else {
            return Err(
                "Type each secret value as NAME=value, with spaces between them \
                 (e.g. SECRET_KEY=…)."
                    .into(),
            );
        };
        if !names.iter().any(|n| n == name) {
            return Err(
                "A name before = is not one of your secret settings: add it to the Secret \
                 settings field first."
                    .into(),
            );
        }
        validate_secret_value(name, value)?;
        if out.iter().any(|(n, _)| n == name) {
            return Err(format!("{name} is given twice.").into());
        }
        out.push((name.to_owned(), Secret::new(value)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_commands_are_checked_with_a_reason() {
        let ok = |c: &[&str]| {
            validate_release_commands(&c.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(ok(&["flask --app shop db upgrade"]), Ok(()));
        assert_eq!(
            ok(&[
                "python manage.py migrate --noinput",
                "python manage.py collectstatic --noinput"
            ]),
            Ok(())
        );
        assert_eq!(ok(&[]), Ok(()));
        for (bad, said) in [
            (vec![""], "cannot be empty"),
            (vec!["  "], "cannot be empty"),
            (vec!["flask db upgrade\nrm -rf x"], "no line breaks"),
            (vec!["a\tb"], "control characters"),
            (
                vec!["ok", ""],
                "command 2: A release command cannot be empty",
            ),
        ] {
            let refused = ok(&bad).expect_err(said);
            assert!(refused.to_string().contains(said), "{bad:?}: {refused}");
        }
        assert!(ok(&["x"; 11]).is_err());
        assert!(ok(&[&"x".repeat(1001)]).is_err());
    }

    #[test]
    fn setting_names_are_environment_names_droplift_does_not_own() {
        for good in ["SECRET_KEY", "_X", "DJANGO_SETTINGS_MODULE", "a1"] {
            assert_eq!(validate_env_name(good), Ok(()), "{good}");
        }
        for (bad, said) in [
            ("", "needs a name"),
            ("1X", "not an environment variable name"),
            ("A-B", "not an environment variable name"),
            ("A B", "not an environment variable name"),
            ("DATABASE_URL", "droplift writes DATABASE_URL"),
            ("UWSGI_MODULE", "uWSGI reads"),
            ("PATH", "set for the service"),
        ] {
            let refused = validate_env_name(bad).expect_err(bad);
            assert!(refused.to_string().contains(said), "{bad}: {refused}");
        }
        assert!(validate_env_value("a b \"c\" $d 'e' \\f #g").is_ok());
        assert!(validate_env_value("a\nb").is_err());
        assert!(validate_setting_names(&["A"], &["A"]).is_err());
        assert!(validate_setting_names(&[], &["A", "A"]).is_err());
        assert!(validate_setting_names(&["B"], &["A", "C"]).is_ok());
        assert!(validate_env_lines("A=1\nB=x=y").is_ok());
        assert!(validate_env_lines("DATABASE_URL=x").is_err());
        assert!(validate_secret_name_list("SECRET_KEY JWT_SECRET_KEY").is_ok());
        assert!(validate_secret_name_list("SECRET_KEY  X").is_err());
        assert!(validate_secret_name_list("").is_ok());
    }

    #[test]
    fn a_failed_release_command_gets_its_own_advice_before_the_shared_cases() {
        let said = [
            "The release command `flask db upgrade` failed (exit status 1). Its last lines:"
                .to_owned(),
            "  | ModuleNotFoundError: No module named 'flask_migrate'".to_owned(),
        ];
        let advice = crate::course::advice::advice(crate::course::StageId::App, &said, "")
            .unwrap_or_default();
        assert!(advice.contains("Fix the command or your code"), "{advice}");
    }

    #[test]
    fn the_wizard_fields_split_as_a_student_types_them() {
        assert_eq!(
            split_commands("flask db upgrade; python -c 'print(1); print(2)' ;; x \"a;b\""),
            [
                "flask db upgrade",
                "python -c 'print(1); print(2)'",
                "x \"a;b\""
            ]
        );
        assert_eq!(split_commands(" "), Vec::<String>::new());
        assert_eq!(
            split_settings("A=1; B = x=y ;").expect("pairs"),
            [
                ("A".to_owned(), "1".to_owned()),
                ("B".to_owned(), "x=y".to_owned())
            ]
        );
        assert!(split_settings("A").is_err());
        assert!(validate_settings(&[("A".into(), "1".into()), ("A".into(), "2".into())]).is_err());
        assert_eq!(
            split_names("SECRET_KEY, JWT_SECRET_KEY"),
            ["SECRET_KEY", "JWT_SECRET_KEY"]
        );
        let names = split_names("SECRET_KEY JWT");
        let pairs =
            split_secret_values("SECRET_KEY=abcdefgh12  JWT=x=y-long-one", &names).expect("pairs");
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.expose()))
            .collect();
        assert_eq!(
            pairs,
            [("SECRET_KEY", "abcdefgh12"), ("JWT", "x=y-long-one")]
        );
        for bad in ["hunter2hunter2", "OTHER=abcdefgh12", "JWT=short"] {
            let refused = split_secret_values(bad, &names).expect_err(bad);
            assert!(!refused.to_string().contains("hunter2"), "{refused}");
            assert!(!refused.to_string().contains("abcdefgh12"), "{refused}");
        }
    }
}
