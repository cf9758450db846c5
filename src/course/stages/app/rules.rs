//! The rules for the app's answers (stages 8–9 and `droplift deploy / rollback`): where the code
//! comes from, which branch or tag, the module uWSGI imports, and a release's name.

use crate::refused::Refused;

/// Where the code comes from, as written in `[app] source`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// Empty: the sample items-rest app inside droplift.
    Sample,
    /// A git repository the server clones.
    Git,
    /// A folder on the student's computer, uploaded.
    Folder,
}

/// Tells a git URL from a folder: a URL has a scheme (`https://`, `ssh://`, `git://`,
/// `file://`) or is scp-like (`git@github.com:me/app.git`).
pub fn source_kind(source: &str) -> SourceKind {
    let source = source.trim();
    if source.is_empty() {
        return SourceKind::Sample;
    }
    let scheme = ["https://", "http://", "ssh://", "git://", "file://"]
        .iter()
        .any(|s| source.starts_with(s));
    let scp_like = source
        .split_once(':')
        .is_some_and(|(before, _)| before.contains('@') && !before.contains('/'));
    if scheme || scp_like {
        SourceKind::Git
    } else {
        SourceKind::Folder
    }
}

/// A git URL the server's git can clone. Only its shape is checked here; whether it exists is
/// asked of git itself before anything is changed.
pub fn validate_git_url(url: &str) -> Result<(), Refused> {
    if url.is_empty() {
        return Err("Give the repository's URL, e.g. https://github.com/you/app.git.".into());
    }
    if url.starts_with('-') {
        return Err("A git URL cannot start with -.".into());
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("A git URL has no spaces or line breaks.".into());
    }
    if source_kind(url) != SourceKind::Git {
        return Err(
            "That is not a git URL: use https://…, ssh://…, git@host:path or file://… \
             (a folder on your computer is given as a path)."
                .into(),
        );
    }
    Ok(())
}

/// A branch or tag name as `git check-ref-format` accepts it, kept to the plain characters a
/// release folder can be named after (`v1.0.0`, `main`, `release/2`).
pub fn validate_git_ref(name: &str) -> Result<(), Refused> {
    if name.is_empty() {
        return Err("Give a branch or tag, e.g. v1.0.0 or main.".into());
    }
    if name.len() > 100 {
        return Err("A branch or tag name of at most 100 characters, please.".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/')))
    {
        return Err(format!(
            "{bad:?} is not allowed in a branch or tag name here: use letters, digits, . _ - and /."
        )
        .into());
    }
    if name.starts_with(['-', '/', '.'])
        || name.ends_with(['/', '.'])
        || name.ends_with(".lock")
        || name.contains("..")
        || name.contains("//")
        || name.contains("/.")
    {
        return Err(format!("{name:?} is not a name git accepts for a branch or tag.").into());
    }
    Ok(())
}

fn python_identifier(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// uWSGI's `module`: a Python module path and, after a colon, the WSGI app in it: an object
/// (`app:app`, Django's `myproject.wsgi:application`) or a factory uWSGI calls with no
/// arguments (`app:create_app()`; uWSGI 2.0's loader calls a name ending in `()`). Without a
/// callable uWSGI looks for `application`.
pub fn validate_module(module: &str) -> Result<(), Refused> {
    let (path, callable) = match module.split_once(':') {
        Some((path, callable)) => (path, Some(callable)),
        None => (module, None),
    };
    if module.is_empty() {
        return Err(
            "Give the module and its app, e.g. app:app (the file app.py, the object app).".into(),
        );
    }
    if path.ends_with(".py") {
        return Err(format!(
            "Leave out .py: the module of {path} is {}.",
            path.trim_end_matches(".py")
        )
        .into());
    }
    if !path.split('.').all(python_identifier) {
        return Err(format!(
            "{path:?} is not a Python module path: e.g. app, or myproject.wsgi (no .py)."
        )
        .into());
    }
    let Some(callable) = callable else {
        return Ok(());
    };
    if let Some((name, rest)) = callable.split_once('(') {
        if !python_identifier(name) {
            return Err("Before the ( comes the factory's name, e.g. app:create_app().".into());
        }
        if rest == ")" {
            return Ok(());
        }
        if rest.ends_with(')') {
            return Err(format!(
                "uWSGI calls the factory with no arguments: write {path}:{name}(). If {name} \
                 needs arguments, give them defaults, or add a wsgi.py with app = {name}(…) \
                 and use wsgi:app."
            )
            .into());
        }
        return Err(format!("The factory call needs its ): {path}:{name}().").into());
    }
    if !python_identifier(callable) {
        return Err(
            "After the colon comes the name of the app object, e.g. app:app, or a factory \
             call, e.g. app:create_app()."
                .into(),
        );
    }
    Ok(())
}

/// A factory's name when the module calls one (`app:create_app()` → `create_app`).
pub fn module_factory(module: &str) -> Option<&str> {
    module.split_once(':')?.1.strip_suffix("()")
}

/// The file a module path is in, relative to the code's top folder (`a.b` → `a/b.py`).
pub fn module_files(module: &str) -> [String; 2] {
    let path = module.split(':').next().unwrap_or(module).replace('.', "/");
    [format!("{path}.py"), format!("{path}/__init__.py")]
}

/// A release's name (a folder in releases/): as droplift makes them, from a tag or the time.
pub fn validate_release_name(name: &str) -> Result<(), Refused> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a release name; `droplift releases` lists them (e.g. 20261125T103000Z or v1.0.0)"
        ).into())
    }
}

/// A SHA-256 in hex, as droplift computes for packed code.
pub fn validate_digest(digest: &str) -> Result<(), Refused> {
    if digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err("not a SHA-256 digest".into())
    }
}

/// An e-mail address for Let's Encrypt's expiry notices: one `@`, a dot in the domain part, no
/// spaces or quotes.
pub fn validate_email(email: &str) -> Result<(), Refused> {
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        })
        && !email.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\')
        });
    if ok {
        Ok(())
    } else {
        Err("Give an e-mail address like you@example.com: Let's Encrypt writes there before the certificate expires.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_told_apart() {
        assert_eq!(source_kind(""), SourceKind::Sample);
        assert_eq!(source_kind("  "), SourceKind::Sample);
        assert_eq!(source_kind("https://github.com/a/b.git"), SourceKind::Git);
        assert_eq!(source_kind("git@github.com:a/b.git"), SourceKind::Git);
        assert_eq!(source_kind("file:///srv/app.git"), SourceKind::Git);
        assert_eq!(source_kind("~/code/app"), SourceKind::Folder);
        assert_eq!(source_kind("./app:v2"), SourceKind::Folder);
        assert_eq!(source_kind("C:stuff"), SourceKind::Folder);
    }

    #[test]
    fn git_urls_and_refs() {
        assert!(validate_git_url("https://github.com/a/b.git").is_ok());
        assert!(validate_git_url("-uhttps://x").is_err());
        assert!(validate_git_url("https://a b").is_err());
        assert!(validate_git_url("/home/me/app").is_err());
        for good in ["v1.0.0", "main", "release/2", "feature_x-1"] {
            assert_eq!(validate_git_ref(good), Ok(()), "{good}");
        }
        for bad in [
            "", "-x", "a..b", "a b", "x.lock", "a/", "$(id)", "a//b", ".x",
        ] {
            assert!(validate_git_ref(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn modules_and_their_files() {
        for good in [
            "app",
            "app:app",
            "my_project.wsgi:application",
            "app:create_app()",
            "pkg.mod:create_app()",
        ] {
            assert_eq!(validate_module(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "app.py",
            "app:",
            "1app",
            "app:app:x",
            "a-b",
            "app:()",
            "app:create_app(",
            "app:create_app())",
            "app:create_app() ",
            "app:1x()",
        ] {
            assert!(validate_module(bad).is_err(), "{bad}");
        }
        let with_args = validate_module("app:create_app('prod')").expect_err("arguments");
        assert!(
            with_args.to_string().contains("no arguments"),
            "{with_args}"
        );
        assert_eq!(module_factory("app:create_app()"), Some("create_app"));
        assert_eq!(module_factory("app:app"), None);
        assert_eq!(
            module_files("pkg:create_app()"),
            ["pkg.py".to_owned(), "pkg/__init__.py".to_owned()]
        );
        assert_eq!(
            module_files("a.b:app"),
            ["a/b.py".to_owned(), "a/b/__init__.py".to_owned()]
        );
    }

    #[test]
    fn emails() {
        assert!(validate_email("you@example.com").is_ok());
        for bad in [
            "",
            "you",
            "you@example",
            "a b@example.com",
            "you@.com",
            "'x'@example.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn release_names() {
        assert!(validate_release_name("20261125T034252Z").is_ok());
        assert!(validate_release_name("v1.0.0-2").is_ok());
        assert!(validate_release_name("../x").is_err());
        assert!(validate_release_name(".hidden").is_err());
        assert!(validate_release_name("a/b").is_err());
    }
}
