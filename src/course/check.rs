//! The checks of what a student types that more than one stage, or the answers file, uses: host,
//! port, key path, passwords, the user's name; each says why it refuses (`Refused`). A stage's
//! own checks live in its folder.

use crate::refused::Refused;

/// A host as typed: an IPv4 or IPv6 address, a DNS name, or an ~/.ssh/config alias.
pub fn validate_host(host: &str) -> Result<(), Refused> {
    let host = host.trim();
    if host.is_empty() {
        return Err("Type the droplet's address, e.g. 203.0.113.7 (it is in the e-mail).".into());
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    if host.contains('@') {
        return Err("Type only the address; the user is set for you (root at first).".into());
    }
    if host.contains("://") || host.contains('/') {
        return Err("Type only the address, without http:// or a path.".into());
    }
    if host.len() > 253 {
        return Err("That name is longer than a host name can be (253 characters).".into());
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if host.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(
            "That is not an address or host name: use digits like 203.0.113.7, a name like \
             api.example.com, or an alias from ~/.ssh/config."
                .into(),
        )
    }
}

/// A refused host that looks like a password typed into the wrong field (a sign no address,
/// host name or alias has, or a phrase of three words or more): the wizard does not keep it on
/// screen.
pub fn looks_like_a_password(host: &str) -> bool {
    let host = host.trim();
    validate_host(host).is_err()
        && (host
            .chars()
            .any(|c| c.is_ascii_punctuation() && !".-_:/@[]~".contains(c))
            || host.split_whitespace().count() >= 3)
}

#[cfg(test)]
mod password_in_host_tests {
    #[test]
    fn a_password_in_the_host_field_is_told_from_a_typo() {
        for typed in [
            "10.77.23.2Kill test root pw 1!",
            "hunter2#",
            "correct horse battery",
        ] {
            assert!(super::looks_like_a_password(typed), "{typed}");
        }
        for typed in [
            "203.0.113.7",
            "a b",
            "api.example.com/",
            "root@203.0.113.7",
            "my-drop",
        ] {
            assert!(!super::looks_like_a_password(typed), "{typed}");
        }
    }
}

/// A TCP port, 1–65535.
pub fn validate_port(port: &str) -> Result<u16, Refused> {
    match port.trim().parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p as u16),
        Ok(_) => Err("A port is a number from 1 to 65535 (SSH normally uses 22).".into()),
        Err(_) => Err("A port is a number, like 22.".into()),
    }
}

/// A private key's path: it goes into ~/.ssh/config as `IdentityFile "…"`, which cannot hold
/// a quote or a line break (that would start a new directive).
pub fn validate_key_path(path: &str) -> Result<(), Refused> {
    if path.trim().is_empty() {
        Err("Give the path of your private key, e.g. ~/.ssh/id_ed25519.".into())
    } else if path.chars().any(|c| c.is_control() || c == '"') {
        Err("A key path cannot hold quotes or control characters; choose another.".into())
    } else {
        Ok(())
    }
}

/// Passwords go over stdin exactly as typed; only a line break and other control characters
/// (line editing on a PTY) cannot travel that way.
pub fn validate_password(password: &str) -> Result<(), Refused> {
    crate::secret::check_typed(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "203.0.113.7",
            "2001:db8::1",
            "api.example.com",
            "mydroplet",
            "my_alias",
        ] {
            assert_eq!(validate_host(ok), Ok(()), "{ok}");
        }
        for bad in ["", "root@1.2.3.4", "http://x.com", "a b", "-x.com", "x..y"] {
            assert!(validate_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ports() {
        assert_eq!(validate_port("22"), Ok(22));
        assert!(validate_port("0").is_err());
        assert!(validate_port("65536").is_err());
        assert!(validate_port("ssh").is_err());
    }

    #[test]
    fn key_paths_that_ssh_config_cannot_hold_are_refused() {
        assert_eq!(validate_key_path("~/.ssh/my keys/id_ed25519"), Ok(()));
        for bad in ["", "  ", "/k\nProxyCommand x", "/k\"x", "/k\u{7f}"] {
            assert!(validate_key_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_keep_everything_but_line_breaks() {
        assert_eq!(validate_password(r#"a b'c"$d\ü"#), Ok(()));
        assert!(validate_password("a\nb").is_err());
        for editing in ["a\u{7f}b", "a\u{15}b", "a\u{17}b"] {
            assert!(
                validate_password(editing)
                    .expect_err(editing)
                    .as_str()
                    .contains("control characters")
            );
        }
    }
}

/// Names that belong to the system or to services the course installs; a person's account must
/// not take them.
pub const RESERVED_USERS: &[&str] = &[
    "root",
    "daemon",
    "bin",
    "sys",
    "sync",
    "games",
    "man",
    "lp",
    "mail",
    "news",
    "uucp",
    "proxy",
    "www-data",
    "backup",
    "list",
    "irc",
    "gnats",
    "nobody",
    "nogroup",
    "systemd-network",
    "systemd-resolve",
    "systemd-timesync",
    "messagebus",
    "sshd",
    "syslog",
    "_apt",
    "postgres",
    "nginx",
    "uwsgi",
    "ubuntu",
    "debian",
    "admin",
    "sudo",
    "staff",
    "users",
    "adm",
    "ssh",
];

/// A Linux user name as Debian's adduser accepts it by default: a lower-case letter first, then
/// lower-case letters, digits, `-` and `_`, at most 32 characters; not a reserved name.
pub fn validate_username(name: &str) -> Result<(), Refused> {
    if name.is_empty() {
        return Err("Choose a user name, e.g. johndoe.".into());
    }
    if name.chars().count() > 32 {
        return Err(format!(
            "A user name can be at most 32 characters; this one has {}.",
            name.chars().count()
        )
        .into());
    }
    if name.chars().any(char::is_whitespace) {
        return Err("A user name cannot contain spaces.".into());
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "Use lower-case letters only: try \"{}\".",
            name.to_ascii_lowercase()
        )
        .into());
    }
    if !name.is_ascii() {
        return Err("Use plain letters a–z, digits, - and _ (no accents or symbols).".into());
    }
    let first = name.chars().next().unwrap_or('a');
    if !first.is_ascii_lowercase() {
        return Err("A user name must start with a letter a–z.".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "\"{bad}\" is not allowed in a user name: use letters a–z, digits, - and _."
        )
        .into());
    }
    if RESERVED_USERS.contains(&name) {
        return Err(format!(
            "\"{name}\" is already used by the system or by a service; choose your own name."
        )
        .into());
    }
    Ok(())
}

/// A password for the new user: not empty, no line break, and a gentle hint when it is weak.
pub fn validate_user_password(password: &str, retype: &str) -> Result<(), Refused> {
    validate_password(password)?;
    if password.is_empty() {
        return Err("Choose a password: sudo asks for it.".into());
    }
    if password.chars().count() < 8 {
        return Err("Use at least 8 characters; a few random words work well.".into());
    }
    if password != retype {
        return Err("The two passwords differ; type them again.".into());
    }
    Ok(())
}

/// A short hint on a password's strength, shown while it is typed (never the password itself).
pub fn strength_hint(password: &str) -> &'static str {
    let len = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    match (len, classes) {
        (0, _) => "",
        (1..=7, _) => "too short",
        (8..=11, 0..=2) => "weak: longer is stronger",
        (8..=11, _) => "fair",
        (12..=15, _) => "good",
        _ => "strong",
    }
}

#[cfg(test)]
mod username_tests {
    use super::*;

    #[test]
    fn the_issue_s_bad_names_each_get_their_own_message() {
        let cases = [
            ("Root", "lower-case"),
            ("1abc", "start with a letter"),
            ("a b", "spaces"),
            ("$(reboot)", "start with a letter"),
            ("ünï", "plain letters"),
            ("postgres", "already used"),
            ("root", "already used"),
            ("ab$c", "\"$\" is not allowed"),
        ];
        for (name, expected) in cases {
            let message = validate_username(name).expect_err(name);
            assert!(message.as_str().contains(expected), "{name}: {message}");
        }
        let long = "a".repeat(33);
        assert!(
            validate_username(&long)
                .expect_err("33")
                .as_str()
                .contains("at most 32")
        );
        assert_eq!(validate_username(&"a".repeat(32)), Ok(()));
        for ok in ["johndoe", "j-doe_2", "a"] {
            assert_eq!(validate_username(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn user_passwords() {
        assert!(validate_user_password("short", "short").is_err());
        assert!(validate_user_password("long enough", "long enougH").is_err());
        assert!(validate_user_password("line\nbreak!", "line\nbreak!").is_err());
        assert_eq!(
            validate_user_password(r#"q"u'o $x \y ü"#, r#"q"u'o $x \y ü"#),
            Ok(())
        );
        assert_eq!(strength_hint("abc"), "too short");
        assert_eq!(strength_hint("correct horse battery staple"), "strong");
    }
}
