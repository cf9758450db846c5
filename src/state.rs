//! Saved progress and where droplift keeps its files (the `directories` data dir): per server, the
//! answers given (never a secret), each stage's last known status and the releases made.
//!
//! One versioned TOML file, `progress.toml`, written atomically: a new file in the same folder
//! (O_EXCL, mode 600), fsync, rename over the old one, fsync of the folder. A file from a newer
//! droplift is refused, never overwritten; a file that cannot be read is moved aside with a
//! warning, never silently lost.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::course::{self, StageId, StageStatus};

use crate::fsutil::{create_private_dir, open_private_append};

/// droplift's data directory, e.g. ~/.local/share/droplift on Linux.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DROPLIFT_DATA_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "droplift").map(|d| d.data_dir().to_path_buf())
}

/// The format written by this droplift. A newer number is refused; an older one would be
/// migrated in `load` (there is none yet: 1 is the first format).
pub const VERSION: u32 = 1;

/// The file's name inside the data directory.
pub const FILE_NAME: &str = "progress.toml";

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "{path} was written by a newer droplift (format {found}; this one reads up to {VERSION}). \
         Update droplift, or move the file away to start afresh"
    )]
    Newer { path: PathBuf, found: u32 },
    #[error("could not read or write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not save progress: {0}")]
    Encode(#[from] toml::ser::Error),
    #[error("the answer `{0}` is a secret and is never saved")]
    Secret(String),
}

/// One stage's last known status on a server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedStage {
    /// done, pending, drifted, failed or skipped.
    pub status: String,
    /// Seconds since 1970 (UTC).
    pub at: u64,
    /// What the check said, e.g. "PermitRootLogin is yes again".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A release made on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedRelease {
    pub name: String,
    pub good: bool,
    pub at: u64,
}

/// Everything saved about one server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedServer {
    pub host: String,
    pub port: u16,
    /// When droplift last talked to it (seconds since 1970, UTC).
    pub touched: u64,
    /// The questions' answers by their key (`user`, `key`, `alias`, …); never a secret.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// By stage key (`update`, `ssh`, …).
    #[serde(default)]
    pub stages: BTreeMap<String, SavedStage>,
    #[serde(default)]
    pub releases: Vec<SavedRelease>,
    /// The droplet droplift created for this server through DigitalOcean's API, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub droplet: Option<SavedDroplet>,
}

/// A droplet droplift created: what `cloud destroy` and `apply` need to find it again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDroplet {
    pub id: u64,
    pub name: String,
    pub region: String,
    pub size: String,
    pub image: String,
    #[serde(default)]
    pub backups: bool,
}

impl From<&crate::cloud::api::Droplet> for SavedDroplet {
    /// What droplift keeps of a droplet it has just created (never the token).
    fn from(droplet: &crate::cloud::api::Droplet) -> Self {
        Self {
            id: droplet.id,
            name: droplet.name.clone(),
            region: droplet.region.slug.clone(),
            size: droplet.size_slug.clone(),
            image: droplet.image.slug.clone().unwrap_or_default(),
            backups: droplet.backups(),
        }
    }
}

impl SavedServer {
    /// How many stages were last seen done.
    pub fn done_count(&self) -> usize {
        self.tally().done
    }

    /// The stages as last seen, counted as every screen counts them.
    pub fn tally(&self) -> course::Tally {
        course::Tally::of(
            StageId::ALL
                .into_iter()
                .map(|s| self.stage_status(s).unwrap_or_default()),
        )
    }

    /// Records an answer, refusing any key the course marks secret (passwords, passphrases).
    pub fn remember(&mut self, key: &str, value: &str) -> Result<(), StateError> {
        if is_secret_key(key) {
            return Err(StateError::Secret(key.to_owned()));
        }
        self.answers.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    pub fn set_stage(&mut self, stage: StageId, status: StageStatus, note: &str, at: u64) {
        self.stages.insert(
            stage.key().to_owned(),
            SavedStage {
                status: status.label().to_owned(),
                at,
                note: note.to_owned(),
            },
        );
    }

    /// The status saved for a stage, if any.
    pub fn stage_status(&self, stage: StageId) -> Option<StageStatus> {
        let saved = self.stages.get(stage.key())?;
        [
            StageStatus::Done,
            StageStatus::Pending,
            StageStatus::Drifted,
            StageStatus::Failed,
            StageStatus::Skipped,
        ]
        .into_iter()
        .find(|s| s.label() == saved.status)
    }

    /// "Resume 203.0.113.7 — 6 of 10 stages done, last touched 2 h ago"; a site other than the
    /// course's is named ("Resume 203.0.113.7 (site shop) — …"): a droplet may have several.
    pub fn summary(&self, now: u64) -> String {
        let site = match self.site() {
            Some(site) if site != crate::course::answers::DEFAULT_SITE => format!(" (site {site})"),
            _ => String::new(),
        };
        format!(
            "Resume {}{site} — {}, last touched {}",
            self.host,
            self.tally(),
            ago(now, self.touched)
        )
    }

    /// The site these answers were saved for, if any.
    pub fn site(&self) -> Option<&str> {
        self.answers.get("site").map(String::as_str)
    }

    /// Whether this entry's site is settled: its nginx stage (which makes the site) was recorded.
    /// Until then the site answer may still change, and the entry follows it.
    fn site_settled(&self) -> bool {
        self.stages.contains_key(StageId::Nginx.key())
    }
}

fn is_secret_key(key: &str) -> bool {
    StageId::ALL
        .into_iter()
        .flat_map(course::inputs)
        .any(|spec| spec.secret && spec.key == key)
        || key.contains("password")
        || key.contains("passphrase")
}

/// The whole file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub version: u32,
    #[serde(default, rename = "server")]
    pub servers: Vec<SavedServer>,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            version: VERSION,
            servers: Vec::new(),
        }
    }
}

impl Progress {
    pub fn server(&self, host: &str, port: u16) -> Option<&SavedServer> {
        self.servers
            .iter()
            .find(|s| s.host == host && s.port == port)
    }

    /// The server's entry, made if new.
    pub fn server_mut(&mut self, host: &str, port: u16) -> &mut SavedServer {
        let at = match self
            .servers
            .iter()
            .position(|s| s.host == host && s.port == port)
        {
            Some(at) => at,
            None => {
                self.servers.push(SavedServer {
                    host: host.to_owned(),
                    port,
                    ..SavedServer::default()
                });
                self.servers.len() - 1
            }
        };
        &mut self.servers[at]
    }

    /// The entry of a site on a server: one per host, port and site, since a droplet may serve
    /// several sites, each with its own answers and statuses. An entry whose site is not settled
    /// yet (its nginx stage never recorded) is the same site's, its name being answered still.
    pub fn site_entry(&self, host: &str, port: u16, site: &str) -> Option<&SavedServer> {
        self.site_position(host, port, site)
            .map(|at| &self.servers[at])
    }

    fn site_position(&self, host: &str, port: u16, site: &str) -> Option<usize> {
        let here = |s: &SavedServer| s.host == host && s.port == port;
        self.servers
            .iter()
            .position(|s| here(s) && s.site().is_none_or(|x| x == site))
            .or_else(|| {
                self.servers
                    .iter()
                    .position(|s| here(s) && !s.site_settled())
            })
    }

    /// The entry of the site these answers are for (`site_entry`), made if new, marked as
    /// touched `now`, with the answers remembered (only the answers' own keys; a secret key
    /// would be refused, never saved).
    pub fn touch(
        &mut self,
        answers: &crate::course::answers::Answers,
        now: u64,
    ) -> &mut SavedServer {
        let at = match self.site_position(&answers.host, answers.port, &answers.nginx.site) {
            Some(at) => at,
            None => {
                self.servers.push(SavedServer {
                    host: answers.host.clone(),
                    port: answers.port,
                    ..SavedServer::default()
                });
                self.servers.len() - 1
            }
        };
        let server = &mut self.servers[at];
        server.touched = now;
        for (key, value) in answers.saved_values() {
            let _ = server.remember(key, &value);
        }
        server
    }

    /// The server of the droplet droplift created with this name, if any.
    pub fn by_droplet_name(&self, name: &str) -> Option<&SavedServer> {
        self.servers
            .iter()
            .filter(|s| s.droplet.as_ref().is_some_and(|d| d.name == name))
            .max_by_key(|s| s.touched)
    }

    /// Forgets the server of a destroyed droplet, with every site's entry of it.
    pub fn forget_droplet(&mut self, id: u64) -> Option<SavedServer> {
        let at = self
            .servers
            .iter()
            .position(|s| s.droplet.as_ref().is_some_and(|d| d.id == id))?;
        let gone = self.servers.remove(at);
        self.servers
            .retain(|s| !(s.host == gone.host && s.port == gone.port));
        Some(gone)
    }

    /// Forgets one site's entry on a server (a squad removed by `class remove`); the server's
    /// other sites stay. Whether there was one.
    pub fn forget_site(&mut self, host: &str, port: u16, site: &str) -> bool {
        let before = self.servers.len();
        self.servers
            .retain(|s| !(s.host == host && s.port == port && s.site() == Some(site)));
        self.servers.len() != before
    }

    /// Known servers, the most recently touched first (the first screen offers them).
    pub fn recent(&self) -> Vec<&SavedServer> {
        let mut all: Vec<&SavedServer> = self.servers.iter().collect();
        all.sort_by_key(|s| std::cmp::Reverse(s.touched));
        all
    }
}

/// Where progress lives, and what loading it found.
#[derive(Debug)]
pub struct Store {
    pub path: PathBuf,
    pub progress: Progress,
}

impl Store {
    /// Loads `dir/progress.toml`. Returns the store and warnings for the student (a damaged file
    /// moved aside). A missing file is an empty store; a newer format is an error.
    pub fn load(dir: &Path) -> Result<(Store, Vec<String>), StateError> {
        let path = dir.join(FILE_NAME);
        let io = |source| StateError::Io {
            path: path.clone(),
            source,
        };
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((
                    Store {
                        path,
                        progress: Progress::default(),
                    },
                    Vec::new(),
                ));
            }
            Err(e) => return Err(io(e)),
        };
        let mut warnings = Vec::new();
        let version = toml::from_str::<toml::Table>(&text)
            .ok()
            .and_then(|t| t.get("version").and_then(toml::Value::as_integer));
        if let Some(found) = version.and_then(|v| u32::try_from(v).ok())
            && found > VERSION
        {
            return Err(StateError::Newer { path, found });
        }
        let progress = match toml::from_str::<Progress>(&text) {
            Ok(progress) => progress,
            Err(e) => {
                let aside = aside_name(&path, now());
                fs::rename(&path, &aside).map_err(io)?;
                warnings.push(format!(
                    "The saved progress could not be read ({}); it was moved to {} and droplift \
                     starts afresh. Every stage's check still finds what is done on the server.",
                    first_line(&e.to_string()),
                    aside.display()
                ));
                Progress::default()
            }
        };
        Ok((Store { path, progress }, warnings))
    }

    /// Writes the file atomically (see the module header). The folder is made 700, the file 600.
    pub fn save(&self) -> Result<(), StateError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let io = |source| StateError::Io {
            path: self.path.clone(),
            source,
        };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io)?;
        let text = toml::to_string_pretty(&self.progress)?;
        let tmp = dir.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        let _ = fs::remove_file(&tmp); // a leftover of a crashed run with our pid
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io)?;
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all());
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(io(e));
        }
        drop(file);
        if let Err(e) = fs::rename(&tmp, &self.path) {
            let _ = fs::remove_file(&tmp);
            return Err(io(e));
        }
        File::open(dir).and_then(|d| d.sync_all()).map_err(io)
    }
}

/// `progress.toml` → `progress.toml.damaged-<seconds>`.
fn aside_name(path: &Path, at: u64) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".damaged-{at}"));
    PathBuf::from(name)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// Seconds since 1970 (UTC), now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// "just now", "5 min ago", "2 h ago", "3 days ago".
pub fn ago(now: u64, then: u64) -> String {
    let secs = now.saturating_sub(then);
    match secs {
        0..=59 => "just now".to_owned(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        86_400..=172_799 => "1 day ago".to_owned(),
        _ => format!("{} days ago", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Progress {
        let mut p = Progress::default();
        let s = p.server_mut("203.0.113.7", 22);
        s.touched = 1_000;
        s.remember("user", "johndoe").expect("not secret");
        s.set_stage(StageId::Update, StageStatus::Done, "", 900);
        s.set_stage(
            StageId::SshHardening,
            StageStatus::Drifted,
            "root allowed",
            950,
        );
        p
    }

    #[test]
    fn round_trips_and_writes_600_in_a_700_folder() {
        let dir = tempfile::tempdir().expect("tmp");
        let data = dir.path().join("data");
        let (mut store, warnings) = Store::load(&data).expect("empty");
        assert!(warnings.is_empty());
        store.progress = sample();
        store.save().expect("saves");
        let (again, _) = Store::load(&data).expect("loads");
        assert_eq!(again.progress, sample());
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&store.path), 0o600);
        assert_eq!(mode(&data), 0o700);
        let leftovers: Vec<_> = fs::read_dir(&data)
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn secrets_are_refused() {
        let mut s = SavedServer::default();
        for key in [
            "user_password",
            "root_password",
            "key_passphrase",
            "db_password",
        ] {
            assert!(s.remember(key, "x").is_err(), "{key}");
        }
        assert!(s.answers.is_empty());
    }

    #[test]
    fn a_newer_file_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(FILE_NAME);
        let text = "version = 99\n[[server]]\nhost = \"x\"\nport = 22\ntouched = 0\n";
        fs::write(&path, text).expect("write");
        let err = Store::load(dir.path()).expect_err("newer");
        assert!(err.to_string().contains("newer droplift"), "{err}");
        assert_eq!(fs::read_to_string(&path).expect("still there"), text);
    }

    #[test]
    fn a_damaged_file_is_moved_aside_with_a_warning() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(FILE_NAME);
        fs::write(&path, "version = 1\n[[server]]\nhost = ").expect("write");
        let (store, warnings) = Store::load(dir.path()).expect("loads afresh");
        assert!(store.progress.servers.is_empty());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("moved to"), "{}", warnings[0]);
        assert!(!path.exists());
        let aside: Vec<_> = fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(aside.iter().any(|n| n.contains("damaged")), "{aside:?}");
    }

    #[test]
    fn each_site_of_a_droplet_has_its_own_entry() {
        use crate::course::answers::Answers;
        let mut p = Progress::default();
        let mut first = Answers::new("203.0.113.7", "erin");
        // A wizard that has not reached stage 7 follows the site's name as it is answered.
        p.touch(&first, 1);
        first.nginx.site = "items".into();
        p.touch(&first, 2)
            .set_stage(StageId::Nginx, StageStatus::Done, "", 2);
        assert_eq!(p.servers.len(), 1);
        let mut second = Answers::new("203.0.113.7", "bob");
        second.nginx.site = "shop".into();
        p.touch(&second, 3)
            .set_stage(StageId::Nginx, StageStatus::Pending, "", 3);
        assert_eq!(
            p.servers.len(),
            2,
            "a second site does not overwrite the first"
        );
        let items = p.site_entry("203.0.113.7", 22, "items").expect("items");
        assert_eq!(items.answers.get("user").map(String::as_str), Some("erin"));
        assert_eq!(items.stage_status(StageId::Nginx), Some(StageStatus::Done));
        let shop = p.site_entry("203.0.113.7", 22, "shop").expect("shop");
        let mut without_shop = p.clone();
        assert!(without_shop.forget_site("203.0.113.7", 22, "shop"));
        assert!(!without_shop.forget_site("203.0.113.7", 22, "shop"));
        assert_eq!(without_shop.servers.len(), 1, "the other site stays");
        assert!(
            without_shop
                .site_entry("203.0.113.7", 22, "items")
                .is_some()
        );
        assert_eq!(
            shop.stage_status(StageId::Nginx),
            Some(StageStatus::Pending)
        );
        assert!(
            shop.summary(3)
                .starts_with("Resume 203.0.113.7 (site shop) — "),
            "{}",
            shop.summary(3)
        );
        p.touch(&first, 4).droplet = Some(SavedDroplet {
            id: 9,
            ..SavedDroplet::default()
        });
        assert!(p.forget_droplet(9).is_some());
        assert!(
            p.servers.is_empty(),
            "every site of a destroyed droplet goes"
        );
    }

    #[test]
    fn summary_and_order() {
        let mut p = sample();
        p.server_mut("198.51.100.2", 22).touched = 5_000;
        let recent = p.recent();
        assert_eq!(recent[0].host, "198.51.100.2");
        let s = p.server("203.0.113.7", 22).expect("known");
        assert_eq!(
            s.summary(1_000 + 7_200),
            "Resume 203.0.113.7 — 1 of 10 stages done, last touched 2 h ago"
        );
        assert_eq!(
            s.stage_status(StageId::SshHardening),
            Some(StageStatus::Drifted)
        );
        assert_eq!(s.stage_status(StageId::Nginx), None);
    }
}

/// A new log file in the data directory's `logs`: both directories 700, the file 600. The log
/// is redacted, but what ran on the student's server is still nobody else's business.
pub fn open_log() -> Option<(PathBuf, File)> {
    open_log_in(&data_dir()?)
}

pub fn open_log_in(data: &Path) -> Option<(PathBuf, File)> {
    let logs = data.join("logs");
    create_private_dir(data).ok()?;
    create_private_dir(&logs).ok()?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let path = logs.join(format!("droplift-{stamp}.log"));
    let file = open_private_append(&path).ok()?;
    Some((path, file))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod log_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_data_directory_and_logs_are_private() {
        let home = tempfile::tempdir().unwrap();
        let data = home.path().join(".local/share/droplift");
        let (path, _) = open_log_in(&data).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("logs")), 0o700);
        assert_eq!(mode(&path), 0o600);
    }
}
