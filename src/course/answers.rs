//! The answers a student gives, for every stage of the course: what the wizard's fields fill in
//! and what `--answers FILE` (TOML) holds. `parse` reads `[server]`, `[user]` and `[droplet]`
//! and has each stage read its own section (`stages/<stage>/section.rs`) with the checks its
//! form uses; `Reading` names the key and line of every mistake. Pure: the caller reads the file.

use std::ops::Range;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::stages;
use super::stages::firewall::ports::PortRule;
use crate::refused::Refused;

/// The course's answers, validated. Sections for stages this version does not run yet are kept
/// so a file written today keeps working as they arrive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answers {
    pub host: String,
    pub port: u16,
    pub user: String,
    /// The private key used to log in as `user` (created if missing). May start with `~/`.
    pub key: PathBuf,
    /// A Host alias to add to ~/.ssh/config; None adds none.
    pub alias: Option<String>,
    // ── Stage 5: PostgreSQL ──
    /// The database role; None: the same name as `user`.
    pub db_role: Option<String>,
    /// The database; None: the same name as the role.
    pub db_name: Option<String>,
    // ── Stage 6: firewall ──
    /// Ports to let in besides SSH and the web, in the order given.
    pub extra_ports: Vec<PortRule>,
    /// The domain from `[tls]`; when there is one, the firewall lets HTTPS in too.
    pub domain: Option<String>,
    // ── nginx (stage 7) ──
    pub nginx: NginxAnswers,
    // ── end nginx ──
    // ── Stages 8–9: the app ──
    pub app: AppAnswers,
    /// `[tls] email` for Let's Encrypt (stage 10, with `domain`).
    pub tls_email: Option<String>,
    // ── end stages 8–9 ──
    // ── Creating the droplet (src/cloud/) ──
    /// `[droplet]`: the droplet to create through DigitalOcean's API (`droplift cloud create`).
    pub droplet: Option<DropletAnswers>,
    /// root logs in with the student's key, not a password: the droplet was created with it.
    pub root_by_key: bool,
}

/// `[droplet]`: what `droplift cloud create` makes; checked by `cloud::choices`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropletAnswers {
    pub name: String,
    pub region: String,
    pub size: String,
    pub image: String,
    pub backups: bool,
}

// ── nginx (stage 7) ──
/// The nginx stage's answers. The site's text is the template filled from `site` and
/// `server_name`, unless the student edited it (wizard) or gave `site_file` (answers file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NginxAnswers {
    pub site: String,
    pub server_name: String,
    /// Turn off nginx's own default site (it stays in sites-available).
    pub remove_default: bool,
    /// `site_file = "..."` as written (relative to the answers file), and its line, for errors.
    pub site_file: Option<(PathBuf, usize)>,
    /// The site's text when it is not the template: the editor's, or `site_file`'s contents
    /// (read by the caller: parsing stays pure).
    pub site_text: Option<String>,
}

impl Default for NginxAnswers {
    fn default() -> Self {
        Self {
            site: DEFAULT_SITE.to_owned(),
            server_name: "_".to_owned(),
            remove_default: true,
            site_file: None,
            site_text: None,
        }
    }
}

/// The course's site name; the uWSGI stage uses the same folder for the app and its socket.
pub const DEFAULT_SITE: &str = "items-rest";
// ── end nginx ──

// ── Stages 8–9: the app ──
/// `[app]`: where the code comes from and what uWSGI imports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppAnswers {
    /// As written: empty for the sample app, a git URL, or a folder on this computer.
    pub source: String,
    /// The branch or tag to deploy from a git source.
    pub git_ref: String,
    /// uWSGI's `module:callable`.
    pub module: String,
    /// A folder source made absolute (`~` and paths relative to the answers file), and the
    /// digest of its packed code: both filled in by the caller who reads the folder (parsing
    /// stays pure; see `crate::source`).
    pub folder: Option<PathBuf>,
    pub folder_digest: Option<String>,
    /// The line of `source` in the answers file, for errors found when the folder is read.
    pub source_line: usize,
}

impl Default for AppAnswers {
    fn default() -> Self {
        Self {
            source: String::new(),
            git_ref: DEFAULT_REF.to_owned(),
            module: DEFAULT_MODULE.to_owned(),
            folder: None,
            folder_digest: None,
            source_line: 0,
        }
    }
}

/// The branch deployed from a git source unless `[app] ref` says otherwise.
pub const DEFAULT_REF: &str = "main";
/// The sample app's module: app.py, the object `app`.
pub const DEFAULT_MODULE: &str = "app:app";
// ── end stages 8–9 ──

impl Answers {
    /// The defaults the wizard starts from for a host.
    pub fn new(host: &str, user: &str) -> Self {
        Self {
            host: host.to_owned(),
            port: 22,
            user: user.to_owned(),
            key: PathBuf::from(DEFAULT_KEY),
            alias: None,
            db_role: None,
            db_name: None,
            extra_ports: Vec::new(),
            domain: None,
            nginx: NginxAnswers::default(),
            app: AppAnswers::default(),
            tls_email: None,
            droplet: None,
            root_by_key: false,
        }
    }

    /// The PostgreSQL role: the one given, or the user's own name (as the course does).
    pub fn db_role(&self) -> &str {
        self.db_role.as_deref().unwrap_or(&self.user)
    }

    /// The database: the one given, or the role's name (the course's `createdb johndoe`).
    pub fn db_name(&self) -> &str {
        self.db_name.as_deref().unwrap_or_else(|| self.db_role())
    }
}

impl Answers {
    /// The answers by their question's key, to save for next time (no secret is an answer).
    pub fn saved_values(&self) -> Vec<(&'static str, String)> {
        let mut values = vec![
            ("user", self.user.clone()),
            ("key", self.key.display().to_string()),
        ];
        if let Some(alias) = &self.alias {
            values.push(("alias", alias.clone()));
        }
        if self.root_by_key {
            values.push(("root_login", "key".to_owned()));
        }
        values.retain(|(_, v)| !v.is_empty());
        values
    }

    /// Fills in saved answers (each checked again by its stage's form before use).
    pub fn restore(
        &mut self,
        host: &str,
        port: u16,
        saved: &std::collections::BTreeMap<String, String>,
    ) {
        self.host = host.to_owned();
        self.port = port;
        if let Some(user) = saved.get("user") {
            self.user = user.clone();
        }
        if let Some(key) = saved.get("key") {
            self.key = PathBuf::from(key);
        }
        self.alias = saved.get("alias").cloned();
        self.root_by_key = saved.get("root_login").is_some_and(|l| l == "key");
    }
}

pub const DEFAULT_KEY: &str = "~/.ssh/id_ed25519";

/// A problem in an answers file, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: `{key}`: {message}")]
pub struct AnswerError {
    pub key: String,
    pub line: usize,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswersError {
    /// Not TOML, an unknown key, or a value of the wrong type (toml's message has the line).
    #[error("{0}")]
    Syntax(String),
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<AnswerError>),
}

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
}

/// An answers file being read: its text, for line numbers, and what was found so far. Each
/// section's reader reports its mistakes here, each with its key and the line it is on.
pub struct Reading<'a> {
    text: &'a str,
    mistakes: Vec<AnswerError>,
    notes: Vec<String>,
}

impl Reading<'_> {
    /// A mistake at `key` (`postgres.role`), on the line where `span` starts.
    pub fn refuse(&mut self, key: &str, span: Range<usize>, why: impl std::fmt::Display) {
        let line = self.line(span);
        self.mistakes.push(AnswerError {
            key: key.to_owned(),
            line,
            message: why.to_string(),
        });
    }

    /// The line `span` starts on, counting from 1.
    pub fn line(&self, span: Range<usize>) -> usize {
        self.text
            .get(..span.start)
            .map_or(1, |before| before.matches('\n').count() + 1)
    }

    /// Something worth telling that is not a mistake (shown as a warning).
    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }
}

/// Parses and checks an answers file. Returns the answers and notes worth a warning, or every
/// mistake found, each with its key and line.
pub fn parse(text: &str) -> Result<(Answers, Vec<String>), AnswersError> {
    let raw: Raw = toml::from_str(text).map_err(|e| AnswersError::Syntax(e.to_string()))?;
    let mut reading = Reading {
        text,
        mistakes: Vec::new(),
        notes: Vec::new(),
    };

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
    if reading.mistakes.is_empty() {
        Ok((answers, reading.notes))
    } else {
        Err(AnswersError::Invalid(reading.mistakes))
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
    ok.then_some(DropletAnswers {
        name,
        region,
        size,
        image,
        backups,
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
    fn missing_host_is_an_error() {
        let err = parse("[user]\nname = \"johndoe\"\n").expect_err("no host");
        assert!(err.to_string().contains("server.host"));
    }
}
