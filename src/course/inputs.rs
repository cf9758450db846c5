//! What each stage asks the student, and the one set of rules that checks it: the wizard's fields
//! and the headless answers file both call these, so a value is judged the same way everywhere.

use super::StageId;

/// One question a stage asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// The key in the answers file and in the form.
    pub key: &'static str,
    pub label: &'static str,
    /// Shown greyed in the empty field.
    pub hint: &'static str,
    /// Masked while typed, never saved, sent only over stdin.
    pub secret: bool,
    pub default: &'static str,
}

const fn text(key: &'static str, label: &'static str, hint: &'static str) -> InputSpec {
    InputSpec {
        key,
        label,
        hint,
        secret: false,
        default: "",
    }
}

const fn secret(key: &'static str, label: &'static str, hint: &'static str) -> InputSpec {
    InputSpec {
        key,
        label,
        hint,
        secret: true,
        default: "",
    }
}

/// The questions a stage asks on its screen, in order.
pub fn inputs(stage: StageId) -> &'static [InputSpec] {
    const CONNECT: &[InputSpec] = &[
        text("host", "Host", "IP, name or ~/.ssh/config alias"),
        InputSpec {
            default: "22",
            ..text("port", "Port", "22 unless told otherwise")
        },
        secret(
            "root_password",
            "Root password",
            "from the e-mail (empty: a key)",
        ),
    ];
    const USER: &[InputSpec] = &[
        text("user", "User name", "your everyday login, e.g. johndoe"),
        secret(
            "user_password",
            "Password",
            "8+ characters; sudo asks for it",
        ),
        secret(
            "user_password_again",
            "Again",
            "the same password once more",
        ),
    ];
    const SSH: &[InputSpec] = &[
        InputSpec {
            default: super::answers::DEFAULT_KEY,
            ..text("key", "Key file", "your private key; made if missing")
        },
        secret(
            "key_passphrase",
            "Passphrase",
            "for a new key only; empty: none",
        ),
        text("alias", "Alias", "e.g. mydroplet; empty: skip"),
    ];
    // ── Stage 5: PostgreSQL ──
    const POSTGRES: &[InputSpec] = &[
        text("role", "Role", "database user; empty: your user"),
        text("database", "Database", "empty: the same name as the role"),
        secret("db_password", "Password", "the app's; 8+ characters"),
        secret("db_password_again", "Again", "the same password once more"),
    ];
    // ── Stage 6: firewall ──
    const FIREWALL: &[InputSpec] = &[text(
        "add_port",
        "Add a port",
        "8080/tcp or 53/udp, then Enter",
    )];
    // ── nginx (stage 7) ──
    const NGINX: &[InputSpec] = &[
        InputSpec {
            default: super::answers::DEFAULT_SITE,
            ..text("site", "Site name", "e.g. items-rest; names its folder")
        },
        InputSpec {
            default: "_",
            ..text(
                "server_name",
                "Server name",
                "a domain, the droplet's IP, or _",
            )
        },
        InputSpec {
            default: "yes",
            ..text(
                "remove_default",
                "Drop default",
                "yes: yours answers every request",
            )
        },
    ];
    // ── end nginx ──
    match stage {
        StageId::Connect => CONNECT,
        StageId::User => USER,
        StageId::SshHardening => SSH,
        StageId::Postgres => POSTGRES,
        StageId::Firewall => FIREWALL,
        StageId::Nginx => NGINX,
        _ => &[],
    }
}

/// Checks a stage's answers. `value` gives the text typed for a key. Returns (key, message) for
/// each field that is wrong, in field order; empty means everything is acceptable.
pub fn validate(stage: StageId, value: &dyn Fn(&str) -> String) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    let mut check = |key: &'static str, result: Result<(), String>| {
        if let Err(message) = result {
            errors.push((key, message));
        }
    };
    match stage {
        StageId::Connect => {
            check("host", validate_host(&value("host")));
            check("port", validate_port(&value("port")).map(|_| ()));
            check("root_password", validate_password(&value("root_password")));
        }
        StageId::User => {
            check("user", validate_username(&value("user")));
            check(
                "user_password",
                validate_user_password(&value("user_password"), &value("user_password_again")),
            );
        }
        StageId::SshHardening => {
            check("key", validate_key_path(&value("key")));
            check(
                "key_passphrase",
                validate_password(&value("key_passphrase")),
            );
            let alias = value("alias");
            if !alias.is_empty() {
                check(
                    "alias",
                    super::answers::validate_alias(&alias).map_err(capitalise),
                );
            }
        }
        // ── Stage 5: PostgreSQL ──
        StageId::Postgres => {
            check("role", super::pgname::validate_role(&value("role")));
            let database = value("database");
            if !database.is_empty() {
                check("database", super::pgname::validate_database(&database));
            }
            check(
                "db_password",
                super::pgname::validate_password(
                    &value("db_password"),
                    &value("db_password_again"),
                ),
            );
        }
        // ── Stage 6: firewall ──
        StageId::Firewall => {
            let port = value("add_port");
            if !port.trim().is_empty() {
                check("add_port", super::ports::PortRule::parse(&port).map(|_| ()));
            }
        }
        // ── nginx (stage 7) ──
        StageId::Nginx => {
            check("site", validate_site_name(&value("site")));
            let server_name = value("server_name");
            check("server_name", validate_server_name(&server_name));
            check(
                "remove_default",
                validate_remove_default(&value("remove_default"))
                    .and_then(|remove| check_default_site(remove, &server_name)),
            );
        }
        // ── end nginx ──
        _ => {}
    }
    errors
}

fn capitalise(message: String) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => message,
    }
}

/// A host as typed: an IPv4 or IPv6 address, a DNS name, or an ~/.ssh/config alias.
pub fn validate_host(host: &str) -> Result<(), String> {
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

/// A TCP port, 1–65535.
pub fn validate_port(port: &str) -> Result<u16, String> {
    match port.trim().parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p as u16),
        Ok(_) => Err("A port is a number from 1 to 65535 (SSH normally uses 22).".into()),
        Err(_) => Err("A port is a number, like 22.".into()),
    }
}

/// A private key's path: it goes into ~/.ssh/config as `IdentityFile "…"`, which cannot hold
/// a quote or a line break (that would start a new directive).
pub fn validate_key_path(path: &str) -> Result<(), String> {
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
pub fn validate_password(password: &str) -> Result<(), String> {
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
pub fn validate_username(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Choose a user name, e.g. johndoe.".into());
    }
    if name.chars().count() > 32 {
        return Err(format!(
            "A user name can be at most 32 characters; this one has {}.",
            name.chars().count()
        ));
    }
    if name.chars().any(char::is_whitespace) {
        return Err("A user name cannot contain spaces.".into());
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "Use lower-case letters only: try \"{}\".",
            name.to_ascii_lowercase()
        ));
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
        ));
    }
    if RESERVED_USERS.contains(&name) {
        return Err(format!(
            "\"{name}\" is already used by the system or by a service; choose your own name."
        ));
    }
    Ok(())
}

/// A password for the new user: not empty, no line break, and a gentle hint when it is weak.
pub fn validate_user_password(password: &str, retype: &str) -> Result<(), String> {
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
            assert!(message.contains(expected), "{name}: {message}");
        }
        let long = "a".repeat(33);
        assert!(
            validate_username(&long)
                .expect_err("33")
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

// ── nginx (stage 7) ──

/// The site's name: it names the file in /etc/nginx/sites-available and the app's folder
/// /var/www/html/<site> (where the uWSGI socket will be), so it stays a plain path component.
pub fn validate_site_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Name the site, e.g. items-rest.".into());
    }
    if name.chars().count() > 32 {
        return Err(format!(
            "A site name can be at most 32 characters; this one has {}.",
            name.chars().count()
        ));
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "Use lower-case letters only: try \"{}\".",
            name.to_ascii_lowercase()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        let bad = if bad == ' ' {
            "a space".to_owned()
        } else {
            format!("\"{bad}\"")
        };
        return Err(format!(
            "{bad} is not allowed in a site name: use letters a–z, digits and -."
        ));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err("A site name cannot start or end with -.".into());
    }
    if name == "default" {
        return Err(
            "\"default\" is the site nginx comes with; choose your own name, e.g. items-rest."
                .into(),
        );
    }
    Ok(())
}

/// nginx's `server_name`: `_` (no name: answers whatever name a request uses), a domain, or
/// the droplet's IPv4 address. Only these shapes, so the value cannot carry nginx syntax.
pub fn validate_server_name(name: &str) -> Result<(), String> {
    if name == "_" || name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Ok(());
    }
    if name.is_empty() {
        return Err("Type your domain, the droplet's IP address, or _ to answer any name.".into());
    }
    if name.contains("://") || name.contains('/') {
        return Err("Type only the name, without http:// or a path.".into());
    }
    if name.parse::<std::net::Ipv6Addr>().is_ok() {
        return Err("Use the droplet's IPv4 address (like 203.0.113.7), or _.".into());
    }
    if name.contains(':') {
        return Err("Leave out the port: the site listens on port 80.".into());
    }
    if name.chars().any(char::is_whitespace) {
        return Err("One name only, without spaces.".into());
    }
    if name.contains('*') {
        return Err(
            "Wildcards are not offered here: type the full name, e.g. api.example.com.".into(),
        );
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "Use lower-case letters: try \"{}\".",
            name.to_ascii_lowercase()
        ));
    }
    if name.len() > 253 {
        return Err("That name is longer than a domain can be (253 characters).".into());
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(
            "That is not a domain name: use letters, digits, - and dots, like api.example.com."
                .into(),
        )
    }
}

/// The answer to "remove the default site?": yes or no.
pub fn validate_remove_default(answer: &str) -> Result<bool, String> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" => Ok(true),
        "no" | "n" => Ok(false),
        _ => Err("Answer yes or no.".into()),
    }
}

/// Keeping nginx's default site is only sensible when the site has a name of its own: the
/// default site is marked `default_server`, so with `_` it would answer every request.
pub fn check_default_site(remove_default: bool, server_name: &str) -> Result<(), String> {
    if !remove_default && server_name == "_" {
        Err(
            "With server name _ the default site would answer every request and yours none: \
             answer yes, or give your site a domain or the droplet's IP."
                .into(),
        )
    } else {
        Ok(())
    }
}

/// The largest site file droplift sends (a site is a few hundred bytes; this stops a wrong file).
pub const MAX_SITE_BYTES: usize = 64 * 1024;

/// A site file's text, typed in the editor or read from `[nginx] site_file`: nginx itself judges
/// the contents (`nginx -t`); here only what can never be a site file is refused.
pub fn validate_site_text(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("The site file is empty: nginx needs at least a server { … } block.".into());
    }
    if text.len() > MAX_SITE_BYTES {
        return Err(format!(
            "The site file is {} KiB; a site is a few hundred bytes (at most {} KiB here). Is it the right file?",
            text.len() / 1024,
            MAX_SITE_BYTES / 1024
        ));
    }
    if text.contains('\0') {
        return Err("The site file contains a NUL byte: it is not a text file.".into());
    }
    Ok(())
}

#[cfg(test)]
mod nginx_tests {
    use super::*;

    #[test]
    fn site_names_each_rule_its_own_message() {
        for (name, expected) in [
            ("", "Name the site"),
            ("Items", "lower-case"),
            ("items rest", "a space is not allowed"),
            ("items_rest", "\"_\" is not allowed"),
            ("a;b", "\";\" is not allowed"),
            ("-items", "start or end"),
            ("default", "nginx comes with"),
        ] {
            let message = validate_site_name(name).expect_err(name);
            assert!(message.contains(expected), "{name}: {message}");
        }
        assert!(validate_site_name(&"a".repeat(33)).is_err());
        for ok in ["items-rest", "api2", &"a".repeat(32)] {
            assert_eq!(validate_site_name(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn server_names() {
        for ok in [
            "_",
            "203.0.113.7",
            "api.example.com",
            "localhost",
            "my-api.example.co",
        ] {
            assert_eq!(validate_server_name(ok), Ok(()), "{ok}");
        }
        for (bad, expected) in [
            ("", "Type your domain"),
            ("http://x.com", "without http://"),
            ("2001:db8::1", "IPv4"),
            ("x.com:8080", "port"),
            ("a.com b.com", "without spaces"),
            ("*.example.com", "Wildcards"),
            ("API.example.com", "lower-case"),
            ("a;b", "not a domain"),
            ("x..y", "not a domain"),
        ] {
            let message = validate_server_name(bad).expect_err(bad);
            assert!(message.contains(expected), "{bad}: {message}");
        }
    }

    #[test]
    fn the_default_site_may_stay_only_beside_a_named_site() {
        assert_eq!(validate_remove_default("Yes"), Ok(true));
        assert_eq!(validate_remove_default("n"), Ok(false));
        assert!(validate_remove_default("maybe").is_err());
        assert!(check_default_site(false, "_").is_err());
        assert_eq!(check_default_site(false, "api.example.com"), Ok(()));
        assert_eq!(check_default_site(true, "_"), Ok(()));
        let errors = validate(StageId::Nginx, &|key| {
            match key {
                "site" => "items-rest",
                "server_name" => "_",
                _ => "no",
            }
            .to_owned()
        });
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "remove_default");
    }

    #[test]
    fn site_texts() {
        assert!(validate_site_text(" \n").is_err());
        assert!(validate_site_text("server {\0}").is_err());
        assert!(validate_site_text(&"#".repeat(MAX_SITE_BYTES + 1)).is_err());
        assert_eq!(validate_site_text("server { listen 80; }\n"), Ok(()));
    }
}
// ── end nginx ──
