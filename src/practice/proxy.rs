//! The droplet's only way out: its own tinyproxy on the host side of the veth, answering the
//! droplet's address alone. The host's firewall and ip_forward are never touched.

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

/// tinyproxy's configuration for droplet `subnet`, with its files kept in `dir`.
pub fn config(subnet: u8, dir: &Path) -> String {
    format!(
        "# droplift practice droplet proxy: the droplet's only route to apt, PyPI and git.\n\
         Port {PROXY_PORT}\n\
         Listen {listen}\n\
         Allow {allow}\n\
         Timeout 600\n\
         MaxClients 50\n\
         LogLevel Info\n\
         LogFile \"{log}\"\n\
         PidFile \"{pid}\"\n\
         ConnectPort 443\n\
         ConnectPort 80\n",
        listen = net::host_address(subnet),
        allow = net::droplet_address(subnet),
        log = dir.join("tinyproxy.log").display(),
        pid = dir.join("tinyproxy.pid").display(),
    )
}

/// Starts tinyproxy in the foreground (so its pid is the one we track) in its own process
/// group, and waits until it accepts connections.
pub fn start(subnet: u8, dir: &Path) -> Result<Tracked> {
    let conf = dir.join("tinyproxy.conf");
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
