//! A small blocking client for DigitalOcean's API (ureq with rustls), for the endpoints droplift
//! uses. It runs on a worker thread (the wizard) or the main one (headless). What the API
//! answers becomes an `ApiError` a student can read: 401 and 403 name the token, 422 keeps the
//! API's own sentence, 429 waits as `RateLimit-Reset` says (visibly), 5xx and timeouts are
//! retried with backoff for calls that cannot do anything twice. POSTs are never repeated here:
//! the caller looks first (a droplet by name and tag, a key by fingerprint).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::api::*;
use crate::secret::Secret;

/// DigitalOcean's API, unless `--api-url` or `DIGITALOCEAN_API_URL` say otherwise.
pub const DEFAULT_API_URL: &str = "https://api.digitalocean.com";
/// Read like doctl does.
pub const ENV_TOKEN: &str = "DIGITALOCEAN_ACCESS_TOKEN";
/// The base URL, as godo and doctl allow.
pub const ENV_API_URL: &str = "DIGITALOCEAN_API_URL";

/// Something the student should see while a call waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wait {
    /// 429: the API says when requests are allowed again.
    RateLimited { seconds: u64 },
    /// A 5xx or no answer: trying again after `seconds` (`attempt` of `of`).
    Retrying {
        why: String,
        seconds: u64,
        attempt: u32,
        of: u32,
    },
}

impl Wait {
    /// The line a student reads.
    pub fn line(&self) -> String {
        match self {
            Wait::RateLimited { seconds } => format!(
                "DigitalOcean's rate limit is reached: waiting {seconds} s, as its RateLimit-Reset says …"
            ),
            Wait::Retrying {
                why,
                seconds,
                attempt,
                of,
            } => format!("{why}: trying again in {seconds} s (attempt {attempt} of {of}) …"),
        }
    }
}

/// Why a call failed, in words a student can act on. The token is never part of any of them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error(
        "DigitalOcean did not accept the token ({message}). Check that it is copied whole, \
         and not expired or revoked (API → Tokens in the web page)."
    )]
    Unauthorized { message: String },
    #[error(
        "The token may not do this ({message}). It is probably a read-only token: make one \
         with write access (API → Tokens → Generate New Token, Full Access)."
    )]
    Forbidden { message: String },
    /// 422: the API's own sentence (e.g. "Size is not available in this region.").
    #[error("DigitalOcean refused the request: {message}")]
    Unprocessable { message: String },
    #[error("not found: {message}")]
    NotFound { message: String },
    #[error(
        "DigitalOcean's rate limit stayed exceeded ({message}); wait a few minutes and try again."
    )]
    RateLimited { message: String },
    #[error("DigitalOcean had a problem (HTTP {status}: {message}); try again in a few minutes.")]
    Server { status: u16, message: String },
    #[error("DigitalOcean did not answer within {seconds} s.")]
    Timeout { seconds: u64 },
    #[error("could not reach the API at {url}: {message}")]
    Network { url: String, message: String },
    #[error("the API answered HTTP {status}: {message}")]
    Unexpected { status: u16, message: String },
    #[error("the API's answer could not be read ({0}); is --api-url a DigitalOcean API?")]
    Decode(String),
    /// The token would travel unencrypted: an `http://` API that is not on this computer.
    #[error(
        "{url} is plain http: droplift sends your DigitalOcean token only over https (or over \
         http to this computer, for the practice cloud). Use an https:// address."
    )]
    PlainHttp { url: String },
    /// A list's next page pointed somewhere other than the API the token was given for.
    #[error(
        "the API's next page is at {link}, not at {api}: droplift does not send your token \
         anywhere else, so the list stops here."
    )]
    ForeignLink { link: String, api: String },
}

/// `scheme://host[:port]` of a URL (what the token is given to), or None when it has no scheme.
fn origin(url: &str) -> Option<&str> {
    let rest_at = url.find("://")? + 3;
    let end = url[rest_at..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| rest_at + i);
    Some(&url[..end])
}

/// True when a plain-http URL stays on this computer (the practice cloud's address).
fn is_loopback(url: &str) -> bool {
    let Some(authority) = origin(url).and_then(|o| o.split("://").nth(1)) else {
        return false;
    };
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.split(':').next().unwrap_or(host),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Refuses to send the token where it could be read on the way.
fn check_transport(base_url: &str) -> Result<(), ApiError> {
    let scheme_http = base_url
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
    if scheme_http && !is_loopback(base_url) {
        return Err(ApiError::PlainHttp {
            url: base_url.to_owned(),
        });
    }
    Ok(())
}

impl ApiError {
    /// A failure after which the request may or may not have been carried out: a POST must be
    /// looked up before it is sent again.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            ApiError::Timeout { .. } | ApiError::Network { .. } | ApiError::Server { .. }
        )
    }
}

/// Where the API is and how patient to be with it.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    pub base_url: String,
    /// For one request, answer included.
    pub timeout: Duration,
    /// Retries of an idempotent call after a 5xx or no answer.
    pub retries: u32,
    /// The first backoff; it doubles each time.
    pub backoff: Duration,
    /// The longest wait for a rate limit's reset before giving up.
    pub max_rate_wait: Duration,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_API_URL.to_owned(),
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_secs(1),
            max_rate_wait: Duration::from_secs(120),
        }
    }
}

impl ApiConfig {
    /// `--api-url` when given, else `DIGITALOCEAN_API_URL`, else DigitalOcean's.
    pub fn from_env(api_url: Option<&str>) -> Self {
        let base_url = api_url
            .map(str::to_owned)
            .or_else(|| std::env::var(ENV_API_URL).ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        Self {
            base_url,
            ..Self::default()
        }
    }
}

/// The token from `DIGITALOCEAN_ACCESS_TOKEN`, if set (doctl's variable).
pub fn token_from_env() -> Option<Secret> {
    std::env::var(ENV_TOKEN)
        .ok()
        .map(|t| Secret::new(t.trim()))
        .filter(|t| !t.is_empty())
}

type Observer = Arc<dyn Fn(&Wait) + Send + Sync>;

/// A logged-in client: the base URL, the token (sent only in the Authorization header) and who
/// hears about waits.
#[derive(Clone)]
pub struct Client {
    config: ApiConfig,
    token: Secret,
    agent: ureq::Agent,
    observer: Observer,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.config.base_url)
            .field("token", &self.token)
            .finish()
    }
}

enum Method {
    Get,
    Post,
    Delete,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Client {
    pub fn new(config: ApiConfig, token: Secret) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(config.timeout))
            .timeout_connect(Some(Duration::from_secs(10)))
            .user_agent(concat!("droplift/", env!("CARGO_PKG_VERSION")))
            // A redirect would carry the token elsewhere; the API never sends one.
            .max_redirects(0)
            .build()
            .new_agent();
        Self {
            config,
            token,
            agent,
            observer: Arc::new(|_| {}),
        }
    }

    /// Who is told about waits (rate limits, retries).
    pub fn with_observer(mut self, observer: impl Fn(&Wait) + Send + Sync + 'static) -> Self {
        self.observer = Arc::new(observer);
        self
    }

    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// The URL of `path`. An absolute URL (a list's next page) must be on the API the token
    /// was given for: same scheme, host and port.
    fn url(&self, path: &str) -> Result<String, ApiError> {
        if path.starts_with("http://") || path.starts_with("https://") {
            let api = origin(&self.config.base_url).unwrap_or(&self.config.base_url);
            return match origin(path) {
                Some(link) if link.eq_ignore_ascii_case(api) => Ok(path.to_owned()),
                link => Err(ApiError::ForeignLink {
                    link: link.unwrap_or(path).to_owned(),
                    api: api.to_owned(),
                }),
            };
        }
        Ok(format!(
            "{}{path}",
            self.config.base_url.trim_end_matches('/')
        ))
    }

    /// One request, once: the status and body, or why there is none.
    fn send_once(
        &self,
        method: &Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, Option<u64>, String), ApiError> {
        let auth = format!("Bearer {}", self.token.expose());
        let result = match method {
            Method::Get => self.agent.get(url).header("Authorization", &auth).call(),
            Method::Delete => self.agent.delete(url).header("Authorization", &auth).call(),
            Method::Post => self
                .agent
                .post(url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send_json(body.unwrap_or(&serde_json::Value::Null)),
        };
        let mut response = result.map_err(|e| self.transport_error(url, e))?;
        let status = response.status().as_u16();
        let reset = response
            .headers()
            .get("ratelimit-reset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let text = response
            .body_mut()
            .with_config()
            .limit(32 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| self.transport_error(url, e))?;
        Ok((status, reset, text))
    }

    fn transport_error(&self, url: &str, error: ureq::Error) -> ApiError {
        match error {
            ureq::Error::Timeout(_) => ApiError::Timeout {
                seconds: self.config.timeout.as_secs(),
            },
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => ApiError::Timeout {
                seconds: self.config.timeout.as_secs(),
            },
            other => ApiError::Network {
                url: self.config.base_url.clone(),
                message: first_sentence(&other.to_string(), url),
            },
        }
    }

    /// A request with the API's error answers turned into `ApiError`, 429 waited out, and (for
    /// `idempotent` calls) 5xx and missing answers retried with backoff.
    fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        idempotent: bool,
    ) -> Result<(u16, String), ApiError> {
        check_transport(&self.config.base_url)?;
        let url = self.url(path)?;
        let mut attempt = 0;
        let mut waited = Duration::ZERO;
        loop {
            let failure = match self.send_once(&method, &url, body) {
                Ok((status, _, text)) if (200..300).contains(&status) => return Ok((status, text)),
                Ok((429, reset, text)) => {
                    let message = error_message(&text, 429);
                    // A refused request did nothing, so even a POST may be sent again.
                    let seconds = reset
                        .map(|r| r.saturating_sub(now_secs()).max(1))
                        .unwrap_or(5);
                    if waited + Duration::from_secs(seconds) > self.config.max_rate_wait {
                        return Err(ApiError::RateLimited { message });
                    }
                    (self.observer)(&Wait::RateLimited { seconds });
                    std::thread::sleep(Duration::from_secs(seconds));
                    waited += Duration::from_secs(seconds);
                    continue;
                }
                Ok((status, _, text)) => status_error(status, &text),
                Err(e) => e,
            };
            let retry = idempotent && failure.outcome_unknown() && attempt < self.config.retries;
            if !retry {
                return Err(failure);
            }
            attempt += 1;
            let delay = self.config.backoff * 2u32.pow(attempt - 1);
            (self.observer)(&Wait::Retrying {
                why: match &failure {
                    ApiError::Timeout { .. } => "No answer from DigitalOcean".to_owned(),
                    ApiError::Server { status, .. } => format!("DigitalOcean answered {status}"),
                    other => other.to_string(),
                },
                seconds: delay.as_secs().max(1),
                attempt,
                of: self.config.retries,
            });
            std::thread::sleep(delay);
        }
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let (_, text) = self.request(Method::Get, path, None, true)?;
        decode(&text)
    }

    fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ApiError> {
        let body = serde_json::to_value(body).map_err(|e| ApiError::Decode(e.to_string()))?;
        let (_, text) = self.request(Method::Post, path, Some(&body), false)?;
        decode(&text)
    }

    /// Every page of a list, following `links.pages.next`.
    fn list<P: DeserializeOwned, T>(
        &self,
        path: &str,
        split: impl Fn(P) -> (Vec<T>, Option<String>),
    ) -> Result<Vec<T>, ApiError> {
        let joiner = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{joiner}per_page=200"));
        let mut all = Vec::new();
        // A bound, in case a server keeps pointing at itself.
        for _ in 0..100 {
            let Some(page) = next.take() else { break };
            let (items, more) = split(self.get::<P>(&page)?);
            all.extend(items);
            next = more;
        }
        Ok(all)
    }

    pub fn account(&self) -> Result<Account, ApiError> {
        self.get::<AccountResponse>("/v2/account")
            .map(|r| r.account)
    }

    pub fn regions(&self) -> Result<Vec<Region>, ApiError> {
        self.list("/v2/regions", |p: RegionsPage| {
            (p.regions, p.links.pages.next)
        })
    }

    pub fn sizes(&self) -> Result<Vec<Size>, ApiError> {
        self.list("/v2/sizes", |p: SizesPage| (p.sizes, p.links.pages.next))
    }

    /// DigitalOcean's distribution images (`?type=distribution`).
    pub fn distribution_images(&self) -> Result<Vec<Image>, ApiError> {
        self.list("/v2/images?type=distribution", |p: ImagesPage| {
            (p.images, p.links.pages.next)
        })
    }

    pub fn ssh_keys(&self) -> Result<Vec<SshKey>, ApiError> {
        self.list("/v2/account/keys", |p: SshKeysPage| {
            (p.ssh_keys, p.links.pages.next)
        })
    }

    /// Uploads a public key (a POST: the caller looks it up by fingerprint before sending again).
    pub fn add_ssh_key(&self, key: &NewSshKey) -> Result<SshKey, ApiError> {
        self.post::<_, SshKeyResponse>("/v2/account/keys", key)
            .map(|r| r.ssh_key)
    }

    /// Sends a create (a POST: the caller looks the droplet up by name and tag before sending
    /// it again).
    pub fn create_droplet(
        &self,
        request: &DropletCreate,
    ) -> Result<DropletCreateResponse, ApiError> {
        self.post("/v2/droplets", request)
    }

    pub fn droplet(&self, id: u64) -> Result<Droplet, ApiError> {
        self.get::<DropletResponse>(&format!("/v2/droplets/{id}"))
            .map(|r| r.droplet)
    }

    pub fn droplets(&self) -> Result<Vec<Droplet>, ApiError> {
        self.list("/v2/droplets", |p: DropletsPage| {
            (p.droplets, p.links.pages.next)
        })
    }

    /// The account's cloud firewalls (the doctor compares their inbound rules with ufw's).
    pub fn firewalls(&self) -> Result<Vec<Firewall>, ApiError> {
        self.list("/v2/firewalls", |p: FirewallsPage| {
            (p.firewalls, p.links.pages.next)
        })
    }

    /// Makes a cloud firewall (the practice cloud's tests; droplift itself never makes one).
    pub fn create_firewall(&self, firewall: &FirewallCreate) -> Result<Firewall, ApiError> {
        self.post::<_, FirewallResponse>("/v2/firewalls", firewall)
            .map(|r| r.firewall)
    }

    /// The droplets carrying `tag` (the API cannot filter by name and tag at once).
    pub fn droplets_tagged(&self, tag: &str) -> Result<Vec<Droplet>, ApiError> {
        self.list(
            &format!("/v2/droplets?tag_name={tag}"),
            |p: DropletsPage| (p.droplets, p.links.pages.next),
        )
    }

    /// Deletes a droplet; one already gone counts as deleted (a retried DELETE may find that).
    pub fn delete_droplet(&self, id: u64) -> Result<(), ApiError> {
        match self.request(Method::Delete, &format!("/v2/droplets/{id}"), None, true) {
            Ok(_) | Err(ApiError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub fn action(&self, id: u64) -> Result<Action, ApiError> {
        self.get::<ActionResponse>(&format!("/v2/actions/{id}"))
            .map(|r| r.action)
    }
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()))
}

/// The API's `message`, or the status when the body is not its error shape.
fn error_message(text: &str, status: u16) -> String {
    serde_json::from_str::<ErrorBody>(text)
        .map(|b| b.message)
        .unwrap_or_else(|_| format!("HTTP {status}"))
}

fn status_error(status: u16, text: &str) -> ApiError {
    let message = error_message(text, status);
    match status {
        401 => ApiError::Unauthorized { message },
        403 => ApiError::Forbidden { message },
        404 => ApiError::NotFound { message },
        422 => ApiError::Unprocessable { message },
        429 => ApiError::RateLimited { message },
        500..=599 => ApiError::Server { status, message },
        _ => ApiError::Unexpected { status, message },
    }
}

/// ureq's message without the URL (which is said once, in front).
fn first_sentence(message: &str, url: &str) -> String {
    message.replace(url, "").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_keep_the_api_s_sentence() {
        let body =
            r#"{"id":"unprocessable_entity","message":"Size is not available in this region."}"#;
        assert_eq!(
            status_error(422, body),
            ApiError::Unprocessable {
                message: "Size is not available in this region.".into()
            }
        );
        assert!(matches!(
            status_error(503, "<html>"),
            ApiError::Server { status: 503, ref message } if message == "HTTP 503"
        ));
        assert!(ApiError::Timeout { seconds: 30 }.outcome_unknown());
        assert!(
            !ApiError::Forbidden {
                message: String::new()
            }
            .outcome_unknown()
        );
    }

    #[test]
    fn the_token_goes_only_over_https_or_to_this_computer() {
        for ok in [
            "https://api.digitalocean.com",
            "HTTPS://api.example.com/",
            "http://127.0.0.1:8080",
            "http://localhost:9000/",
            "http://[::1]:7000",
        ] {
            assert_eq!(check_transport(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://api.digitalocean.com",
            "http://10.0.0.5:8080",
            "http://127.0.0.1.evil.example",
            "http://user@example.com",
        ] {
            assert!(
                matches!(check_transport(bad), Err(ApiError::PlainHttp { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_next_page_elsewhere_is_not_followed() {
        let client = Client::new(ApiConfig::default(), Secret::new("t"));
        assert_eq!(
            client.url("/v2/sizes?page=2").as_deref(),
            Ok("https://api.digitalocean.com/v2/sizes?page=2")
        );
        assert!(
            client
                .url("https://api.digitalocean.com/v2/sizes?page=2")
                .is_ok()
        );
        for elsewhere in [
            "https://evil.example/v2/sizes?page=2",
            "http://api.digitalocean.com/v2/sizes?page=2",
            "https://api.digitalocean.com.evil.example/v2",
            "https://api.digitalocean.com:8443/v2",
        ] {
            let Err(ApiError::ForeignLink { link, api }) = client.url(elsewhere) else {
                panic!("{elsewhere} was followed")
            };
            assert_eq!(api, "https://api.digitalocean.com");
            assert!(elsewhere.starts_with(&link), "{link}");
        }
    }

    #[test]
    fn the_token_is_never_in_debug_output() {
        let client = Client::new(ApiConfig::default(), Secret::new("dop_v1_secret"));
        assert!(!format!("{client:?}").contains("dop_v1_secret"));
    }
}
