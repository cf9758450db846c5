//! Practice droplets after the trust review (issue 11, item 14): the proxy runs unprivileged and
//! reaches the package registries only, never the host's loopback, link-local or private
//! addresses; `down` deletes only the interface its own `up` made.

mod common;

use common::droplet::{TestDroplet, host_ready};
use droplift::practice::{self, UpOptions};
use std::net::TcpListener;
use std::process::Command;

/// What the proxy answered to a request for `url` made inside the droplet, always through the
/// proxy (the droplet's no_proxy would send loopback addresses elsewhere): curl's `http_code`
/// and `http_connect` (the answer to CONNECT).
fn through_proxy(d: &TestDroplet, url: &str) -> String {
    let proxy = d.proxy_url();
    d.run_with_login_env(&format!(
        "curl -s -x '{proxy}' --noproxy '' -o /dev/null -m 15 \
         -w '%{{http_code}} %{{http_connect}}' '{url}'; true"
    ))
}

/// These two tests share the practice state root: `up` in one tidies what the other's fake
/// droplet looks like, so they take turns.
static TURNS: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn the_proxy_is_unprivileged_and_reaches_only_the_registries() {
    let _turn = TURNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(d) = TestDroplet::boot(UpOptions::default()) else {
        return;
    };

    // It dropped root after binding: no uid of the process is 0.
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", d.proxy_pid)).expect("proxy status");
    let uids: Vec<&str> = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .expect("Uid line")
        .split_whitespace()
        .collect();
    assert!(uids.iter().all(|u| *u != "0"), "tinyproxy runs as {uids:?}");

    // A service on the host's loopback that the droplet must never reach.
    let loopback = TcpListener::bind("127.0.0.1:0").expect("bind");
    loopback.set_nonblocking(true).expect("nonblocking");
    let port = loopback.local_addr().expect("addr").port();
    let host = d.host_address;
    let refused = [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://127.1:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("https://127.0.0.1:{port}/"),
        "https://127.0.0.1/".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[fe80::1]/".to_owned(),
        "http://[::1]/".to_owned(),
        format!("http://{host}:22/"),
        "http://192.168.0.1/".to_owned(),
        "http://pypi.org:8080/".to_owned(),
        "https://pypi.org:22/".to_owned(),
        "http://pypi.org@127.0.0.1/".to_owned(),
    ];
    for url in &refused {
        let said = through_proxy(&d, url);
        assert!(said.contains("403"), "{url}: the proxy answered {said}");
    }
    assert!(
        loopback.accept().is_err(),
        "the proxy connected to the host's loopback"
    );

    // The registries still work, over HTTP (apt) and HTTPS (pip).
    // The droplet's own distribution's mirror, named in one place (practice::PracticeOs).
    let release = format!("{}/dists/{}/Release", d.os.mirror(), d.os.suite());
    let said = through_proxy(&d, &release);
    assert!(said.starts_with("200"), "{said}");
    let said = through_proxy(&d, "https://pypi.org/simple/flask/");
    assert!(said.starts_with("200"), "{said}");
}

#[test]
fn down_deletes_only_the_interface_its_up_made() {
    let _turn = TURNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !host_ready() {
        return;
    }
    // A droplet directory whose `up` never made an interface, and an interface of the name its
    // veth would have that something else made.
    let name = format!("f{}-v", std::process::id() % 100_000);
    let ifname = practice::host_interface(&name);
    let dir = practice::droplet_dir(&name);
    std::fs::create_dir_all(&dir).expect("state dir");
    // Created now: a droplet test booting beside this one sweeps only leftovers older than
    // ten minutes, so it leaves this one to `down`.
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    std::fs::write(
        dir.join("state.toml"),
        format!(
            "name = \"{name}\"\nsubnet = 250\naddress = \"10.213.250.2\"\n\
             host_address = \"10.213.250.1\"\ncreated = {created}\n"
        ),
    )
    .expect("state file");
    // A veth pair (this kernel may lack the dummy driver); deleting one end deletes both.
    let peer = format!("dl{}p", std::process::id() % 100_000);
    let made = Command::new("ip")
        .args([
            "link", "add", &ifname, "type", "veth", "peer", "name", &peer,
        ])
        .status()
        .expect("ip link add");
    assert!(made.success(), "could not make the dummy {ifname}");

    let down = practice::down(&name);
    let still_there = practice::interface_exists(&name);
    let _ = Command::new("ip")
        .args(["link", "delete", &ifname])
        .status();
    down.expect("down");
    assert!(still_there, "down deleted {ifname}, which it did not make");
    assert!(!dir.exists(), "the droplet's directory is gone");
}
