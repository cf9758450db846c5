//! The answers a student gives, for every stage of the course: what the wizard's fields fill in
//! and what `--answers FILE` (TOML) holds. Parsing names the key and line of every mistake and
//! uses the same validators as the wizard. Pure: the caller reads the file.

use std::ops::Range;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::apprules;
use super::inputs;

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
    // ── Stages 8–9: the app ──
    pub app: AppAnswers,
    // ── end stages 8–9 ──
}

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
            app: AppAnswers::default(),
        }
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
    ssh: Option<Spanned<RawSsh>>,
    postgres: Option<Spanned<RawPostgres>>,
    firewall: Option<Spanned<RawFirewall>>,
    nginx: Option<Spanned<RawNginx>>,
    app: Option<Spanned<RawApp>>,
    tls: Option<Spanned<RawTls>>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSsh {
    key: Option<Spanned<String>>,
    alias: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read by the PostgreSQL stage when it arrives
struct RawPostgres {
    role: Option<Spanned<String>>,
    database: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawFirewall {
    extra_ports: Option<Spanned<Vec<i64>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawNginx {
    server_name: Option<Spanned<String>>,
    site: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApp {
    source: Option<Spanned<String>>,
    #[serde(rename = "ref")]
    git_ref: Option<Spanned<String>>,
    module: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawTls {
    domain: Option<Spanned<String>>,
    email: Option<Spanned<String>>,
}

fn line_of(text: &str, span: Range<usize>) -> usize {
    text.get(..span.start)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

/// Parses and checks an answers file. Returns the answers and warnings (sections this version
/// does not use yet), or every mistake found, each with its key and line.
pub fn parse(text: &str) -> Result<(Answers, Vec<String>), AnswersError> {
    let raw: Raw = toml::from_str(text).map_err(|e| AnswersError::Syntax(e.to_string()))?;
    let mut errors = Vec::new();
    let mut fail = |key: &str, span: Range<usize>, message: String| {
        errors.push(AnswerError {
            key: key.to_owned(),
            line: line_of(text, span),
            message,
        });
    };

    let mut answers = Answers::new("", "");
    match raw.server.as_ref().and_then(|s| s.get_ref().host.as_ref()) {
        Some(host) => match inputs::validate_host(host.get_ref()) {
            Ok(()) => answers.host = host.get_ref().trim().to_owned(),
            Err(m) => fail("server.host", host.span(), m),
        },
        None => fail(
            "server.host",
            raw.server.as_ref().map_or(0..0, |s| s.span()),
            "missing: the droplet's address, e.g. host = \"203.0.113.7\"".into(),
        ),
    }
    if let Some(port) = raw.server.as_ref().and_then(|s| s.get_ref().port.as_ref()) {
        match inputs::validate_port(&port.get_ref().to_string()) {
            Ok(p) => answers.port = p,
            Err(m) => fail("server.port", port.span(), m),
        }
    }
    match raw.user.as_ref().and_then(|s| s.get_ref().name.as_ref()) {
        Some(name) => match inputs::validate_username(name.get_ref()) {
            Ok(()) => answers.user = name.get_ref().clone(),
            Err(m) => fail("user.name", name.span(), m),
        },
        None => fail(
            "user.name",
            raw.user.as_ref().map_or(0..0, |s| s.span()),
            "missing: the name of your everyday account, e.g. name = \"johndoe\"".into(),
        ),
    }
    if let Some(ssh) = raw.ssh.as_ref() {
        if let Some(key) = ssh.get_ref().key.as_ref() {
            if key.get_ref().trim().is_empty() {
                fail(
                    "ssh.key",
                    key.span(),
                    "give the path of a private key file".into(),
                );
            } else {
                answers.key = PathBuf::from(key.get_ref());
            }
        }
        if let Some(alias) = ssh.get_ref().alias.as_ref() {
            match validate_alias(alias.get_ref()) {
                Ok(()) => answers.alias = Some(alias.get_ref().clone()),
                Err(m) => fail("ssh.alias", alias.span(), m),
            }
        }
    }

    // ── Stages 8–9: the app ──
    if let Some(app) = raw.app.as_ref().map(Spanned::get_ref) {
        if let Some(source) = &app.source {
            let written = source.get_ref().trim();
            answers.app.source_line = line_of(text, source.span());
            if apprules::source_kind(written) == apprules::SourceKind::Git {
                if let Err(m) = apprules::validate_git_url(written) {
                    fail("app.source", source.span(), m);
                }
            }
            answers.app.source = written.to_owned();
        }
        if let Some(git_ref) = &app.git_ref {
            match apprules::validate_git_ref(git_ref.get_ref()) {
                Ok(()) => answers.app.git_ref = git_ref.get_ref().clone(),
                Err(m) => fail("app.ref", git_ref.span(), m),
            }
        }
        if let Some(module) = &app.module {
            match apprules::validate_module(module.get_ref()) {
                Ok(()) => answers.app.module = module.get_ref().clone(),
                Err(m) => fail("app.module", module.span(), m),
            }
        }
    }
    // ── end stages 8–9 ──

    let mut warnings = Vec::new();
    let later = [
        ("postgres", raw.postgres.as_ref().map(|s| s.span())),
        ("firewall", raw.firewall.as_ref().map(|s| s.span())),
        ("nginx", raw.nginx.as_ref().map(|s| s.span())),
        ("tls", raw.tls.as_ref().map(|s| s.span())),
    ];
    for (section, span) in later {
        if let Some(span) = span {
            warnings.push(format!(
                "line {}: [{section}] is for a stage this version of droplift does not run yet; \
                 it is kept for later",
                line_of(text, span)
            ));
        }
    }
    if errors.is_empty() {
        Ok((answers, warnings))
    } else {
        Err(AnswersError::Invalid(errors))
    }
}

/// A Host alias for ~/.ssh/config: one word, no wildcards.
pub fn validate_alias(alias: &str) -> Result<(), String> {
    if alias.is_empty()
        || !alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Err("an alias is one word of letters, digits, -, _ or . (e.g. mydroplet)".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../assets/answers.example.toml");

    #[test]
    fn the_example_file_parses_with_warnings_for_later_stages() {
        let (answers, warnings) = parse(EXAMPLE).expect("example parses");
        assert_eq!(answers.host, "203.0.113.7");
        assert_eq!(answers.user, "johndoe");
        assert_eq!(answers.port, 22);
        assert_eq!(warnings.len(), 4, "{warnings:?}");
        assert!(warnings[0].contains("[postgres]"));
    }

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
    fn missing_host_is_an_error() {
        let err = parse("[user]\nname = \"johndoe\"\n").expect_err("no host");
        assert!(err.to_string().contains("server.host"));
    }
}
