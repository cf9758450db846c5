//! The credentials each kind of login may use, built in one place: root with its password, the
//! student's user with their key, and a fresh login that must prove exactly one credential.

use std::path::Path;

use crate::course::plan::LoginAuth;
use crate::home::expand_home;
use crate::remote::{Credentials, Target, typed_port};
use crate::secret::{Secret, SecretName, Secrets};

/// `user` on the server the student named (an address, a name or a ~/.ssh/config alias).
pub fn target(host: &str, port: u16, user: &str) -> Target {
    Target {
        host: host.to_owned(),
        port: typed_port(port),
        user: Some(user.to_owned()),
    }
}

/// root: the e-mailed password when there is one, else what OpenSSH would try (agent, keys).
pub fn root(password: Option<Secret>) -> Credentials {
    Credentials {
        use_agent: true,
        identity_files: Vec::new(),
        key_passphrase: None,
        password,
        sealed: None,
    }
}

/// root on a droplet created with the student's key: that key (and the agent), no password.
pub fn root_key(key: &Path, home: &Path, secrets: &Secrets) -> Credentials {
    Credentials {
        use_agent: true,
        identity_files: vec![expand_home(key, home)],
        key_passphrase: secrets.get(SecretName::KeyPassphrase).cloned(),
        password: None,
        sealed: None,
    }
}

/// The student's own user on a hardened server: the agent and their key, never a password
/// (password logins are off by then; the user's password is for sudo only).
pub fn user_key(key: &Path, home: &Path, secrets: &Secrets) -> Credentials {
    Credentials {
        use_agent: true,
        identity_files: vec![expand_home(key, home)],
        key_passphrase: secrets.get(SecretName::KeyPassphrase).cloned(),
        password: None,
        sealed: None,
    }
}

/// A fresh login that proves exactly one credential: no agent, and only this key or password.
pub fn proof(auth: &LoginAuth, secrets: &Secrets, home: &Path) -> Credentials {
    match auth {
        LoginAuth::Key(path) => Credentials {
            use_agent: false,
            identity_files: vec![expand_home(path, home)],
            key_passphrase: secrets.get(SecretName::KeyPassphrase).cloned(),
            password: None,
            sealed: None,
        },
        LoginAuth::Password(name) => Credentials {
            use_agent: false,
            identity_files: Vec::new(),
            key_passphrase: None,
            // A login that must be refused may have no password to try: then none is sent, and
            // the refusal counts only if the server offers no password login at all (runner).
            password: secrets.get(*name).cloned(),
            sealed: None,
        },
    }
}
