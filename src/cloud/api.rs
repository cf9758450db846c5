//! DigitalOcean's JSON shapes for the endpoints droplift uses, as the API reference documents
//! them (tests/fixtures/digitalocean/ holds its example responses; `tests/cloud_contract.rs`
//! parses every one). Both the client and the practice cloud use these types, so what the
//! practice cloud answers is what droplift reads from the real API.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `GET /v2/account` → `{"account": …}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountResponse {
    pub account: Account,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub droplet_limit: u32,
    #[serde(default)]
    pub floating_ip_limit: u32,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub uuid: String,
    pub email_verified: bool,
    /// "active", "warning" or "locked".
    pub status: String,
    #[serde(default)]
    pub status_message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Value>,
}

/// A region: `nyc3`, "New York 3", whether droplets can be made there and with which sizes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub name: String,
    pub slug: String,
    #[serde(default)]
    pub features: Vec<String>,
    pub available: bool,
    #[serde(default)]
    pub sizes: Vec<String>,
}

/// A droplet size with its monthly price in US dollars.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Size {
    pub slug: String,
    /// Megabytes.
    pub memory: u32,
    pub vcpus: u32,
    /// Gigabytes.
    pub disk: u32,
    /// Terabytes a month.
    pub transfer: f64,
    pub price_monthly: f64,
    pub price_hourly: f64,
    #[serde(default)]
    pub regions: Vec<String>,
    pub available: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disk_info: Vec<Value>,
}

/// An image; droplift creates from DigitalOcean's distribution images by slug.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub distribution: String,
    /// Distribution images have one (`ubuntu-24-04-x64`); snapshots do not.
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub created_at: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub min_disk_size: u32,
    #[serde(default)]
    pub size_gigabytes: f64,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub error_message: String,
}

/// A public key on the account, named by its MD5 fingerprint (`3b:16:…`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SshKey {
    pub id: u64,
    pub fingerprint: String,
    pub public_key: String,
    pub name: String,
}

/// `POST /v2/account/keys` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewSshKey {
    pub name: String,
    pub public_key: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SshKeyResponse {
    pub ssh_key: SshKey,
}

/// `POST /v2/droplets` body (a single droplet).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DropletCreate {
    pub name: String,
    pub region: String,
    pub size: String,
    pub image: String,
    /// Key ids or fingerprints (the API takes either).
    #[serde(default)]
    pub ssh_keys: Vec<Value>,
    #[serde(default)]
    pub backups: bool,
    #[serde(default)]
    pub ipv6: bool,
    #[serde(default)]
    pub monitoring: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_uuid: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkV4 {
    pub ip_address: String,
    pub netmask: String,
    /// The API's own example has the string "nil" for a private network's gateway.
    #[serde(default)]
    pub gateway: Value,
    /// "public" or "private".
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Networks {
    #[serde(default)]
    pub v4: Vec<NetworkV4>,
    #[serde(default)]
    pub v6: Vec<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Droplet {
    pub id: u64,
    pub name: String,
    pub memory: u32,
    pub vcpus: u32,
    pub disk: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disk_info: Vec<Value>,
    pub locked: bool,
    /// "new", "active", "off" or "archive".
    pub status: String,
    #[serde(default)]
    pub kernel: Value,
    pub created_at: String,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub backup_ids: Vec<u64>,
    #[serde(default)]
    pub next_backup_window: Value,
    #[serde(default)]
    pub snapshot_ids: Vec<u64>,
    pub image: Image,
    #[serde(default)]
    pub volume_ids: Vec<String>,
    pub size: Size,
    pub size_slug: String,
    #[serde(default)]
    pub networks: Networks,
    pub region: Region,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_uuid: Option<String>,
}

impl Droplet {
    /// The public IPv4 address, once the droplet has one.
    pub fn public_ipv4(&self) -> Option<std::net::Ipv4Addr> {
        self.networks
            .v4
            .iter()
            .filter(|n| n.kind == "public")
            .find_map(|n| n.ip_address.parse().ok())
    }

    /// Whether the backups feature is on (the API lists it among the features).
    pub fn backups(&self) -> bool {
        self.features.iter().any(|f| f == "backups")
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DropletResponse {
    pub droplet: Droplet,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionLink {
    pub id: u64,
    pub rel: String,
    pub href: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateLinks {
    #[serde(default)]
    pub actions: Vec<ActionLink>,
}

/// `POST /v2/droplets` answer (202 Accepted): the droplet as it starts, and its create action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DropletCreateResponse {
    pub droplet: Droplet,
    #[serde(default)]
    pub links: CreateLinks,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub id: u64,
    /// "in-progress", "completed" or "errored".
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub started_at: String,
    #[serde(default)]
    pub completed_at: Option<String>,
    #[serde(default)]
    pub resource_id: Option<u64>,
    #[serde(default)]
    pub resource_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    #[serde(default)]
    pub region_slug: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionResponse {
    pub action: Action,
}

/// `links.pages` of a list: `next` is followed until there is none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pages {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Links {
    #[serde(default)]
    pub pages: Pages,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    #[serde(default)]
    pub total: u64,
}

/// Where a cloud firewall's rule lets traffic come from (`sources` of an inbound rule).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallSources {
    /// IPv4 and IPv6 addresses or CIDR blocks; `0.0.0.0/0` and `::/0` are everyone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub droplet_ids: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancer_uids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kubernetes_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// An inbound rule of a cloud firewall.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundRule {
    /// "tcp", "udp" or "icmp".
    pub protocol: String,
    /// One port ("80"), a range ("8000-9000"), or "0" (the API's word for every port; "all"
    /// is accepted when writing).
    #[serde(default)]
    pub ports: String,
    #[serde(default)]
    pub sources: FirewallSources,
}

/// A DigitalOcean cloud firewall (`GET /v2/firewalls`): applied to the droplets it lists and to
/// those with one of its tags; what no inbound rule allows is dropped before the droplet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firewall {
    pub id: String,
    pub name: String,
    /// "waiting", "succeeded" or "failed".
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub inbound_rules: Vec<InboundRule>,
    #[serde(default)]
    pub outbound_rules: Vec<Value>,
    #[serde(default)]
    pub droplet_ids: Vec<u64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub pending_changes: Vec<Value>,
}

/// `POST /v2/firewalls`: a new firewall (the practice cloud's, for tests and classes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirewallCreate {
    pub name: String,
    #[serde(default)]
    pub inbound_rules: Vec<InboundRule>,
    #[serde(default)]
    pub outbound_rules: Vec<Value>,
    #[serde(default)]
    pub droplet_ids: Vec<u64>,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirewallResponse {
    pub firewall: Firewall,
}

macro_rules! page {
    ($name:ident, $field:ident, $item:ty) => {
        /// One page of a list, as the API returns it.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            pub $field: Vec<$item>,
            #[serde(default)]
            pub links: Links,
            #[serde(default)]
            pub meta: Meta,
        }
    };
}

page!(RegionsPage, regions, Region);
page!(SizesPage, sizes, Size);
page!(ImagesPage, images, Image);
page!(SshKeysPage, ssh_keys, SshKey);
page!(DropletsPage, droplets, Droplet);
page!(FirewallsPage, firewalls, Firewall);

/// The body of every error answer: `{"id": "unauthorized", "message": "Unable to authenticate
/// you."}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub id: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}
