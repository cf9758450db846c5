//! The `[ssh]` section of the answers file: the private key to log in with (made if missing)
//! and a Host alias for ~/.ssh/config, checked as the stage's form checks them.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::validate_alias;
use crate::course::answers::{Answers, Reading};
use crate::course::check;

/// `[ssh]` as written. Its name shows in toml's own messages ("expected struct RawSsh").
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSsh {
    key: Option<Spanned<String>>,
    alias: Option<Spanned<String>>,
}

/// Takes `[ssh]` into the answers, or tells `reading` what is wrong with it.
pub fn read(section: Option<&Spanned<RawSsh>>, answers: &mut Answers, reading: &mut Reading<'_>) {
    let Some(ssh) = section else {
        return;
    };
    if let Some(key) = ssh.get_ref().key.as_ref() {
        if key.get_ref().trim().is_empty() {
            reading.refuse("ssh.key", key.span(), "give the path of a private key file");
        } else if let Err(m) = check::validate_key_path(key.get_ref()) {
            reading.refuse("ssh.key", key.span(), m);
        } else {
            answers.key = PathBuf::from(key.get_ref());
        }
    }
    if let Some(alias) = ssh.get_ref().alias.as_ref() {
        match validate_alias(alias.get_ref()) {
            Ok(()) => answers.alias = Some(alias.get_ref().clone()),
            Err(m) => reading.refuse("ssh.alias", alias.span(), m),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::course::answers_file::parse;

    #[test]
    fn a_key_path_that_would_inject_into_ssh_config_is_refused() {
        let text = "[server]\nhost = \"1.2.3.4\"\n[user]\nname = \"bob\"\n[ssh]\nkey = \"/k\\nProxyCommand touch /tmp/x\"\n";
        let err = parse(text)
            .expect_err("newline in the key path")
            .to_string();
        assert!(err.contains("ssh.key") && err.contains("line 6"), "{err}");
    }
}
