//! Finding the app's entry point (`[app] module`) in code on the student's computer: a few
//! files read as text (wsgi.py, manage.py and its settings, app.py, a package's __init__.py),
//! never run. The caller lists the files and reads them, so this stays pure.

use super::rules::validate_module;

/// An entry point found in the code, and what it was found from ("found def create_app in
/// app.py"), for the form and the headless output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub module: String,
    pub reason: String,
}

/// Nothing droplift could propose, and why, in words for the student.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotFound(pub String);

/// Files a small Flask app keeps its app in, besides a package's `__init__.py`.
const FLASK_FILES: [&str; 5] = ["app.py", "application.py", "main.py", "run.py", "server.py"];

/// Looks at the code whose files (relative paths, `/`-separated) are `files`; `read` gives a
/// file's text. In order: a top-level wsgi.py (written to be served), a Django project
/// (manage.py → its settings → `WSGI_APPLICATION`), then Flask's own order of discovery in
/// app.py and the usual files, then in a top-level package: an `app` (or `application`)
/// object first, then a `create_app()` factory that needs no arguments.
pub fn detect(files: &[String], read: &dyn Fn(&str) -> Option<String>) -> Result<Found, NotFound> {
    let has = |path: &str| files.iter().any(|f| f == path);
    let mut notes = Vec::new();
    if has("wsgi.py") {
        if let Some(found) =
            read("wsgi.py").and_then(|text| in_file("wsgi", "wsgi.py", &text, &mut notes))
        {
            return Ok(found);
        }
    }
    if has("manage.py") {
        if let Some(found) = django(files, read) {
            return Ok(found);
        }
    }
    let mut candidates: Vec<(String, String)> = FLASK_FILES
        .iter()
        .filter(|f| has(f))
        .map(|f| (f.trim_end_matches(".py").to_owned(), (*f).to_owned()))
        .collect();
    let mut packages: Vec<&String> = files
        .iter()
        .filter(|f| f.matches('/').count() == 1 && f.ends_with("/__init__.py"))
        .collect();
    // app/ first (the usual name), then the others in name order.
    packages.sort_by_key(|f| (!f.starts_with("app/"), (*f).clone()));
    candidates.extend(
        packages
            .into_iter()
            .map(|f| (f.trim_end_matches("/__init__.py").to_owned(), f.clone())),
    );
    for (module, file) in &candidates {
        if let Some(found) = read(file).and_then(|text| in_file(module, file, &text, &mut notes)) {
            return Ok(found);
        }
    }
    if has("app.py") {
        // Something serves from app.py, surely; the import check on the server will say what.
        return Ok(Found {
            module: "app:app".into(),
            reason: format!(
                "app.py is there, but droplift saw no app = … or def create_app() in it: trying app:app{}",
                notes_text(&notes)
            ),
        });
    }
    Err(NotFound(format!(
        "droplift found no entry point in the code (no wsgi.py, no app.py or package with app = \
         Flask(…) or def create_app(), no manage.py with WSGI_APPLICATION){}: set [app] module, \
         e.g. app:app or app:create_app()",
        notes_text(&notes)
    )))
}

fn notes_text(notes: &[String]) -> String {
    if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    }
}

/// The app object or factory in one file of module `module`, as Flask itself looks: an `app`
/// or `application` object at the top level first, then `create_app()`. A factory that needs
/// arguments is noted, not proposed (uWSGI calls it with none).
fn in_file(module: &str, file: &str, text: &str, notes: &mut Vec<String>) -> Option<Found> {
    let top: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with([' ', '\t']))
        .collect();
    for name in ["app", "application"] {
        if let Some(line) = top.iter().find(|l| assigns(l, name) || imports(l, name)) {
            let shown: String = line.trim_end().chars().take(40).collect();
            return proposal(
                format!("{module}:{name}"),
                format!("found {shown} in {file}"),
            );
        }
    }
    if !top.iter().any(|l| l.starts_with("def create_app(")) {
        return None;
    }
    let signature: String = text
        .lines()
        .skip_while(|l| !l.starts_with("def create_app("))
        .take(10)
        .collect::<Vec<_>>()
        .join(" ");
    let params = signature
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(params, _)| params)
        .unwrap_or("");
    let required: Vec<&str> = params
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with('*') && !p.contains('=') && *p != "/")
        .map(|p| p.split(':').next().unwrap_or(p).trim())
        .collect();
    if !required.is_empty() {
        notes.push(format!(
            "def create_app in {file} needs {}, and uWSGI calls it with no arguments: give it a \
             default, or add a wsgi.py with app = create_app(…)",
            required.join(", ")
        ));
        return None;
    }
    proposal(
        format!("{module}:create_app()"),
        format!("found def create_app in {file}"),
    )
}

/// Only what the rules accept is proposed (a module path such as `my-app` is not Python's).
fn proposal(module: String, reason: String) -> Option<Found> {
    validate_module(&module).ok()?;
    Some(Found { module, reason })
}

/// `name = …` at the top level (not `name == …`).
pub(super) fn assigns(line: &str, name: &str) -> bool {
    line.strip_prefix(name)
        .map(str::trim_start)
        .is_some_and(|rest| rest.starts_with('=') && !rest.starts_with("=="))
}

/// `from x import name` (or `… import other, name`, `… import thing as name`).
fn imports(line: &str, name: &str) -> bool {
    let Some((_, names)) = line
        .strip_prefix("from ")
        .and_then(|rest| rest.split_once(" import "))
    else {
        return false;
    };
    let names = names.split('#').next().unwrap_or_default();
    names
        .trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace())
        .split(',')
        .map(str::trim)
        .any(|n| match n.split_once(" as ") {
            Some((_, alias)) => alias.trim() == name,
            None => n == name,
        })
}

/// A Django project's settings module (manage.py's `DJANGO_SETTINGS_MODULE`, "proj.settings")
/// and the files that may hold its settings: the module, or a settings package's files and its
/// neighbours.
pub(super) fn django_settings(
    files: &[String],
    read: &dyn Fn(&str) -> Option<String>,
) -> Option<(String, Vec<String>)> {
    let manage = read("manage.py")?;
    let settings = quoted_after(&manage, "DJANGO_SETTINGS_MODULE")?;
    let path = settings.replace('.', "/");
    let mut settings_files: Vec<String> = [format!("{path}.py"), format!("{path}/__init__.py")]
        .into_iter()
        .filter(|f| files.contains(f))
        .collect();
    // Settings split into a package (settings/base.py, settings/dev.py, …): any of its files,
    // or the settings module's neighbours, may say it.
    let parent = path.rsplit_once('/').map(|(parent, _)| parent);
    for folder in [Some(path.as_str()), parent].into_iter().flatten() {
        settings_files.extend(
            files
                .iter()
                .filter(|f| {
                    f.strip_prefix(folder)
                        .and_then(|r| r.strip_prefix('/'))
                        .is_some_and(|r| !r.contains('/'))
                })
                .filter(|f| f.ends_with(".py") && !settings_files.contains(f))
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    Some((settings, settings_files))
}

/// A Django project: manage.py names its settings (`DJANGO_SETTINGS_MODULE`, "proj.settings"),
/// whose `WSGI_APPLICATION = "proj.wsgi.application"` is the entry point; without it, the
/// settings' package's wsgi.py and its `application`, as startproject writes it.
fn django(files: &[String], read: &dyn Fn(&str) -> Option<String>) -> Option<Found> {
    let (settings, settings_files) = django_settings(files, read)?;
    for file in &settings_files {
        let Some(text) = read(file) else { continue };
        let Some(wsgi) = text
            .lines()
            .filter(|l| assigns(l, "WSGI_APPLICATION"))
            .find_map(|l| quoted_after(l, "WSGI_APPLICATION"))
        else {
            continue;
        };
        let Some((module, object)) = wsgi.rsplit_once('.') else {
            continue;
        };
        if let Some(found) = proposal(
            format!("{module}:{object}"),
            format!("found WSGI_APPLICATION = \"{wsgi}\" in {file} (the settings manage.py names)"),
        ) {
            return Some(found);
        }
    }
    let package = settings.split('.').next()?;
    if files.iter().any(|f| *f == format!("{package}/wsgi.py")) {
        return proposal(
            format!("{package}.wsgi:application"),
            format!("found manage.py and {package}/wsgi.py (a Django project)"),
        );
    }
    None
}

/// The first quoted text after `key` in `text` (`"proj.settings"` in
/// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")`).
fn quoted_after(text: &str, key: &str) -> Option<String> {
    let (_, rest) = text.split_once(key)?;
    let rest = rest.trim_start_matches(['"', '\'']);
    let start = rest.find(['"', '\''])?;
    let quote = rest[start..].chars().next()?;
    let value = &rest[start + 1..];
    let end = value.find(quote)?;
    Some(value[..end].to_owned())
}

/// The sample app's entry point, found the same way (its files are inside droplift).
pub fn sample() -> Result<Found, NotFound> {
    let files: Vec<String> = crate::source::SAMPLE
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    detect(&files, &|path| {
        crate::source::SAMPLE
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, text)| (*text).to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::Path;

    /// Writes `files` into a new temporary folder and runs the detection over it, reading the
    /// files from disk as the caller does.
    fn detect_in(files: &[(&str, &str)]) -> Result<Found, NotFound> {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, text) in files {
            let full = dir.path().join(path);
            fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            fs::write(full, text).expect("write");
        }
        let listed: Vec<String> = files.iter().map(|(p, _)| (*p).to_owned()).collect();
        let root: &Path = dir.path();
        detect(&listed, &|path| fs::read_to_string(root.join(path)).ok())
    }

    #[test]
    fn a_flask_app_object_in_app_py() {
        let found = detect_in(&[
            ("requirements.txt", "Flask\n"),
            (
                "app.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
        ])
        .expect("found");
        assert_eq!(found.module, "app:app");
        assert_eq!(found.reason, "found app = Flask(__name__) in app.py");
    }

    #[test]
    fn a_factory_in_app_py_or_a_package() {
        let found = detect_in(&[(
            "app.py",
            "from flask import Flask\n\ndef create_app(test_config=None):\n    app = Flask(__name__)\n    return app\n",
        )])
        .expect("found");
        assert_eq!(
            (found.module.as_str(), found.reason.as_str()),
            ("app:create_app()", "found def create_app in app.py")
        );
        let found = detect_in(&[
            (
                "shop/__init__.py",
                "def create_app():\n    app = Flask(__name__)\n    return app\n",
            ),
            ("shop/models.py", "app = None\n"),
            ("tests/__init__.py", ""),
        ])
        .expect("found");
        assert_eq!(found.module, "shop:create_app()");
        assert_eq!(found.reason, "found def create_app in shop/__init__.py");
    }

    #[test]
    fn an_object_comes_before_a_factory_as_flask_run_finds_it() {
        let found = detect_in(&[(
            "app.py",
            "def create_app():\n    return Flask(__name__)\n\napp = create_app()\n",
        )])
        .expect("found");
        assert_eq!(found.module, "app:app");
    }

    #[test]
    fn wsgi_py_comes_first() {
        let found = detect_in(&[
            (
                "wsgi.py",
                "from shop import create_app\n\napplication = create_app()\n",
            ),
            ("shop/__init__.py", "def create_app():\n    pass\n"),
            ("app.py", "app = 1\n"),
        ])
        .expect("found");
        assert_eq!(found.module, "wsgi:application");
        assert_eq!(found.reason, "found application = create_app() in wsgi.py");
        let found = detect_in(&[("wsgi.py", "from shop import app  # noqa\n")]).expect("found");
        assert_eq!(found.module, "wsgi:app");
    }

    #[test]
    fn a_django_project_through_manage_py_and_its_settings() {
        let manage = "import os, sys\n\ndef main():\n    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings\")\n";
        let found = detect_in(&[
            ("manage.py", manage),
            ("mysite/__init__.py", ""),
            (
                "mysite/settings.py",
                "DEBUG = False\nWSGI_APPLICATION = 'mysite.wsgi.application'\n",
            ),
            ("mysite/wsgi.py", "application = get_wsgi_application()\n"),
        ])
        .expect("found");
        assert_eq!(found.module, "mysite.wsgi:application");
        assert!(
            found
                .reason
                .contains("WSGI_APPLICATION = \"mysite.wsgi.application\" in mysite/settings.py"),
            "{}",
            found.reason
        );
        // Settings split into a package, and a project whose settings do not say.
        let found = detect_in(&[
            (
                "manage.py",
                &manage.replace("mysite.settings", "conf.settings.dev"),
            ),
            ("conf/settings/__init__.py", ""),
            (
                "conf/settings/base.py",
                "WSGI_APPLICATION = \"conf.wsgi.application\"\n",
            ),
            ("conf/settings/dev.py", "from .base import *\n"),
        ])
        .expect("found");
        assert_eq!(found.module, "conf.wsgi:application");
        let found = detect_in(&[
            ("manage.py", manage),
            ("mysite/settings.py", "DEBUG = True\n"),
            ("mysite/wsgi.py", "application = get_wsgi_application()\n"),
        ])
        .expect("found");
        assert_eq!(found.module, "mysite.wsgi:application");
        assert!(found.reason.contains("mysite/wsgi.py"), "{}", found.reason);
    }

    #[test]
    fn a_factory_that_needs_arguments_is_said_not_proposed() {
        let err = detect_in(&[(
            "shop/__init__.py",
            "def create_app(config_name):\n    pass\n",
        )])
        .expect_err("needs an argument");
        assert!(err.0.contains("needs config_name"), "{err}");
        assert!(err.0.contains("set [app] module"), "{err}");
        let found = detect_in(&[("app.py", "def create_app(config_name):\n    pass\n")])
            .expect("app.py is there");
        assert_eq!(found.module, "app:app");
        assert!(
            found.reason.contains("needs config_name"),
            "{}",
            found.reason
        );
        let found = detect_in(&[(
            "app.py",
            "def create_app(\n    config: str = 'prod',\n    *args,\n    **kwargs,\n):\n    pass\n",
        )])
        .expect("defaults only");
        assert_eq!(found.module, "app:create_app()");
    }

    #[test]
    fn nothing_to_find_is_said() {
        let err = detect_in(&[("requirements.txt", ""), ("README.md", "app = Flask(")])
            .expect_err("nothing");
        assert!(err.0.starts_with("droplift found no entry point"), "{err}");
        // An indented app or a comparison is not a top-level assignment; my-app is no module.
        let err = detect_in(&[
            ("run.py", "if True:\n    app = Flask(__name__)\napp == 1\n"),
            ("my-app/__init__.py", "app = 1\n"),
        ])
        .expect_err("nothing usable");
        assert!(err.0.contains("no entry point"), "{err}");
    }

    #[test]
    fn the_sample_app_is_found_as_app_app() {
        let found = sample().expect("the sample has one");
        assert_eq!(found.module, crate::course::answers::DEFAULT_MODULE);
        assert_eq!(found.reason, "found app = Flask(__name__) in app.py");
    }
}
