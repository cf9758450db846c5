//! Creating a droplet, as blocking steps both front ends run (headless on its own thread, the
//! wizard on its cloud worker): the student's key uploaded once (matched by fingerprint), the
//! create sent at most once per droplet (one whose answer never came is looked up by name and
//! tag first), then polled until it is active with a public IPv4.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::api::{Droplet, DropletCreate, NewSshKey, SshKey};
use super::client::{ApiError, Client};
use crate::driver::KeyError;
use crate::keyfile::{FingerprintError, md5_fingerprint};

/// Every droplet droplift creates carries this tag: `cloud list` marks them, and a create whose
/// answer was lost is found by it.
pub const TAG: &str = "droplift";

/// What to create, checked by `choices` already.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub name: String,
    pub region: String,
    pub size: String,
    pub image: String,
    pub backups: bool,
}

/// The student's public key, as uploaded, and its MD5 fingerprint (the API names keys by it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    pub line: String,
    pub fingerprint: String,
}

/// How long to wait for a new droplet, and how often to look.
#[derive(Clone, Copy, Debug)]
pub struct Patience {
    pub poll_every: Duration,
    pub active_within: Duration,
    /// After a create whose answer never came: how long the droplet may take to show in the
    /// account's list before the create is sent again (DigitalOcean's list can lag).
    pub listed_within: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Self {
            poll_every: Duration::from_secs(3),
            // A new droplet is usually active within a minute; five is already unusual.
            active_within: Duration::from_secs(300),
            // A droplet the API accepted is usually listed at once; a minute covers a slow list,
            // and a second droplet would cost money every hour.
            listed_within: Duration::from_secs(60),
        }
    }
}

/// What the student sees while a droplet is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    Line(String),
    /// Polling: how long so far, and the API's own status of the droplet (and its create action).
    Waiting {
        elapsed: Duration,
        status: String,
        action: Option<String>,
    },
}

impl Progress {
    /// "Waiting for items-api: 0:42, status new (create in-progress)".
    pub fn line(&self, name: &str) -> String {
        match self {
            Progress::Line(line) => line.clone(),
            Progress::Waiting {
                elapsed,
                status,
                action,
            } => {
                let secs = elapsed.as_secs();
                let action = action
                    .as_ref()
                    .map(|a| format!(" (create {a})"))
                    .unwrap_or_default();
                format!(
                    "Waiting for {name} to become active: {}:{:02}, status {status}{action}",
                    secs / 60,
                    secs % 60
                )
            }
        }
    }
}

/// Why the student's public key could not be had: not made, not read, or not a key line.
#[derive(Clone, Debug, thiserror::Error)]
pub enum PublicKeyError {
    #[error(transparent)]
    Make(#[from] KeyError),
    #[error("cannot read {}: {cause}", .path.display())]
    Read {
        path: PathBuf,
        cause: Arc<std::io::Error>,
    },
    #[error("{}: {cause}", .path.display())]
    Fingerprint {
        path: PathBuf,
        cause: FingerprintError,
    },
}

/// Why a droplet could not be created (or waited for).
#[derive(Clone, Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("your SSH key: {0}")]
    Key(#[from] PublicKeyError),
    #[error(
        "A droplet named {name} already exists on your account and droplift did not make it \
         (it has no `{TAG}` tag). Choose another name."
    )]
    NameTaken { name: String },
    #[error(
        "DigitalOcean reports that creating {name} (id {id}) failed. Look at it in the web page \
         (Droplets → {name}), destroy it there or with `droplift cloud destroy {name}`, and \
         try again, perhaps in another region."
    )]
    Failed { name: String, id: u64 },
    #[error(
        "{name} (id {id}) is still \"{status}\" after {waited}. Look at it in DigitalOcean's \
         web page (Droplets → {name}): if it shows an error, destroy it (there, or with \
         `droplift cloud destroy {name}`); if it is still being made, try again later — \
         droplift finds it and carries on, it never makes a second one."
    )]
    NeverActive {
        name: String,
        id: u64,
        status: String,
        waited: String,
    },
}

impl CreateError {
    /// The question a 422 is about, so the screen can say it at that field (`size`, `region`,
    /// `image`, `name`).
    pub fn field(&self) -> Option<&'static str> {
        let CreateError::Api(ApiError::Unprocessable { message }) = self else {
            return match self {
                CreateError::NameTaken { .. } => Some("name"),
                CreateError::Api(ApiError::Unauthorized { .. } | ApiError::Forbidden { .. }) => {
                    Some("token")
                }
                _ => None,
            };
        };
        let lower = message.to_lowercase();
        ["size", "region", "image", "name"]
            .into_iter()
            .find(|f| lower.contains(f))
    }
}

/// The public half of `private` (its `.pub`), made first when there is no key yet (the same
/// ed25519 key stage 4 would make).
pub fn public_key(private: &Path) -> Result<PublicKey, CreateError> {
    crate::driver::ensure_key(private, None).map_err(PublicKeyError::from)?;
    let path = crate::keyfile::public_key(private);
    let text = std::fs::read_to_string(&path).map_err(|e| PublicKeyError::Read {
        path: path.clone(),
        cause: Arc::new(e),
    })?;
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_owned();
    let fingerprint =
        md5_fingerprint(&line).map_err(|cause| PublicKeyError::Fingerprint { path, cause })?;
    Ok(PublicKey { line, fingerprint })
}

/// The account's copy of the key, uploaded only when no key there has its fingerprint. Returns
/// the key and whether it was uploaded now.
pub fn ensure_key(
    client: &Client,
    key: &PublicKey,
    name: &str,
) -> Result<(SshKey, bool), CreateError> {
    let find = || -> Result<Option<SshKey>, ApiError> {
        Ok(client
            .ssh_keys()?
            .into_iter()
            .find(|k| k.fingerprint == key.fingerprint))
    };
    if let Some(found) = find()? {
        return Ok((found, false));
    }
    let upload = NewSshKey {
        name: name.to_owned(),
        public_key: key.line.clone(),
    };
    match client.add_ssh_key(&upload) {
        Ok(added) => Ok((added, true)),
        // The upload may have arrived: look before anything is sent again.
        Err(e) if e.outcome_unknown() => match find()? {
            Some(found) => Ok((found, true)),
            None => Ok((client.add_ssh_key(&upload)?, true)),
        },
        Err(e) => Err(e.into()),
    }
}

/// The droplet droplift made with this name, if there is one (by tag, then name: the API cannot
/// filter by both). A droplet of that name without the tag is `NameTaken`.
pub fn find_made(client: &Client, name: &str) -> Result<Option<Droplet>, CreateError> {
    let tagged = client.droplets_tagged(TAG)?;
    if let Some(found) = tagged.into_iter().find(|d| d.name == name) {
        return Ok(Some(found));
    }
    Ok(None)
}

/// A droplet as the create left it: the API's answer (or the droplet found after a lost one).
#[derive(Clone, Debug, PartialEq)]
pub struct Launch {
    pub droplet: Droplet,
    /// The create action to watch, when the answer came.
    pub action: Option<u64>,
    /// It was there already (made by an earlier run, or by a create whose answer was lost).
    pub found: bool,
}

/// Creates the droplet unless droplift made it already; a create whose answer never came (no
/// answer, a dropped connection, a 5xx) is looked up by name and tag before it is sent again,
/// so there is never a second droplet.
pub fn launch(
    client: &Client,
    order: &Order,
    key: &SshKey,
    patience: Patience,
    progress: &mut dyn FnMut(Progress),
) -> Result<Launch, CreateError> {
    if let Some(droplet) = find_made(client, &order.name)? {
        progress(Progress::Line(format!(
            "{} is there already (made by droplift earlier, id {}): carrying on with it.",
            order.name, droplet.id
        )));
        return Ok(Launch {
            droplet,
            action: None,
            found: true,
        });
    }
    if client.droplets()?.iter().any(|d| d.name == order.name) {
        return Err(CreateError::NameTaken {
            name: order.name.clone(),
        });
    }
    let request = DropletCreate {
        name: order.name.clone(),
        region: order.region.clone(),
        size: order.size.clone(),
        image: order.image.clone(),
        ssh_keys: vec![serde_json::Value::from(key.id)],
        backups: order.backups,
        ipv6: false,
        monitoring: false,
        tags: vec![TAG.to_owned()],
        user_data: None,
        vpc_uuid: None,
    };
    for attempt in 1..=3 {
        progress(Progress::Line(format!(
            "Asking DigitalOcean to create {} ({} in {}, {}) …",
            order.name, order.size, order.region, order.image
        )));
        let error = match client.create_droplet(&request) {
            Ok(answer) => {
                return Ok(Launch {
                    action: answer
                        .links
                        .actions
                        .iter()
                        .find(|a| a.rel == "create")
                        .map(|a| a.id),
                    droplet: answer.droplet,
                    found: false,
                });
            }
            Err(e) if e.outcome_unknown() => e,
            Err(e) => return Err(e.into()),
        };
        progress(Progress::Line(format!(
            "{error} The create may have arrived: looking for {} before anything is sent again …",
            order.name
        )));
        // A droplet just accepted can take a while to be listed: look until `listed_within`.
        let looking = Instant::now();
        let mut said = false;
        loop {
            if let Some(droplet) = find_made(client, &order.name)? {
                progress(Progress::Line(format!(
                    "Found {} (id {}): the create did arrive; no second droplet is made.",
                    order.name, droplet.id
                )));
                return Ok(Launch {
                    droplet,
                    action: None,
                    found: true,
                });
            }
            let waited = looking.elapsed();
            if waited >= patience.listed_within {
                break;
            }
            if !said {
                said = true;
                progress(Progress::Line(format!(
                    "{} is not listed yet: a new droplet can take a while to show in the \
                     account's list, so droplift looks again for up to {} s before it sends \
                     anything again.",
                    order.name,
                    patience.listed_within.as_secs()
                )));
            }
            std::thread::sleep(
                patience
                    .poll_every
                    .min(patience.listed_within.saturating_sub(waited)),
            );
        }
        if attempt == 3 {
            return Err(error.into());
        }
        progress(Progress::Line(format!(
            "{} is not on the account: the create did not arrive; sending it again.",
            order.name
        )));
    }
    unreachable!("the loop returns on its last attempt")
}

/// Polls until the droplet is active and has a public IPv4 (or fails, or `patience` runs out).
pub fn wait_active(
    client: &Client,
    launch: &Launch,
    patience: Patience,
    progress: &mut dyn FnMut(Progress),
) -> Result<Droplet, CreateError> {
    let start = Instant::now();
    let mut droplet = launch.droplet.clone();
    loop {
        let action = match launch.action {
            Some(id) => Some(client.action(id)?.status),
            None => None,
        };
        if action.as_deref() == Some("errored") {
            return Err(CreateError::Failed {
                name: droplet.name.clone(),
                id: droplet.id,
            });
        }
        progress(Progress::Waiting {
            elapsed: start.elapsed(),
            status: droplet.status.clone(),
            action: action.clone(),
        });
        if droplet.status == "active" && droplet.public_ipv4().is_some() {
            return Ok(droplet);
        }
        if start.elapsed() >= patience.active_within {
            return Err(CreateError::NeverActive {
                name: droplet.name.clone(),
                id: droplet.id,
                status: droplet.status.clone(),
                waited: match patience.active_within.as_secs() {
                    s if s < 120 => format!("{s} s"),
                    s => format!("{} min", s / 60),
                },
            });
        }
        std::thread::sleep(patience.poll_every);
        droplet = client.droplet(droplet.id)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_md5_of_the_key_blob_as_ssh_keygen_e_md5_prints() {
        let dir = tempfile::tempdir().expect("tempdir");
        let private = dir.path().join("id_ed25519");
        let key = public_key(&private).expect("made and read");
        let out = std::process::Command::new("ssh-keygen")
            .args(["-l", "-E", "md5", "-f"])
            .arg(crate::keyfile::public_key(&private))
            .output()
            .expect("ssh-keygen runs");
        let printed = String::from_utf8_lossy(&out.stdout);
        // "256 MD5:0b:cc:… comment (ED25519)"; the API shows it without the prefix.
        let expected = printed
            .split_whitespace()
            .nth(1)
            .and_then(|f| f.strip_prefix("MD5:"))
            .expect("an MD5 fingerprint");
        assert_eq!(key.fingerprint, expected);
        assert!(md5_fingerprint("not a key").is_err());
    }

    #[test]
    fn a_422_names_its_field() {
        let error = CreateError::Api(ApiError::Unprocessable {
            message: "Size is not available in this region.".into(),
        });
        assert_eq!(error.field(), Some("size"));
        let error = CreateError::Api(ApiError::Forbidden {
            message: "x".into(),
        });
        assert_eq!(error.field(), Some("token"));
    }
}
