//! Readers of what the doctor's script prints (`doctor.sh`): one pure function per section,
//! taking the tool's own output (stat, systemctl show, ss, uWSGI's log, nginx's error log, ufw,
//! df, /proc/meminfo, getent) and returning what it says. Tested against real outputs captured
//! on a practice droplet with each fault made on purpose (tests/fixtures/doctor/).

use std::collections::BTreeMap;
use std::net::IpAddr;

/// The marker that starts each section (`\036doctor: NAME`).
const MARK: &str = "\u{1e}doctor: ";

/// The script's output cut into its sections, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sections(BTreeMap<String, String>);

impl Sections {
    pub fn split(output: &str) -> Self {
        let mut map = BTreeMap::new();
        let mut current: Option<(String, String)> = None;
        for line in output.lines() {
            if let Some(name) = line.strip_prefix(MARK) {
                if let Some((name, text)) = current.take() {
                    map.insert(name, text);
                }
                current = Some((name.trim().to_owned(), String::new()));
            } else if let Some((_, text)) = current.as_mut() {
                text.push_str(line);
                text.push('\n');
            }
        }
        if let Some((name, text)) = current {
            map.insert(name, text);
        }
        Self(map)
    }

    /// A section's text; empty when the script did not print it.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Whether the script ran to its end (a cut connection leaves it without `end`).
    pub fn complete(&self) -> bool {
        self.has("end")
    }
}

/// The newest of the `since` lines (server time, nginx's format `YYYY/MM/DD HH:MM:SS`, which
/// sorts as text): nginx's errors older than this are history.
pub fn since(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| looks_like_nginx_time(l))
        .max()
        .map(str::to_owned)
}

fn looks_like_nginx_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 19
        && b[4] == b'/'
        && b[7] == b'/'
        && b[10] == b' '
        && b[13] == b':'
        && b[..4].iter().all(u8::is_ascii_digit)
}

/// One line of `stat -L -c '%n %a %U %G %F'` for a socket, as the site's user sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketFile {
    pub path: String,
    pub mode: u32,
    pub owner: String,
    pub group: String,
    pub is_socket: bool,
}

/// The sockets section: the files that exist, and where `socket.sock` points (its last line,
/// readlink's answer).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sockets {
    pub files: Vec<SocketFile>,
    pub link: Option<String>,
}

pub fn sockets(text: &str) -> Sockets {
    let mut out = Sockets::default();
    for line in text.lines() {
        if line.starts_with("stat:") {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [path, mode, owner, group, kind @ ..] if path.starts_with('/') && !kind.is_empty() => {
                if let Ok(mode) = u32::from_str_radix(mode, 8) {
                    out.files.push(SocketFile {
                        path: (*path).to_owned(),
                        mode,
                        owner: (*owner).to_owned(),
                        group: (*group).to_owned(),
                        is_socket: kind.join(" ") == "socket",
                    });
                }
            }
            [target] => out.link = Some((*target).to_owned()),
            _ => {}
        }
    }
    out
}

impl Sockets {
    /// The file at a path ending in `/name`, if it exists.
    pub fn file(&self, name: &str) -> Option<&SocketFile> {
        self.files
            .iter()
            .find(|f| f.path.rsplit('/').next() == Some(name))
    }
}

/// "may write PATH" / "may not write PATH": whether nginx's user may open the socket.
pub fn nginx_may_write(text: &str) -> Option<bool> {
    let line = text.lines().next()?.trim();
    if line.starts_with("may not write") {
        Some(false)
    } else if line.starts_with("may write") {
        Some(true)
    } else {
        None
    }
}

/// A unit as `systemctl show -p …` prints it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unit {
    pub id: String,
    pub load: String,
    pub active: String,
    pub sub: String,
    pub result: String,
    pub exec_status: i32,
    pub file_state: String,
    pub restarts: u32,
    pub user: String,
    pub group: String,
    /// The program ExecStart runs (`path=` in systemctl's form).
    pub exec_path: String,
    pub fragment: String,
    pub drop_ins: Vec<String>,
}

impl Unit {
    pub fn running(&self) -> bool {
        self.active == "active"
    }

    pub fn loaded(&self) -> bool {
        self.load == "loaded"
    }

    /// The name without `.service`.
    pub fn name(&self) -> &str {
        self.id.strip_suffix(".service").unwrap_or(&self.id)
    }
}

/// The units section: one block of `Key=value` lines per unit, blocks apart by a blank line.
pub fn units(text: &str) -> Vec<Unit> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let mut unit = Unit::default();
        for line in block.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            match key {
                "Id" => unit.id = value.to_owned(),
                "LoadState" => unit.load = value.to_owned(),
                "ActiveState" => unit.active = value.to_owned(),
                "SubState" => unit.sub = value.to_owned(),
                "Result" => unit.result = value.to_owned(),
                "ExecMainStatus" => unit.exec_status = value.parse().unwrap_or(0),
                "UnitFileState" => unit.file_state = value.to_owned(),
                "NRestarts" => unit.restarts = value.parse().unwrap_or(0),
                "User" => unit.user = value.to_owned(),
                "Group" => unit.group = value.to_owned(),
                "ExecStart" => unit.exec_path = exec_path(value),
                "FragmentPath" => unit.fragment = value.to_owned(),
                "DropInPaths" => {
                    unit.drop_ins = value.split_whitespace().map(str::to_owned).collect();
                }
                _ => {}
            }
        }
        if !unit.id.is_empty() {
            out.push(unit);
        }
    }
    out
}

/// `{ path=/usr/bin/env ; argv[]=… }` → `/usr/bin/env`, or for `env` the program it starts.
fn exec_path(value: &str) -> String {
    let field = |name: &str| {
        value
            .split(" ; ")
            .find_map(|part| part.trim_start_matches("{ ").strip_prefix(name))
            .map(str::trim)
            .unwrap_or("")
            .to_owned()
    };
    let path = field("path=");
    if path == "/usr/bin/env" {
        // droplift's unit: `/usr/bin/env PROGRAM …` (systemd takes no variable in the path).
        if let Some(program) = field("argv[]=").split_whitespace().nth(1) {
            return program.to_owned();
        }
    }
    path
}

/// The accounts section: `User NAME exists|missing`, `Group NAME exists|missing`.
pub fn missing_accounts(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (kind, name, state) = (words.next()?, words.next()?, words.next()?);
            (state == "missing").then(|| (kind.to_owned(), name.to_owned()))
        })
        .collect()
}

/// The listening section (`ss -xlnH`): the unix socket paths something listens on.
pub fn listening(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            line.split_whitespace()
                .find(|w| w.starts_with('/'))
                .map(str::to_owned)
        })
        .collect()
}

/// The app's last Python error in uWSGI's log, after the last time the app loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PythonError {
    /// The exception line (`RuntimeError: …`), or Python's fatal error.
    pub error: String,
    /// Where it was raised: the traceback's last `File "…", line N` line, trimmed.
    pub place: Option<String>,
    /// The virtualenv uWSGI gave Python when Python could not start (`PYTHONHOME = '…'`).
    pub python_home: Option<String>,
    /// uWSGI's own verdict after it, e.g. "no app loaded".
    pub no_app: bool,
}

const APP_READY: &str = "WSGI app 0 (mountpoint='') ready";

/// A password in a URL (`scheme://user:PASSWORD@host`) replaced by `***`: an app's error may
/// quote its DATABASE_URL, and the doctor never knows the passwords to redact them by value.
pub fn mask_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | ')' | '>'))
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at_sign), Some(colon)) if colon < at_sign => {
                out.push_str(&authority[..=colon]);
                out.push_str("***");
                out.push_str(&authority[at_sign..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

pub fn python_error(log: &str) -> Option<PythonError> {
    let lines: Vec<&str> = log.lines().collect();
    let start = lines
        .iter()
        .rposition(|l| l.contains(APP_READY))
        .map_or(0, |i| i + 1);
    let tail = &lines[start..];
    let no_app = tail
        .iter()
        .any(|l| l.contains("no app loaded") || l.contains("unable to load app"));
    if let Some(at) = tail
        .iter()
        .rposition(|l| l.starts_with("Fatal Python error:"))
    {
        let home = tail[..at]
            .iter()
            .rev()
            .find_map(|l| l.trim().strip_prefix("PYTHONHOME = "))
            .map(|v| v.trim_matches('\'').to_owned());
        return Some(PythonError {
            error: mask_credentials(tail[at].trim()),
            place: None,
            python_home: home,
            no_app: true,
        });
    }
    let at = tail
        .iter()
        .rposition(|l| l.starts_with("Traceback (most recent call last):"))?;
    let mut place = None;
    let mut error = None;
    for line in &tail[at + 1..] {
        if line.starts_with("  File ") {
            place = Some(line.trim().to_owned());
        } else if !line.starts_with(' ') && !line.trim().is_empty() {
            error = Some(mask_credentials(line.trim()));
            break;
        }
    }
    Some(PythonError {
        error: error?,
        place,
        python_home: None,
        no_app,
    })
}

/// A line of nginx's error log about the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NginxError {
    /// `YYYY/MM/DD HH:MM:SS`, the server's local time.
    pub when: String,
    /// The system error number nginx quotes, `(13: Permission denied)` → 13.
    pub errno: Option<u32>,
    /// What nginx says, from `connect()`/`upstream` up to the first comma.
    pub message: String,
}

/// nginx's lines newer than `since` (all when None), oldest first.
pub fn nginx_errors(text: &str, since: Option<&str>) -> Vec<NginxError> {
    text.lines()
        .filter(|l| looks_like_nginx_time(l))
        .filter_map(|line| {
            let when = line.get(..19)?.to_owned();
            if since.is_some_and(|s| when.as_str() < s) {
                return None;
            }
            let errno = line
                .split_once(" failed (")
                .and_then(|(_, rest)| rest.split(':').next().and_then(|n| n.trim().parse().ok()));
            // After "[crit] 4155#4155: *9 ": the message, up to the first ", client:".
            let body = line.split_once("]").map_or(line, |(_, rest)| rest);
            let body = body.split_once(": ").map_or(body, |(_, rest)| rest);
            let body = body
                .split_once(' ')
                .filter(|(first, _)| first.starts_with('*'))
                .map_or(body, |(_, rest)| rest);
            let message = body
                .split(", client:")
                .next()
                .unwrap_or(body)
                .trim()
                .to_owned();
            Some(NginxError {
                when,
                errno,
                message,
            })
        })
        .collect()
}

/// What ufw does with a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Deny,
    Reject,
    Limit,
}

impl Verdict {
    fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "allow" => Some(Self::Allow),
            "deny" => Some(Self::Deny),
            "reject" => Some(Self::Reject),
            "limit" => Some(Self::Limit),
            _ => None,
        }
    }

    /// As ufw prints it.
    pub fn word(self) -> &'static str {
        match self {
            Self::Allow => "ALLOW",
            Self::Deny => "DENY",
            Self::Reject => "REJECT",
            Self::Limit => "LIMIT",
        }
    }

    /// Whether a new connection gets through (LIMIT lets it in, up to its rate).
    pub fn lets_in(self) -> bool {
        matches!(self, Self::Allow | Self::Limit)
    }
}

/// One rule of `ufw status verbose`, incoming, for IPv4 from anywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UfwRule {
    /// As ufw prints it: `80/tcp`, `22/tcp (OpenSSH)`, `Nginx Full`, `6000:6007/tcp`.
    pub to: String,
    pub verdict: Verdict,
    /// The ports it matches, and whether only for tcp/udp (None: both).
    pub ports: Vec<(u16, u16)>,
    pub proto: Option<String>,
}

impl UfwRule {
    pub fn matches(&self, port: u16, proto: &str) -> bool {
        self.proto.as_deref().is_none_or(|p| p == proto)
            && self
                .ports
                .iter()
                .any(|(lo, hi)| (*lo..=*hi).contains(&port))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ufw {
    /// None when ufw is not installed or said nothing readable.
    pub active: Option<bool>,
    /// The policy for incoming packets no rule matches.
    pub default_incoming: Option<Verdict>,
    pub rules: Vec<UfwRule>,
}

impl Ufw {
    /// What ufw does with a new incoming connection to `port` (the first rule that matches
    /// wins; else the default). None when ufw is off or unreadable.
    pub fn verdict(&self, port: u16, proto: &str) -> Option<(Verdict, Option<&UfwRule>)> {
        if self.active != Some(true) {
            return None;
        }
        match self.rules.iter().find(|r| r.matches(port, proto)) {
            Some(rule) => Some((rule.verdict, Some(rule))),
            None => self.default_incoming.map(|v| (v, None)),
        }
    }
}

/// Port ranges (first, last) and the protocol they are for (None: tcp and udp).
type PortSpec<'a> = (Vec<(u16, u16)>, Option<&'a str>);

/// Ports of ufw's application profiles for the servers the course installs.
fn profile_ports(name: &str) -> Option<PortSpec<'static>> {
    match name {
        "OpenSSH" => Some((vec![(22, 22)], Some("tcp"))),
        "Nginx HTTP" => Some((vec![(80, 80)], Some("tcp"))),
        "Nginx HTTPS" => Some((vec![(443, 443)], Some("tcp"))),
        "Nginx Full" => Some((vec![(80, 80), (443, 443)], Some("tcp"))),
        _ => None,
    }
}

/// `80/tcp`, `80`, `80,443/tcp`, `6000:6007/udp` → ports and protocol.
fn port_spec(text: &str) -> Option<PortSpec<'_>> {
    let (list, proto) = match text.split_once('/') {
        Some((list, proto)) => (list, Some(proto)),
        None => (text, None),
    };
    let mut ports = Vec::new();
    for part in list.split(',') {
        let (lo, hi) = part.split_once(':').unwrap_or((part, part));
        ports.push((lo.parse().ok()?, hi.parse().ok()?));
    }
    Some((ports, proto))
}

pub fn ufw(text: &str) -> Ufw {
    let mut out = Ufw::default();
    let mut in_rules = false;
    for line in text.lines() {
        if let Some(status) = line.strip_prefix("Status: ") {
            out.active = Some(status.trim() == "active");
        } else if let Some(defaults) = line.strip_prefix("Default: ") {
            out.default_incoming = defaults
                .split(", ")
                .find_map(|d| d.strip_suffix(" (incoming)"))
                .and_then(Verdict::parse);
        } else if line.starts_with("--") {
            in_rules = true;
        } else if in_rules && !line.trim().is_empty() {
            if let Some(rule) = ufw_rule(line) {
                out.rules.push(rule);
            }
        }
    }
    out
}

/// A rule line: `To` (up to two spaces), the action (`ALLOW IN`), then `From`.
fn ufw_rule(line: &str) -> Option<UfwRule> {
    let cols: Vec<&str> = line
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let [to, action, from, ..] = cols.as_slice() else {
        return None;
    };
    if to.contains("(v6)") || from.contains("(v6)") || *from != "Anywhere" {
        return None;
    }
    let mut words = action.split_whitespace();
    let verdict = Verdict::parse(words.next()?)?;
    if words.next().is_some_and(|d| d == "OUT" || d == "FWD") {
        return None;
    }
    // `22/tcp (OpenSSH)`: the ports first; a bare profile name names its ports.
    let spec = to.split(" (").next().unwrap_or(to);
    let (ports, proto) = match port_spec(spec) {
        Some((ports, proto)) => (ports, proto.map(str::to_owned)),
        None => {
            let (ports, proto) = profile_ports(spec)?;
            (ports, proto.map(str::to_owned))
        }
    };
    Some(UfwRule {
        to: (*to).to_owned(),
        verdict,
        ports,
        proto,
    })
}

/// A listening TCP socket (`ss -ltnpH`): its port, whether it is reachable from outside (not
/// only on loopback) and the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    pub port: u16,
    pub public: bool,
    pub program: String,
}

pub fn tcp_listening(text: &str) -> Vec<Listener> {
    let mut out: Vec<Listener> = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some(local) = fields.get(3) else {
            continue;
        };
        let Some((addr, port)) = local.rsplit_once(':') else {
            continue;
        };
        let Ok(port) = port.parse() else {
            continue;
        };
        let addr = addr.trim_start_matches('[').trim_end_matches(']');
        let public = !(addr.starts_with("127.") || addr == "::1" || addr.ends_with("%lo"));
        let program = line
            .split_once("users:((\"")
            .and_then(|(_, rest)| rest.split('"').next())
            .unwrap_or("")
            .to_owned();
        let listener = Listener {
            port,
            public,
            program,
        };
        if !out.contains(&listener) {
            out.push(listener);
        }
    }
    out
}

/// A filesystem from `df -PB1`: where it is mounted, its size and what is left (bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disk {
    pub mount: String,
    pub size: u64,
    pub available: u64,
    pub used_percent: u32,
}

/// Each filesystem once (df names one per path asked).
pub fn disks(text: &str) -> Vec<Disk> {
    let mut out: Vec<Disk> = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [_, size, _, available, percent, mount @ ..] = f.as_slice() else {
            continue;
        };
        let (Ok(size), Ok(available), Ok(used_percent)) = (
            size.parse(),
            available.parse(),
            percent.trim_end_matches('%').parse(),
        ) else {
            continue;
        };
        let mount = mount.join(" ");
        if !out.iter().any(|d| d.mount == mount) {
            out.push(Disk {
                mount,
                size,
                available,
                used_percent,
            });
        }
    }
    out
}

/// /proc/meminfo's figures (bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Memory {
    pub total: u64,
    pub available: u64,
    pub swap_total: u64,
    pub swap_free: u64,
}

pub fn memory(text: &str) -> Option<Memory> {
    let mut m = Memory::default();
    let mut seen = 0;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(key), Some(value)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(kib) = value.parse::<u64>() else {
            continue;
        };
        let bytes = kib * 1024;
        match key {
            "MemTotal:" => m.total = bytes,
            "MemAvailable:" => m.available = bytes,
            "SwapTotal:" => m.swap_total = bytes,
            "SwapFree:" => m.swap_free = bytes,
            _ => continue,
        }
        seen += 1;
    }
    (seen >= 2 && m.total > 0).then_some(m)
}

/// Addresses, one a line (getent ahosts' first column, `ip addr`'s).
pub fn addresses(text: &str) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Sections {
        let path = format!(
            "{}/tests/fixtures/doctor/{name}.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Sections::split(&text)
    }

    #[test]
    fn a_password_in_a_url_is_masked() {
        assert_eq!(
            mask_credentials(
                "OperationalError: could not connect to 'postgresql://ola:s3cr%40t@127.0.0.1:5432/shop'"
            ),
            "OperationalError: could not connect to 'postgresql://ola:***@127.0.0.1:5432/shop'"
        );
        assert_eq!(
            mask_credentials("see https://example.com/a:b and x://u@h"),
            "see https://example.com/a:b and x://u@h"
        );
    }

    #[test]
    fn the_sections_are_cut_at_their_markers() {
        let s = fixture("healthy");
        assert!(s.complete());
        assert_eq!(s.get("nginx-user"), "www-data\n");
        assert_eq!(s.get("serving"), "a\n");
        assert!(!s.has("dns"), "no domain, no DNS section");
    }

    #[test]
    fn a_healthy_socket_is_660_for_nginx_s_group() {
        let s = fixture("healthy");
        let sockets = sockets(s.get("sockets"));
        let file = sockets.file("socket.sock").expect("socket.sock");
        assert_eq!(
            (file.mode, file.owner.as_str(), file.group.as_str()),
            (0o660, "ola", "www-data")
        );
        assert!(file.is_socket);
        assert!(sockets.file("socket-b.sock").is_none());
        assert_eq!(sockets.link.as_deref(), Some("socket-a.sock"));
        assert_eq!(nginx_may_write(s.get("nginx-access")), Some(true));
    }

    #[test]
    fn a_socket_of_mode_600_keeps_nginx_out() {
        let s = fixture("socket-600");
        let sockets = sockets(s.get("sockets"));
        assert_eq!(sockets.file("socket.sock").map(|f| f.mode), Some(0o600));
        assert_eq!(nginx_may_write(s.get("nginx-access")), Some(false));
        let errors = nginx_errors(s.get("nginx-errors"), since(s.get("since")).as_deref());
        assert_eq!(errors.last().and_then(|e| e.errno), Some(13), "{errors:?}");
        assert!(
            errors.last().is_some_and(|e| e.message.starts_with(
                "connect() to unix:/var/www/html/items/socket.sock failed (13: Permission denied)"
            )),
            "{errors:?}"
        );
    }

    #[test]
    fn nginx_s_lines_from_before_the_slot_started_are_history() {
        let s = fixture("healthy");
        let all = nginx_errors(s.get("nginx-errors"), None);
        assert!(!all.is_empty(), "the nginx stage's own check left a line");
        let recent = nginx_errors(s.get("nginx-errors"), since(s.get("since")).as_deref());
        assert_eq!(recent, vec![]);
    }

    #[test]
    fn the_units_are_read_with_state_user_and_program() {
        let s = fixture("healthy");
        let units = units(s.get("units"));
        assert_eq!(units.len(), 3);
        let a = &units[0];
        assert_eq!(a.name(), "uwsgi-items@a");
        assert!(a.running() && a.loaded());
        assert_eq!((a.user.as_str(), a.group.as_str()), ("ola", "www-data"));
        assert_eq!(
            a.exec_path,
            "/var/www/html/items/releases/${DROPLIFT_RELEASE}/venv/bin/uwsgi"
        );
        assert_eq!(a.file_state, "enabled");
        assert!(a.drop_ins.is_empty());
        assert!(!units[1].running());
        assert!(!units[2].loaded(), "no unit of before the slots");
        assert_eq!(
            listening(s.get("listening")),
            [
                "/var/www/html/items/socket-a.sock",
                "/var/www/html/items/check-a.sock"
            ]
        );
        assert_eq!(python_error(s.get("uwsgi-log")), None);
    }

    #[test]
    fn a_stopped_slot_is_inactive_and_listens_nowhere() {
        let s = fixture("slot-stopped");
        let a = &units(s.get("units"))[0];
        assert_eq!(
            (a.active.as_str(), a.result.as_str()),
            ("inactive", "success")
        );
        assert_eq!(listening(s.get("listening")), Vec::<String>::new());
        let errors = nginx_errors(s.get("nginx-errors"), since(s.get("since")).as_deref());
        assert_eq!(errors.last().and_then(|e| e.errno), Some(2));
    }

    #[test]
    fn an_import_error_is_the_traceback_s_last_line_and_place() {
        let s = fixture("import-error");
        let a = &units(s.get("units"))[0];
        assert_eq!((a.sub.as_str(), a.exec_status), ("auto-restart", 22));
        let error = python_error(s.get("uwsgi-log")).expect("an error");
        assert_eq!(error.error, "RuntimeError: the settings module is missing");
        assert_eq!(
            error.place.as_deref(),
            Some(
                "File \"/var/www/html/items/releases/20261206T162213Z/app.py\", line 140, in <module>"
            )
        );
        assert!(error.no_app);
    }

    #[test]
    fn a_missing_account_is_217_with_the_name_and_the_drop_in() {
        let s = fixture("user-missing");
        let a = &units(s.get("units"))[0];
        assert_eq!((a.exec_status, a.user.as_str()), (217, "olaf"));
        assert_eq!(
            a.drop_ins,
            ["/etc/systemd/system/uwsgi-items@.service.d/fault.conf"]
        );
        assert_eq!(
            missing_accounts(s.get("accounts")),
            [("User".to_owned(), "olaf".to_owned())]
        );
        assert_eq!(missing_accounts(fixture("healthy").get("accounts")), vec![]);
    }

    #[test]
    fn a_missing_program_is_203_with_its_path() {
        let s = fixture("exec-missing");
        let a = &units(s.get("units"))[0];
        assert_eq!(a.exec_status, 203);
        assert_eq!(a.exec_path, "/var/www/html/items/venv/bin/uwsgi");
    }

    #[test]
    fn a_wrong_virtualenv_is_python_s_fatal_error_with_its_home() {
        let s = fixture("venv-wrong");
        let error = python_error(s.get("uwsgi-log")).expect("an error");
        assert!(
            error
                .error
                .starts_with("Fatal Python error: init_fs_encoding"),
            "{error:?}"
        );
        assert_eq!(
            error.python_home.as_deref(),
            Some("/var/www/html/items/venv")
        );
    }

    #[test]
    fn ufw_s_rules_decide_each_port_first_match_first() {
        let off = ufw(fixture("healthy").get("ufw"));
        assert_eq!(off.active, Some(false));
        assert_eq!(off.verdict(80, "tcp"), None);

        let denied = ufw(fixture("ufw-deny-80").get("ufw"));
        assert_eq!(denied.default_incoming, Some(Verdict::Deny));
        assert_eq!(denied.rules.len(), 2, "{denied:?}");
        let (verdict, rule) = denied.verdict(80, "tcp").expect("active");
        assert_eq!(verdict, Verdict::Deny);
        assert_eq!(rule.map(|r| r.to.as_str()), Some("80/tcp"));
        assert_eq!(denied.verdict(22, "tcp").map(|v| v.0), Some(Verdict::Allow));

        let only_ssh = ufw(fixture("ufw-no-80").get("ufw"));
        assert_eq!(
            only_ssh.verdict(22, "tcp").map(|v| v.0),
            Some(Verdict::Allow)
        );
        let (verdict, rule) = only_ssh.verdict(80, "tcp").expect("active");
        assert_eq!((verdict, rule), (Verdict::Deny, None), "the default policy");
    }

    #[test]
    fn the_public_tcp_ports_and_their_programs() {
        let l = tcp_listening(fixture("ufw-deny-80").get("tcp-listening"));
        assert!(l.contains(&Listener {
            port: 80,
            public: true,
            program: "nginx".into()
        }));
        assert!(l.contains(&Listener {
            port: 5432,
            public: false,
            program: "postgres".into()
        }));
        assert!(l.iter().any(|x| x.port == 22 && x.program == "sshd"));
    }

    #[test]
    fn disk_and_memory_figures() {
        let s = fixture("healthy");
        let d = disks(s.get("disk"));
        assert_eq!(d.len(), 1, "one filesystem named once");
        assert_eq!(d[0].mount, "/");
        assert!(d[0].size > d[0].available && d[0].used_percent > 0);
        let m = memory(s.get("memory")).expect("meminfo");
        assert!(m.total > m.available && m.available > 0);
        assert_eq!(m.swap_total, 0);
    }

    #[test]
    fn dns_from_the_server_against_its_own_addresses() {
        let s = fixture("dns-elsewhere");
        assert_eq!(
            addresses(s.get("dns")),
            ["10.9.9.9".parse::<IpAddr>().expect("ip")]
        );
        assert_eq!(
            addresses(s.get("addresses")),
            ["10.213.5.2".parse::<IpAddr>().expect("ip")]
        );
        let s = fixture("dns-missing");
        assert!(s.has("dns") && addresses(s.get("dns")).is_empty());
    }
}
