//! The droplet's only way out: its own tinyproxy on the host side of the veth, answering the
//! droplet's address alone, running unprivileged and admitting only the package registries.
//! The host's firewall and ip_forward are never touched.

use super::error::{PracticeError, Result, io_err};
use super::net;
use super::rootfs::PROXY_PORT;
use super::sys::{self, Tracked};
use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The only hosts the droplet may reach: Debian's and Ubuntu's mirrors (apt, -updates,
/// -security), PyPI (pip)
/// and GitHub (the app stage's example source; git over HTTPS). tinyproxy cannot filter by
/// address, only by name, so a list of names is what keeps the droplet away from the host's
/// own loopback services, link-local metadata addresses and private networks: an address,
/// `localhost` or any other name is refused with 403.
pub const REGISTRY_HOSTS: &[&str] = &[
    super::os::DEBIAN_HOST,
    "security.debian.org",
    super::os::UBUNTU_HOST,
    "pypi.org",
    "files.pythonhosted.org",
    "github.com",
    "codeload.github.com",
];

/// tinyproxy's filter (extended regular expressions on the whole URL, default deny): plain HTTP
/// to a registry on port 80, and CONNECT (HTTPS) to a registry on port 443 (or 80).
pub fn filter() -> String {
    let hosts = REGISTRY_HOSTS
        .iter()
        .map(|h| h.replace('.', "\\."))
        .collect::<Vec<_>>()
        .join("|");
    format!(
        "# Written by droplift: a practice droplet reaches the package registries and nothing else.\n\
         ^http://({hosts})(:80)?/\n\
         ^({hosts}):(443|80)$\n"
    )
}

/// The unprivileged account tinyproxy switches to after binding: Debian's package creates
/// `tinyproxy`; without it, `nobody`.
fn account() -> (&'static str, &'static str) {
    let has = |file: &str, name: &str| {
        fs::read_to_string(file).is_ok_and(|t| t.lines().any(|l| l.split(':').next() == Some(name)))
    };
    if has("/etc/passwd", "tinyproxy") && has("/etc/group", "tinyproxy") {
        ("tinyproxy", "tinyproxy")
    } else {
        ("nobody", "nogroup")
    }
}

/// tinyproxy's configuration for droplet `subnet`, with its filter in `dir`. No log or pid file:
/// tinyproxy writes those after dropping root, where it cannot; its log goes to stdout
/// (tinyproxy.out), and droplift tracks the pid itself.
pub fn config(subnet: u8, dir: &Path) -> String {
    let (user, group) = account();
    format!(
        "# droplift practice droplet proxy: the droplet's only route to apt and PyPI.\n\
         User {user}\n\
         Group {group}\n\
         Port {PROXY_PORT}\n\
         Listen {listen}\n\
         Allow {allow}\n\
         Timeout 600\n\
         MaxClients 50\n\
         LogLevel Info\n\
         ConnectPort 443\n\
         ConnectPort 80\n\
         Filter \"{filter}\"\n\
         FilterType ere\n\
         FilterURLs Yes\n\
         FilterDefaultDeny Yes\n",
        listen = net::host_address(subnet),
        allow = net::droplet_address(subnet),
        filter = dir.join("tinyproxy.filter").display(),
    )
}

/// Starts tinyproxy in the foreground (so its pid is the one we track) in its own process
/// group, and waits until it accepts connections.
pub fn start(subnet: u8, dir: &Path) -> Result<Tracked> {
    let conf = dir.join("tinyproxy.conf");
    fs::write(dir.join("tinyproxy.filter"), filter())
        .map_err(io_err("writing tinyproxy.filter"))?;
    fs::write(&conf, config(subnet, dir)).map_err(io_err("writing tinyproxy.conf"))?;
    let out =
        fs::File::create(dir.join("tinyproxy.out")).map_err(io_err("creating tinyproxy.out"))?;
    let err = out.try_clone().map_err(io_err("creating tinyproxy.out"))?;
    let child = Command::new("tinyproxy")
        .arg("-d")
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(io_err("could not start tinyproxy"))?;
    let tracked = Tracked::of(child.id()).ok_or_else(|| PracticeError::Command {
        what: "tinyproxy".into(),
        detail: "exited immediately; see tinyproxy.out in the droplet's state directory".into(),
    })?;
    let addr = SocketAddr::from((net::host_address(subnet), PROXY_PORT));
    let listening = sys::wait_until(Duration::from_secs(10), || {
        TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
    });
    if !listening {
        let said = fs::read_to_string(dir.join("tinyproxy.out")).unwrap_or_default();
        tracked.stop(Duration::from_secs(2));
        return Err(PracticeError::Command {
            what: format!("tinyproxy on {addr}"),
            detail: format!(
                "it does not accept connections: {}",
                sys::last_lines(&said, 4)
            ),
        });
    }
    Ok(tracked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_drops_root_and_denies_by_default() {
        let text = config(7, Path::new("/var/lib/droplift/practice/x"));
        for line in [
            "FilterDefaultDeny Yes",
            "FilterURLs Yes",
            "FilterType ere",
            "Listen 10.213.7.1",
            "Allow 10.213.7.2",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}: {text}");
        }
        assert!(text.lines().any(|l| l.starts_with("User ")), "{text}");
        assert!(
            !text.contains("LogFile"),
            "written after dropping root: {text}"
        );
        let filter = filter();
        assert!(filter.contains("^http://(deb\\.debian\\.org|"), "{filter}");
    }
}
