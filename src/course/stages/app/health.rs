//! The health check (`[app] health`): the path the smoke test asks through nginx before a
//! release goes live, and which `status` and the last screen ask too. Its rule, and which path
//! (and whether JSON is wanted) the answers give: the sample app keeps `/items` with JSON; any
//! other app names its own path, which must answer 2xx.

use crate::course::answers::Answers;
use crate::course::stages::app::rules::{SourceKind, source_kind};
use crate::course::values::HealthPath;
use crate::course::{PlanError, answer};
use crate::refused::Refused;
use crate::shell::Const;

/// What the sample app answers with JSON, and what its smoke test has always asked.
pub const SAMPLE_HEALTH: &str = "/items";

/// The longest path taken: a health path is short; a long one is most likely pasted by mistake.
const MAX_LEN: usize = 200;

/// A path nginx is asked for: starts with `/`, at most 200 characters, only the characters a
/// URL's path and query use literally (letters, digits, `- . _ ~ / % ? & = + , ; : @`), a `%`
/// followed by two hex digits, and no `..`.
pub fn validate_health_path(path: &str) -> Result<(), Refused> {
    if path.is_empty() {
        return Err(
            "Give the path that answers when your app is healthy, e.g. /health or /store.".into(),
        );
    }
    if !path.starts_with('/') {
        return Err(format!(
            "A health path starts with /, e.g. /{}.",
            path.trim_start_matches(['.', '/'])
        )
        .into());
    }
    if path.chars().count() > MAX_LEN {
        return Err(format!("A health path of at most {MAX_LEN} characters, please.").into());
    }
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("A health path has no spaces or line breaks (write a space as %20).".into());
    }
    if path.contains("..") {
        return Err("A health path has no .. in it: name the path itself.".into());
    }
    if path.starts_with("//") {
        return Err("A health path starts with one /, e.g. /health.".into());
    }
    if let Some(bad) = path.chars().find(|c| {
        !(c.is_ascii_alphanumeric()
            || matches!(
                c,
                '-' | '.' | '_' | '~' | '/' | '%' | '?' | '&' | '=' | '+' | ',' | ';' | ':' | '@'
            ))
    }) {
        return Err(format!(
            "{bad:?} is not taken in a health path: use letters, digits and - . _ ~ / % ? & = + , ; : @ \
             (other characters as %XX)."
        )
        .into());
    }
    let bytes = path.as_bytes();
    for (at, _) in path.match_indices('%') {
        let hex = bytes.get(at + 1..at + 3);
        if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
            return Err("A % in a path is followed by two hex digits, e.g. %20.".into());
        }
    }
    Ok(())
}

/// The health check a plan makes: the path, and whether the answer must be JSON (the sample
/// app's `/items` only: a student's path only has to answer 2xx).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    pub path: HealthPath,
    pub json: bool,
}

impl Health {
    /// `health_json` in a script's preamble.
    pub fn json_flag(&self) -> Const {
        Const(if self.json { "yes" } else { "no" })
    }

    /// How the checks describe a pass: "200 with JSON" or "2xx".
    pub fn wanted(&self) -> &'static str {
        if self.json { "200 with JSON" } else { "2xx" }
    }
}

/// What `missing_message` tells a student whose own app has no health path.
pub fn missing_message(routes: &[String]) -> String {
    let example = routes.first().map_or("/health", String::as_str);
    let seen = if routes.is_empty() {
        String::new()
    } else {
        format!(" (routes seen in the code: {})", routes.join(", "))
    };
    format!(
        "your own app needs a health path: before a release goes live droplift asks it through \
         nginx, and a 2xx answer within 20 s is healthy. Add to [app]: health = \"{example}\"{seen}"
    )
}

/// The health check the answers give, as asked through nginx (a site under another: at its
/// `/SITE` prefix). The sample app: `/items` with JSON unless `[app] health` names another path. Any other app: its `health`, or `PlanError` at `app.health` (never a
/// silent `/items`, which most apps do not have).
pub fn health(answers: &Answers) -> Result<Health, PlanError> {
    let given = answers.app.health.trim();
    let sample = source_kind(&answers.app.source) == SourceKind::Sample;
    if given.is_empty() && !sample {
        return Err(PlanError::Answer {
            key: "app.health",
            message: missing_message(&answers.app.routes).into(),
        });
    }
    let path = if given.is_empty() {
        SAMPLE_HEALTH
    } else {
        given
    };
    // A site served under another ([nginx] under) answers at /SITE/…: every check asks there,
    // through nginx and on the slot's own socket alike (uWSGI strips the prefix for the app).
    let asked = match &answers.nginx.under {
        Some(_) => format!("/{}{path}", answers.nginx.site),
        None => path.to_owned(),
    };
    Ok(Health {
        path: answer("app.health", HealthPath::parse(&asked))?,
        json: sample && path == SAMPLE_HEALTH,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_paths_are_checked_with_a_reason() {
        for good in [
            "/",
            "/health",
            "/store",
            "/api/v1/health?full=1&x=y",
            "/snippets/",
            "/caf%C3%A9",
            "/a-b_c.~d/@me:x;y,z+w",
        ] {
            assert_eq!(validate_health_path(good), Ok(()), "{good}");
        }
        for (bad, said) in [
            ("", "Give the path"),
            ("health", "starts with /, e.g. /health"),
            ("/he alth", "no spaces"),
            ("/health\n", "no spaces"),
            ("/a\u{7}", "no spaces"),
            ("/../etc/passwd", "no .."),
            ("/a/..", "no .."),
            ("//evil.example/x", "one /"),
            ("/$(id)", "'$' is not taken"),
            ("/a'b", "'\\'' is not taken"),
            ("/a#frag", "'#' is not taken"),
            ("/{a,b}", "'{' is not taken"),
            ("/a%2", "two hex digits"),
            ("/a%zz", "two hex digits"),
        ] {
            let refused = validate_health_path(bad).expect_err(bad);
            assert!(refused.to_string().contains(said), "{bad:?}: {refused}");
        }
        let long = format!("/{}", "a".repeat(MAX_LEN));
        assert!(validate_health_path(&long).is_err());
        assert!(validate_health_path(&long[..MAX_LEN]).is_ok());
    }

    #[test]
    fn the_sample_keeps_items_with_json_and_any_other_app_names_its_path() {
        let mut answers = Answers::new("1.2.3.4", "johndoe");
        let sample = health(&answers).expect("the sample");
        assert_eq!((sample.path.as_str(), sample.json), ("/items", true));
        assert_eq!(sample.json_flag().0, "yes");
        answers.app.health = "/health".into();
        let chosen = health(&answers).expect("the sample, another path");
        assert_eq!((chosen.path.as_str(), chosen.json), ("/health", false));

        answers.app.source = "https://github.com/me/shop.git".into();
        answers.app.health = String::new();
        let Err(PlanError::Answer { key, message }) = health(&answers) else {
            panic!("no silent /items for a student's app");
        };
        assert_eq!(key, "app.health");
        assert!(
            message.to_string().contains("health = \"/health\""),
            "{message}"
        );
        answers.app.routes = vec!["/store".into(), "/stores".into()];
        let Err(PlanError::Answer { message, .. }) = health(&answers) else {
            panic!("still missing");
        };
        assert!(
            message
                .to_string()
                .contains("health = \"/store\" (routes seen in the code: /store, /stores)"),
            "{message}"
        );
        answers.app.health = "/items".into();
        let own = health(&answers).expect("given");
        assert_eq!((own.path.as_str(), own.json), ("/items", false));
        answers.app.health = "store".into();
        assert!(matches!(
            health(&answers),
            Err(PlanError::Answer {
                key: "app.health",
                ..
            })
        ));
    }
}
