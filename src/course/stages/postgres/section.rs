//! The `[postgres]` section of the answers file: the app's role and database, each checked by
//! the stage's name rules; without a role, the user's own name must make a good one.

use serde::Deserialize;
use toml::Spanned;

use super::names::{validate_database, validate_role};
use crate::course::answers::{Answers, Reading};

/// `[postgres]` as written. Its name shows in toml's own messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPostgres {
    role: Option<Spanned<String>>,
    database: Option<Spanned<String>>,
}

/// Takes `[postgres]` into the answers, or tells `reading` what is wrong with it. Runs without
/// the section too: the default role is the user's name (read from `[user]` before this).
pub fn read(
    section: Option<&Spanned<RawPostgres>>,
    answers: &mut Answers,
    reading: &mut Reading<'_>,
) {
    if let Some(postgres) = section {
        if let Some(role) = postgres.get_ref().role.as_ref() {
            match validate_role(role.get_ref()) {
                Ok(()) => answers.db_role = Some(role.get_ref().clone()),
                Err(m) => reading.refuse("postgres.role", role.span(), m),
            }
        }
        if let Some(database) = postgres.get_ref().database.as_ref() {
            match validate_database(database.get_ref()) {
                Ok(()) => answers.db_name = Some(database.get_ref().clone()),
                Err(m) => reading.refuse("postgres.database", database.span(), m),
            }
        }
    }
    if answers.db_role.is_none() && !answers.user.is_empty() {
        // The default role is the user's name, which must also be a good role name.
        if let Err(m) = validate_role(&answers.user) {
            reading.refuse(
                "postgres.role",
                section.map_or(0..0, |s| s.span()),
                format!("the default (your user name) does not work here: {m}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::course::answers::AnswersError;
    use crate::course::answers_file::parse;

    const BASE: &str = "[server]\nhost = \"1.2.3.4\"\n[user]\nname = \"johndoe\"\n";

    #[test]
    fn postgres_names_default_to_the_user_and_bad_ones_name_key_and_line() {
        let (answers, _) = parse(BASE).expect("no [postgres]");
        assert_eq!(
            (answers.db_role(), answers.db_name()),
            ("johndoe", "johndoe")
        );
        let (answers, _) =
            parse(&format!("{BASE}[postgres]\nrole = \"items app\"\n")).expect("role only");
        assert_eq!(
            (answers.db_role(), answers.db_name()),
            ("items app", "items app")
        );
        let err = parse(&format!(
            "{BASE}[postgres]\nrole = \"select\"\ndatabase = \"a\\\"b\"\n"
        ))
        .expect_err("bad names");
        let AnswersError::Invalid(errors) = err else {
            panic!("expected value errors");
        };
        let keys: Vec<(&str, usize)> = errors.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(keys, [("postgres.role", 6), ("postgres.database", 7)]);
        assert!(errors[0].message.contains("reserved"));
        assert!(errors[1].message.contains("double quote"));
    }
}
