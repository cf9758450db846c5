//! The answers a student gives, for every stage of the course: what the wizard's fields fill in
//! and what `--answers FILE` (TOML) holds (`answers_file` reads it), and `Reading`, where each
//! section's reader reports a mistake with its key and line. Pure: no file is read here.

use std::ops::Range;
use std::path::PathBuf;

use super::stages::firewall::ports::PortRule;

/// The course's answers, validated. Sections for stages this version does not run yet are kept
/// so a file written today keeps working as they arrive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answers {
    pub host: String,
    pub port: u16,
    /// The site's owner (`[user] name`): it owns the site's folder, runs its app and ships with
    /// the site's deploy key. It is also who droplift logs in as, unless `login` says otherwise.
    pub user: String,
    /// `[user] login`: the account droplift logs in as (its key, its sudo password) when it is
    /// not the owner: an instructor setting up a site for somebody else. None: `user`.
    pub login: Option<String>,
    /// `[user] sudo`: whether the owner gets sudo (stage 3). false: an account with no password
    /// and no sudo, whose site is private (its own group; see `stages::app::site_group`).
    pub user_sudo: bool,
    /// The private key used to log in as `user` (created if missing). May start with `~/`.
    pub key: PathBuf,
    /// A Host alias to add to ~/.ssh/config; None adds none.
    pub alias: Option<String>,
    // ── Stage 5: PostgreSQL ──
    /// The database role; None: the same name as `user`.
    pub db_role: Option<String>,
    /// The database; None: the same name as the role.
    pub db_name: Option<String>,
    // ── Stage 6: firewall ──
    /// Ports to let in besides SSH and the web, in the order given.
    pub extra_ports: Vec<PortRule>,
    /// The domain from `[tls]`; when there is one, the firewall lets HTTPS in too.
    pub domain: Option<String>,
    pub nginx: NginxAnswers,
    // ── Stages 8–9: the app ──
    pub app: AppAnswers,
    /// `[tls] email` for Let's Encrypt (stage 10, with `domain`).
    pub tls_email: Option<String>,
    // ── Creating the droplet (src/cloud/) ──
    /// `[droplet]`: the droplet to create through DigitalOcean's API (`droplift cloud create`).
    pub droplet: Option<DropletAnswers>,
    /// root logs in with the student's key, not a password: the droplet was created with it.
    pub root_by_key: bool,
}

/// `[droplet]`: what `droplift cloud create` makes; checked by `cloud::choices`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropletAnswers {
    pub name: String,
    pub region: String,
    pub size: String,
    pub image: String,
    pub backups: bool,
    /// The answers file's line of each key (of `[droplet]` for a key left out), so a refusal
    /// the API's lists allow before anything is sent is said where the student wrote it.
    pub lines: DropletLines,
}

/// Where `[droplet]`'s keys are in the answers file (1-based lines).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DropletLines {
    pub name: usize,
    pub region: usize,
    pub size: usize,
    pub image: usize,
}

/// The nginx stage's answers. The site's text is the template filled from `site` and
/// `server_name`, unless the student edited it (wizard) or gave `site_file` (answers file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NginxAnswers {
    pub site: String,
    pub server_name: String,
    /// Turn off nginx's own default site (it stays in sites-available).
    pub remove_default: bool,
    /// `site_file = "..."` as written (relative to the answers file), and its line, for errors.
    pub site_file: Option<(PathBuf, usize)>,
    /// The site's text when it is not the template: the editor's, or `site_file`'s contents
    /// (read by the caller: parsing stays pure).
    pub site_text: Option<String>,
    /// `[nginx] under = "items"`: no server block of its own; served at `/SITE/` on the server
    /// block of the site named here (a class with no DNS).
    pub under: Option<String>,
}

impl Default for NginxAnswers {
    fn default() -> Self {
        Self {
            site: DEFAULT_SITE.to_owned(),
            server_name: "_".to_owned(),
            remove_default: true,
            site_file: None,
            site_text: None,
            under: None,
        }
    }
}

/// The course's site name; the uWSGI stage uses the same folder for the app and its socket.
pub const DEFAULT_SITE: &str = "items-rest";

// ── Stages 8–9: the app ──
/// `[app]`: where the code comes from and what uWSGI imports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppAnswers {
    /// As written: empty for the sample app, a git URL, or a folder on this computer.
    pub source: String,
    /// The branch or tag to deploy from a git source.
    pub git_ref: String,
    /// uWSGI's `module:callable` (or `module:factory()`).
    pub module: String,
    /// Whether the student gave `module` (`[app] module`, or typed in the form); if not, the
    /// code on this computer is looked at (`stages::app::entry`) and `module_found` says why.
    pub module_given: bool,
    /// What the entry point was found from ("found def create_app in app.py"), when droplift
    /// chose it.
    pub module_found: Option<String>,
    /// A folder source made absolute (`~` and paths relative to the answers file), and the
    /// digest of its packed code: both filled in by the caller who reads the folder (parsing
    /// stays pure; see `crate::source`).
    pub folder: Option<PathBuf>,
    pub folder_digest: Option<String>,
    /// The line of `source` in the answers file, for errors found when the folder is read.
    pub source_line: usize,
    /// `[app] health`: the path the smoke test asks (empty: not given; the sample app then
    /// keeps `/items`, any other app must name one: `stages::app::health`).
    pub health: String,
    /// The line of `health` in the answers file (0: not from the file).
    pub health_line: usize,
    /// Routes seen in a folder's code (`stages::app::routes`), offered when `health` is missing.
    pub routes: Vec<String>,
    /// `[app] release`: commands run for a new release, as the site's user in its folder, before
    /// it serves (migrations, collectstatic).
    pub release: Vec<String>,
    /// `[app.env]`: plain settings written into the environment file, in name order.
    pub env: Vec<(String, String)>,
    /// `[app] secrets`: the names of settings whose values are secret (typed, or made on the
    /// server); the values are never answers.
    pub secrets: Vec<String>,
    /// Whether `[app] release` was given (even empty): if not, droplift may propose commands
    /// from the code (Django's migrate and collectstatic).
    pub release_given: bool,
    /// `[app] static`: URL prefix → folder inside the release, served by nginx itself.
    pub static_dirs: Vec<(String, String)>,
    /// Whether `[app] static` was given (even empty): if not, Django's STATIC_ROOT is proposed.
    pub static_given: bool,
    /// `[app] shared`: folders kept outside the releases and linked into each one.
    pub shared: Vec<String>,
    /// What droplift proposed from the code, and why (release commands, static folders), for
    /// headless to say under stage 8's heading.
    pub proposed: Vec<String>,
    /// `[app] memory_max`, `cpu_quota`, `tasks_max`: the limits of each slot's unit (systemd's
    /// MemoryMax=, CPUQuota=, TasksMax=), so one app cannot starve the others on a shared
    /// droplet. Checked by `stages::app::limits`.
    pub memory_max: String,
    pub cpu_quota: String,
    pub tasks_max: String,
}

impl Default for AppAnswers {
    fn default() -> Self {
        Self {
            source: String::new(),
            git_ref: DEFAULT_REF.to_owned(),
            module: DEFAULT_MODULE.to_owned(),
            module_given: false,
            module_found: None,
            folder: None,
            folder_digest: None,
            source_line: 0,
            health: String::new(),
            health_line: 0,
            routes: Vec::new(),
            release: Vec::new(),
            env: Vec::new(),
            secrets: Vec::new(),
            release_given: false,
            static_dirs: Vec::new(),
            static_given: false,
            shared: Vec::new(),
            proposed: Vec::new(),
            memory_max: DEFAULT_MEMORY_MAX.to_owned(),
            cpu_quota: DEFAULT_CPU_QUOTA.to_owned(),
            tasks_max: DEFAULT_TASKS_MAX.to_owned(),
        }
    }
}

/// The slot's limits unless `[app]` says otherwise: half a course droplet's memory, one core,
/// and room for uWSGI's master, workers and their threads.
pub const DEFAULT_MEMORY_MAX: &str = "512M";
pub const DEFAULT_CPU_QUOTA: &str = "100%";
pub const DEFAULT_TASKS_MAX: &str = "128";

/// The branch deployed from a git source unless `[app] ref` says otherwise.
pub const DEFAULT_REF: &str = "main";
/// The module when none is given and none can be found (code from git is on the server only):
/// app.py, the object `app`, as the sample app has it.
pub const DEFAULT_MODULE: &str = "app:app";

impl Answers {
    /// The defaults the wizard starts from for a host.
    pub fn new(host: &str, user: &str) -> Self {
        Self {
            host: host.to_owned(),
            port: 22,
            user: user.to_owned(),
            login: None,
            user_sudo: true,
            key: PathBuf::from(DEFAULT_KEY),
            alias: None,
            db_role: None,
            db_name: None,
            extra_ports: Vec::new(),
            domain: None,
            nginx: NginxAnswers::default(),
            app: AppAnswers::default(),
            tls_email: None,
            droplet: None,
            root_by_key: false,
        }
    }

    /// The account droplift logs in as: `[user] login`, else the owner.
    pub fn login_name(&self) -> &str {
        self.login.as_deref().unwrap_or(&self.user)
    }

    /// Whether the site's owner is not the account droplift logs in as.
    pub fn owner_is_not_login(&self) -> bool {
        self.login.as_deref().is_some_and(|l| l != self.user)
    }

    /// The PostgreSQL role: the one given, or the user's own name (as the course does).
    pub fn db_role(&self) -> &str {
        self.db_role.as_deref().unwrap_or(&self.user)
    }

    /// The database: the one given, or the role's name (the course's `createdb johndoe`).
    pub fn db_name(&self) -> &str {
        self.db_name.as_deref().unwrap_or_else(|| self.db_role())
    }
}

impl Answers {
    /// The answers by their question's key, to save for next time (no secret is an answer).
    pub fn saved_values(&self) -> Vec<(&'static str, String)> {
        let mut values = vec![
            ("user", self.user.clone()),
            ("key", self.key.display().to_string()),
        ];
        if let Some(alias) = &self.alias {
            values.push(("alias", alias.clone()));
        }
        if self.root_by_key {
            values.push(("root_login", "key".to_owned()));
        }
        // The later stages' answers too, so a resumed wizard builds the same database URL, site
        // and release as the run before (none of them is a secret).
        values.extend([
            ("db_role", self.db_role.clone().unwrap_or_default()),
            ("db_name", self.db_name.clone().unwrap_or_default()),
            ("site", self.nginx.site.clone()),
            ("server_name", self.nginx.server_name.clone()),
            ("app_source", self.app.source.clone()),
            ("app_ref", self.app.git_ref.clone()),
            ("app_health", self.app.health.clone()),
            ("app_release", self.app.release.join("\n")),
            (
                "app_env",
                self.app
                    .env
                    .iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            ("app_secret_names", self.app.secrets.join(" ")),
            (
                "app_static",
                crate::course::stages::app::folders::static_lines(&self.app.static_dirs),
            ),
            ("app_shared", self.app.shared.join(" ")),
            ("domain", self.domain.clone().unwrap_or_default()),
            ("tls_email", self.tls_email.clone().unwrap_or_default()),
            (
                "extra_ports",
                self.extra_ports
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ]);
        if !self.nginx.remove_default {
            values.push(("remove_default", "no".to_owned()));
        }
        if let Some(login) = &self.login {
            values.push(("login", login.clone()));
        }
        if !self.user_sudo {
            values.push(("user_sudo", "no".to_owned()));
        }
        if let Some(under) = &self.nginx.under {
            values.push(("under", under.clone()));
        }
        for (key, value, default) in [
            ("memory_max", &self.app.memory_max, DEFAULT_MEMORY_MAX),
            ("cpu_quota", &self.app.cpu_quota, DEFAULT_CPU_QUOTA),
            ("tasks_max", &self.app.tasks_max, DEFAULT_TASKS_MAX),
        ] {
            if value != default {
                values.push((key, value.clone()));
            }
        }
        if self.app.module_given {
            values.push(("app_module", self.app.module.clone()));
        }
        values.retain(|(_, v)| !v.is_empty());
        values
    }

    /// Fills in saved answers (each checked again by its stage's form before use).
    pub fn restore(
        &mut self,
        host: &str,
        port: u16,
        saved: &std::collections::BTreeMap<String, String>,
    ) {
        self.host = host.to_owned();
        self.port = port;
        if let Some(user) = saved.get("user") {
            self.user = user.clone();
        }
        if let Some(key) = saved.get("key") {
            self.key = PathBuf::from(key);
        }
        self.alias = saved.get("alias").cloned();
        self.root_by_key = saved.get("root_login").is_some_and(|l| l == "key");
        let get = |key: &str| saved.get(key).cloned();
        if let Some(role) = get("db_role") {
            self.db_role = Some(role);
        }
        if let Some(name) = get("db_name") {
            self.db_name = Some(name);
        }
        if let Some(site) = get("site") {
            self.nginx.site = site;
        }
        if let Some(name) = get("server_name") {
            self.nginx.server_name = name;
        }
        if let Some(source) = get("app_source") {
            self.app.source = source;
        }
        if let Some(git_ref) = get("app_ref") {
            self.app.git_ref = git_ref;
        }
        if let Some(health) = get("app_health") {
            self.app.health = health;
        }
        if let Some(release) = get("app_release") {
            self.app.release = release.lines().map(str::to_owned).collect();
            self.app.release_given = true;
        }
        if let Some(env) = get("app_env") {
            self.app.env = env
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect();
        }
        if let Some(names) = get("app_secret_names") {
            self.app.secrets = names.split(' ').map(str::to_owned).collect();
        }
        if let Some(lines) = get("app_static") {
            self.app.static_dirs = crate::course::stages::app::folders::static_pairs(&lines);
            self.app.static_given = true;
        }
        if let Some(names) = get("app_shared") {
            self.app.shared = crate::course::stages::app::folders::split_shared(&names);
        }
        if let Some(module) = get("app_module") {
            self.app.module = module;
            self.app.module_given = true;
        }
        if let Some(domain) = get("domain") {
            self.domain = Some(domain);
        }
        if let Some(email) = get("tls_email") {
            self.tls_email = Some(email);
        }
        // The firewall's own ports: without them a resumed wizard would find the stage pending
        // and offer to close the ports it opened (checked again, as each is parsed).
        if let Some(ports) = get("extra_ports") {
            self.extra_ports =
                crate::course::stages::firewall::ports::parse_list(&ports).unwrap_or_default();
        }
        self.nginx.remove_default = get("remove_default").is_none_or(|v| v != "no");
        self.login = get("login");
        self.user_sudo = get("user_sudo").is_none_or(|v| v != "no");
        self.nginx.under = get("under");
        if let Some(v) = get("memory_max") {
            self.app.memory_max = v;
        }
        if let Some(v) = get("cpu_quota") {
            self.app.cpu_quota = v;
        }
        if let Some(v) = get("tasks_max") {
            self.app.tasks_max = v;
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

/// An answers file being read: its text, for line numbers, and what was found so far. Each
/// section's reader reports its mistakes here, each with its key and the line it is on.
pub struct Reading<'a> {
    text: &'a str,
    mistakes: Vec<AnswerError>,
    notes: Vec<String>,
}

impl<'a> Reading<'a> {
    /// A file's reading starts with its text.
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            mistakes: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// What the reading found: every mistake, or the notes worth a warning when there is none.
    pub fn finish(self) -> Result<Vec<String>, AnswersError> {
        if self.mistakes.is_empty() {
            Ok(self.notes)
        } else {
            Err(AnswersError::Invalid(self.mistakes))
        }
    }

    /// A mistake at `key` (`postgres.role`), on the line where `span` starts.
    pub fn refuse(&mut self, key: &str, span: Range<usize>, why: impl std::fmt::Display) {
        let line = self.line(span);
        self.mistakes.push(AnswerError {
            key: key.to_owned(),
            line,
            message: why.to_string(),
        });
    }

    /// The line `span` starts on, counting from 1.
    pub fn line(&self, span: Range<usize>) -> usize {
        self.text
            .get(..span.start)
            .map_or(1, |before| before.matches('\n').count() + 1)
    }

    /// Something worth telling that is not a mistake (shown as a warning).
    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_run_gets_back_every_answer_the_later_stages_need() {
        let mut given = Answers::new("203.0.113.7", "ada");
        given.db_role = Some("shop".into());
        given.db_name = Some("shop-db".into());
        given.nginx.site = "shop".into();
        given.nginx.server_name = "api.example.com".into();
        given.app.source = "https://example.com/me/shop.git".into();
        given.app.git_ref = "v2".into();
        given.app.module = "shop:create_app()".into();
        given.app.module_given = true;
        given.app.health = "/health".into();
        given.domain = Some("api.example.com".into());
        given.tls_email = Some("ada@example.com".into());
        given.extra_ports =
            crate::course::stages::firewall::ports::parse_list("8080, 53/udp").expect("ports");
        given.nginx.remove_default = false;
        given.login = Some("erin".into());
        given.user_sudo = false;
        given.nginx.under = Some("items".into());
        given.app.memory_max = "1G".into();
        given.app.tasks_max = "64".into();
        let saved: std::collections::BTreeMap<String, String> = given
            .saved_values()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        let mut resumed = Answers::new("", "");
        resumed.restore("203.0.113.7", 22, &saved);
        assert_eq!(resumed.db_name(), "shop-db");
        assert_eq!(resumed.db_role(), "shop");
        assert_eq!(resumed.nginx.site, "shop");
        assert_eq!(resumed.nginx.server_name, "api.example.com");
        assert_eq!(resumed.app.source, given.app.source);
        assert_eq!(resumed.app.git_ref, "v2");
        assert_eq!(resumed.app.module, "shop:create_app()");
        assert!(resumed.app.module_given);
        assert_eq!(resumed.app.health, "/health");
        assert_eq!(resumed.domain.as_deref(), Some("api.example.com"));
        assert_eq!(resumed.tls_email.as_deref(), Some("ada@example.com"));
        assert_eq!(resumed.extra_ports, given.extra_ports);
        assert!(!resumed.nginx.remove_default);
        assert_eq!(resumed.login_name(), "erin");
        assert!(!resumed.user_sudo);
        assert_eq!(resumed.nginx.under.as_deref(), Some("items"));
        assert_eq!(
            (
                resumed.app.memory_max.as_str(),
                resumed.app.cpu_quota.as_str(),
                resumed.app.tasks_max.as_str()
            ),
            ("1G", DEFAULT_CPU_QUOTA, "64")
        );
    }
}
