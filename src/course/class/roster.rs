//! The class's roster (`class.toml`): the host site's answers file, an optional domain, and per
//! squad its name, its members' public keys (strings, or files beside the roster) and limits.
//! Read and checked as a whole, every mistake named by its key and line like an answers file's;
//! pure but for the key files, which the caller's `read` gives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::course::answers::{AnswersError, Reading};
use crate::course::stages::app::health::validate_health_path;
use crate::course::stages::app::limits::{
    validate_cpu_quota, validate_memory_max, validate_tasks_max,
};
use crate::course::stages::app::rules::validate_module;
use crate::refused::Refused;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoster {
    host: Option<Spanned<String>>,
    domain: Option<Spanned<String>>,
    module: Option<Spanned<String>>,
    health: Option<Spanned<String>>,
    #[serde(default)]
    squad: Vec<Spanned<RawSquad>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSquad {
    name: Option<Spanned<String>>,
    keys: Option<Spanned<Vec<Spanned<String>>>>,
    module: Option<Spanned<String>>,
    health: Option<Spanned<String>>,
    memory_max: Option<Spanned<String>>,
    cpu_quota: Option<Spanned<String>>,
    tasks_max: Option<Spanned<i64>>,
}

/// A roster that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roster {
    /// The host site's answers file, as written (relative to the roster's folder).
    pub host: PathBuf,
    /// Each squad is served as `SQUAD.domain` by server_name; None: under the host site's
    /// address at `/SQUAD/`.
    pub domain: Option<String>,
    pub squads: Vec<Squad>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Squad {
    pub name: String,
    /// The members' public keys, `TYPE BASE64` (their comments left out), in roster order.
    pub keys: Vec<String>,
    /// What uWSGI imports and the smoke test asks (the class's, unless the squad says).
    pub module: String,
    pub health: String,
    pub memory_max: String,
    pub cpu_quota: String,
    pub tasks_max: String,
}

/// The key types a member may bring (OpenSSH's `ssh-keygen -t` choices).
pub const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// The names a squad may not take besides the system's: the class's own accounts and site.
pub struct Taken<'a> {
    /// The instructor's login, the host site's owner, its site, role and database.
    pub names: Vec<&'a str>,
}

/// Parses and checks a roster. `read` gives a key file's text (a path relative to the roster's
/// folder is joined by the caller). Every mistake is listed with its key and line.
pub fn parse(
    text: &str,
    taken: &Taken<'_>,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
) -> Result<Roster, AnswersError> {
    let raw: RawRoster = toml::from_str(text).map_err(|e| AnswersError::Syntax(e.to_string()))?;
    let mut reading = Reading::new(text);
    let host = match &raw.host {
        Some(host) if !host.get_ref().trim().is_empty() => PathBuf::from(host.get_ref().trim()),
        other => {
            reading.refuse(
                "host",
                other.as_ref().map_or(0..0, Spanned::span),
                "missing: the answers file of the class's host site (the server's first site, \
                 whose login is yours), e.g. host = \"items.toml\"",
            );
            PathBuf::new()
        }
    };
    let domain = raw.domain.as_ref().and_then(|d| {
        let name = d
            .get_ref()
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        match crate::course::stages::domain::validate_domain(&name) {
            Ok(()) => Some(name),
            Err(m) => {
                reading.refuse("domain", d.span(), m);
                None
            }
        }
    });
    let class_module = checked(
        &mut reading,
        "module",
        raw.module.as_ref(),
        validate_module,
        "app:app",
    );
    let class_health = checked(
        &mut reading,
        "health",
        raw.health.as_ref(),
        validate_health_path,
        "/health",
    );
    if raw.squad.is_empty() {
        reading.refuse(
            "squad",
            0..0,
            "no squad: add one per squad, e.g.\n[[squad]]\nname = \"avengers\"\nkeys = [\"keys/alice.pub\"]",
        );
    }
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut keys_seen: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut squads = Vec::new();
    for raw_squad in &raw.squad {
        let squad = raw_squad.get_ref();
        let name = match &squad.name {
            None => {
                reading.refuse(
                    "squad.name",
                    raw_squad.span(),
                    "missing: the squad's name, e.g. name = \"avengers\"",
                );
                continue;
            }
            Some(name) => {
                let text = name.get_ref().trim().to_owned();
                let line = reading.line(name.span());
                if let Err(m) = validate_squad_name(&text, taken) {
                    reading.refuse("squad.name", name.span(), m);
                } else if let Some(first) = names.get(&text) {
                    reading.refuse(
                        "squad.name",
                        name.span(),
                        format!("a second squad named {text} (the first is on line {first})"),
                    );
                } else {
                    names.insert(text.clone(), line);
                }
                text
            }
        };
        let mut keys = Vec::new();
        match &squad.keys {
            None => reading.refuse(
                "squad.keys",
                squad.name.as_ref().map_or(raw_squad.span(), Spanned::span),
                format!(
                    "missing: {name}'s members' public keys, e.g. keys = [\"keys/alice.pub\", \
                     \"ssh-ed25519 AAAA… bob\"]"
                ),
            ),
            Some(list) if list.get_ref().is_empty() => reading.refuse(
                "squad.keys",
                list.span(),
                format!("{name} has no member's key: nobody could deploy its site"),
            ),
            Some(list) => {
                for entry in list.get_ref() {
                    match member_key(entry.get_ref(), read) {
                        Err(m) => reading.refuse("squad.keys", entry.span(), m),
                        Ok(key) => {
                            let line = reading.line(entry.span());
                            if let Some((other, first)) = keys_seen.get(&key) {
                                let whose = if *other == name {
                                    "this squad".to_owned()
                                } else {
                                    format!("the squad {other}")
                                };
                                reading.refuse(
                                    "squad.keys",
                                    entry.span(),
                                    format!(
                                        "this key is already given on line {first} (for \
                                         {whose}): one key is one member, in one squad"
                                    ),
                                );
                            } else {
                                keys_seen.insert(key.clone(), (name.clone(), line));
                                keys.push(key);
                            }
                        }
                    }
                }
            }
        }
        let module = checked(
            &mut reading,
            "squad.module",
            squad.module.as_ref(),
            validate_module,
            &class_module,
        );
        let health = checked(
            &mut reading,
            "squad.health",
            squad.health.as_ref(),
            validate_health_path,
            &class_health,
        );
        let memory_max = checked(
            &mut reading,
            "squad.memory_max",
            squad.memory_max.as_ref(),
            validate_memory_max,
            crate::course::answers::DEFAULT_MEMORY_MAX,
        );
        let cpu_quota = checked(
            &mut reading,
            "squad.cpu_quota",
            squad.cpu_quota.as_ref(),
            validate_cpu_quota,
            crate::course::answers::DEFAULT_CPU_QUOTA,
        );
        let tasks_max = match &squad.tasks_max {
            None => crate::course::answers::DEFAULT_TASKS_MAX.to_owned(),
            Some(tasks) => {
                let text = tasks.get_ref().to_string();
                match validate_tasks_max(&text) {
                    Ok(()) => text,
                    Err(m) => {
                        reading.refuse("squad.tasks_max", tasks.span(), m);
                        String::new()
                    }
                }
            }
        };
        squads.push(Squad {
            name,
            keys,
            module,
            health,
            memory_max,
            cpu_quota,
            tasks_max,
        });
    }
    reading.finish()?;
    Ok(Roster {
        host,
        domain,
        squads,
    })
}

/// A value checked by its rule, or the default when it is not given.
fn checked(
    reading: &mut Reading<'_>,
    key: &str,
    value: Option<&Spanned<String>>,
    rule: fn(&str) -> Result<(), Refused>,
    default: &str,
) -> String {
    match value {
        None => default.to_owned(),
        Some(v) => match rule(v.get_ref().trim()) {
            Ok(()) => v.get_ref().trim().to_owned(),
            Err(m) => {
                reading.refuse(key, v.span(), m);
                String::new()
            }
        },
    }
}

/// A squad's name is its account, its site, its role and its database: every one of those rules,
/// and none of the class's own names.
pub fn validate_squad_name(name: &str, taken: &Taken<'_>) -> Result<(), Refused> {
    crate::course::check::validate_username(name)?;
    crate::course::stages::nginx::checks::validate_site_name(name)?;
    crate::course::stages::postgres::names::validate_role(name)?;
    crate::course::stages::postgres::names::validate_database(name)?;
    if taken.names.contains(&name) {
        return Err(format!(
            "\"{name}\" is already the class's own (the instructor's login, or the host site's \
             owner, site, role or database): choose another name"
        )
        .into());
    }
    Ok(())
}

/// Whether a string is a key written in the roster (rather than a file's path).
fn looks_like_key(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    // A file's name has no spaces here: a string with some is a key, pasted (maybe badly).
    text.contains("PRIVATE KEY")
        || text.contains(char::is_whitespace)
        || KEY_TYPES.contains(&first)
        || first.starts_with("ssh-")
        || first.starts_with("ecdsa-")
        || first.starts_with("sk-")
}

/// A member's key from its roster entry (a key, or a file beside the roster), as `TYPE BASE64`.
/// A private key is refused without a word of its text.
pub fn member_key(
    entry: &str,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
) -> Result<String, String> {
    let entry = entry.trim();
    if entry.is_empty() {
        return Err("an empty key: give `ssh-ed25519 AAAA… name` or a .pub file".into());
    }
    let (text, from) = if looks_like_key(entry) {
        (entry.to_owned(), "this")
    } else {
        let path = Path::new(entry);
        match read(path) {
            Ok(text) => (text, "the file"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!(
                    "no file {entry} (beside the roster): give the member's public key file \
                     (id_ed25519.pub) or the key itself"
                ));
            }
            Err(e) => return Err(format!("cannot read {entry}: {e}")),
        }
    };
    public_key(&text).map_err(|why| {
        if from == "the file" {
            format!("{entry}: {why}")
        } else {
            why
        }
    })
}

/// One OpenSSH public key line, checked (its type, and its blob naming the same type), without
/// its comment.
pub fn public_key(text: &str) -> Result<String, String> {
    if text.contains("PRIVATE KEY") || text.contains("PuTTY-User-Key-File") {
        return Err("this is a PRIVATE key, given by mistake: it is not shown here, and it \
             must not be shared at all. Ask the member for the .pub file beside it (id_ed25519.pub); \
             a private key that was sent around should be replaced with a new one"
            .into());
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() != 1 {
        return Err(format!(
            "one public key per entry, found {} lines",
            lines.len()
        ));
    }
    let mut words = lines[0].split_whitespace();
    let (kind, blob) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if !KEY_TYPES.contains(&kind) {
        return Err(format!(
            "not an OpenSSH public key (it should start with one of {}, as in id_ed25519.pub)",
            KEY_TYPES.join(", ")
        ));
    }
    match ssh_key::PublicKey::from_openssh(&format!("{kind} {blob}")) {
        Ok(key) if key.algorithm().as_str() == kind => Ok(format!("{kind} {blob}")),
        _ => Err(format!(
            "not an OpenSSH public key: its {kind} data is damaged or cut short (copy the whole \
             line of the .pub file)"
        )),
    }
}

#[cfg(test)]
mod tests;
