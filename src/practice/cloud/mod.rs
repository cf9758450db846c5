//! The practice cloud: DigitalOcean's API for the endpoints droplift uses, served on 127.0.0.1
//! (tiny_http; one thread per request), with the documented JSON shapes (the types of `api`).
//! A create boots a real practice droplet with the uploaded key in root's authorized_keys and
//! no root password, as a real droplet made with an SSH key is; a destroy removes it.
//!
//! It prints two tokens when it starts: one with full access, and a read-only one (writes answer
//! 403, as a read-only DigitalOcean token's do). Any other token is answered 401. Faults for
//! tests and classes are switched on with `Fault` (`--fault NAME` on the command line).
//! Each supported image boots a practice droplet of that system (`droplet_spec::IMAGES`).
//!
//! `catalogue` holds the regions, sizes and images it offers; `http` authenticates, applies the
//! faults and routes each request; `droplets` keeps the account's keys and droplets (a create
//! boots a practice droplet, a destroy removes it) and its cloud firewalls (listed, never
//! enforced).

mod catalogue;
mod droplets;
mod error;
mod http;

pub use catalogue::{catalogue, sample_catalog};
pub use error::{FaultError, PracticeCloudError};

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tiny_http::Server;

use crate::cloud::api::{Action, Droplet, SshKey};
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
    /// A new droplet shows in the account's list only this long after its create (a list that
    /// lags, as DigitalOcean's can).
    ListLag(Duration),
    /// The next N requests answer 500.
    ServerErrors(u32),
}

impl Fault {
    /// `sold-out`, `rate-limit[=N]`, `drop-create[=SECS]`, `never-active`, `list-lag[=SECS]`,
    /// `server-errors[=N]`.
    pub fn parse(text: &str) -> Result<Fault, FaultError> {
        let (name, value) = text.split_once('=').unwrap_or((text, ""));
        let number = |default: u64| -> Result<u64, FaultError> {
            if value.is_empty() {
                Ok(default)
            } else {
                value.parse().map_err(|_| FaultError::NotANumber {
                    name: name.to_owned(),
                    value: value.to_owned(),
                })
            }
        };
        Ok(match name {
            "sold-out" => Fault::SoldOut,
            "rate-limit" => Fault::RateLimit(number(1)? as u32),
            "drop-create" => Fault::DropCreate(Duration::from_secs(number(60)?)),
            "never-active" => Fault::NeverActive,
            "list-lag" => Fault::ListLag(Duration::from_secs(number(10)?)),
            "server-errors" => Fault::ServerErrors(number(1)? as u32),
            _ => return Err(FaultError::Unknown(name.to_owned())),
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
    /// Requests answered at once at most; one more is answered 503, with Retry-After (a client
    /// that opens connections without end cannot exhaust the computer the practice cloud runs
    /// on). Four times as many (at least 8) can be being refused at once; past that, the cloud
    /// takes no new request until one of them ends (the kernel's queue holds the connections).
    pub max_in_flight: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            faults: Vec::new(),
            boot: true,
            max_in_flight: 32,
        }
    }
}

struct Made {
    droplet: Droplet,
    /// The practice droplet's name (`c` + the id's last digits).
    practice: String,
    action: Action,
    booting: Option<std::thread::JoinHandle<()>>,
    /// When it shows in the account's list (the list-lag fault; else at once).
    listed_from: std::time::Instant,
}

struct State {
    keys: Vec<SshKey>,
    /// Cloud firewalls, as made (nothing enforces them: a practice droplet is reached directly,
    /// so the doctor's reading of them is what they are for).
    firewalls: Vec<crate::cloud::api::Firewall>,
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
    /// Requests being answered now (`Options::max_in_flight`).
    in_flight: std::sync::atomic::AtomicUsize,
    /// Requests being answered 503 now (as many again at most).
    refusing: std::sync::atomic::AtomicUsize,
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

fn token(kind: &str) -> Result<Secret, PracticeCloudError> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(PracticeCloudError::Random)?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Secret::new(format!("dop_v1_practice_{kind}{hex}")))
}

/// Starts serving; `log` gets a line per request and per droplet event (no token in them).
pub fn start(
    options: Options,
    log: impl Fn(&str) + Send + Sync + 'static,
) -> Result<PracticeCloud, PracticeCloudError> {
    let server = Server::http(options.listen).map_err(|cause| PracticeCloudError::Listen {
        address: options.listen,
        cause,
    })?;
    let address = server
        .server_addr()
        .to_ip()
        .ok_or(PracticeCloudError::NotOnIp)?;
    let first_id = 100_000 + u64::from(std::process::id() % 800) * 1000;
    let drop_next_create = options.faults.iter().find_map(|f| match f {
        Fault::DropCreate(hold) => Some(*hold),
        _ => None,
    });
    let count = |pick: fn(&Fault) -> Option<u32>| options.faults.iter().find_map(pick);
    let state = State {
        keys: Vec::new(),
        firewalls: Vec::new(),
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
        in_flight: std::sync::atomic::AtomicUsize::new(0),
        refusing: std::sync::atomic::AtomicUsize::new(0),
    });
    let serving = shared.clone();
    let thread = std::thread::spawn(move || {
        while !serving.stop.load(Ordering::SeqCst) {
            match server.recv_timeout(Duration::from_millis(200)) {
                Ok(Some(request)) => {
                    let slots = serving.options.max_in_flight;
                    if serving.in_flight.fetch_add(1, Ordering::SeqCst) >= slots {
                        serving.in_flight.fetch_sub(1, Ordering::SeqCst);
                        // Refused on a thread of its own, never here: answering drops the
                        // request, and tiny_http reads the rest of the body it was promised
                        // before the drop returns. A client that sent half a body would stop
                        // the whole cloud on this line (seen: a test that hung CI).
                        // (Only this thread adds to `refusing`, so what it reads stays true.)
                        while serving.refusing.load(Ordering::SeqCst) >= slots.max(2) * 4
                            && !serving.stop.load(Ordering::SeqCst)
                        {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        serving.refusing.fetch_add(1, Ordering::SeqCst);
                        let shared = serving.clone();
                        std::thread::spawn(move || {
                            http::busy(request);
                            shared.refusing.fetch_sub(1, Ordering::SeqCst);
                        });
                        continue;
                    }
                    let shared = serving.clone();
                    std::thread::spawn(move || {
                        http::handle(&shared, request);
                        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
                    });
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
    /// Requests being answered, and being refused, now (for tests).
    pub fn requests_open(&self) -> (usize, usize) {
        (
            self.shared.in_flight.load(Ordering::SeqCst),
            self.shared.refusing.load(Ordering::SeqCst),
        )
    }

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
            droplets::remove_practice(&self.shared, made);
        }
    }
}

impl Drop for PracticeCloud {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_with_their_numbers() {
        assert_eq!(Fault::parse("rate-limit=3"), Ok(Fault::RateLimit(3)));
        assert_eq!(
            Fault::parse("drop-create=5"),
            Ok(Fault::DropCreate(Duration::from_secs(5)))
        );
        assert_eq!(Fault::parse("never-active"), Ok(Fault::NeverActive));
        assert_eq!(
            Fault::parse("list-lag"),
            Ok(Fault::ListLag(Duration::from_secs(10)))
        );
        assert!(Fault::parse("gremlins").is_err());
    }

    #[test]
    fn what_a_caller_sent_reaches_the_terminal_written_out() {
        let line = printable("GET /v2/\u{1b}]0;owned\u{7}\u{1b}[2J → 404");
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert_eq!(line, "GET /v2/\\u{1b}]0;owned\\u{7}\\u{1b}[2J → 404");
        assert_eq!(
            printable("added SSH key ü (ab:cd)"),
            "added SSH key ü (ab:cd)"
        );
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
    /// rate-limit[=N], drop-create[=SECS], never-active, list-lag[=SECS], server-errors[=N].
    #[arg(long = "fault", value_name = "FAULT", value_parser = Fault::parse)]
    pub faults: Vec<Fault>,
}

static STOP: AtomicBool = AtomicBool::new(false);

/// A log line as the terminal may show it: request paths and key names come from whoever
/// connects, so control characters (a terminal's escape sequences) are written out, not sent.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Serves until Ctrl-C (or SIGTERM), then removes the droplets it made.
pub fn serve(args: &ServeArgs) -> Result<i32, PracticeCloudError> {
    if !args.listen.ip().is_loopback() {
        return Err(PracticeCloudError::NotLoopback(args.listen));
    }
    crate::practice::check_host()?;
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
            ..Options::default()
        },
        |line| eprintln!("{}", printable(line)),
    )?;
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
