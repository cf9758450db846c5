//! The `[app]` section of the answers file: where the code comes from (the sample, a git URL
//! or a folder), the branch or tag, and the module uWSGI imports (empty or missing: droplift
//! looks at the code), and the health check's path, checked by the stage's rules.

use serde::Deserialize;
use toml::Spanned;

use super::folders::{validate_shared, validate_static};
use super::health::validate_health_path;
use super::limits::{validate_cpu_quota, validate_memory_max, validate_tasks_max};
use super::rules::{SourceKind, source_kind, validate_git_ref, validate_git_url, validate_module};
use super::settings::{validate_release_commands, validate_setting_names, validate_settings};
use crate::course::answers::{Answers, Reading};

/// `[app]` as written. Its name shows in toml's own messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApp {
    source: Option<Spanned<String>>,
    #[serde(rename = "ref")]
    git_ref: Option<Spanned<String>>,
    module: Option<Spanned<String>>,
    health: Option<Spanned<String>>,
    release: Option<Spanned<Vec<String>>>,
    secrets: Option<Spanned<Vec<String>>>,
    env: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    #[serde(rename = "static")]
    static_dirs: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    shared: Option<Spanned<Vec<String>>>,
    memory_max: Option<Spanned<String>>,
    cpu_quota: Option<Spanned<String>>,
    tasks_max: Option<Spanned<i64>>,
}

/// Takes `[app]` into the answers, or tells `reading` what is wrong with it. A folder source
/// is only noted with its line here: the caller packs and checks the folder.
pub fn read(section: Option<&Spanned<RawApp>>, answers: &mut Answers, reading: &mut Reading<'_>) {
    let Some(app) = section.map(Spanned::get_ref) else {
        return;
    };
    if let Some(source) = &app.source {
        let written = source.get_ref().trim();
        answers.app.source_line = reading.line(source.span());
        if source_kind(written) == SourceKind::Git {
            if let Err(m) = validate_git_url(written) {
                reading.refuse("app.source", source.span(), m);
            }
        }
        answers.app.source = written.to_owned();
    }
    if let Some(git_ref) = &app.git_ref {
        match validate_git_ref(git_ref.get_ref()) {
            Ok(()) => answers.app.git_ref = git_ref.get_ref().clone(),
            Err(m) => reading.refuse("app.ref", git_ref.span(), m),
        }
    }
    // An empty module is one not given: droplift looks at the code for it.
    if let Some(module) = app
        .module
        .as_ref()
        .filter(|m| !m.get_ref().trim().is_empty())
    {
        match validate_module(module.get_ref()) {
            Ok(()) => {
                answers.app.module = module.get_ref().clone();
                answers.app.module_given = true;
            }
            Err(m) => reading.refuse("app.module", module.span(), m),
        }
    }
    if let Some(release) = &app.release {
        answers.app.release_given = true;
        match validate_release_commands(release.get_ref()) {
            Ok(()) => answers.app.release = release.get_ref().clone(),
            Err(m) => reading.refuse("app.release", release.span(), m),
        }
    }
    if let Some(env) = &app.env {
        let settings: Vec<(String, String)> = env
            .get_ref()
            .iter()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        match validate_settings(&settings) {
            Ok(()) => answers.app.env = settings,
            Err(m) => reading.refuse("app.env", env.span(), m),
        }
    }
    if let Some(secrets) = &app.secrets {
        let plain: Vec<&str> = answers.app.env.iter().map(|(n, _)| n.as_str()).collect();
        let names: Vec<&str> = secrets.get_ref().iter().map(String::as_str).collect();
        match validate_setting_names(&plain, &names) {
            Ok(()) => answers.app.secrets = secrets.get_ref().clone(),
            Err(m) => reading.refuse("app.secrets", secrets.span(), m),
        }
    }
    if let Some(dirs) = &app.static_dirs {
        answers.app.static_given = true;
        let pairs: Vec<(String, String)> = dirs
            .get_ref()
            .iter()
            .map(|(p, f)| (p.clone(), f.clone()))
            .collect();
        match validate_static(&pairs) {
            Ok(()) if !pairs.is_empty() && answers.nginx.under.is_some() => reading.refuse(
                "app.static",
                dirs.span(),
                "not for a site under another ([nginx] under) yet: nginx would look for the \
                 folders at the other site's prefixes. Leave static out (the app serves them) or \
                 give the site a server_name of its own",
            ),
            Ok(()) => answers.app.static_dirs = pairs,
            Err(m) => reading.refuse("app.static", dirs.span(), m),
        }
    }
    if let Some(shared) = &app.shared {
        match validate_shared(shared.get_ref()) {
            Ok(()) => {
                answers.app.shared = shared
                    .get_ref()
                    .iter()
                    .map(|s| s.trim_end_matches('/').to_owned())
                    .collect();
            }
            Err(m) => reading.refuse("app.shared", shared.span(), m),
        }
    }
    for (key, value, rule, into) in [
        (
            "app.memory_max",
            app.memory_max.as_ref(),
            validate_memory_max as fn(&str) -> Result<(), crate::refused::Refused>,
            &mut answers.app.memory_max,
        ),
        (
            "app.cpu_quota",
            app.cpu_quota.as_ref(),
            validate_cpu_quota,
            &mut answers.app.cpu_quota,
        ),
    ] {
        if let Some(value) = value {
            match rule(value.get_ref().trim()) {
                Ok(()) => value.get_ref().trim().clone_into(into),
                Err(m) => reading.refuse(key, value.span(), m),
            }
        }
    }
    if let Some(tasks) = &app.tasks_max {
        let text = tasks.get_ref().to_string();
        match validate_tasks_max(&text) {
            Ok(()) => answers.app.tasks_max = text,
            Err(m) => reading.refuse("app.tasks_max", tasks.span(), m),
        }
    }
    // Empty is not given either: the sample keeps /items, any other app is asked for one.
    if let Some(health) = &app.health {
        let written = health.get_ref().trim();
        answers.app.health_line = reading.line(health.span());
        if !written.is_empty() {
            match validate_health_path(written) {
                Ok(()) => answers.app.health = written.to_owned(),
                Err(m) => reading.refuse("app.health", health.span(), m),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::course::answers::{AnswersError, DEFAULT_MODULE, DEFAULT_REF};
    use crate::course::answers_file::parse;

    const BASE: &str = "[server]\nhost = \"1.2.3.4\"\n[user]\nname = \"johndoe\"\n";

    #[test]
    fn the_app_section_is_read_and_checked_with_key_and_line() {
        let (answers, _) = parse(BASE).expect("no [app]");
        assert_eq!(answers.app.source, "");
        assert_eq!(
            (answers.app.git_ref.as_str(), answers.app.module.as_str()),
            (DEFAULT_REF, DEFAULT_MODULE)
        );
        let (answers, _) = parse(&format!(
            "{BASE}[app]\nsource = \" ./my app \"\nref = \"v1.0.0\"\nmodule = \"wsgi:application\"\n"
        ))
        .expect("a folder");
        assert_eq!(answers.app.source, "./my app");
        assert_eq!(answers.app.source_line, 6);
        assert_eq!(answers.app.git_ref, "v1.0.0");
        assert_eq!(answers.app.module, "wsgi:application");
        assert!(answers.app.module_given);
        let (answers, _) =
            parse(&format!("{BASE}[app]\nmodule = \"\"\n")).expect("an empty module");
        assert!(
            !answers.app.module_given,
            "empty is not given: droplift looks"
        );
        let (answers, _) =
            parse(&format!("{BASE}[app]\nmodule = \"app:create_app()\"\n")).expect("a factory");
        assert_eq!(answers.app.module, "app:create_app()");
        let bad =
            format!("{BASE}[app]\nsource = \"https://a b\"\nref = \"a..b\"\nmodule = \"app.py\"\n");
        let AnswersError::Invalid(errors) = parse(&bad).expect_err("bad [app]") else {
            panic!("expected value errors");
        };
        let keys: Vec<(&str, usize)> = errors.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(keys, [("app.source", 6), ("app.ref", 7), ("app.module", 8)]);
    }

    #[test]
    fn the_limits_are_read_with_defaults_and_checked_at_their_line() {
        let (answers, _) = parse(BASE).expect("no [app]");
        assert_eq!(
            (
                answers.app.memory_max.as_str(),
                answers.app.cpu_quota.as_str(),
                answers.app.tasks_max.as_str()
            ),
            ("512M", "100%", "128")
        );
        let (answers, _) = parse(&format!(
            "{BASE}[app]\nmemory_max = \"1G\"\ncpu_quota = \"50%\"\ntasks_max = 64\n"
        ))
        .expect("limits");
        assert_eq!(answers.app.memory_max, "1G");
        assert_eq!(answers.app.cpu_quota, "50%");
        assert_eq!(answers.app.tasks_max, "64");
        let AnswersError::Invalid(errors) = parse(&format!(
            "{BASE}[app]\nmemory_max = \"lots\"\ncpu_quota = \"1\"\ntasks_max = 2\n"
        ))
        .expect_err("bad limits") else {
            panic!("expected value errors");
        };
        let keys: Vec<(&str, usize)> = errors.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(
            keys,
            [
                ("app.memory_max", 6),
                ("app.cpu_quota", 7),
                ("app.tasks_max", 8)
            ]
        );
        let under = format!(
            "{BASE}[nginx]\nsite = \"shop\"\nunder = \"items\"\n[app]\nstatic = {{ \"/static/\" = \"static\" }}\n"
        );
        let AnswersError::Invalid(errors) = parse(&under).expect_err("static under") else {
            panic!("expected value errors");
        };
        assert_eq!((errors[0].key.as_str(), errors[0].line), ("app.static", 9));
    }

    #[test]
    fn release_commands_and_settings_are_read_and_checked_at_their_line() {
        let (answers, _) = parse(&format!(
            "{BASE}[app]\nsource = \"./shop\"\nrelease = [\"flask --app shop db upgrade\"]\n\
             secrets = [\"SECRET_KEY\", \"JWT_SECRET_KEY\"]\n[app.env]\nFLASK_DEBUG = \"0\"\n\
             A_NAME = \"a b=c\"\n"
        ))
        .expect("release and settings");
        assert_eq!(answers.app.release, ["flask --app shop db upgrade"]);
        assert_eq!(answers.app.secrets, ["SECRET_KEY", "JWT_SECRET_KEY"]);
        assert_eq!(
            answers.app.env,
            [
                ("A_NAME".to_owned(), "a b=c".to_owned()),
                ("FLASK_DEBUG".to_owned(), "0".to_owned())
            ]
        );
        for (bad, key, line, said) in [
            ("release = [\"\"]", "app.release", 6, "cannot be empty"),
            ("release = [\"a\\nb\"]", "app.release", 6, "no line breaks"),
            (
                "secrets = [\"DATABASE_URL\"]",
                "app.secrets",
                6,
                "droplift writes DATABASE_URL",
            ),
            (
                "secrets = [\"A-B\"]",
                "app.secrets",
                6,
                "not an environment variable name",
            ),
            (
                "secrets = [\"X\"]\n[app.env]\nX = \"1\"",
                "app.secrets",
                6,
                "both a plain",
            ),
            ("[app.env]\nUWSGI_X = \"1\"", "app.env", 6, "uWSGI reads"),
        ] {
            let text = format!("{BASE}[app]\n{bad}\n");
            let AnswersError::Invalid(errors) = parse(&text).expect_err(bad) else {
                panic!("expected value errors for {bad}");
            };
            assert_eq!(
                (errors[0].key.as_str(), errors[0].line),
                (key, line),
                "{bad}"
            );
            assert!(
                errors[0].message.contains(said),
                "{bad}: {}",
                errors[0].message
            );
        }
    }

    #[test]
    fn static_and_shared_folders_are_read_and_checked_at_their_line() {
        let (answers, _) = parse(&format!(
            "{BASE}[app]\nsource = \"./shop\"\nshared = [\"instance\", \"media/\"]\n\
             static = {{ \"/static/\" = \"staticfiles\", \"/media/\" = \"media\" }}\n"
        ))
        .expect("static and shared");
        assert_eq!(answers.app.shared, ["instance", "media"]);
        assert!(answers.app.static_given);
        assert_eq!(
            answers.app.static_dirs,
            [
                ("/media/".to_owned(), "media".to_owned()),
                ("/static/".to_owned(), "staticfiles".to_owned())
            ]
        );
        let (answers, _) = parse(BASE).expect("none");
        assert!(!answers.app.static_given && !answers.app.release_given);
        for (bad, key, said) in [
            ("static = { \"/\" = \"static\" }", "app.static", "/ alone"),
            (
                "static = { \"static\" = \"static\" }",
                "app.static",
                "starts and ends",
            ),
            (
                "static = { \"/s/\" = \"../x\" }",
                "app.static",
                "no . or ..",
            ),
            (
                "static = { \"/s/\" = \"/srv/x\" }",
                "app.static",
                "relative",
            ),
            ("shared = [\"../data\"]", "app.shared", "no . or .."),
            (
                "shared = [\"db\", \"db/x\"]",
                "app.shared",
                "inside another",
            ),
        ] {
            let text = format!("{BASE}[app]\n{bad}\n");
            let AnswersError::Invalid(errors) = parse(&text).expect_err(bad) else {
                panic!("expected value errors for {bad}");
            };
            assert_eq!((errors[0].key.as_str(), errors[0].line), (key, 6), "{bad}");
            assert!(
                errors[0].message.contains(said),
                "{bad}: {}",
                errors[0].message
            );
        }
    }

    #[test]
    fn the_health_path_is_read_with_its_line_and_checked_at_it() {
        let (answers, _) = parse(BASE).expect("no [app]");
        assert_eq!(
            (answers.app.health.as_str(), answers.app.health_line),
            ("", 0)
        );
        let (answers, _) = parse(&format!(
            "{BASE}[app]\nsource = \"./shop\"\nhealth = \" /store \"\n"
        ))
        .expect("a path");
        assert_eq!(
            (answers.app.health.as_str(), answers.app.health_line),
            ("/store", 7)
        );
        let (answers, _) =
            parse(&format!("{BASE}[app]\nhealth = \"\"\n")).expect("empty is not given");
        assert_eq!(
            (answers.app.health.as_str(), answers.app.health_line),
            ("", 6)
        );
        for (bad, said) in [
            ("store", "starts with /"),
            ("/a b", "no spaces"),
            ("/../x", "no .."),
            ("/$(id)", "is not taken"),
        ] {
            let text = format!("{BASE}[app]\nsource = \"./shop\"\nhealth = \"{bad}\"\n");
            let AnswersError::Invalid(errors) = parse(&text).expect_err(bad) else {
                panic!("expected value errors");
            };
            assert_eq!((errors[0].key.as_str(), errors[0].line), ("app.health", 7));
            assert!(
                errors[0].message.contains(said),
                "{bad}: {}",
                errors[0].message
            );
        }
    }
}
