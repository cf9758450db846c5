//! What can go wrong while the driver carries out a request, one enum per kind of step on this
//! computer. Each message is the sentence the student has always read (the log, the error card).

use std::io;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::refused::Refused;
use crate::secret::SecretName;
use crate::source::SourceError;

/// Why a request could not be carried out. The texts are plain sentences for the student.
#[derive(Clone, Debug, thiserror::Error)]
pub enum DriverError {
    #[error("this step needs {} and it was not given", .0.key())]
    MissingSecret(SecretName),
    #[error("cannot read {}: {cause}", .path.display())]
    ReadFile {
        path: PathBuf,
        cause: Arc<io::Error>,
    },
    /// A step on this computer failed (creating the key, adding the alias, a check from here, or
    /// packing the code): the sentence names the file or address and the cause.
    #[error(transparent)]
    Local(#[from] LocalError),
}

/// A step on this computer that failed, by step.
#[derive(Clone, Debug, thiserror::Error)]
pub enum LocalError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    SshConfig(#[from] SshConfigError),
    #[error(transparent)]
    Http(#[from] HttpCheckError),
    #[error(transparent)]
    Dns(#[from] DnsError),
    /// The app's folder could not be packed for upload.
    #[error(transparent)]
    Pack(#[from] SourceError),
}

/// The student's SSH key could not be found as a pair, or made.
#[derive(Clone, Debug, thiserror::Error)]
pub enum KeyError {
    /// A new private key would not match this .pub, and the server would get the old one.
    #[error(
        "{} exists but its private key {} does not; move the .pub away, or point the Key \
         file at the private key that goes with it",
        .public.display(),
        .private.display()
    )]
    PublicWithoutPrivate { public: PathBuf, private: PathBuf },
    #[error(
        "{} exists but {} is missing; recreate it with: ssh-keygen -y -f {} > {}",
        .private.display(),
        .public.display(),
        .private.display(),
        .public.display()
    )]
    PrivateWithoutPublic { private: PathBuf, public: PathBuf },
    /// The passphrase breaks the rule for chosen secrets (the rule's own sentence).
    #[error("key_passphrase (for the new key): {0}")]
    Passphrase(Refused),
    #[error("cannot create {}: {cause}", .dir.display())]
    CreateDir { dir: PathBuf, cause: Arc<io::Error> },
    #[error("cannot create a key: {0}")]
    Generate(ssh_key::Error),
    #[error("cannot encrypt the key: {0}")]
    Encrypt(ssh_key::Error),
    #[error("cannot encode the key: {0}")]
    Encode(ssh_key::Error),
    #[error("cannot encode the public key: {0}")]
    EncodePublic(ssh_key::Error),
    #[error("cannot write {}: {cause}", .path.display())]
    Write {
        path: PathBuf,
        cause: Arc<io::Error>,
    },
}

/// The Host alias could not be written into ~/.ssh/config.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SshConfigError {
    /// The config droplift reads to find the address really used does not read.
    #[error(transparent)]
    Resolve(Arc<crate::remote::sshconfig::ConfigError>),
    /// A line break would start a new directive, a space or quote would split the line.
    #[error("cannot write {what} {value:?} into ~/.ssh/config: it must be one word without quotes")]
    NotOneWord { what: &'static str, value: String },
    #[error("the key path {} is not valid UTF-8; choose another", .0.display())]
    KeyPathNotUtf8(PathBuf),
    #[error(
        "the key path {0:?} holds a quote or a control character, which ~/.ssh/config \
         cannot hold; choose another path"
    )]
    KeyPathUnwritable(String),
    #[error("cannot read {}: {cause}", .config.display())]
    Read {
        config: PathBuf,
        cause: Arc<io::Error>,
    },
    #[error("cannot follow {}: {cause}", .config.display())]
    FollowLink {
        config: PathBuf,
        cause: Arc<io::Error>,
    },
    #[error("cannot create {}: {cause}", .dir.display())]
    CreateDir { dir: PathBuf, cause: Arc<io::Error> },
    #[error("cannot back up {}: {cause}", .config.display())]
    Backup {
        config: PathBuf,
        cause: Arc<io::Error>,
    },
    #[error("cannot replace {}: {cause}", .config.display())]
    Replace {
        config: PathBuf,
        cause: Arc<io::Error>,
    },
}

/// GET of the health path from the droplet over plain HTTP, from this computer, did not give
/// 2xx (200 with JSON for the sample app's /items).
#[derive(Clone, Debug, thiserror::Error)]
pub enum HttpCheckError {
    #[error("{url}: cannot find {address}: {cause}")]
    Lookup {
        url: String,
        address: String,
        cause: Arc<io::Error>,
    },
    #[error("{url}: {address} has no address")]
    NoAddress { url: String, address: String },
    #[error("{url}: no connection from this computer ({cause}); is port 80 open in the firewall?")]
    Connect { url: String, cause: Arc<io::Error> },
    #[error("{url}: {cause}")]
    Send { url: String, cause: Arc<io::Error> },
    #[error("{url}: no answer ({cause})")]
    NoAnswer { url: String, cause: Arc<io::Error> },
    /// An answer, but not a healthy one (2xx; 200 with a JSON body when `want_json`): its
    /// status line and the body's start.
    #[error(
        "from this computer, GET {url} answered {status} ({}; {} is healthy): {shown}",
        if *.json { "JSON" } else { "not JSON" },
        if *.want_json { "200 with JSON" } else { "2xx" }
    )]
    Answered {
        url: String,
        status: String,
        json: bool,
        want_json: bool,
        shown: String,
    },
}

/// The domain, looked up from this computer, does not point only at the droplet.
#[derive(Clone, Debug, thiserror::Error)]
pub enum DnsError {
    #[error(
        "from this computer, {domain} does not resolve ({cause}). {}",
        dns_explained(.domain)
    )]
    NotResolved {
        domain: String,
        cause: Arc<io::Error>,
    },
    /// `elsewhere`: the addresses that are not the droplet's (none: it resolved to nothing).
    #[error(
        "from this computer, {domain} points at {}, not at the droplet ({}). {}",
        listed_or_nothing(.elsewhere),
        listed(.droplet),
        dns_explained(.domain)
    )]
    PointsElsewhere {
        domain: String,
        elsewhere: Vec<IpAddr>,
        droplet: Vec<IpAddr>,
    },
}

/// DNS in a few plain lines, after either DNS refusal.
fn dns_explained(domain: &str) -> String {
    format!(
        "A domain name is a label; DNS, the internet's address book, turns it into the server's \
         address. At your registrar (where you bought {domain}) add an A record for {domain} with \
         the droplet's IPv4 address, wait for it to spread (minutes, sometimes hours), then run \
         this stage again. Nothing was changed on the server."
    )
}

fn listed(addresses: &[IpAddr]) -> String {
    addresses
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn listed_or_nothing(addresses: &[IpAddr]) -> String {
    if addresses.is_empty() {
        "nothing".to_owned()
    } else {
        listed(addresses)
    }
}
