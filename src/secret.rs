//! Secrets (passwords) held in memory only: zeroized on drop, never printed by Debug/Display,
//! refused (`Refused`) when they could not travel on one line, and a `Redactor` that masks every
//! known secret value in text bound for a screen, log or file.

use std::fmt;
use std::sync::{Arc, RwLock};
use zeroize::Zeroize;

use crate::refused::Refused;

/// What a redacted secret looks like in logs and on screen.
pub const MASK: &str = "••••";

/// The shortest secret droplift lets the student choose (a new root password, a new key's
/// passphrase, the database password).
pub const MIN_CHOSEN_LEN: usize = 8;

/// Any secret, typed or given: it travels as one line on stdin or through a PTY, where a line
/// break ends it and DEL, ^U or ^W are line editing (the password set would differ from ours).
pub fn check_typed(value: &str) -> Result<(), Refused> {
    if value.contains(['\n', '\r']) {
        Err("A password cannot contain a line break.".into())
    } else if value.chars().any(char::is_control) {
        Err("A password cannot contain control characters (Tab, Delete, Ctrl-…).".into())
    } else {
        Ok(())
    }
}

/// A secret we ask the student to choose: typed like any other, and at least 8 characters.
pub fn check_chosen(value: &str) -> Result<(), Refused> {
    check_typed(value)?;
    if value.chars().count() < MIN_CHOSEN_LEN {
        Err(
            format!("Use at least {MIN_CHOSEN_LEN} characters; a few random words work well.")
                .into(),
        )
    } else {
        Ok(())
    }
}

/// A secret value. It can be read with [`Secret::expose`] where it must travel (an SSH channel's
/// stdin, libssh2's password call) and nowhere else; its memory is wiped when it is dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(")?;
        f.write_str(MASK)?;
        f.write_str(")")
    }
}

/// The secrets the course asks for, by name. Plans refer to secrets by name only; the value is
/// looked up when a command is sent, so a plan can be printed, saved and snapshotted safely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretName {
    RootPassword,
    NewRootPassword,
    UserPassword,
    DbPassword,
    KeyPassphrase,
    /// A DigitalOcean API token (creating the droplet); never reaches the server.
    DoToken,
    /// The values of the app's secret settings (`[app] secrets`) that were typed, as
    /// `NAME=value` lines; a setting not typed is kept or made on the server. Optional: a plan
    /// that names it gets nothing on stdin when none was typed.
    AppSecrets,
}

impl SecretName {
    pub const ALL: [SecretName; 7] = [
        SecretName::RootPassword,
        SecretName::NewRootPassword,
        SecretName::UserPassword,
        SecretName::DbPassword,
        SecretName::KeyPassphrase,
        SecretName::DoToken,
        SecretName::AppSecrets,
    ];

    /// The name used in answers files, `--secrets-stdin` and runbook placeholders.
    pub fn key(self) -> &'static str {
        match self {
            SecretName::RootPassword => "root_password",
            SecretName::NewRootPassword => "new_root_password",
            SecretName::UserPassword => "user_password",
            SecretName::DbPassword => "db_password",
            SecretName::KeyPassphrase => "key_passphrase",
            SecretName::DoToken => "do_token",
            SecretName::AppSecrets => "app_secrets",
        }
    }

    /// A secret a command can go without: nothing is sent for it when it is not known (the
    /// app's secret settings: the server keeps or makes what was not typed).
    pub fn optional(self) -> bool {
        self == SecretName::AppSecrets
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// `<user_password>`: how a secret is shown in a plan or runbook.
    pub fn placeholder(self) -> String {
        format!("<{}>", self.key())
    }
}

/// Every secret value this run knows, shared between the worker, the log panel and the log file,
/// so that a value is masked wherever text leaves the process.
#[derive(Clone, Default)]
pub struct Redactor {
    values: Arc<RwLock<Vec<Secret>>>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Remember a value to mask. Empty values are ignored (they would mask everything).
    pub fn add(&self, secret: &Secret) {
        if secret.is_empty() {
            return;
        }
        if let Ok(mut values) = self.values.write() {
            if !values.contains(secret) {
                values.push(secret.clone());
                // Longest first, so a secret that contains another is masked whole.
                values.sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
            }
        }
    }

    /// `text` with every known secret replaced by [`MASK`]. Fails closed: if the list of
    /// secrets cannot be read (a thread panicked while adding one), nothing of `text` is shown.
    pub fn redact(&self, text: &str) -> String {
        let Ok(values) = self.values.read() else {
            return MASK.to_owned();
        };
        let mut out = text.to_owned();
        for secret in values.iter() {
            if out.contains(secret.expose()) {
                out = out.replace(secret.expose(), MASK);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn redactor_masks_longest_first() {
        let r = Redactor::new();
        r.add(&Secret::new("pass"));
        r.add(&Secret::new("password1"));
        r.add(&Secret::new(""));
        assert_eq!(r.redact("a password1 b pass c"), "a •••• b •••• c");
    }

    #[test]
    fn a_poisoned_redactor_masks_everything() {
        let r = Redactor::new();
        r.add(&Secret::new("hunter22"));
        let shared = r.clone();
        let _ = std::thread::spawn(move || {
            let _guard = shared.values.write();
            panic!("poison the lock");
        })
        .join();
        assert!(r.values.is_poisoned());
        let shown = r.redact("the password is hunter22 and the user is bob");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(!shown.contains("bob"), "{shown}");
    }

    #[test]
    fn control_characters_are_refused_in_every_secret() {
        for bad in [
            "a\u{7f}bcdefgh",
            "abcd\u{15}efgh",
            "abcd\u{17}efgh",
            "tab\there1",
            "a\nbcdefgh",
        ] {
            assert!(check_typed(bad).is_err(), "{bad:?}");
            assert!(check_chosen(bad).is_err(), "{bad:?}");
        }
        assert_eq!(check_typed(r#"a b'c"$d\ü"#), Ok(()));
        assert_eq!(
            check_typed("short"),
            Ok(()),
            "an existing password may be short"
        );
        assert!(
            check_chosen("seven77")
                .expect_err("7")
                .as_str()
                .contains("at least 8")
        );
        assert_eq!(check_chosen("eight888"), Ok(()));
    }

    #[test]
    fn the_database_password_is_masked_url_encoded_too() {
        assert_eq!(percent_encoded("%40:/?#@ x"), "%2540%3A%2F%3F%23%40%20x");
        let r = Redactor::new();
        let mut secrets = Secrets::new();
        secrets.set(SecretName::DbPassword, Secret::new("p@ss word"), &r);
        assert_eq!(
            r.redact("DATABASE_URL=postgresql://a:p%40ss%20word@h/db"),
            format!("DATABASE_URL=postgresql://a:{MASK}@h/db")
        );
    }

    #[test]
    fn the_app_secret_settings_are_masked_one_by_one() {
        let r = Redactor::new();
        let mut secrets = Secrets::new();
        secrets.set_app_secret("SECRET_KEY", &Secret::new("first-value-1"), &r);
        secrets.set_app_secret("JWT", &Secret::new("jwt-value-22"), &r);
        secrets.set_app_secret("SECRET_KEY", &Secret::new("second-value-3"), &r);
        assert_eq!(
            secrets.get(SecretName::AppSecrets).map(Secret::expose),
            Some("JWT=jwt-value-22\nSECRET_KEY=second-value-3\n")
        );
        assert_eq!(secrets.app_secret_names(), ["JWT", "SECRET_KEY"]);
        assert_eq!(
            r.redact("SECRET_KEY=second-value-3 JWT=jwt-value-22"),
            format!("SECRET_KEY={MASK} JWT={MASK}")
        );
        assert!(SecretName::AppSecrets.optional());
        assert!(!SecretName::DbPassword.optional());
    }

    #[test]
    fn secret_names_round_trip() {
        for name in SecretName::ALL {
            assert_eq!(SecretName::from_key(name.key()), Some(name));
        }
        assert_eq!(SecretName::from_key("nope"), None);
    }
}

/// `text` as a URL component (every byte but A–Z a–z 0–9 - . _ ~ as %XX), the way DATABASE_URL
/// carries the database password.
pub fn percent_encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The secret values this run knows, by name. Lives in memory only; values are wiped on drop.
#[derive(Clone, Default)]
pub struct Secrets {
    values: std::collections::BTreeMap<SecretName, Secret>,
}

impl Secrets {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, name: SecretName) -> Option<&Secret> {
        self.values.get(&name)
    }

    /// Stores a value (replacing any old one) and teaches it to the redactor.
    pub fn set(&mut self, name: SecretName, value: Secret, redactor: &Redactor) {
        if name == SecretName::AppSecrets {
            // `NAME=value` lines: each value is masked on its own (the names are not secret).
            for line in value.expose().lines() {
                if let Some((_, v)) = line.split_once('=') {
                    redactor.add(&Secret::new(v));
                }
            }
            self.values.insert(name, value);
            return;
        }
        redactor.add(&value);
        // ── Stages 8–9 ── DATABASE_URL carries the password percent-encoded: mask that form too.
        if name == SecretName::DbPassword {
            redactor.add(&Secret::new(percent_encoded(value.expose())));
        }
        self.values.insert(name, value);
    }

    /// Gives `to` the value of `from`, if there is one (the redactor knows it already).
    pub fn copy(&mut self, from: SecretName, to: SecretName) {
        if let Some(value) = self.values.get(&from).cloned() {
            self.values.insert(to, value);
        }
    }

    pub fn contains(&self, name: SecretName) -> bool {
        self.values.contains_key(&name)
    }

    /// Adds the typed value of the app's secret setting `setting` to the `app_secrets` lines
    /// (replacing one typed before), and teaches it to the redactor.
    pub fn set_app_secret(&mut self, setting: &str, value: &Secret, redactor: &Redactor) {
        // One buffer of the right size, moved into the Secret (wiped on drop): no copies left
        // behind by growing.
        let old_len = self
            .values
            .get(&SecretName::AppSecrets)
            .map_or(0, |s| s.expose().len());
        let mut lines = String::with_capacity(old_len + setting.len() + value.expose().len() + 2);
        if let Some(old) = self.values.get(&SecretName::AppSecrets) {
            for line in old.expose().lines() {
                if line.split_once('=').is_some_and(|(n, _)| n != setting) {
                    lines.push_str(line);
                    lines.push('\n');
                }
            }
        }
        lines.push_str(setting);
        lines.push('=');
        lines.push_str(value.expose());
        lines.push('\n');
        self.set(SecretName::AppSecrets, Secret::new(lines), redactor);
    }

    /// The names of the app's secret settings typed in this run (never their values).
    pub fn app_secret_names(&self) -> Vec<String> {
        self.values
            .get(&SecretName::AppSecrets)
            .map(|s| {
                s.expose()
                    .lines()
                    .filter_map(|l| l.split_once('=').map(|(n, _)| n.to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Moves every value into `to` (replacing values of the same names there); `self` is left
    /// empty. The redactor knows them already.
    pub fn move_into(&mut self, to: &mut Secrets) {
        to.values.append(&mut self.values);
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.values.keys()).finish()
    }
}
