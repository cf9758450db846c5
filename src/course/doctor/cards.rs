//! The doctor's cards: what the readers found (`read.rs`), turned into what is wrong, why it
//! matters and the exact fix, in words a student acts on. Pure: the sections in, cards out.

use std::net::IpAddr;

use super::read::{self, Sections, Unit};
use crate::cloud::api::Firewall;
pub use crate::cloud::firewall::CloudView;
use crate::cloud::firewall::{Reach, reach};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The site does not work (or will not soon).
    Fail,
    /// Worth acting on before it becomes a failure.
    Warn,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Self::Fail => "PROBLEM",
            Self::Warn => "WARNING",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    pub level: Level,
    pub title: String,
    /// What is wrong, with the server's own figures.
    pub what: String,
    /// Why it matters: what a visitor or the student sees.
    pub why: String,
    /// The exact fix: commands to type (on the server unless they start with `droplift`).
    pub fix: Vec<String>,
}

impl Card {
    fn fail(title: impl Into<String>, what: impl Into<String>, why: impl Into<String>) -> Self {
        Self {
            level: Level::Fail,
            title: title.into(),
            what: what.into(),
            why: why.into(),
            fix: Vec::new(),
        }
    }

    fn warn(title: impl Into<String>, what: impl Into<String>, why: impl Into<String>) -> Self {
        Self {
            level: Level::Warn,
            ..Self::fail(title, what, why)
        }
    }

    fn fix(mut self, step: impl Into<String>) -> Self {
        self.fix.push(step.into());
        self
    }

    /// The card as plain lines (headless output, the wizard's pane).
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("{}: {}", self.level.label(), self.title)];
        out.push(format!("  What is wrong:   {}", self.what));
        out.push(format!("  Why it matters:  {}", self.why));
        for (i, step) in self.fix.iter().enumerate() {
            let head = if i == 0 {
                "  The fix:         "
            } else {
                "                   "
            };
            out.push(format!("{head}{step}"));
        }
        out
    }
}

/// What the doctor knows besides the server's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    pub site: String,
    pub user: String,
    /// The droplet's address as droplift reaches it.
    pub host: String,
    pub domain: Option<String>,
    /// The domain looked up from this computer: its addresses, or why it failed.
    pub laptop_dns: Option<Result<Vec<IpAddr>, String>>,
    /// What DigitalOcean's API says of the droplet's cloud firewalls (None: not asked).
    pub cloud: Option<CloudView>,
}

impl Context {
    fn base(&self) -> String {
        format!("/var/www/html/{}", self.site)
    }

    fn unit(&self) -> String {
        format!("uwsgi-{}", self.site)
    }
}

/// Every card for the server's output, the problems first.
pub fn diagnose(sections: &Sections, cx: &Context) -> Vec<Card> {
    let mut cards = Vec::new();
    let units = read::units(sections.get("units"));
    let slot = sections.get("serving").trim().to_owned();
    let serving_name = if slot == "a" || slot == "b" {
        format!("{}@{slot}", cx.unit())
    } else {
        cx.unit()
    };
    let serving = units.iter().find(|u| u.name() == serving_name);
    let log = read::python_error(sections.get("uwsgi-log"));
    match serving {
        Some(unit) if unit.loaded() && !unit.running() => {
            cards.push(unit_card(unit, sections, log.as_ref(), cx));
        }
        Some(unit) if unit.loaded() => {
            cards.extend(socket_cards(unit, sections, cx));
            if let Some(error) = &log {
                cards.push(
                    Card::warn(
                        "The app's last Python error",
                        error_text(error),
                        "uWSGI runs and this is the last error it logged since the app \
                         loaded: a request that meets it gets 500 Internal Server Error (or it \
                         is from a new release that failed to start; both slots log to the \
                         same file).",
                    )
                    .fix(format!(
                        "read it in full: sudo -u {} tail -n 60 {}/log/uwsgi.log",
                        cx.user,
                        cx.base()
                    ))
                    .fix("fix the code, then: droplift deploy"),
                );
            }
        }
        _ => cards.push(
            Card::fail(
                "No uWSGI unit serves the app",
                format!("systemd has no unit {serving_name}"),
                "nginx has nothing to hand requests to: every request gets 502 Bad Gateway.",
            )
            .fix("droplift apply --only app service"),
        ),
    }
    nginx_card(&mut cards, sections);
    firewall_cards(&mut cards, sections);
    cloud_firewall_cards(&mut cards, sections, cx);
    dns_cards(&mut cards, sections, cx);
    headroom_cards(&mut cards, sections);
    cards.sort_by_key(|c| c.level);
    cards
}

fn error_text(error: &read::PythonError) -> String {
    match &error.place {
        Some(place) => format!("{} ({place})", error.error),
        None => error.error.clone(),
    }
}

/// The serving slot's unit is not running: why, from its exit status and the app's log.
fn unit_card(
    unit: &Unit,
    sections: &Sections,
    log: Option<&read::PythonError>,
    cx: &Context,
) -> Card {
    let name = unit.name();
    let why_502 = "nginx has nothing to hand requests to: every request gets 502 Bad Gateway.";
    // reset-failed first: after a few failed starts in a row (Restart=always tries every 2 s)
    // systemd refuses to start the unit again ("Start request repeated too quickly").
    let restart = format!(
        "sudo systemctl daemon-reload && sudo systemctl reset-failed {name} && sudo systemctl \
         restart {name}"
    );
    let undo = |card: Card| -> Card {
        if unit.drop_ins.is_empty() {
            card.fix(format!(
                "droplift apply --only service  (writes droplift's {} again)",
                unit.fragment
            ))
        } else {
            card.fix(format!(
                "a drop-in changes droplift's unit: {}; remove it with sudo systemctl revert {}",
                unit.drop_ins.join(", "),
                template(name)
            ))
        }
        .fix(restart.clone())
    };
    let missing = read::missing_accounts(sections.get("accounts"));
    match unit.exec_status {
        217 => {
            let who = missing
                .iter()
                .map(|(kind, n)| format!("{kind}={n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let who = if who.is_empty() {
                format!("User={}", unit.user)
            } else {
                who
            };
            return undo(Card::fail(
                format!("{name} cannot start: its {who} names no account on the server (217/USER)"),
                format!(
                    "systemd runs the app as {who}, and there is no such account; the site's user \
                     is {}",
                    cx.user
                ),
                why_502,
            ));
        }
        203 => {
            return undo(Card::fail(
                format!("{name} cannot start: the program it runs is not there (203/EXEC)"),
                format!(
                    "ExecStart runs {}, which does not exist; each release has its uWSGI in \
                     {}/releases/NAME/venv/bin/uwsgi",
                    unit.exec_path,
                    cx.base()
                ),
                why_502,
            ));
        }
        127 => {
            return Card::fail(
                format!("{name} cannot start: the release has no uWSGI in its virtualenv"),
                format!("{} is missing (env: exit status 127)", unit.exec_path),
                why_502,
            )
            .fix("droplift deploy  (builds a new release with its virtualenv)")
            .fix("or serve the one before: droplift rollback");
        }
        _ => {}
    }
    if let Some(error) = log {
        if let Some(home) = &error.python_home {
            let ini = format!("/etc/droplift/{}/slot-{}.ini", cx.site, slot_of(name));
            return Card::fail(
                format!("{name} cannot start: Python finds no standard library"),
                format!(
                    "uWSGI's `virtualenv = {home}` is not a virtualenv ({})",
                    error.error
                ),
                why_502,
            )
            .fix(format!(
                "{ini} must say virtualenv = {}/releases/$(DROPLIFT_RELEASE)/venv",
                cx.base()
            ))
            .fix("droplift apply --only service  (writes droplift's settings again)");
        }
        return Card::fail(
            format!("{name} cannot start: the app raises an error when uWSGI imports it"),
            error_text(error),
            "uWSGI stops when it cannot load the app (need-app), so nginx gets no answer: \
             every request gets 502 Bad Gateway.",
        )
        .fix("fix that line in your code, then: droplift deploy")
        .fix("or serve the release before: droplift rollback")
        .fix(format!(
            "the whole error: sudo -u {} tail -n 60 {}/log/uwsgi.log",
            cx.user,
            cx.base()
        ));
    }
    if unit.result == "success" && unit.active == "inactive" {
        let mut card = Card::fail(
            format!("{name} is stopped"),
            format!(
                "the slot that serves the site is not running (it stopped cleanly: someone or \
                 something ran systemctl stop){}",
                if unit.file_state == "enabled" {
                    ""
                } else {
                    ", and it does not start at boot"
                }
            ),
            why_502,
        );
        card = if unit.file_state == "enabled" {
            card.fix(format!("sudo systemctl start {name}"))
        } else {
            card.fix(format!("sudo systemctl enable --now {name}"))
        };
        return card;
    }
    Card::fail(
        format!("{name} is not running ({}, {})", unit.active, unit.sub),
        format!(
            "it ended with {} (exit status {})",
            unit.result, unit.exec_status
        ),
        why_502,
    )
    .fix(format!("its own words: sudo journalctl -u {name} -n 30"))
    .fix(format!("then: sudo systemctl restart {name}"))
}

/// `uwsgi-items@a` → `uwsgi-items@.service` (what `systemctl revert` takes for the template).
fn template(name: &str) -> String {
    match name.split_once('@') {
        Some((base, _)) => format!("{base}@.service"),
        None => format!("{name}.service"),
    }
}

fn slot_of(name: &str) -> &str {
    name.rsplit_once('@').map_or("a", |(_, s)| s)
}

/// The serving slot runs: does it listen where nginx connects, and may nginx connect?
fn socket_cards(unit: &Unit, sections: &Sections, cx: &Context) -> Vec<Card> {
    let name = unit.name();
    let slot = slot_of(name);
    let base = cx.base();
    let bound = if name.contains('@') {
        format!("{base}/socket-{slot}.sock")
    } else {
        format!("{base}/socket.sock")
    };
    let listening = read::listening(sections.get("listening"));
    if !listening.contains(&bound) {
        return vec![
            Card::fail(
                format!("{name} runs but does not listen on its socket"),
                format!("nothing listens on {bound}"),
                "nginx cannot connect to the app: every request gets 502 Bad Gateway.",
            )
            .fix(format!(
                "sudo systemctl restart {name}  (uWSGI makes its socket again)"
            )),
        ];
    }
    let sockets = read::sockets(sections.get("sockets"));
    let nginx_user = sections.get("nginx-user").trim().to_owned();
    if read::nginx_may_write(sections.get("nginx-access")) == Some(false) {
        let what = match sockets.file("socket.sock") {
            Some(f) => format!(
                "{base}/socket.sock{} is mode {:o}, owner {}, group {}; nginx runs as {nginx_user}, \
                 which may not write to it",
                sockets
                    .link
                    .as_deref()
                    .map(|l| format!(" (→ {l})"))
                    .unwrap_or_default(),
                f.mode,
                f.owner,
                f.group
            ),
            None => format!("nginx runs as {nginx_user}, which may not reach {base}/socket.sock"),
        };
        return vec![
            Card::fail(
                "nginx may not open the app's socket",
                what,
                "every request gets 502 Bad Gateway; nginx's error log says \"13: Permission \
                 denied\".",
            )
            .fix(format!(
                "sudo systemctl restart {name}  (uWSGI makes the socket again: chmod-socket = 660, \
                 the service's group, which nginx is in)"
            ))
            .fix(format!(
                "if it comes back: /etc/droplift/{}/slot-{slot}.ini must keep chmod-socket = 660; \
                 droplift apply --only service writes droplift's again",
                cx.site
            )),
        ];
    }
    Vec::new()
}

/// nginx's recent errors for the site: evidence on the card that explains them, or a card of
/// their own when nothing else did.
fn nginx_card(cards: &mut Vec<Card>, sections: &Sections) {
    let since = read::since(sections.get("since"));
    let errors = read::nginx_errors(sections.get("nginx-errors"), since.as_deref());
    let Some(last) = errors.last() else {
        return;
    };
    let meaning = match last.errno {
        Some(13) => "nginx's user may not open the socket",
        Some(111) => "nothing accepts connections on the socket",
        Some(2) => "the socket is not there: uWSGI is not running",
        _ => "nginx could not talk to the app",
    };
    let message = last
        .message
        .split(" while ")
        .next()
        .unwrap_or(&last.message);
    let said = format!(
        "nginx's error log: \"{message}\" ({}× since {}).",
        errors.len(),
        errors.first().map_or("", |e| e.when.as_str()),
    );
    if let Some(card) = cards.iter_mut().find(|c| c.level == Level::Fail) {
        card.why = format!("{} {said}", card.why);
    } else {
        cards.push(
            Card::warn(
                "nginx could not reach the app lately",
                format!("{said} That is: {meaning}."),
                "visitors got 502 Bad Gateway then; it may have been a restart, or it comes and \
                 goes.",
            )
            .fix("watch it: sudo tail -f /var/log/nginx/error.log"),
        );
    }
}

/// The TCP ports a program listens on beyond loopback, each once.
fn public_listeners(sections: &Sections) -> Vec<read::Listener> {
    let mut seen = Vec::new();
    read::tcp_listening(sections.get("tcp-listening"))
        .into_iter()
        .filter(|l| {
            l.public && !seen.contains(&l.port) && {
                seen.push(l.port);
                true
            }
        })
        .collect()
}

/// ufw active and blocking a port a server listens on from outside.
fn firewall_cards(cards: &mut Vec<Card>, sections: &Sections) {
    let ufw = read::ufw(sections.get("ufw"));
    for listener in public_listeners(sections) {
        let Some((verdict, rule)) = ufw.verdict(listener.port, "tcp") else {
            continue;
        };
        if verdict.lets_in() {
            continue;
        }
        let port = listener.port;
        let by = match rule {
            Some(rule) => format!("its rule `{} {} IN`", rule.to, verdict.word()),
            None => {
                "its default policy for incoming connections (deny), with no rule for it".to_owned()
            }
        };
        let why = unreachable_why(&listener.program);
        let mut card = Card::fail(
            format!("ufw blocks port {port}, where {} listens", listener.program),
            format!("ufw is active and drops new connections to {port}/tcp by {by}"),
            why,
        )
        .fix(format!("sudo ufw allow {port}/tcp"));
        if rule.is_some() {
            card =
                card.fix("(ufw updates that rule in place; check with: sudo ufw status numbered)");
        }
        if listener.program == "nginx" {
            card = card.fix("or: droplift apply --only firewall  (droplift's rules: SSH, 80, 443)");
        }
        cards.push(card);
    }
}

/// What a visitor of `program` meets when its port is unreachable.
fn unreachable_why(program: &str) -> String {
    match program {
        "nginx" => "visitors' browsers wait and then time out: their requests never reach \
                    nginx (there is no 502, nothing answers at all)."
            .to_owned(),
        "sshd" => "new SSH logins cannot reach the server (the open one survives).".to_owned(),
        other => format!("{other} is unreachable from outside."),
    }
}

/// The name DigitalOcean's control panel gives a rule for a port.
fn rule_label(port: u16) -> String {
    match port {
        22 => "SSH (TCP 22)".to_owned(),
        80 => "HTTP (TCP 80)".to_owned(),
        443 => "HTTPS (TCP 443)".to_owned(),
        other => format!("Custom, TCP, port {other}"),
    }
}

/// A DigitalOcean cloud firewall in front of the droplet dropping a port a server listens on
/// from outside (whatever ufw says: the packets never reach it).
fn cloud_firewall_cards(cards: &mut Vec<Card>, sections: &Sections, cx: &Context) {
    let Some(CloudView::Found { droplet, firewalls }) = &cx.cloud else {
        if let Some(CloudView::Failed(why)) = &cx.cloud {
            cards.push(
                Card::warn(
                    "DigitalOcean's cloud firewalls could not be checked",
                    format!("asking DigitalOcean's API failed: {why}"),
                    "a cloud firewall in front of the droplet drops what it does not allow \
                     before ufw sees it; this one could not be compared with the ports in use.",
                )
                .fix(
                    "look in DigitalOcean's control panel: Networking → Firewalls (a token \
                     needs read access to firewalls and droplets)",
                ),
            );
        }
        return;
    };
    if firewalls.is_empty() {
        return;
    }
    let applying: Vec<&Firewall> = firewalls.iter().collect();
    let names = firewalls
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let first = &firewalls[0];
    let ufw = read::ufw(sections.get("ufw"));
    for listener in public_listeners(sections) {
        let port = listener.port;
        let ufw_says = match ufw.verdict(port, "tcp") {
            Some((verdict, _)) if !verdict.lets_in() => "ufw blocks it too (its own card)",
            Some(_) => "ufw on the server lets it in, but the packets never reach ufw",
            None => "ufw on the server is off, and would not matter: the packets never reach it",
        };
        let add_rule = format!(
            "in DigitalOcean's control panel: Networking → Firewalls → {} → Inbound Rules → \
             New rule: {} from All IPv4 and All IPv6",
            first.name,
            rule_label(port)
        );
        let doctl = format!(
            "or from a computer with doctl: doctl compute firewall add-rules {} \
             --inbound-rules \"protocol:tcp,ports:{port},address:0.0.0.0/0,address:::/0\"",
            first.id
        );
        match reach(&applying, port, "tcp") {
            Reach::Anyone => {}
            Reach::Nobody => cards.push(
                Card::fail(
                    format!(
                        "DigitalOcean's cloud firewall blocks port {port}, where {} listens",
                        listener.program
                    ),
                    format!(
                        "the droplet {droplet} is behind the cloud firewall {names} \
                         (DigitalOcean's Networking → Firewalls), and no inbound rule allows \
                         {port}/tcp: it drops those packets before they reach the droplet; \
                         {ufw_says}"
                    ),
                    unreachable_why(&listener.program),
                )
                .fix(add_rule)
                .fix(doctl),
            ),
            Reach::Only(from) => cards.push(
                Card::warn(
                    format!(
                        "DigitalOcean's cloud firewall lets port {port} in from a few places only"
                    ),
                    format!(
                        "the cloud firewall {names} in front of the droplet {droplet} allows \
                         {port}/tcp ({}) only from {}",
                        listener.program,
                        from.join(", ")
                    ),
                    format!(
                        "from anywhere else the packets are dropped before the droplet: {}",
                        unreachable_why(&listener.program)
                    ),
                )
                .fix(add_rule)
                .fix("(leave it as it is if only those places should reach it)"),
            ),
        }
    }
}

/// The domain must point at the droplet, from the server and from this computer.
fn dns_cards(cards: &mut Vec<Card>, sections: &Sections, cx: &Context) {
    let Some(domain) = &cx.domain else {
        return;
    };
    let own = read::addresses(sections.get("addresses"));
    let mut own_text: Vec<String> = own.iter().map(ToString::to_string).collect();
    if let Ok(host) = cx.host.parse::<IpAddr>() {
        if !own.contains(&host) {
            own_text.push(host.to_string());
        }
    }
    let own_list = own_text.join(", ");
    let fix = |card: Card| {
        card.fix(format!(
            "at your DNS provider: an A record for {domain} with the droplet's address ({own_list}), \
             and no other A or AAAA record"
        ))
        .fix("then wait for the change to spread (up to an hour) and run: droplift doctor")
    };
    let mut check = |whose: &str, found: &[IpAddr]| {
        let strays: Vec<String> = found
            .iter()
            .filter(|a| !own.contains(a) && cx.host.parse::<IpAddr>().ok() != Some(**a))
            .map(ToString::to_string)
            .collect();
        if found.is_empty() {
            cards.push(fix(Card::fail(
                format!("{domain} has no address, looked up from {whose}"),
                format!("{domain} does not resolve; the droplet is {own_list}"),
                "nobody can reach the site by its name, and Let's Encrypt cannot check it.",
            )));
        } else if !strays.is_empty() {
            cards.push(fix(Card::fail(
                format!("{domain} points elsewhere, looked up from {whose}"),
                format!(
                    "{domain} resolves to {}; the droplet is {own_list}",
                    strays.join(", ")
                ),
                "visitors reach another machine, and Let's Encrypt cannot check the domain.",
            )));
        }
    };
    if sections.has("dns") {
        check("the server", &read::addresses(sections.get("dns")));
    }
    match &cx.laptop_dns {
        Some(Ok(found)) => check("this computer", found),
        Some(Err(why)) => check_failed(cards, domain, why),
        None => {}
    }
}

fn check_failed(cards: &mut Vec<Card>, domain: &str, why: &str) {
    cards.push(
        Card::warn(
            format!("{domain} could not be looked up from this computer"),
            why.to_owned(),
            "if the name does not resolve, nobody can reach the site by it.",
        )
        .fix(format!("try: nslookup {domain}")),
    );
}

/// Disk and memory headroom.
fn headroom_cards(cards: &mut Vec<Card>, sections: &Sections) {
    for disk in read::disks(sections.get("disk")) {
        let level = match disk.used_percent {
            95.. => Level::Fail,
            85.. => Level::Warn,
            _ => continue,
        };
        cards.push(Card {
            level,
            title: format!("The disk at {} is {} % full", disk.mount, disk.used_percent),
            what: format!("{} left of {}", human(disk.available), human(disk.size)),
            why: "when it is full, PostgreSQL stops writing, logs and backups fail, and uploads \
                  break."
                .to_owned(),
            fix: vec![
                format!(
                    "what takes the room: sudo du -xh --max-depth=2 {} | sort -h | tail",
                    disk.mount
                ),
                "old logs: sudo journalctl --vacuum-size=200M; old packages: sudo apt-get clean"
                    .to_owned(),
                "or resize the droplet (its disk) in DigitalOcean's control panel".to_owned(),
            ],
        });
    }
    if let Some(m) = read::memory(sections.get("memory")) {
        let percent = m.available.saturating_mul(100) / m.total.max(1);
        let level = if percent < 5 {
            Level::Fail
        } else if percent < 10 {
            Level::Warn
        } else {
            return;
        };
        let mut card = Card {
            level,
            title: format!("Memory is nearly used up ({percent} % free)"),
            what: format!(
                "{} available of {}; swap: {}",
                human(m.available),
                human(m.total),
                if m.swap_total == 0 {
                    "none".to_owned()
                } else {
                    format!("{} free of {}", human(m.swap_free), human(m.swap_total))
                }
            ),
            why: "when memory runs out the kernel kills a process: uWSGI's workers or PostgreSQL."
                .to_owned(),
            fix: vec!["what uses it: ps aux --sort=-rss | head".to_owned()],
        };
        if m.swap_total == 0 {
            card.fix.push(
                "a swap file: sudo fallocate -l 1G /swapfile && sudo chmod 600 /swapfile && sudo \
                 mkswap /swapfile && sudo swapon /swapfile"
                    .to_owned(),
            );
        }
        card.fix
            .push("or fewer uWSGI processes, or a bigger droplet".to_owned());
        cards.push(card);
    }
}

/// Bytes in the units `df -h` uses.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
