//! The answers file (`--answers FILE`, TOML): `parse` reads `[server]`, `[user]` and `[droplet]`
//! and has each stage read its own section (`stages/<stage>/section.rs`) with the checks its
//! form uses, so every mistake names its key and line. Pure: the caller reads the file.

use serde::Deserialize;
use toml::Spanned;

use super::answers::{Answers, AnswersError, DropletAnswers, Reading};
use super::stages;
use crate::refused::Refused;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    server: Option<Spanned<RawServer>>,
    user: Option<Spanned<RawUser>>,
    ssh: Option<Spanned<stages::ssh::section::RawSsh>>,
    postgres: Option<Spanned<stages::postgres::section::RawPostgres>>,
    firewall: Option<Spanned<stages::firewall::section::RawFirewall>>,
    nginx: Option<Spanned<stages::nginx::section::RawNginx>>,
    app: Option<Spanned<stages::app::section::RawApp>>,
    tls: Option<Spanned<stages::domain::section::RawTls>>,
    droplet: Option<Spanned<RawDroplet>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDroplet {
    name: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
    size: Option<Spanned<String>>,
    image: Option<Spanned<String>>,
    backups: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    host: Option<Spanned<String>>,
    port: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    name: Option<Spanned<String>>,
    login: Option<Spanned<String>>,
    sudo: Option<Spanned<bool>>,
}

/// Parses and checks an answers file. Returns the answers and notes worth a warning, or every
/// mistake found, each with its key and line.
pub fn parse(text: &str) -> Result<(Answers, Vec<String>), AnswersError> {
    let raw: Raw = toml::from_str(text).map_err(|e| AnswersError::Syntax(e.to_string()))?;
    let mut reading = Reading::new(text);

    let mut answers = Answers::new("", "");
    // ── Creating the droplet ──
    if let Some(droplet) = raw.droplet.as_ref() {
        answers.droplet = parse_droplet(droplet, &mut reading);
    }
    match raw.server.as_ref().and_then(|s| s.get_ref().host.as_ref()) {
        Some(host) => match super::check::validate_host(host.get_ref()) {
            Ok(()) => answers.host = host.get_ref().trim().to_owned(),
            Err(m) => reading.refuse("server.host", host.span(), m),
        },
        // A droplet to create gets its address when it is made (saved with the progress).
        None if raw.droplet.is_some() => {}
        None => reading.refuse(
            "server.host",
            raw.server.as_ref().map_or(0..0, |s| s.span()),
            "missing: the droplet's address, e.g. host = \"203.0.113.7\"",
        ),
    }
    if let Some(port) = raw.server.as_ref().and_then(|s| s.get_ref().port.as_ref()) {
        match super::check::validate_port(&port.get_ref().to_string()) {
            Ok(p) => answers.port = p,
            Err(m) => reading.refuse("server.port", port.span(), m),
        }
    }
    match raw.user.as_ref().and_then(|s| s.get_ref().name.as_ref()) {
        Some(name) => match super::check::validate_username(name.get_ref()) {
            Ok(()) => answers.user = name.get_ref().clone(),
            Err(m) => reading.refuse("user.name", name.span(), m),
        },
        None => reading.refuse(
            "user.name",
            raw.user.as_ref().map_or(0..0, |s| s.span()),
            "missing: the name of your everyday account, e.g. name = \"johndoe\"",
        ),
    }
    if let Some(user) = raw.user.as_ref().map(Spanned::get_ref) {
        read_login(user, &mut answers, &mut reading);
    }
    // Each stage reads its own section. The order is the order mistakes are listed in: the
    // course's, but for `[tls]`, whose domain is read with the firewall (it opens HTTPS for it)
    // and its e-mail last, as droplift has always listed them.
    stages::ssh::section::read(raw.ssh.as_ref(), &mut answers, &mut reading);
    stages::postgres::section::read(raw.postgres.as_ref(), &mut answers, &mut reading);
    stages::firewall::section::read(raw.firewall.as_ref(), &mut answers, &mut reading);
    stages::domain::section::read_domain(raw.tls.as_ref(), &mut answers, &mut reading);
    stages::nginx::section::read(raw.nginx.as_ref(), &mut answers, &mut reading);
    stages::app::section::read(raw.app.as_ref(), &mut answers, &mut reading);
    stages::domain::section::read_email(raw.tls.as_ref(), &mut answers, &mut reading);
    Ok((answers, reading.finish()?))
}

/// `[user] login` and `sudo`: who droplift logs in as when the owner is somebody else, and
/// whether the owner gets sudo. An owner without sudo cannot be the login: someone must run the
/// setup with sudo.
fn read_login(user: &RawUser, answers: &mut Answers, reading: &mut Reading<'_>) {
    if let Some(login) = &user.login {
        match super::check::validate_username(login.get_ref()) {
            Ok(()) => answers.login = Some(login.get_ref().clone()),
            Err(m) => reading.refuse("user.login", login.span(), m),
        }
    }
    if let Some(sudo) = &user.sudo {
        answers.user_sudo = *sudo.get_ref();
    }
    if let Some(login) = user.login.as_ref().filter(|_| answers.owner_is_not_login()) {
        if answers.user_sudo {
            reading.refuse(
                "user.login",
                login.span(),
                format!(
                    "another login sets up an owner without sudo: add sudo = false (an owner with \
                     sudo logs in as itself: leave login out, or make it \"{}\")",
                    answers.user
                ),
            );
        }
    }
    if let Some(sudo) = &user.sudo {
        if !answers.user_sudo && !answers.owner_is_not_login() && !answers.user.is_empty() {
            reading.refuse(
                "user.sudo",
                sudo.span(),
                format!(
                    "{} would have no sudo, and droplift logs in as {0} to set the site up: name \
                     the account that does it (with sudo), e.g. login = \"erin\"",
                    answers.user
                ),
            );
        }
    }
}

/// `[droplet]`: name and region are needed; size, image and backups have the course's defaults.
fn parse_droplet(raw: &Spanned<RawDroplet>, reading: &mut Reading<'_>) -> Option<DropletAnswers> {
    use crate::droplet_spec as choices;
    let section = raw.get_ref();
    let mut ok = true;
    let mut check = |key: &str,
                     value: Option<&Spanned<String>>,
                     default: Option<&str>,
                     rule: fn(&str) -> Result<(), Refused>|
     -> String {
        match value {
            Some(v) => match rule(v.get_ref().trim()) {
                Ok(()) => v.get_ref().trim().to_owned(),
                Err(m) => {
                    ok = false;
                    reading.refuse(key, v.span(), m);
                    String::new()
                }
            },
            None => match default {
                Some(d) => d.to_owned(),
                None => {
                    ok = false;
                    reading.refuse(key, raw.span(), format!("missing in [droplet]: {key}"));
                    String::new()
                }
            },
        }
    };
    let name = check(
        "droplet.name",
        section.name.as_ref(),
        None,
        choices::validate_name,
    );
    let region = check(
        "droplet.region",
        section.region.as_ref(),
        None,
        choices::validate_region_slug,
    );
    let size = check(
        "droplet.size",
        section.size.as_ref(),
        Some(choices::COURSE_SIZE),
        choices::validate_size_slug,
    );
    let image = check(
        "droplet.image",
        section.image.as_ref(),
        Some(choices::DEFAULT_IMAGE),
        choices::validate_image,
    );
    let backups = section.backups.as_ref().is_some_and(|b| *b.get_ref());
    let line_of = |value: Option<&Spanned<String>>| {
        reading.line(value.map_or_else(|| raw.span(), Spanned::span))
    };
    let lines = crate::course::answers::DropletLines {
        name: line_of(section.name.as_ref()),
        region: line_of(section.region.as_ref()),
        size: line_of(section.size.as_ref()),
        image: line_of(section.image.as_ref()),
    };
    ok.then_some(DropletAnswers {
        name,
        region,
        size,
        image,
        backups,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../assets/answers.example.toml");

    #[test]
    fn a_droplet_to_create_needs_no_host_and_its_mistakes_name_their_keys() {
        let text = "[user]\nname = \"carol\"\n[droplet]\nname = \"items-api\"\nregion = \"fra1\"\n";
        let (answers, _) = parse(text).expect("parses without [server]");
        let droplet = answers.droplet.expect("[droplet]");
        assert_eq!(droplet.size, crate::droplet_spec::COURSE_SIZE);
        assert_eq!(droplet.image, crate::droplet_spec::DEFAULT_IMAGE);
        assert!(!droplet.backups);
        assert!(answers.host.is_empty(), "its address comes when it is made");
        let bad = "[user]\nname = \"carol\"\n[droplet]\nname = \"my_droplet\"\nregion = \"Frankfurt\"\nimage = \"centos-7\"\n";
        let err = parse(bad).expect_err("three mistakes").to_string();
        for key in ["droplet.name", "droplet.region", "droplet.image"] {
            assert!(err.contains(&format!("`{key}`")), "{key}: {err}");
        }
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn the_example_file_parses_with_warnings_for_later_stages() {
        let (answers, warnings) = parse(EXAMPLE).expect("example parses");
        assert_eq!(answers.host, "203.0.113.7");
        assert_eq!(answers.user, "johndoe");
        assert_eq!(answers.port, 22);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(answers.db_role(), "johndoe");
        assert_eq!(answers.db_name(), "johndoe");
        assert!(answers.extra_ports.is_empty());
    }

    const BASE: &str = "[server]\nhost = \"1.2.3.4\"\n[user]\nname = \"johndoe\"\n";

    #[test]
    fn unknown_key_names_the_key_and_line() {
        let err = parse("[server]\nhost = \"1.2.3.4\"\nhots = 3\n[user]\nname = \"a\"\n")
            .expect_err("unknown key");
        let text = err.to_string();
        assert!(text.contains("hots"), "{text}");
        assert!(text.contains("line 3"), "{text}");
    }

    #[test]
    fn bad_values_each_name_key_and_line() {
        let err = parse("[server]\nhost = \"a b\"\nport = 0\n\n[user]\nname = \"Root\"\n")
            .expect_err("bad values");
        let AnswersError::Invalid(errors) = err else {
            panic!("expected value errors");
        };
        let keys: Vec<(&str, usize)> = errors.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(
            keys,
            [("server.host", 2), ("server.port", 3), ("user.name", 6)]
        );
        assert!(errors[2].message.contains("lower-case"));
    }

    #[test]
    fn a_section_of_the_wrong_shape_is_named_by_its_type() {
        // toml names the section's type in these messages: moving a section's type to its
        // stage's folder must not rename it.
        let err = parse("tls = \"x\"\n").expect_err("not a table");
        assert!(err.to_string().contains("expected struct RawTls"), "{err}");
        let err = parse(&format!("{BASE}[firewall]\nextra_ports = [true]\n")).expect_err("bool");
        assert!(err.to_string().contains("untagged enum RawPort"), "{err}");
    }

    #[test]
    fn mistakes_are_listed_section_by_section_in_the_order_they_always_were() {
        let text = format!(
            "{BASE}[tls]\ndomain = \"1.2.3.4\"\nemail = \"nobody\"\n[app]\nmodule = \"app.py\"\n\
             [nginx]\nsite = \"a b\"\n[firewall]\nextra_ports = [0]\n[ssh]\nalias = \"a b\"\n"
        );
        let AnswersError::Invalid(errors) = parse(&text).expect_err("mistakes") else {
            panic!("expected value errors");
        };
        let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "ssh.alias",
                "firewall.extra_ports",
                "tls.domain",
                "nginx.site",
                "app.module",
                "tls.email"
            ]
        );
    }

    #[test]
    fn an_owner_without_sudo_is_set_up_by_another_login() {
        let text = format!("{BASE}login = \"erin\"\nsudo = false\n");
        let (answers, _) = parse(&text).expect("parses");
        assert_eq!(
            (answers.user.as_str(), answers.login_name()),
            ("johndoe", "erin")
        );
        assert!(!answers.user_sudo);
        assert!(answers.owner_is_not_login());
        let (plain, _) = parse(BASE).expect("parses");
        assert_eq!(plain.login_name(), "johndoe");
        assert!(plain.user_sudo && !plain.owner_is_not_login());
        let AnswersError::Invalid(errors) =
            parse(&format!("{BASE}sudo = false\n")).expect_err("no login")
        else {
            panic!("expected value errors");
        };
        assert_eq!((errors[0].key.as_str(), errors[0].line), ("user.sudo", 5));
        assert!(
            errors[0].message.contains("login = "),
            "{}",
            errors[0].message
        );
        let err = parse(&format!("{BASE}login = \"Erin\"\n")).expect_err("bad login");
        assert!(err.to_string().contains("user.login"), "{err}");
        let err = parse(&format!("{BASE}login = \"erin\"\n")).expect_err("an owner with sudo");
        assert!(err.to_string().contains("sudo = false"), "{err}");
    }

    #[test]
    fn missing_host_is_an_error() {
        let err = parse("[user]\nname = \"johndoe\"\n").expect_err("no host");
        assert!(err.to_string().contains("server.host"));
    }
}
