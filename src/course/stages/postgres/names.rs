//! The rules for PostgreSQL names (stage 5): a role or database name the student types is
//! checked here, one rule and one message at a time, before any SQL is written with it.

use crate::refused::Refused;

/// PostgreSQL keeps at most this many bytes of a name (NAMEDATALEN - 1) and silently cuts the
/// rest, so a longer name would not be the name the student typed.
pub const MAX_BYTES: usize = 63;

/// Words SQL itself reserves (PostgreSQL's `pg_get_keywords()` with catcode R or T, as of 16).
/// Quoting would make them work, but a beginner typing `psql -U select` later would not know why
/// it fails; a different name is kinder.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// Role names PostgreSQL refuses or keeps for itself.
const SPECIAL_ROLES: &[&str] = &[
    "public",
    "none",
    "current_role",
    "current_user",
    "session_user",
];

/// The databases every PostgreSQL server has for itself.
const OWN_DATABASES: &[&str] = &["postgres", "template0", "template1"];

/// The rules both kinds of name share. `what` is "role" or "database", for the messages.
fn common(name: &str, what: &str) -> Result<(), Refused> {
    if name.is_empty() {
        return Err(format!("Choose a {what} name, e.g. johndoe.").into());
    }
    if name.len() > MAX_BYTES {
        return Err(format!(
            "PostgreSQL keeps at most {MAX_BYTES} bytes of a name; this one has {} \
             (letters with accents take two).",
            name.len()
        )
        .into());
    }
    if name.contains('"') {
        return Err("A name cannot contain a double quote (\").".into());
    }
    if name.chars().any(char::is_control) {
        return Err("A name cannot contain tabs, line breaks or other control characters.".into());
    }
    if name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace) {
        return Err("A name cannot start or end with a space (nobody would see it).".into());
    }
    if RESERVED.contains(&name.to_lowercase().as_str()) {
        return Err(format!(
            "\"{name}\" is a word SQL itself uses (a reserved keyword); choose another name, \
             e.g. {}_{what}.",
            name.to_lowercase()
        )
        .into());
    }
    Ok(())
}

/// A role (a database user) name: the common rules, not `postgres`, not `pg_…`.
pub fn validate_role(name: &str) -> Result<(), Refused> {
    common(name, "role")?;
    let lower = name.to_lowercase();
    if lower == "postgres" {
        return Err(
            "\"postgres\" is PostgreSQL's own administrator; your app gets a role of its own."
                .into(),
        );
    }
    if lower.starts_with("pg_") {
        return Err("Names starting with pg_ are kept for PostgreSQL's own roles.".into());
    }
    if SPECIAL_ROLES.contains(&lower.as_str()) {
        return Err(format!(
            "\"{name}\" has a special meaning in PostgreSQL's role commands; choose another name."
        )
        .into());
    }
    Ok(())
}

/// A database name: the common rules, and not one of the server's own databases.
pub fn validate_database(name: &str) -> Result<(), Refused> {
    common(name, "database")?;
    if OWN_DATABASES.contains(&name) {
        return Err(format!(
            "\"{name}\" is one of PostgreSQL's own databases; your app gets a database of its own."
        )
        .into());
    }
    Ok(())
}

/// The database password: exactly as typed, but it must be there, be long enough, and travel on
/// one line; `retype` must match.
pub fn validate_password(password: &str, retype: &str) -> Result<(), Refused> {
    if password.is_empty() {
        return Err("Choose a password: your app logs in to the database with it.".into());
    }
    if password.contains(['\n', '\r']) {
        return Err("A password cannot contain a line break.".into());
    }
    if password.contains('\0') {
        return Err("A password cannot contain a NUL character.".into());
    }
    if password.chars().count() < 8 {
        return Err("Use at least 8 characters; a few random words work well.".into());
    }
    if password != retype {
        return Err("The two passwords differ; type them again.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_s_bad_role_names_each_get_their_own_message() {
        let cases = [
            ("", "Choose a role name"),
            ("select", "reserved keyword"),
            ("SELECT", "reserved keyword"),
            ("a\"b", "double quote"),
            ("a\tb", "control characters"),
            (" items", "start or end with a space"),
            ("postgres", "own administrator"),
            ("pg_monitor", "pg_"),
            ("public", "special meaning"),
        ];
        for (name, expected) in cases {
            let message = validate_role(name).expect_err(name);
            assert!(message.as_str().contains(expected), "{name:?}: {message}");
        }
        let long = "a".repeat(64);
        let message = validate_role(&long).expect_err("64 bytes");
        assert!(
            message.as_str().contains("63 bytes") && message.as_str().contains("64"),
            "{message}"
        );
        assert_eq!(validate_role(&"a".repeat(63)), Ok(()));
        // 32 two-byte letters are 64 bytes: too long, though only 32 characters.
        assert!(validate_role(&"é".repeat(32)).is_err());
    }

    #[test]
    fn names_with_dashes_spaces_and_capitals_are_fine_because_they_are_quoted() {
        for ok in [
            "items-db", "my items", "Johndoe", "johndoe", "ünï", "a'b", "x$y",
        ] {
            assert_eq!(validate_role(ok), Ok(()), "{ok}");
            assert_eq!(validate_database(ok), Ok(()), "{ok}");
        }
        assert!(validate_database("template1").is_err());
        assert!(validate_database("").is_err());
    }

    #[test]
    fn passwords() {
        let odd = r#"it's $HOME \n 100% a@b:c/d #x"#;
        assert_eq!(validate_password(odd, odd), Ok(()));
        assert!(validate_password("", "").is_err());
        assert!(validate_password("short", "short").is_err());
        assert!(validate_password("long enough", "long enougH").is_err());
        assert!(validate_password("line\nbreak!", "line\nbreak!").is_err());
        assert!(validate_password("nul\0byte!", "nul\0byte!").is_err());
    }
}
