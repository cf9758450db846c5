//! The practice cloud: DigitalOcean's API for the endpoints droplift uses, served on 127.0.0.1
//! (tiny_http; one thread per request), with the documented JSON shapes (the types of `api`).
//! A create boots a real practice droplet with the uploaded key in root's authorized_keys and
//! no root password, as a real droplet made with an SSH key is; a destroy removes it.
//!
//! It prints two tokens when it starts: one with full access, and a read-only one (writes answer
//! 403, as a read-only DigitalOcean token's do). Any other token is answered 401. Faults for
//! tests and classes are switched on with `Fault` (`--fault NAME` on the command line).
//! Each supported image boots a practice droplet of that system (`choices::IMAGES`).

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response, Server};

use super::api::*;
use super::choices;
use crate::keyfile::md5_fingerprint;
use crate::secret::Secret;

/// A misbehaviour to switch on, as the real API sometimes shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Every create answers 422 "Size is not available in this region." (sold out).
    SoldOut,
    /// The next N requests answer 429 with RateLimit-Reset two seconds ahead.
    RateLimit(u32),
    /// The first create is carried out, but its answer is held back for this long and then the
    /// request is dropped (longer than the client waits: it never sees the answer).
    DropCreate(Duration),
    /// Droplets stay "new" forever (no practice droplet is booted).
    NeverActive,
    /// The next N requests answer 500.
    ServerErrors(u32),
}

impl Fault {
    /// `sold-out`, `rate-limit[=N]`, `drop-create[=SECS]`, `never-active`, `server-errors[=N]`.
    pub fn parse(text: &str) -> Result<Fault, String> {
        let (name, value) = text.split_once('=').unwrap_or((text, ""));
        let number = |default: u64| -> Result<u64, String> {
            if value.is_empty() {
                Ok(default)
            } else {
                value
                    .parse()
                    .map_err(|_| format!("--fault {name}=N takes a number, not {value:?}"))
            }
        };
        Ok(match name {
            "sold-out" => Fault::SoldOut,
            "rate-limit" => Fault::RateLimit(number(1)? as u32),
            "drop-create" => Fault::DropCreate(Duration::from_secs(number(60)?)),
            "never-active" => Fault::NeverActive,
            "server-errors" => Fault::ServerErrors(number(1)? as u32),
            _ => {
                return Err(format!(
                    "unknown fault {name:?}; the faults are sold-out, rate-limit[=N], \
                     drop-create[=SECS], never-active, server-errors[=N]"
                ));
            }
        })
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    pub faults: Vec<Fault>,
    /// Boot real practice droplets (root only). Off, creates stay "new" with the create action
    /// errored at once: for tests of the API alone.
    pub boot: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            faults: Vec::new(),
            boot: true,
        }
    }
}

struct Made {
    droplet: Droplet,
    /// The practice droplet's name (`c` + the id's last digits).
    practice: String,
    action: Action,
    booting: Option<std::thread::JoinHandle<()>>,
}

struct State {
    keys: Vec<SshKey>,
    droplets: BTreeMap<u64, Made>,
    actions: BTreeMap<u64, u64>,
    next_id: u64,
    first_id: u64,
    rate_limited: u32,
    server_errors: u32,
    drop_next_create: Option<Duration>,
}

struct Shared {
    token: Secret,
    read_only: Secret,
    options: Options,
    state: Mutex<State>,
    stop: AtomicBool,
    log: Box<dyn Fn(&str) + Send + Sync>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running practice cloud; `stop` ends it and removes the droplets it made.
pub struct PracticeCloud {
    pub url: String,
    pub token: Secret,
    pub read_only_token: Secret,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn token(kind: &str) -> Result<Secret, String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Secret::new(format!("dop_v1_practice_{kind}{hex}")))
}

/// Starts serving; `log` gets a line per request and per droplet event (no token in them).
pub fn start(
    options: Options,
    log: impl Fn(&str) + Send + Sync + 'static,
) -> Result<PracticeCloud, String> {
    let server = Server::http(options.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let address = server
        .server_addr()
        .to_ip()
        .ok_or("the practice cloud is not listening on an IP address")?;
    let first_id = 100_000 + u64::from(std::process::id() % 800) * 1000;
    let drop_next_create = options.faults.iter().find_map(|f| match f {
        Fault::DropCreate(hold) => Some(*hold),
        _ => None,
    });
    let count = |pick: fn(&Fault) -> Option<u32>| options.faults.iter().find_map(pick);
    let state = State {
        keys: Vec::new(),
        droplets: BTreeMap::new(),
        actions: BTreeMap::new(),
        next_id: first_id,
        first_id,
        rate_limited: count(|f| match f {
            Fault::RateLimit(n) => Some(*n),
            _ => None,
        })
        .unwrap_or(0),
        server_errors: count(|f| match f {
            Fault::ServerErrors(n) => Some(*n),
            _ => None,
        })
        .unwrap_or(0),
        drop_next_create,
    };
    let shared = Arc::new(Shared {
        token: token("")?,
        read_only: token("ro_")?,
        options,
        state: Mutex::new(state),
        stop: AtomicBool::new(false),
        log: Box::new(log),
    });
    let serving = shared.clone();
    let thread = std::thread::spawn(move || {
        while !serving.stop.load(Ordering::SeqCst) {
            match server.recv_timeout(Duration::from_millis(200)) {
                Ok(Some(request)) => {
                    let shared = serving.clone();
                    std::thread::spawn(move || handle(&shared, request));
                }
                Ok(None) => {}
                Err(_) => break,
            }
        }
    });
    Ok(PracticeCloud {
        url: format!("http://{address}"),
        token: shared.token.clone(),
        read_only_token: shared.read_only.clone(),
        shared,
        thread: Some(thread),
    })
}

impl PracticeCloud {
    /// The practice droplets made so far (their names), for tests.
    pub fn practice_names(&self) -> Vec<String> {
        self.shared
            .state()
            .droplets
            .values()
            .map(|m| m.practice.clone())
            .collect()
    }

    /// How many droplets were ever accepted (a second create would show here).
    pub fn droplets_made(&self) -> u64 {
        let state = self.shared.state();
        state.next_id - state.first_id
    }

    /// Stops serving and removes every practice droplet it made.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let made: Vec<Made> = {
            let mut state = self.shared.state();
            std::mem::take(&mut state.droplets).into_values().collect()
        };
        for made in made {
            remove_practice(&self.shared, made);
        }
    }
}

impl Drop for PracticeCloud {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn remove_practice(shared: &Shared, mut made: Made) {
    if let Some(boot) = made.booting.take() {
        let _ = boot.join();
    }
    if shared.options.boot && crate::practice::droplet_dir(&made.practice).exists() {
        match crate::practice::down(&made.practice) {
            Ok(()) => (shared.log)(&format!(
                "destroyed {} (practice droplet {})",
                made.droplet.name, made.practice
            )),
            Err(e) => (shared.log)(&format!("could not remove {}: {e}", made.practice)),
        }
    }
}

// ── The catalogue: regions, sizes and images, in DigitalOcean's shapes ──

const REGIONS: [(&str, &str); 9] = [
    ("nyc3", "New York 3"),
    ("sfo3", "San Francisco 3"),
    ("tor1", "Toronto 1"),
    ("ams3", "Amsterdam 3"),
    ("lon1", "London 1"),
    ("fra1", "Frankfurt 1"),
    ("sgp1", "Singapore 1"),
    ("blr1", "Bangalore 1"),
    ("syd1", "Sydney 1"),
];

/// slug, MB, vCPUs, GB disk, TB transfer, $ a month, regions it is missing from.
type SizeRow = (
    &'static str,
    u32,
    u32,
    u32,
    f64,
    f64,
    &'static [&'static str],
);

const SIZES: [SizeRow; 5] = [
    (
        "s-1vcpu-512mb-10gb",
        512,
        1,
        10,
        0.5,
        4.0,
        &["blr1", "syd1"],
    ),
    ("s-1vcpu-1gb", 1024, 1, 25, 1.0, 6.0, &[]),
    ("s-1vcpu-2gb", 2048, 1, 50, 2.0, 12.0, &[]),
    ("s-2vcpu-2gb", 2048, 2, 60, 3.0, 18.0, &[]),
    // Not offered in New York 3: a size "not available in this region" for headless answers.
    ("s-2vcpu-4gb", 4096, 2, 80, 4.0, 24.0, &["nyc3"]),
];

fn sizes() -> Vec<Size> {
    SIZES
        .iter()
        .map(
            |(slug, memory, vcpus, disk, transfer, price, missing)| Size {
                slug: (*slug).to_owned(),
                memory: *memory,
                vcpus: *vcpus,
                disk: *disk,
                transfer: *transfer,
                price_monthly: *price,
                price_hourly: ((price / 672.0) * 100_000.0).round() / 100_000.0,
                regions: REGIONS
                    .iter()
                    .map(|(r, _)| (*r).to_owned())
                    .filter(|r| !missing.contains(&r.as_str()))
                    .collect(),
                available: true,
                description: "Basic".to_owned(),
                disk_info: vec![json!({"type": "local", "size": {"amount": disk, "unit": "gib"}})],
            },
        )
        .collect()
}

fn regions() -> Vec<Region> {
    let sizes = sizes();
    REGIONS
        .iter()
        .map(|(slug, name)| Region {
            name: (*name).to_owned(),
            slug: (*slug).to_owned(),
            features: ["backups", "ipv6", "metadata", "install_agent", "storage"]
                .map(str::to_owned)
                .to_vec(),
            available: true,
            sizes: sizes
                .iter()
                .filter(|s| s.regions.iter().any(|r| r == slug))
                .map(|s| s.slug.clone())
                .collect(),
        })
        .collect()
}

fn images() -> Vec<Image> {
    let all_regions: Vec<String> = REGIONS.iter().map(|(r, _)| (*r).to_owned()).collect();
    [
        (
            171_000_001u64,
            "24.04 (LTS) x64",
            "Ubuntu",
            "ubuntu-24-04-x64",
        ),
        (171_000_002, "22.04 (LTS) x64", "Ubuntu", "ubuntu-22-04-x64"),
        (171_000_003, "12 x64", "Debian", "debian-12-x64"),
    ]
    .into_iter()
    .map(|(id, name, distribution, slug)| Image {
        id,
        name: name.to_owned(),
        distribution: distribution.to_owned(),
        slug: Some(slug.to_owned()),
        public: true,
        regions: all_regions.clone(),
        created_at: "2025-01-01T00:00:00Z".to_owned(),
        kind: "snapshot".to_owned(),
        min_disk_size: 10,
        size_gigabytes: 2.5,
        description: String::new(),
        tags: Vec::new(),
        status: "available".to_owned(),
        error_message: String::new(),
    })
    .collect()
}

/// The practice cloud's regions, sizes and images (the screen tests draw the same lists).
pub fn catalogue() -> (Vec<Region>, Vec<Size>, Vec<Image>) {
    (regions(), sizes(), images())
}

/// RFC 3339 UTC, as the API writes times.
fn timestamp(at: SystemTime) -> String {
    crate::civil::rfc3339(
        at.duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

// ── Requests ──

struct Answer {
    status: u16,
    body: Option<String>,
}

fn json_answer(status: u16, value: &impl Serialize) -> Answer {
    Answer {
        status,
        body: Some(serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())),
    }
}

fn error(status: u16, id: &str, message: &str) -> Answer {
    json_answer(
        status,
        &ErrorBody {
            id: id.to_owned(),
            message: message.to_owned(),
            request_id: None,
        },
    )
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn send(request: Request, answer: Answer, remaining: u32, reset: u64) {
    let mut response =
        Response::from_string(answer.body.unwrap_or_default()).with_status_code(answer.status);
    for h in [
        header("Content-Type", "application/json; charset=utf-8"),
        header("ratelimit-limit", "5000"),
        header("ratelimit-remaining", &remaining.to_string()),
        header("ratelimit-reset", &reset.to_string()),
    ]
    .into_iter()
    .flatten()
    {
        response.add_header(h);
    }
    let _ = request.respond(response);
}

fn query(url: &str) -> (String, BTreeMap<String, String>) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let params = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), percent_decoded(v)))
        .collect();
    (path.trim_end_matches('/').to_owned(), params)
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 3 <= bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn handle(shared: &Arc<Shared>, mut request: Request) {
    let method = request.method().clone();
    let url = request.url().to_owned();
    let (path, params) = query(&url);
    let reset = now_secs() + 2;
    // Authentication first, as the API does.
    let bearer = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_owned())
        .unwrap_or_default();
    let given = bearer.strip_prefix("Bearer ").unwrap_or("").trim();
    let full = given == shared.token.expose();
    let read_only = given == shared.read_only.expose();
    let answer = if !full && !read_only {
        error(401, "unauthorized", "Unable to authenticate you.")
    } else {
        let fault = {
            let mut state = shared.state();
            if state.rate_limited > 0 {
                state.rate_limited -= 1;
                Some(error(429, "too_many_requests", "API rate limit exceeded."))
            } else if state.server_errors > 0 {
                state.server_errors -= 1;
                Some(error(500, "server_error", "Unexpected server-side error"))
            } else {
                None
            }
        };
        if let Some(answer) = fault {
            (shared.log)(&format!("{method} {path} → {} (fault)", answer.status));
            send(request, answer, 0, reset);
            return;
        }
        let writes = matches!(method, Method::Post | Method::Delete | Method::Put);
        if writes && read_only {
            error(
                403,
                "forbidden",
                "You do not have access for the attempted action.",
            )
        } else {
            let mut body = String::new();
            let _ = request
                .as_reader()
                .take(1024 * 1024)
                .read_to_string(&mut body);
            match route(shared, &method, &path, &params, &body) {
                Routed::Answer(answer) => answer,
                Routed::Hold(answer, hold) => {
                    (shared.log)(&format!(
                        "{method} {path} → {} held back for {} s, then dropped (fault)",
                        answer.status,
                        hold.as_secs()
                    ));
                    std::thread::sleep(hold);
                    drop(request);
                    return;
                }
            }
        }
    };
    (shared.log)(&format!("{method} {path} → {}", answer.status));
    send(request, answer, 4999, reset);
}

enum Routed {
    Answer(Answer),
    /// Carried out, but the answer is held back this long and then dropped (a fault).
    Hold(Answer, Duration),
}

fn page<T: Serialize>(key: &str, items: Vec<T>) -> Answer {
    let total = items.len();
    json_answer(
        200,
        &json!({ key: items, "links": {"pages": {}}, "meta": {"total": total} }),
    )
}

fn route(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    params: &BTreeMap<String, String>,
    body: &str,
) -> Routed {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let answer = match (method, segments.as_slice()) {
        (Method::Get, ["v2", "account"]) => json_answer(
            200,
            &AccountResponse {
                account: Account {
                    droplet_limit: 10,
                    floating_ip_limit: 3,
                    email: "student@practice.invalid".to_owned(),
                    name: Some("Practice Student".to_owned()),
                    uuid: "00000000000000000000000000000000practice".to_owned(),
                    email_verified: true,
                    status: "active".to_owned(),
                    status_message: String::new(),
                    team: None,
                },
            },
        ),
        (Method::Get, ["v2", "regions"]) => page("regions", regions()),
        (Method::Get, ["v2", "sizes"]) => page("sizes", sizes()),
        (Method::Get, ["v2", "images"]) => page("images", images()),
        (Method::Get, ["v2", "account", "keys"]) => page("ssh_keys", shared.state().keys.clone()),
        (Method::Post, ["v2", "account", "keys"]) => add_key(shared, body),
        (Method::Get, ["v2", "droplets"]) => {
            let state = shared.state();
            let droplets: Vec<Droplet> = state
                .droplets
                .values()
                .map(|m| m.droplet.clone())
                .filter(|d| params.get("tag_name").is_none_or(|t| d.tags.contains(t)))
                .filter(|d| {
                    params
                        .get("name")
                        .is_none_or(|n| d.name.eq_ignore_ascii_case(n))
                })
                .collect();
            page("droplets", droplets)
        }
        (Method::Post, ["v2", "droplets"]) => return create(shared, body),
        (Method::Get, ["v2", "droplets", id]) => match id
            .parse::<u64>()
            .ok()
            .and_then(|id| shared.state().droplets.get(&id).map(|m| m.droplet.clone()))
        {
            Some(droplet) => json_answer(200, &DropletResponse { droplet }),
            None => not_found(),
        },
        (Method::Delete, ["v2", "droplets", id]) => destroy(shared, id),
        (Method::Get, ["v2", "actions", id]) => {
            let state = shared.state();
            let found = id
                .parse::<u64>()
                .ok()
                .and_then(|a| state.actions.get(&a))
                .and_then(|d| state.droplets.get(d))
                .map(|m| m.action.clone());
            match found {
                Some(action) => json_answer(200, &ActionResponse { action }),
                None => not_found(),
            }
        }
        _ => not_found(),
    };
    Routed::Answer(answer)
}

fn not_found() -> Answer {
    error(
        404,
        "not_found",
        "The resource you requested could not be found.",
    )
}

fn add_key(shared: &Shared, body: &str) -> Answer {
    let Ok(new) = serde_json::from_str::<NewSshKey>(body) else {
        return error(
            422,
            "unprocessable_entity",
            "request payload validation failed",
        );
    };
    let Ok(fingerprint) = md5_fingerprint(&new.public_key) else {
        return error(
            422,
            "unprocessable_entity",
            "Key invalid type, we support 'ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', or 'ecdsa-sha2-nistp521'",
        );
    };
    let mut state = shared.state();
    if state.keys.iter().any(|k| k.fingerprint == fingerprint) {
        return error(
            422,
            "unprocessable_entity",
            "SSH Key is already in use on your account",
        );
    }
    let key = SshKey {
        id: 4_000_000 + state.keys.len() as u64 + 1,
        fingerprint,
        public_key: new.public_key.trim().to_owned(),
        name: new.name,
    };
    state.keys.push(key.clone());
    (shared.log)(&format!("added SSH key {} ({})", key.name, key.fingerprint));
    json_answer(201, &SshKeyResponse { ssh_key: key })
}

fn create(shared: &Arc<Shared>, body: &str) -> Routed {
    let refuse = |message: &str| Routed::Answer(error(422, "unprocessable_entity", message));
    let Ok(order) = serde_json::from_str::<DropletCreate>(body) else {
        return refuse("request payload validation failed");
    };
    if choices::validate_name(&order.name).is_err() {
        return refuse("Name is invalid.");
    }
    let Some(region) = regions().into_iter().find(|r| r.slug == order.region) else {
        return refuse("Region is not available");
    };
    let Some(size) = sizes().into_iter().find(|s| s.slug == order.size) else {
        return refuse("Size is invalid.");
    };
    if shared.options.faults.contains(&Fault::SoldOut) || !region.sizes.contains(&size.slug) {
        return refuse("Size is not available in this region.");
    }
    let Some(image) = images()
        .into_iter()
        .find(|i| i.slug.as_deref() == Some(order.image.as_str()))
    else {
        return refuse("You specified an invalid image for Droplet creation.");
    };
    let mut state = shared.state();
    let keys: Vec<String> = order
        .ssh_keys
        .iter()
        .filter_map(|wanted| {
            state
                .keys
                .iter()
                .find(|k| {
                    wanted.as_u64() == Some(k.id) || wanted.as_str() == Some(k.fingerprint.as_str())
                })
                .map(|k| k.public_key.clone())
        })
        .collect();
    if keys.len() != order.ssh_keys.len() {
        return refuse("SSH Key is invalid.");
    }
    state.next_id += 1;
    let id = state.next_id;
    let action_id = id + 7_000_000;
    let mut features = vec!["private_networking".to_owned()];
    if order.backups {
        features.insert(0, "backups".to_owned());
    }
    let droplet = Droplet {
        id,
        name: order.name.clone(),
        memory: size.memory,
        vcpus: size.vcpus,
        disk: size.disk,
        disk_info: size.disk_info.clone(),
        locked: false,
        status: "new".to_owned(),
        kernel: Value::Null,
        created_at: timestamp(SystemTime::now()),
        features,
        backup_ids: Vec::new(),
        next_backup_window: Value::Null,
        snapshot_ids: Vec::new(),
        image,
        volume_ids: Vec::new(),
        size_slug: size.slug.clone(),
        // The droplet carries disk_info itself; its size does not (as documented).
        size: Size {
            disk_info: Vec::new(),
            ..size
        },
        networks: Networks::default(),
        region: region.clone(),
        tags: order.tags.clone(),
        vpc_uuid: None,
    };
    let action = Action {
        id: action_id,
        status: "in-progress".to_owned(),
        kind: "create".to_owned(),
        started_at: droplet.created_at.clone(),
        completed_at: None,
        resource_id: Some(id),
        resource_type: "droplet".to_owned(),
        region: Some(region.clone()),
        region_slug: Some(region.slug.clone()),
    };
    let practice = format!("c{}", id % 10_000_000);
    // The image was checked above, so it is one of the supported ones.
    let os: crate::practice::PracticeOs = super::choices::image(&order.image)
        .and_then(|i| i.practice_os.parse().ok())
        .unwrap_or_default();
    (shared.log)(&format!(
        "creating {} (id {id}) as practice droplet {practice} ({})",
        order.name,
        os.label()
    ));
    let never_active = shared.options.faults.contains(&Fault::NeverActive);
    let booting = if never_active {
        None
    } else {
        let shared = shared.clone();
        let key_lines = keys.join("\n");
        let name = practice.clone();
        Some(std::thread::spawn(move || {
            boot(&shared, id, &name, os, key_lines)
        }))
    };
    state.droplets.insert(
        id,
        Made {
            droplet: droplet.clone(),
            practice,
            action: action.clone(),
            booting,
        },
    );
    state.actions.insert(action_id, id);
    let answer = json_answer(
        202,
        &DropletCreateResponse {
            droplet,
            links: CreateLinks {
                actions: vec![ActionLink {
                    id: action_id,
                    rel: "create".to_owned(),
                    href: format!("/v2/actions/{action_id}"),
                }],
            },
        },
    );
    match state.drop_next_create.take() {
        Some(hold) => Routed::Hold(answer, hold),
        None => Routed::Answer(answer),
    }
}

/// Boots the practice droplet for droplet `id` and marks it active with its address (or the
/// create action errored).
fn boot(shared: &Shared, id: u64, practice: &str, os: crate::practice::PracticeOs, keys: String) {
    let result = if shared.options.boot {
        // A droplet made with a key: no password, so no cloud-init password drop-in either.
        let options = crate::practice::UpOptions {
            os,
            root_authorized_key: Some(keys),
            ..crate::practice::UpOptions::default()
        };
        crate::practice::up(&options, Some(practice), &mut |line| {
            (shared.log)(&format!("  [{practice}] {line}"));
        })
        .map(|d| (d.address, d.host_address))
        .map_err(|e| e.to_string())
    } else {
        Err("booting practice droplets is off".to_owned())
    };
    let mut state = shared.state();
    let Some(made) = state.droplets.get_mut(&id) else {
        return;
    };
    made.action.completed_at = Some(timestamp(SystemTime::now()));
    match result {
        Ok((address, gateway)) => {
            made.droplet.status = "active".to_owned();
            made.droplet.networks.v4 = vec![NetworkV4 {
                ip_address: address.to_string(),
                netmask: "255.255.255.0".to_owned(),
                gateway: Value::from(gateway.to_string()),
                kind: "public".to_owned(),
            }];
            made.action.status = "completed".to_owned();
            (shared.log)(&format!("{} is active at {address}", made.droplet.name));
        }
        Err(e) => {
            made.action.status = "errored".to_owned();
            (shared.log)(&format!(
                "{}: the practice droplet did not boot: {e}",
                made.droplet.name
            ));
        }
    }
}

fn destroy(shared: &Shared, id: &str) -> Answer {
    let made = id
        .parse::<u64>()
        .ok()
        .and_then(|id| shared.state().droplets.remove(&id));
    match made {
        Some(made) => {
            remove_practice(shared, made);
            Answer {
                status: 204,
                body: None,
            }
        }
        None => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            timestamp(UNIX_EPOCH + Duration::from_secs(1_595_356_664)),
            "2020-07-21T18:37:44Z"
        );
    }

    #[test]
    fn faults_parse_with_their_numbers() {
        assert_eq!(Fault::parse("rate-limit=3"), Ok(Fault::RateLimit(3)));
        assert_eq!(
            Fault::parse("drop-create=5"),
            Ok(Fault::DropCreate(Duration::from_secs(5)))
        );
        assert_eq!(Fault::parse("never-active"), Ok(Fault::NeverActive));
        assert!(Fault::parse("gremlins").is_err());
    }

    #[test]
    fn query_values_are_decoded() {
        let (path, params) = query("/v2/droplets/?tag_name=droplift&name=a%20b");
        assert_eq!(path, "/v2/droplets");
        assert_eq!(params.get("name").map(String::as_str), Some("a b"));
    }
}

// ── `droplift practice cloud` ──

/// `droplift practice cloud`'s options.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (127.0.0.1 only: the tokens travel in plain HTTP); port 0 picks a
    /// free one.
    #[arg(long, default_value = "127.0.0.1:8777", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Misbehave like the real API sometimes does (may be repeated): sold-out,
    /// rate-limit[=N], drop-create[=SECS], never-active, server-errors[=N].
    #[arg(long = "fault", value_name = "FAULT", value_parser = Fault::parse)]
    pub faults: Vec<Fault>,
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Serves until Ctrl-C (or SIGTERM), then removes the droplets it made.
pub fn serve(args: &ServeArgs) -> Result<i32, crate::headless::HeadlessError> {
    use crate::headless::HeadlessError;
    if !args.listen.ip().is_loopback() {
        return Err(HeadlessError::Invalid(format!(
            "--listen {}: the practice cloud listens on 127.0.0.1 only (its tokens travel in \
             plain HTTP)",
            args.listen
        )));
    }
    crate::practice::check_host().map_err(|e| HeadlessError::Invalid(e.to_string()))?;
    let handler = on_signal as extern "C" fn(libc::c_int);
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
    }
    let cloud = start(
        Options {
            listen: args.listen,
            faults: args.faults.clone(),
            boot: true,
        },
        |line| eprintln!("{line}"),
    )
    .map_err(HeadlessError::Invalid)?;
    println!("practice cloud at {}", cloud.url);
    println!("  token:            {}", cloud.token.expose());
    println!("  read-only token:  {}", cloud.read_only_token.expose());
    println!(
        "Use it with:  DIGITALOCEAN_API_URL={} droplift   (or --api-url {} on `droplift cloud …`)",
        cloud.url, cloud.url
    );
    if !args.faults.is_empty() {
        println!("faults on: {:?}", args.faults);
    }
    println!(
        "Each image boots a practice droplet of that system. Ctrl-C stops it and removes the \
         droplets it made."
    );
    let _ = std::io::Write::flush(&mut std::io::stdout());
    while !STOP.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("stopping: removing the practice droplets this cloud made …");
    cloud.stop();
    Ok(0)
}
