//! What droplift proposes from code on the student's computer besides the entry point: for a
//! Django project (manage.py), the release commands `migrate` and `collectstatic` and the
//! static folder its `STATIC_ROOT` names, each where the answers do not say; the settings an
//! `.env.example` names; and a word when the code keeps SQLite in its folder. Files are read as
//! text, never run; pure like `entry`.

use super::entry::{assigns, django_settings};
use super::folders::{validate_release_folder, validate_static_prefix};
use super::settings::validate_env_name;
use crate::course::answers::AppAnswers;

/// Django's release commands: the schema first, then the static files nginx serves.
pub const DJANGO_MIGRATE: &str = "python manage.py migrate --noinput";
pub const DJANGO_COLLECTSTATIC: &str = "python manage.py collectstatic --noinput";

/// How many Python files are looked through for SQLite at most.
const MAX_FILES: usize = 200;

/// What a Django project's settings say about its static files.
#[derive(Clone, Debug, PartialEq, Eq)]
struct DjangoStatic {
    /// `STATIC_URL` as a prefix (`/static/`).
    prefix: String,
    /// `STATIC_ROOT` relative to the project (where manage.py is), when droplift can tell.
    folder: Option<String>,
    /// The settings file read, for the reason.
    file: String,
    /// Why no folder is proposed, when none is.
    why_not: Option<String>,
}

/// The first quoted text in `text` (`'static/'`).
fn first_quoted(text: &str) -> Option<String> {
    let start = text.find(['"', '\''])?;
    let quote = text[start..].chars().next()?;
    let value = &text[start + 1..];
    Some(value[..value.find(quote)?].to_owned())
}

/// `STATIC_ROOT = BASE_DIR / "staticfiles"`, `os.path.join(BASE_DIR, "static")`,
/// `str(BASE_DIR / "a" / "b")` or a plain relative `"staticfiles"`: the folder under the
/// project, or why not.
fn static_root(value: &str) -> Result<String, String> {
    let quoted: Vec<&str> = value
        .split(['"', '\''])
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s)
        .collect();
    if quoted.is_empty() {
        return Err(format!(
            "STATIC_ROOT = {} names no folder droplift can read",
            value.trim()
        ));
    }
    if !value.contains("BASE_DIR") && quoted[0].starts_with('/') {
        return Err(format!(
            "STATIC_ROOT is {}, a path on the server outside the release",
            quoted[0]
        ));
    }
    let folder = quoted.join("/").trim_matches('/').to_owned();
    validate_release_folder(&folder).map_err(|m| format!("STATIC_ROOT: {m}"))?;
    Ok(folder)
}

fn django_static(files: &[String], read: &dyn Fn(&str) -> Option<String>) -> Option<DjangoStatic> {
    let (_, settings_files) = django_settings(files, read)?;
    let mut found: Option<DjangoStatic> = None;
    for file in &settings_files {
        let Some(text) = read(file) else { continue };
        let line_of = |name: &str| {
            text.lines()
                .find(|l| assigns(l, name))
                .map(|l| l.split_once('=').map_or("", |(_, v)| v).trim().to_owned())
        };
        let root = line_of("STATIC_ROOT");
        let url = line_of("STATIC_URL").and_then(|l| first_quoted(&l));
        if root.is_none() && url.is_none() {
            continue;
        }
        let entry = found.get_or_insert(DjangoStatic {
            prefix: "/static/".into(),
            folder: None,
            file: file.clone(),
            why_not: Some("the settings set no STATIC_ROOT".into()),
        });
        if let Some(url) = url {
            let prefix = format!("/{}/", url.trim_matches('/'));
            if validate_static_prefix(&prefix).is_ok() {
                entry.prefix = prefix;
            }
        }
        if let Some(root) = root {
            entry.file = file.clone();
            match static_root(&root) {
                Ok(folder) => {
                    entry.folder = Some(folder);
                    entry.why_not = None;
                }
                Err(why) => entry.why_not = Some(why),
            }
        }
    }
    found.or_else(|| {
        Some(DjangoStatic {
            prefix: "/static/".into(),
            folder: None,
            file: settings_files.first()?.clone(),
            why_not: Some("the settings set no STATIC_ROOT".into()),
        })
    })
}

/// Where the code keeps SQLite: database files sent with it, or Python that opens one.
fn sqlite_seen(files: &[String], read: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let mut seen: Vec<String> = files
        .iter()
        .filter(|f| {
            [".sqlite", ".sqlite3", ".db"]
                .iter()
                .any(|ext| f.ends_with(ext))
        })
        .take(3)
        .cloned()
        .collect();
    for file in files
        .iter()
        .filter(|f| f.ends_with(".py") && !f.contains("test"))
        .take(MAX_FILES)
    {
        if seen.len() >= 3 {
            break;
        }
        if read(file).is_some_and(|t| {
            t.contains("sqlite:///")
                || t.contains("backends.sqlite3")
                || t.contains("import sqlite3")
        }) {
            seen.push(file.clone());
        }
    }
    seen
}

/// The example environment files projects commit (the real `.env` stays on the laptop).
const ENV_EXAMPLES: &[&str] = &[
    ".env.example",
    ".env.sample",
    ".env.template",
    "example.env",
];

/// The names an example environment file sets (`NAME=…`, `export NAME=…`; comments skipped),
/// in order, each once.
fn example_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        if line.starts_with('#') {
            continue;
        }
        let Some((name, _)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

/// A setting the app signs with (a random value made on the server is right for it), as
/// opposed to one an outside service gives (an API key, a password: only the student has it).
fn made_on_the_server(name: &str) -> bool {
    name == "SECRET_KEY"
        || name.ends_with("_SECRET_KEY")
        || name == "SECRET"
        || name.ends_with("_SECRET")
}

/// The settings `.env.example` names that the answers do not: a signing secret joins `[app]
/// secrets` (made on the server, never on this computer), the others are said with how to give
/// them. DATABASE_URL is droplift's; names it refuses are skipped.
fn propose_settings(app: &mut AppAnswers, files: &[String], read: &dyn Fn(&str) -> Option<String>) {
    let Some((file, text)) = ENV_EXAMPLES
        .iter()
        .find(|f| files.iter().any(|g| g == *f))
        .and_then(|f| Some((*f, read(f)?)))
    else {
        return;
    };
    let mut made = Vec::new();
    let mut plain = Vec::new();
    for name in example_names(&text) {
        let known = app.env.iter().any(|(n, _)| *n == name) || app.secrets.contains(&name);
        if known || name == "DATABASE_URL" || validate_env_name(&name).is_err() {
            continue;
        }
        if made_on_the_server(&name) {
            made.push(name);
        } else {
            plain.push(name);
        }
    }
    if !made.is_empty() {
        app.proposed.push(format!(
            "secret settings: {} (named in {file}; a random value is made on the server the \
             first time and kept; [app] secrets chooses others)",
            made.join(", ")
        ));
        app.secrets.extend(made);
    }
    if !plain.is_empty() {
        app.proposed.push(format!(
            "settings named in {file} and not in the answers: {}. Give plain ones in [app.env] \
             (NAME = \"value\"); keys and passwords with `droplift env set NAME` (the value \
             typed, never in a file)",
            plain.join(", ")
        ));
    }
}

/// Fills in what the answers do not say and the code shows, saying each choice and its reason
/// in `app.proposed` (headless prints them under stage 8's heading).
pub fn propose(app: &mut AppAnswers, files: &[String], read: &dyn Fn(&str) -> Option<String>) {
    let has = |path: &str| files.iter().any(|f| f == path);
    if has("manage.py") {
        let statics = django_static(files, read);
        let folder = statics.as_ref().and_then(|s| s.folder.clone());
        if !app.release_given {
            let mut commands = vec![DJANGO_MIGRATE.to_owned()];
            if folder.is_some() {
                commands.push(DJANGO_COLLECTSTATIC.to_owned());
            }
            app.proposed.push(format!(
                "release commands: {} (manage.py is there: a Django project; [app] release \
                 chooses others, release = [] none)",
                commands.join(", ")
            ));
            app.release = commands;
        }
        if !app.static_given {
            match (&statics, folder) {
                (Some(s), Some(folder)) => {
                    app.proposed.push(format!(
                        "static files: nginx serves {} from {folder} (STATIC_ROOT in {}; \
                         [app] static chooses others, static = {{}} none)",
                        s.prefix, s.file
                    ));
                    app.static_dirs = vec![(s.prefix.clone(), folder)];
                }
                (Some(s), None) => app.proposed.push(format!(
                    "static files: none proposed, because {} ({}): set STATIC_ROOT = BASE_DIR \
                     / \"staticfiles\" and droplift proposes collectstatic and nginx for it",
                    s.why_not.as_deref().unwrap_or("STATIC_ROOT is not set"),
                    s.file
                )),
                (None, _) => {}
            }
        }
    }
    propose_settings(app, files, read);
    let sqlite = sqlite_seen(files, read);
    if !sqlite.is_empty() {
        let kept = if app.shared.is_empty() {
            "each release is a new folder, so a database file in it starts again empty: use \
             the PostgreSQL droplift set up (DATABASE_URL), or keep the file in a shared \
             folder ([app] shared = [\"instance\"])"
                .to_owned()
        } else {
            format!(
                "a database file must be in a shared folder ({}) to survive a new release, or \
                 use the PostgreSQL droplift set up (DATABASE_URL)",
                app.shared.join(", ")
            )
        };
        app.proposed
            .push(format!("SQLite seen in {}: {kept}", sqlite.join(", ")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(app: &mut AppAnswers, tree: &[(&str, &str)]) {
        let files: Vec<String> = tree.iter().map(|(f, _)| (*f).to_owned()).collect();
        propose(app, &files, &|path| {
            tree.iter()
                .find(|(f, _)| *f == path)
                .map(|(_, t)| (*t).to_owned())
        });
    }

    #[test]
    fn an_env_example_names_the_settings_and_a_signing_secret_is_made_on_the_server() {
        let mut app = AppAnswers {
            env: vec![("DEBUG".into(), "0".into())],
            ..AppAnswers::default()
        };
        run(
            &mut app,
            &[
                ("app.py", "import os\n"),
                (
                    ".env.example",
                    "# copy to .env\nSECRET_KEY=change-me\nexport JWT_SECRET_KEY=x\nDEBUG=1\n\
                     DATABASE_URL=postgresql://localhost/dev\nSTRIPE_API_KEY=sk_test_x\n\
                     DROPLIFT_RELEASE=1\nSECRET_KEY=again\n\nnot a line\n",
                ),
            ],
        );
        assert_eq!(app.secrets, ["SECRET_KEY", "JWT_SECRET_KEY"]);
        assert_eq!(app.proposed.len(), 2, "{:?}", app.proposed);
        assert!(
            app.proposed[0]
                .starts_with("secret settings: SECRET_KEY, JWT_SECRET_KEY (named in .env.example"),
            "{:?}",
            app.proposed
        );
        assert!(
            app.proposed[1].contains("not in the answers: STRIPE_API_KEY.")
                && app.proposed[1].contains("droplift env set NAME"),
            "{:?}",
            app.proposed
        );
        // Named in the answers already: nothing more to say.
        let mut app = AppAnswers {
            secrets: vec!["SECRET_KEY".into()],
            ..AppAnswers::default()
        };
        run(&mut app, &[(".env.sample", "SECRET_KEY=\n")]);
        assert_eq!(app.secrets, ["SECRET_KEY"]);
        assert!(app.proposed.is_empty(), "{:?}", app.proposed);
    }

    const MANAGE: &str =
        "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"blog.settings\")\n";

    #[test]
    fn a_django_project_gets_migrate_collectstatic_and_its_static_root() {
        let mut app = AppAnswers::default();
        run(
            &mut app,
            &[
                ("manage.py", MANAGE),
                (
                    "blog/settings.py",
                    "BASE_DIR = Path(__file__).resolve().parent.parent\nSTATIC_URL = 'static/'\n\
                     STATIC_ROOT = BASE_DIR / 'staticfiles'\nDATABASES = {'default': dj_database_url.config()}\n",
                ),
            ],
        );
        assert_eq!(app.release, [DJANGO_MIGRATE, DJANGO_COLLECTSTATIC]);
        assert_eq!(
            app.static_dirs,
            [("/static/".to_owned(), "staticfiles".to_owned())]
        );
        assert!(
            app.proposed[0].contains("manage.py is there"),
            "{:?}",
            app.proposed
        );
        assert!(
            app.proposed[1].contains("STATIC_ROOT in blog/settings.py"),
            "{:?}",
            app.proposed
        );
    }

    #[test]
    fn what_the_answers_say_is_kept_and_other_static_roots_are_read_or_explained() {
        let mut app = AppAnswers {
            release_given: true,
            release: vec!["python manage.py migrate".into()],
            ..AppAnswers::default()
        };
        run(
            &mut app,
            &[
                ("manage.py", MANAGE),
                (
                    "blog/settings.py",
                    "STATIC_URL = \"/assets/\"\nSTATIC_ROOT = os.path.join(BASE_DIR, \"public\", \"static\")\n",
                ),
            ],
        );
        assert_eq!(app.release, ["python manage.py migrate"]);
        assert_eq!(
            app.static_dirs,
            [("/assets/".to_owned(), "public/static".to_owned())]
        );
        for (root, said) in [
            ("STATIC_ROOT = '/var/www/static'\n", "outside the release"),
            ("STATIC_URL = 'static/'\n", "no STATIC_ROOT"),
        ] {
            let mut app = AppAnswers::default();
            run(
                &mut app,
                &[("manage.py", MANAGE), ("blog/settings.py", root)],
            );
            assert_eq!(
                app.release,
                [DJANGO_MIGRATE],
                "no collectstatic without a root"
            );
            assert!(app.static_dirs.is_empty());
            assert!(app.proposed[1].contains(said), "{:?}", app.proposed);
        }
        let mut app = AppAnswers {
            static_given: true,
            ..AppAnswers::default()
        };
        run(
            &mut app,
            &[
                ("manage.py", MANAGE),
                (
                    "blog/settings.py",
                    "STATIC_ROOT = BASE_DIR / 'staticfiles'\n",
                ),
            ],
        );
        assert!(app.static_dirs.is_empty(), "static = {{}} stays none");
    }

    #[test]
    fn sqlite_in_the_code_is_said_and_flask_apps_get_no_django_proposals() {
        let mut app = AppAnswers::default();
        run(
            &mut app,
            &[
                (
                    "app.py",
                    "app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///shop.db'\n",
                ),
                ("instance/shop.db", ""),
            ],
        );
        assert!(app.release.is_empty() && app.static_dirs.is_empty());
        assert_eq!(app.proposed.len(), 1);
        assert!(
            app.proposed[0].starts_with("SQLite seen in instance/shop.db, app.py:"),
            "{:?}",
            app.proposed
        );
        assert!(app.proposed[0].contains("[app] shared"));
    }
}
