//! Stage 8, the app's code: system packages for Python apps, the site's folders, the
//! environment file with DATABASE_URL, and a new release (uploaded or cloned, with its own
//! virtualenv) that waits as `next` until the service stage's smoke test lets it go live.

pub mod entry;
pub mod folders;
pub mod health;
pub mod limits;
pub mod proposals;
pub mod routes;
pub mod rules;
pub mod section;
pub mod settings;

use std::path::PathBuf;
use std::time::Duration;

use crate::course::StageId;
use crate::course::answers::Answers;
use crate::course::answers::{DEFAULT_MODULE, DEFAULT_REF};
use crate::course::apt::{Fetch, WAIT_FOR_APT};
use crate::course::plan::{CodeSource, Command, Plan, StagePlans, StdinPart, Step};
use crate::course::stage::{
    FieldError, FieldErrors, FieldText, FormInput, InputSpec, Stage, secret, text,
};
use crate::course::stages::app::rules::{SourceKind, source_kind};
use crate::course::values::{
    AppModule, AppSettings, CodeDigest, GitRef, GitUrl, Made, PgDatabase, PgRole, ReleaseCommands,
    SecretNames, SharedDirs, SiteName, StaticDirs, UserName,
};
use crate::course::{PlanError, answer};
use crate::secret::Secret;
use crate::secret::SecretName;
use crate::shell::{Const, QuoteError, Script, ShellArg};

pub const LIB: &str = include_str!("lib.sh");
/// The site's lock: one droplift run at a time changes a site.
pub const LOCK: &str = include_str!("lock.sh");
const DBURL: &str = include_str!("dburl.sh");
const DBLOGIN: &str = include_str!("dblogin.sh");
const SOURCE_ARCHIVE: &str = include_str!("source_archive.sh");
const SOURCE_GIT: &str = include_str!("source_git.sh");
const CHECKS: &str = include_str!("checks.sh");
const PROBE: &str = include_str!("probe.sh");
const PACKAGES: &str = include_str!("packages.sh");
const FOLDERS: &str = include_str!("folders.sh");
const ENV_FILE: &str = include_str!("env_file.sh");
/// The environment file as systemd reads it, for the steps that run the app's code.
pub const APPENV: &str = include_str!("appenv.sh");
const RELEASE: &str = include_str!("release.sh");
use crate::course::backup::DUMP;
const UNPACK: &str = include_str!("unpack.sh");
const CLONE: &str = include_str!("clone.sh");
const VENV: &str = include_str!("venv.sh");
/// The folders kept across releases, linked into the new one.
const SHARED: &str = include_str!("shared.sh");
/// The function that links one shared folder, as the site's user (the Ansible export's too).
pub const LINK_SHARED: &str = include_str!("link_shared.sh");
/// Which uWSGI serves the app (the distribution's when its plugin fits the virtualenv's Python).
pub const UWSGI: &str = include_str!("uwsgi.sh");
/// The same file, for the Ansible export's own copy.
pub const UWSGI_LIB: &str = UWSGI;
/// The uWSGI pip builds when the distribution's cannot serve the app (`uwsgi_pip_pin` says the
/// same on the server).
pub const UWSGI_PIP: &str = "uWSGI==2.0.31";
const CHECK_APP: &str = include_str!("check_app.sh");
const FINISH: &str = include_str!("finish.sh");
const MARK_FAILED: &str = include_str!("mark_failed.sh");
const VERIFY: &str = include_str!("verify.sh");

/// The Python program a script holds in the here-document read into `var` (`IFS= read -r -d ''
/// var <<'PY'`), for the Ansible export's own copy of it.
fn heredoc(script: &'static str, var: &str) -> &'static str {
    let start = format!("IFS= read -r -d '' {var} <<'PY' || true\n");
    script
        .split_once(start.as_str())
        .and_then(|(_, rest)| rest.split_once("\nPY\n"))
        .map_or("", |(program, _)| program)
}

/// env_file.sh's program that writes the environment file (the Ansible export runs it too):
/// appenv.sh's reader and writer of values, then the composer.
pub fn env_compose_py() -> String {
    format!(
        "{}\n{}\n",
        heredoc(APPENV, "read_env_py"),
        heredoc(ENV_FILE, "compose")
    )
}

/// release.sh's program that runs one release command as the site's user (the Ansible export
/// runs it too): appenv.sh's reader of the environment file, then the runner.
pub fn release_run_py() -> String {
    format!(
        "{}\n{}\n",
        heredoc(APPENV, "read_env_py"),
        heredoc(RELEASE, "runner")
    )
}

/// Where a site's pieces live on the server. Every path comes from the checked site name, so
/// this is the one place that knows the layout (nginx's socket path says the same). The site's
/// user owns its folder; what root decides by (the releases' marks, which release serves, the
/// environment file, uwsgi.ini) lives in root's own places, never in that folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The site's user: it owns `base` and runs the app.
    pub user: UserName,
    /// /var/www/html/SITE, the user's: releases/, the `current` link, log/, socket.sock
    pub base: Made,
    pub releases: Made,
    /// droplift's own folder for the site (root only): marks/, the records of `current` and
    /// `next`, uploads, staged files, and the environment file.
    pub staging: Made,
    /// The systemd unit's name, without `.service`.
    pub unit: Made,
    /// The environment file systemd reads for the service (root's, mode 600).
    pub env_file: Made,
    /// uwsgi.ini, root's (readable by all): /etc/droplift/SITE/uwsgi.ini
    pub ini: Made,
    /// The service's group, which owns `base` (setgid) and the sockets: nginx's way in.
    /// www-data, or for a private site the owner's own group (`site_group`).
    pub group: Made,
}

impl Layout {
    pub fn new(site: &SiteName, user: &UserName) -> Self {
        let base = format!("/var/www/html/{site}");
        let staging = format!("/var/lib/droplift/app/{site}");
        Self {
            user: user.clone(),
            releases: Made::new(format!("{base}/releases")),
            env_file: Made::new(format!("{staging}/app.env")),
            staging: Made::new(staging),
            unit: Made::new(format!("uwsgi-{site}")),
            ini: Made::new(format!("/etc/droplift/{site}/uwsgi.ini")),
            base: Made::new(base),
            group: Made::new(NGINX_GROUP),
        }
    }

    /// The layout with the service's group (see `site_group`).
    pub fn with_group(mut self, group: &Made) -> Self {
        self.group = group.clone();
        self
    }

    /// A script of these files with the site's values set: each one some file declares it reads
    /// (the plan tests check that exactly the declared values are set).
    pub(super) fn script(&self, files: &[&'static str]) -> Script {
        self.with_site(Script::new(files), files)
    }

    /// Sets on `script` the site's values that `files` declare.
    pub(crate) fn with_site(&self, mut script: Script, files: &[&'static str]) -> Script {
        let declared: Vec<&str> = files
            .iter()
            .flat_map(|f| crate::shell::declared_inputs(f))
            .collect();
        let values: [(&'static str, &dyn ShellArg); 8] = [
            ("u", &self.user),
            ("base", &self.base),
            ("releases", &self.releases),
            ("staging", &self.staging),
            ("unit", &self.unit),
            ("env_file", &self.env_file),
            ("ini", &self.ini),
            ("group", &self.group),
        ];
        for (name, value) in values {
            if declared.contains(&name) {
                script = script.set(name, value);
            }
        }
        script
    }
}

/// Where the code comes from, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code {
    /// Packed on this computer (the sample app or a folder), named by its digest.
    Archive {
        source: CodeSource,
        digest: CodeDigest,
    },
    Git {
        url: GitUrl,
        git_ref: GitRef,
    },
}

/// Everything stage 8 needs, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppValues {
    pub site: SiteName,
    pub user: UserName,
    /// The service's group (`site_group`).
    pub group: Made,
    pub role: PgRole,
    pub db: PgDatabase,
    pub module: AppModule,
    pub code: Code,
    /// `[app] release`, one command per line (empty: none).
    pub release: ReleaseCommands,
    /// `[app.env]`, `NAME=value` lines.
    pub settings: AppSettings,
    /// `[app] secrets`, names only.
    pub secret_names: SecretNames,
    /// `[app] static`, `PREFIX FOLDER` lines (nginx reads the folders: made readable to its
    /// group when the release is built).
    pub static_dirs: StaticDirs,
    /// `[app] shared`, folder names kept across releases.
    pub shared: SharedDirs,
}

/// nginx's group on Debian and Ubuntu: the service's group of a site whose owner has sudo.
pub const NGINX_GROUP: &str = "www-data";

/// The service's group for the answers' site: nginx's (www-data) for an owner with sudo, as
/// droplift always did; for an owner without sudo (`[user] sudo = false`), the owner's own
/// group, which stage 3 puts nginx's user in. So no other site's app (www-data, or another
/// owner's group) can read a private site's folder or reach its socket, and a private site's
/// app reaches nothing of the others'. The user's name was checked by the caller.
pub fn site_group(answers: &Answers, user: &UserName) -> Made {
    if answers.user_sudo {
        Made::new(NGINX_GROUP)
    } else {
        Made::new(user.as_str())
    }
}

/// The site (stage 7's answer): it names the app's folder, where nginx finds the socket.
pub(crate) fn site_answer(answers: &Answers) -> &str {
    &answers.nginx.site
}

/// The code as the answers give it. A folder must have been read by the caller already.
pub fn code(answers: &Answers) -> Result<Code, PlanError> {
    let app = &answers.app;
    Ok(match source_kind(&app.source) {
        SourceKind::Sample => Code::Archive {
            source: CodeSource::Sample,
            digest: answer(
                "app.source",
                CodeDigest::parse(&crate::source::sample().digest),
            )?,
        },
        SourceKind::Git => Code::Git {
            url: answer("app.source", GitUrl::parse(&app.source))?,
            git_ref: answer("app.ref", GitRef::parse(&app.git_ref))?,
        },
        SourceKind::Folder => {
            let (Some(folder), Some(digest)) = (&app.folder, &app.folder_digest) else {
                return Err(PlanError::Answer {
                    key: "app.source",
                    message: format!("the folder {} has not been read yet", app.source).into(),
                });
            };
            Code::Archive {
                source: CodeSource::Folder(folder.clone()),
                digest: answer("app.source", CodeDigest::parse(digest))?,
            }
        }
    })
}

/// What a release's mark says it was built from, for code from this computer.
pub fn source_label(source: &CodeSource) -> &'static str {
    match source {
        CodeSource::Sample => "the sample app",
        CodeSource::Folder(_) => "a folder on your computer",
    }
}

/// Checks the answers stage 8 needs.
pub fn values(answers: &Answers) -> Result<AppValues, PlanError> {
    let user = answer("user", UserName::parse(&answers.user))?;
    Ok(AppValues {
        site: answer("nginx.site", SiteName::parse(site_answer(answers)))?,
        group: site_group(answers, &user),
        user,
        role: answer("postgres.role", PgRole::parse(answers.db_role()))?,
        db: answer("postgres.database", PgDatabase::parse(answers.db_name()))?,
        module: answer("app.module", AppModule::parse(&answers.app.module))?,
        code: code(answers)?,
        release: answer(
            "app.release",
            ReleaseCommands::parse(&answers.app.release.join("\n")),
        )?,
        settings: answer(
            "app.env",
            AppSettings::parse(
                &answers
                    .app
                    .env
                    .iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        )?,
        secret_names: answer(
            "app.secrets",
            SecretNames::parse(&answers.app.secrets.join(" ")),
        )?,
        static_dirs: answer(
            "app.static",
            StaticDirs::parse(&folders::static_lines(&answers.app.static_dirs)),
        )?,
        shared: answer(
            "app.shared",
            SharedDirs::parse(&answers.app.shared.join(" ")),
        )?,
    })
}

/// The packages stage 8 installs, for code from this computer and for code from git, besides
/// uWSGI's (`uwsgi.sh` decides on the server which uWSGI serves the app).
pub const PYTHON_PACKAGES: &str = "python3-venv";
pub const PYTHON_PACKAGES_GIT: &str = "python3-venv git";
/// The distribution's uWSGI with its Python 3 plugin: preferred (nothing to compile, security
/// updates with the system's).
pub const UWSGI_SYSTEM_PACKAGES: &str = "uwsgi-core uwsgi-plugin-python3";
/// What pip needs to build uWSGI when the distribution's plugin does not fit.
pub const UWSGI_BUILD_PACKAGES: &str = "python3-dev build-essential libpq-dev";

fn packages(code: &Code) -> Const {
    match code {
        Code::Archive { .. } => Const(PYTHON_PACKAGES),
        Code::Git { .. } => Const(PYTHON_PACKAGES_GIT),
    }
}

/// The password line on stdin: DATABASE_URL is written from it; then, for an app with secret
/// settings, their values typed, `NAME=value` lines (none when none was typed).
fn password_stdin(v: &AppValues) -> Vec<StdinPart> {
    let mut parts = vec![
        StdinPart::KeptSecret(SecretName::DbPassword),
        StdinPart::Text("\n".into()),
    ];
    if !v.secret_names.as_str().is_empty() {
        parts.push(StdinPart::Secret(SecretName::AppSecrets));
    }
    parts
}

/// The plain settings the environment file gets, for a step's title (names only).
fn settings_said(v: &AppValues) -> String {
    let names: Vec<&str> = v
        .settings
        .as_str()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(n, _)| n))
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" and the settings {}", names.join(", "))
    }
}

/// The settings' lines for the by-hand note: plain values as they are, secret ones as a
/// placeholder.
fn by_hand_settings(v: &AppValues) -> String {
    let mut lines: Vec<String> = v.settings.as_str().lines().map(str::to_owned).collect();
    lines.extend(
        v.secret_names
            .as_str()
            .split(' ')
            .filter(|n| !n.is_empty())
            .map(|n| format!("{n}=<a long random value>")),
    );
    if lines.is_empty() {
        String::new()
    } else {
        format!(", then {}", lines.join(", "))
    }
}

/// The secret settings, for a step's title: names only, and where their values come from.
fn secrets_said(v: &AppValues) -> String {
    if v.secret_names.as_str().is_empty() {
        return String::new();
    }
    format!(
        ";\nsecret settings {}: the value typed (on stdin), else the server's, else 50 random \
         characters made there (they never leave it)",
        v.secret_names.as_str().replace(' ', ", ")
    )
}

/// Adds what the source's file declares (digest, or the repository and ref).
fn with_source(script: Script, code: &Code) -> Script {
    match code {
        Code::Archive { digest, .. } => script.set("digest", digest),
        Code::Git { url, git_ref } => script.set("url", url).set("ref", git_ref),
    }
}

fn source_file(code: &Code) -> &'static str {
    match code {
        Code::Archive { .. } => SOURCE_ARCHIVE,
        Code::Git { .. } => SOURCE_GIT,
    }
}

pub fn plans(v: &AppValues) -> Result<StagePlans, QuoteError> {
    let layout = Layout::new(&v.site, &v.user).with_group(&v.group);
    let base = &layout.base;
    let user = &v.user;
    let probe_script = with_source(
        layout
            .script(&[LIB, UWSGI, DBLOGIN, APPENV, source_file(&v.code), PROBE])
            .set("packages", &packages(&v.code))
            .set("settings", &v.settings)
            .set("secret_names", &v.secret_names)
            .set("release_cmds", &v.release)
            .set("shared_dirs", &v.shared)
            .set("role", &v.role)
            .set("db", &v.db),
        &v.code,
    );

    let get_code: Vec<Step> = match &v.code {
        Code::Archive { source, .. } => vec![
            Step {
                title: "Send the code from this computer to the server (SFTP)".into(),
                action: crate::course::plan::Action::Upload {
                    source: source.clone(),
                    path: format!("{}/source.tar", layout.staging),
                },
            },
            Step::run(
                format!(
                    "Unpack it as {user} into a new release, {}/<the time, UTC>, and point `next` \
                     at it\n(a release built from exactly this code before is used again)",
                    layout.releases
                ),
                Command::root(
                    &layout
                        .script(&[LIB, LOCK, CHECKS, UNPACK])
                        .set("module", &v.module)
                        .set("source_label", &Const(source_label(source))),
                )?,
            ),
        ],
        Code::Git { url, git_ref } => vec![Step::run(
            format!(
                "Clone {git_ref} of {url} as {user} into a new release under {} and point \
                 `next` at it\n(git is asked first: a URL or ref it cannot find changes nothing)",
                layout.releases
            ),
            Command::root(
                &layout
                    .script(&[LIB, LOCK, SOURCE_GIT, CHECKS, CLONE])
                    .set("url", url)
                    .set("ref", git_ref)
                    .set("module", &v.module),
            )?
            .timeout(Duration::from_secs(600)),
        )],
    };

    let mut apply = vec![
        Step::run(
            "Install what Python apps need: python3-venv and uWSGI\n(the distribution's uWSGI \
             with its Python 3 plugin when it fits the virtualenv's Python: nothing to compile; \
             else the compiler pip builds uWSGI with)",
            Command::root(
                &crate::course::apt::apt_script(&[UWSGI, WAIT_FOR_APT, PACKAGES])
                    .set("packages", &packages(&v.code)),
            )?
            .timeout(Duration::from_secs(960))
            .by_hand(format!(
                "sudo apt install python3-venv {UWSGI_SYSTEM_PACKAGES}   # or, to build uWSGI with pip: {UWSGI_BUILD_PACKAGES}"
            )),
        ),
        Step::run(
            format!(
                "Make the site's folders: {base} for {user} and nginx's group, with releases/ and \
                 log/ inside;\ndroplift's own folder for the site ({}, root only), and {} for \
                 uwsgi.ini",
                layout.staging,
                layout.ini.as_str().trim_end_matches("/uwsgi.ini")
            ),
            Command::root(&layout.script(&[LIB, LOCK, FOLDERS]))?,
        ),
        Step::run(
            format!(
                "Try the database password, then write DATABASE_URL{} to {}.next (mode 600, \
                 root's: systemd hands it to the app),\nto go live with the release; the password \
                 is URL-encoded, sent on stdin, and never on a command line, in the unit or in the \
                 log{}",
                settings_said(v),
                layout.env_file,
                secrets_said(v),
            ),
            Command::root(
                &layout
                    .script(&[LIB, LOCK, DBURL, DBLOGIN, APPENV, ENV_FILE])
                    .set("role", &v.role)
                    .set("db", &v.db)
                    .set("settings", &v.settings)
                    .set("secret_names", &v.secret_names),
            )?
            .stdin(password_stdin(v))
            .by_hand(format!(
                "sudo sh -c 'umask 077; ${{EDITOR:-nano}} {}'   # DATABASE_URL=postgresql://{}:PASSWORD@127.0.0.1:5432/{} (the password URL-encoded){}",
                layout.env_file,
                v.role,
                v.db,
                by_hand_settings(v)
            )),
        ),
    ];
    apply.extend(get_code);
    if !v.shared.as_str().is_empty() {
        apply.push(Step::run(
            format!(
                "Link the shared folders ({}) into the new release, as {user}: each is kept in \
                 {base}/shared/ across releases\n(made the first time, with the files your code \
                 has there; uWSGI writes in them)",
                v.shared.as_str().replace(' ', ", ")
            ),
            Command::root(
                &layout
                    .script(&[LIB, LOCK, LINK_SHARED, SHARED])
                    .set("shared_dirs", &v.shared),
            )?,
        ));
    }
    apply.extend([
        Step::run(
            format!(
                "Give the release its own virtualenv and pip install -r requirements.txt in it \
                 (without one: pyproject.toml's dependencies), as {user}\n(pyproject.toml's \
                 requires-python is checked first; a uwsgi or gunicorn line is left out: the \
                 distribution's uWSGI serves, venv/bin/uwsgi starts it with its python3 plugin; \
                 psycopg2 from source gets libpq-dev, python3-dev and build-essential before pip)"
            ),
            Command::root(
                &layout
                    .with_site(crate::course::apt::apt_script(&[UWSGI]), &[LIB, LOCK, VENV])
                    .files(&[LIB, LOCK, VENV])
                    .set("wheels", &Const(crate::course::prefetch::WHEELS)),
            )?
            .timeout(Duration::from_secs(1800)),
        ),
        Step::run(
            format!(
                "Import {} as uWSGI will, with the environment file, to catch a missing library \
                 or a wrong module now\n(on a site already serving from two slots, with no \
                 release commands, its go-live does this instead: the new slot imports the app \
                 and is asked before nginx sends it a request)",
                v.module
            ),
            Command::root(
                &layout
                    .script(&[LIB, LOCK, DBLOGIN, APPENV, CHECK_APP])
                    .set("module", &v.module)
                    .set("release_cmds", &v.release),
            )?
            .timeout(Duration::from_secs(300)),
        ),
    ]);
    if !v.release.as_str().is_empty() {
        let count = v.release.as_str().lines().count();
        let db = &v.db;
        apply.push(Step::run(
            format!(
                "Back up the database {db} (while a release serves), then run the release \
                 commands ([app] release) as {user} in the new release's folder, before it \
                 serves\n{}\n(with its virtualenv first on PATH and the environment file; the \
                 database changes now, while the release before still serves: the old code meets \
                 the new schema, and a rollback to it names the backup; a command that fails \
                 marks the release failed, and it never serves)",
                v.release
                    .as_str()
                    .lines()
                    .map(|c| format!("  $ {c}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            Command::root(
                &layout
                    .script(&[LIB, LOCK, DBLOGIN, APPENV, DUMP, RELEASE])
                    .set("release_cmds", &v.release)
                    .set("release_timeout", &settings::RELEASE_COMMAND_TIMEOUT_SECS)
                    .set("site", &v.site)
                    .set("db", &v.db),
            )?
            // The backup first (up to 10 minutes), then each command.
            .timeout(Duration::from_secs(
                660 + (settings::RELEASE_COMMAND_TIMEOUT_SECS as u64 + 15) * count as u64,
            )),
        ));
    }
    let finish_title = if v.static_dirs.as_str().is_empty() {
        "Mark the release built and keep the five newest releases".to_owned()
    } else {
        format!(
            "Let nginx's group read the static folders ({}), as {user}; mark the release built \
             and keep the five newest releases",
            v.static_dirs
                .as_str()
                .lines()
                .filter_map(|l| l.split_once(' ').map(|(_, f)| f))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    apply.extend([Step::run(
        finish_title,
        Command::root(
            &layout
                .script(&[LIB, LOCK, FINISH])
                .set("static_lines", &v.static_dirs),
        )?,
    )]);

    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            "Are the packages there, does PostgreSQL accept the environment file's \
             DATABASE_URL, and is a release built from your code?",
            Command::root(&probe_script)?.timeout(Duration::from_secs(60)),
        )]),
        apply: Plan::new(apply).with_rollback(vec![Step::run(
            "Mark the release that failed as failed; `current` (what serves now) stays",
            Command::root(&layout.script(&[LIB, LOCK, MARK_FAILED]))?,
        )]),
        verify: Plan::new(vec![Step::run(
            "Check the release's virtualenv, the environment file's mode and owner, and log in \
             to PostgreSQL with its DATABASE_URL",
            Command::root(&layout.script(&[LIB, DBLOGIN, VERIFY]))?,
        )]),
    })
}

/// A folder source made absolute: `~/` from `home`, a relative path from `relative_to` (the
/// answers file's folder).
pub fn folder_path(source: &str, home: &std::path::Path, relative_to: &std::path::Path) -> PathBuf {
    let path = crate::home::expand_home(std::path::Path::new(source), home);
    if path.is_absolute() {
        path
    } else {
        relative_to.join(path)
    }
}

// ── The stage, as the rest of droplift sees it ──

pub const STAGE: Stage = Stage {
    id: StageId::App,
    key: "app",
    title: "The app",
    explanation: "Your code becomes a release with its own virtualenv, waiting as `next`. \
                  Module: what uWSGI loads. Health path: a GET that answers 2xx when your app \
                  works, asked before it goes live.",
    inputs: &[
        text("source", "Code", "empty: the sample app; or a git URL"),
        InputSpec {
            default: DEFAULT_REF,
            ..text("ref", "Branch or tag", "for a git URL, e.g. v1.0.0")
        },
        InputSpec {
            default: DEFAULT_MODULE,
            ..text(
                "module",
                "Module",
                "app:app, app:create_app() or proj.wsgi:application",
            )
        },
        text("health", "Health path", "2xx when healthy, e.g. /health"),
        // Known once stage 5 ran in this session; after a resume it must be typed again (it is
        // never saved). Tried against PostgreSQL before anything is written.
        secret(
            "db_password",
            "DB password",
            "stage 5's; empty: as typed there",
        ),
        text(
            "release",
            "Release cmds",
            "e.g. flask db upgrade; ; between",
        ),
        text("env", "Settings", "NAME=value; ; between them"),
        text("secrets", "Secret names", "e.g. SECRET_KEY JWT_SECRET_KEY"),
        // Never saved; what is not typed is kept on the server (or made there the first time).
        secret(
            "secret_values",
            "Secret values",
            "NAME=value …; empty: made there",
        ),
        text("static", "Static files", "/static/=staticfiles; ; between"),
        text("shared", "Shared dirs", "kept across releases, e.g. media"),
    ],
    validate,
    fill,
    note,
    take,
    plans: |answers| Ok(plans(&values(answers)?)?),
    fetch,
    rollback_after: Some("the new release's folder was made"),
    advice: &[crate::course::advice::known(
        &["The release command `"],
        "One of your release commands ([app] release) failed on the server; its last lines \
         are above.",
        "Fix the command or your code (try it on your computer first, e.g. `flask db upgrade` \
         against a copy of your database), then deploy again. The new release is marked failed \
         and never served; the one serving stays.",
    )],
    ansible_tasks: Some(include_str!("tasks.yml")),
};

fn validate(value: &FieldText<'_>) -> Vec<FieldError> {
    let mut errors = FieldErrors::default();
    let source = value("source");
    match source_kind(&source) {
        SourceKind::Sample => {}
        SourceKind::Git => {
            errors.check("source", rules::validate_git_url(source.trim()));
            errors.check("ref", rules::validate_git_ref(&value("ref")));
        }
        SourceKind::Folder => errors.check(
            "source",
            Err::<(), _>(
                "The wizard sends the sample app or a git repository; a folder on this \
                 computer goes with `droplift deploy --source FOLDER`.",
            ),
        ),
    }
    errors.check("module", rules::validate_module(&value("module")));
    let health_path = value("health");
    let health_path = health_path.trim();
    if !health_path.is_empty() {
        errors.check("health", health::validate_health_path(health_path));
    } else if source_kind(&source) != SourceKind::Sample {
        errors.check(
            "health",
            Err::<(), _>(
                "Your app's health path, e.g. /health or /store: droplift asks it before a \
                 release goes live (2xx is healthy; /items is only the sample's).",
            ),
        );
    }
    let commands = settings::split_commands(&value("release"));
    errors.check("release", settings::validate_release_commands(&commands));
    let plain = settings::split_settings(&value("env"));
    let plain_ok = match &plain {
        Ok(pairs) => settings::validate_settings(pairs),
        Err(m) => Err(m.clone()),
    };
    errors.check("env", plain_ok);
    let names = settings::split_names(&value("secrets"));
    let plain_names: Vec<&str> = plain.iter().flatten().map(|(n, _)| n.as_str()).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    errors.check(
        "secrets",
        settings::validate_setting_names(&plain_names, &name_refs),
    );
    errors.check(
        "secret_values",
        settings::split_secret_values(&value("secret_values"), &names),
    );
    errors.check(
        "static",
        folders::split_static(&value("static")).and_then(|p| folders::validate_static(&p)),
    );
    errors.check(
        "shared",
        folders::validate_shared(&folders::split_shared(&value("shared"))),
    );
    errors.into_vec()
}

fn fill(answers: &Answers, key: &str) -> Option<String> {
    let app = &answers.app;
    Some(match key {
        "source" => app.source.clone(),
        "ref" => app.git_ref.clone(),
        "module" => proposed_module(answers).0,
        "health" => app.health.clone(),
        "release" => app.release.join("; "),
        "env" => app
            .env
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; "),
        "secrets" => app.secrets.join(" "),
        "static" => app
            .static_dirs
            .iter()
            .map(|(p, f)| format!("{p}={f}"))
            .collect::<Vec<_>>()
            .join("; "),
        "shared" => app.shared.join(" "),
        _ => return None,
    })
}

/// What an empty health field means, or where to look for a path. The field starts empty (or
/// with the student's path): a proposed /items left in it while the source changes to the
/// student's own code would be the silent /items the check must never be.
fn health_note(answers: &Answers) -> Option<String> {
    let app = &answers.app;
    if !app.health.is_empty() {
        return None;
    }
    Some(match source_kind(&app.source) {
        SourceKind::Sample => "empty: the sample's /items, with JSON".to_owned(),
        _ if !app.routes.is_empty() => format!("routes in the code: {}", app.routes.join(", ")),
        SourceKind::Git => "code in git is not looked at: give one of your routes".to_owned(),
        SourceKind::Folder => "give one of your routes, e.g. /health".to_owned(),
    })
}

/// The module the form starts with, and why when droplift chose it: the answers' own when the
/// student gave one, else what the code shows (the sample app's is inside droplift; code from
/// git reaches only the server, so app:app is a guess and is said to be one).
fn proposed_module(answers: &Answers) -> (String, Option<String>) {
    let app = &answers.app;
    if app.module_given {
        return (app.module.clone(), None);
    }
    if app.module_found.is_some() {
        return (app.module.clone(), app.module_found.clone());
    }
    match source_kind(&app.source) {
        SourceKind::Sample => match entry::sample() {
            Ok(found) => (found.module, Some(found.reason)),
            Err(_) => (app.module.clone(), None),
        },
        SourceKind::Git => (
            app.module.clone(),
            Some("a guess: code in git is not looked at".to_owned()),
        ),
        SourceKind::Folder => (app.module.clone(), None),
    }
}

fn note(answers: &Answers, key: &str) -> Option<String> {
    match key {
        "module" => proposed_module(answers).1,
        "health" => health_note(answers),
        _ => None,
    }
}

fn take(answers: &mut Answers, form: &mut dyn FormInput) -> Vec<(SecretName, Secret)> {
    let app = &mut answers.app;
    app.source = form.value("source").trim().to_owned();
    app.git_ref = form.value("ref").trim().to_owned();
    let module = form.value("module").trim().to_owned();
    let (proposed, why) = proposed_module(answers);
    let app = &mut answers.app;
    // Kept as droplift's choice (its reason still true) when the proposal was left as it was.
    if why.is_none() || module != proposed {
        app.module_given = true;
        app.module_found = None;
    }
    app.module = module;
    app.health = form.value("health").trim().to_owned();
    app.release = settings::split_commands(&form.value("release"));
    // `validate` passed: the pairs are good.
    app.env = settings::split_settings(&form.value("env")).unwrap_or_default();
    app.secrets = settings::split_names(&form.value("secrets"));
    // `validate` passed: the pairs are good.
    app.static_dirs = folders::split_static(&form.value("static")).unwrap_or_default();
    app.static_given = true;
    app.shared = folders::split_shared(&form.value("shared"));
    let mut typed = Vec::new();
    // Empty keeps the password typed at stage 5 in this session, if any.
    let password = form.take_secret("db_password");
    if !password.expose().is_empty() {
        typed.push((SecretName::DbPassword, password));
    }
    // The secret settings typed, as the `NAME=value` lines `app_secrets` holds; none typed
    // keeps (or makes) them on the server.
    let values = form.take_secret("secret_values");
    let pairs = settings::split_secret_values(values.expose(), &app.secrets).unwrap_or_default();
    if !pairs.is_empty() {
        // One buffer of the right size, moved into the Secret (wiped on drop): no copies left.
        let size = pairs
            .iter()
            .map(|(n, v)| n.len() + v.expose().len() + 2)
            .sum();
        let mut lines = String::with_capacity(size);
        for (name, value) in &pairs {
            lines.push_str(name);
            lines.push('=');
            lines.push_str(value.expose());
            lines.push('\n');
        }
        typed.push((SecretName::AppSecrets, Secret::new(lines)));
    }
    typed
}

/// Python's packages (git too for code from git), uWSGI's, and the sample app's wheels when the
/// code is the sample (its requirements are known before the code reaches the server).
fn fetch(answers: &Answers, fetch: &mut Fetch) {
    let (packages, sample) = match source_kind(&answers.app.source) {
        SourceKind::Git => (PYTHON_PACKAGES_GIT, false),
        SourceKind::Sample => (PYTHON_PACKAGES, true),
        SourceKind::Folder => (PYTHON_PACKAGES, false),
    };
    fetch.packages.extend(packages.split(' '));
    fetch.uwsgi = true;
    if sample {
        fetch.requirements = crate::source::SAMPLE
            .iter()
            .find(|(name, _)| *name == "requirements.txt")
            .map(|(_, text)| *text);
    }
}
