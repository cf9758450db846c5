//! The wizard's cloud work, off the event loop: each `CloudJob` runs on a thread of its own
//! (the blocking client, as SSH runs on the SSH worker) and reports `CloudEvent`s back, which
//! `app::update` turns into screens. Nothing here draws or decides.

use std::path::PathBuf;

use super::api::{Droplet, Region, Size, SshKey};
use super::choices::{self, SupportedImage};
use super::client::{ApiConfig, Client, Wait};
use super::create::{self, CreateError, Order, Patience, Progress, PublicKey};
use crate::secret::Secret;

/// What the create screens are built from: the account, what it may create, the student's key.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    pub email: String,
    pub regions: Vec<Region>,
    pub sizes: Vec<Size>,
    /// The supported images this account offers, the course's default first.
    pub images: Vec<&'static SupportedImage>,
    pub key_path: PathBuf,
    pub key: PublicKey,
    /// The account's copy of the key, when it has one (matched by fingerprint).
    pub key_on_account: Option<SshKey>,
    /// What happened to the local key ("using your existing key …", "created a new …").
    pub key_note: String,
}

#[derive(Clone, Debug)]
pub enum CloudJob {
    /// Check the token and read what the screens offer.
    Catalog {
        config: ApiConfig,
        token: Secret,
        key_path: PathBuf,
    },
    /// Upload the key if needed, create the droplet (never twice), wait until it is active.
    Create {
        config: ApiConfig,
        token: Secret,
        order: Order,
        key: PublicKey,
        key_name: String,
        patience: Patience,
    },
    /// The cloud firewalls in front of the droplet at `host` (the doctor's `d`).
    Firewalls {
        config: ApiConfig,
        token: Secret,
        host: String,
        port: u16,
        /// The answers' `[droplet] name`, when the address finds no droplet.
        name: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum CloudEvent {
    Catalog(Box<Catalog>),
    /// A line for the log (a step, a rate limit's wait, a retry).
    Line(String),
    /// The progress line while waiting: elapsed time and the API's own status.
    Waiting(String),
    Created(Box<Droplet>),
    /// What the API says of the droplet's cloud firewalls.
    Firewalls(super::firewall::CloudView),
    /// `field`: the question it is about (`token`, `size`, `region`, `image`, `name`).
    Failed {
        field: Option<&'static str>,
        message: String,
    },
}

fn failed(error: CreateError) -> CloudEvent {
    CloudEvent::Failed {
        field: error.field(),
        message: error.to_string(),
    }
}

/// Runs `job` to its end on this thread, reporting through `send`.
pub fn run(job: CloudJob, send: impl Fn(CloudEvent) + Send + Sync + Clone + 'static) {
    let observer = {
        let send = send.clone();
        move |wait: &Wait| send(CloudEvent::Line(wait.line()))
    };
    match job {
        CloudJob::Catalog {
            config,
            token,
            key_path,
        } => {
            let client = Client::new(config, token).with_observer(observer);
            let result = (|| -> Result<Catalog, CreateError> {
                let account = client.account()?;
                let regions = client.regions()?;
                let sizes = client.sizes()?;
                let offered = client.distribution_images()?;
                let images = choices::IMAGES
                    .iter()
                    .filter(|i| offered.iter().any(|o| o.slug.as_deref() == Some(i.slug)))
                    .collect();
                let key_note = crate::driver::ensure_key(&key_path, None)
                    .map_err(create::PublicKeyError::from)?;
                let key = create::public_key(&key_path)?;
                let key_on_account = client
                    .ssh_keys()?
                    .into_iter()
                    .find(|k| k.fingerprint == key.fingerprint);
                Ok(Catalog {
                    email: account.email,
                    regions,
                    sizes,
                    images,
                    key_path,
                    key,
                    key_on_account,
                    key_note,
                })
            })();
            send(match result {
                Ok(catalog) => CloudEvent::Catalog(Box::new(catalog)),
                Err(e) => failed(e),
            });
        }
        CloudJob::Create {
            config,
            token,
            order,
            key,
            key_name,
            patience,
        } => {
            let client = Client::new(config, token).with_observer(observer);
            let mut progress = |p: Progress| match &p {
                Progress::Line(line) => send(CloudEvent::Line(line.clone())),
                Progress::Waiting { .. } => send(CloudEvent::Waiting(p.line(&order.name))),
            };
            let result = (|| -> Result<Droplet, CreateError> {
                let (account_key, uploaded) = create::ensure_key(&client, &key, &key_name)?;
                progress(Progress::Line(format!(
                    "Your SSH key ({}) {}.",
                    account_key.fingerprint,
                    if uploaded {
                        "is uploaded to the account"
                    } else {
                        "is on the account already: reused"
                    }
                )));
                let launch =
                    create::launch(&client, &order, &account_key, patience, &mut progress)?;
                create::wait_active(&client, &launch, patience, &mut progress)
            })();
            send(match result {
                Ok(droplet) => CloudEvent::Created(Box::new(droplet)),
                Err(e) => failed(e),
            });
        }
        CloudJob::Firewalls {
            config,
            token,
            host,
            port,
            name,
        } => {
            let client = Client::new(config, token);
            send(CloudEvent::Firewalls(super::firewall::look(
                &client,
                &host,
                port,
                name.as_deref(),
            )));
        }
    }
}
