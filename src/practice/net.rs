//! The droplet's network: a private 10.213.N.0/24 on the nspawn veth pair (host .1, droplet .2),
//! picked to overlap nothing on the host, and no route out except through the host's proxy.

use super::error::{PracticeError, Result};
use super::sys;
use std::fs;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Host side of nspawn's veth pair: `ve-` + the machine name, cut to 15 characters by the kernel.
pub fn host_interface(name: &str) -> String {
    format!("ve-{name}").chars().take(15).collect()
}

pub fn host_address(subnet: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 213, subnet, 1)
}

pub fn droplet_address(subnet: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 213, subnet, 2)
}

/// An IPv4 network as (address, prefix length).
type Net = (Ipv4Addr, u8);

fn overlaps(a: Net, b: Net) -> bool {
    let shorter = a.1.min(b.1);
    let mask = if shorter == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(shorter))
    };
    u32::from(a.0) & mask == u32::from(b.0) & mask
}

/// Networks the host already uses, from `ip -4 addr` and `ip -4 route` (all tables).
pub fn host_networks() -> Result<Vec<Net>> {
    let addrs = sys::run(
        "ip -4 addr",
        Command::new("ip").args(["-4", "-o", "addr", "show"]),
        None,
    )?;
    let routes = sys::run(
        "ip -4 route",
        Command::new("ip").args(["-4", "route", "show", "table", "all"]),
        None,
    )?;
    Ok(parse_networks(
        &String::from_utf8_lossy(&addrs.stdout),
        &String::from_utf8_lossy(&routes.stdout),
    ))
}

fn parse_networks(addrs: &str, routes: &str) -> Vec<Net> {
    let mut nets = Vec::new();
    for line in addrs.lines() {
        let mut words = line.split_whitespace();
        if words.any(|w| w == "inet") {
            nets.extend(words.next().and_then(parse_cidr));
        }
    }
    for line in routes.lines() {
        // Skip the route type keyword ("local", "broadcast", …) when present.
        let mut words = line.split_whitespace().peekable();
        if let Some(first) = words.peek()
            && !first.starts_with(|c: char| c.is_ascii_digit())
        {
            words.next();
        }
        nets.extend(words.next().and_then(parse_cidr));
    }
    nets
}

fn parse_cidr(text: &str) -> Option<Net> {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, l.parse().ok()?),
        None => (text, 32),
    };
    Some((addr.parse().ok()?, len))
}

/// The first N in 1..=254 whose 10.213.N.0/24 is neither taken by another droplet nor
/// overlapping any host network.
pub fn pick_subnet(taken: &[u8], host: &[Net]) -> Result<u8> {
    (1..=254u8)
        .filter(|n| !taken.contains(n))
        .find(|&n| {
            let ours = (Ipv4Addr::new(10, 213, n, 0), 24);
            !host.iter().any(|&h| overlaps(ours, h))
        })
        .ok_or(PracticeError::NoSubnet)
}

/// The kernel's index of interface `ifname`, if there is one by that name.
fn ifindex(ifname: &str) -> Option<u32> {
    fs::read_to_string(Path::new("/sys/class/net").join(ifname).join("ifindex"))
        .ok()
        .and_then(|t| t.trim().parse().ok())
}

/// Waits for nspawn to create the host side of the veth, then gives it .1 and brings it up.
/// Returns its index, so that `down` can later tell it from another interface of that name.
pub fn configure_host_side(name: &str, subnet: u8) -> Result<u32> {
    let ifname = host_interface(name);
    let sys_path = Path::new("/sys/class/net").join(&ifname);
    if !sys::wait_until(Duration::from_secs(20), || sys_path.exists()) {
        return Err(PracticeError::Command {
            what: format!("waiting for the network interface {ifname}"),
            detail: "systemd-nspawn did not create it within 20 s".into(),
        });
    }
    let cidr = format!("{}/24", host_address(subnet));
    sys::run(
        &format!("ip addr add {cidr} dev {ifname}"),
        Command::new("ip").args(["addr", "add", &cidr, "dev", &ifname]),
        None,
    )?;
    sys::run(
        &format!("ip link set {ifname} up"),
        Command::new("ip").args(["link", "set", &ifname, "up"]),
        None,
    )?;
    ifindex(&ifname).ok_or_else(|| PracticeError::Command {
        what: format!("reading the index of {ifname}"),
        detail: "the interface disappeared".into(),
    })
}

/// Inside the container's network namespace: host0 gets .2 and a default route to the host
/// (which does not forward: the proxy is the only way out). No networkd needed inside.
pub fn configure_droplet_side(init_pid: u32, subnet: u8) -> Result<()> {
    let pid = init_pid.to_string();
    let in_netns = |args: &[&str]| {
        let mut cmd = Command::new("nsenter");
        cmd.args(["-t", &pid, "-n", "--", "ip"]).args(args);
        cmd
    };
    // nspawn moves host0 in while the container starts; retry until it is there.
    let mut last = None;
    let ready = sys::wait_until(Duration::from_secs(20), || {
        match sys::run(
            "ip link set host0 up",
            &mut in_netns(&["link", "set", "host0", "up"]),
            None,
        ) {
            Ok(_) => true,
            Err(e) => {
                last = Some(e);
                false
            }
        }
    });
    if !ready {
        return Err(last.unwrap_or_else(|| PracticeError::Command {
            what: "ip link set host0 up (inside the droplet)".into(),
            detail: "host0 did not appear within 20 s".into(),
        }));
    }
    let cidr = format!("{}/24", droplet_address(subnet));
    sys::run(
        "ip addr add (inside the droplet)",
        &mut in_netns(&["addr", "add", &cidr, "dev", "host0"]),
        None,
    )?;
    let gateway = host_address(subnet).to_string();
    sys::run(
        "ip route add default (inside the droplet)",
        &mut in_netns(&["route", "add", "default", "via", &gateway]),
        None,
    )?;
    Ok(())
}

/// Removes the host side of the veth if it outlived the container (it normally goes with it),
/// and only if it is the interface `up` made (`made`, its index): an interface of the same name
/// that droplift did not make is not ours to delete.
pub fn remove_host_side(name: &str, made: Option<u32>) {
    let ifname = host_interface(name);
    if made.is_some() && ifindex(&ifname) == made {
        let _ = sys::run(
            "ip link delete",
            Command::new("ip").args(["link", "delete", &ifname]),
            None,
        );
    }
}

pub fn interface_exists(name: &str) -> bool {
    Path::new("/sys/class/net")
        .join(host_interface(name))
        .exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_avoid_host_networks_and_other_droplets() {
        let nets = parse_networks(
            "2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\n4: x inet 10.213.2.7/16 scope global x\n",
            "default via 192.0.2.1 dev eth0\nlocal 10.213.3.1 dev lo table local\n10.213.5.0/24 dev ve-a\n",
        );
        assert!(nets.contains(&(Ipv4Addr::new(10, 213, 5, 0), 24)));
        // 10.213.2.7/16 covers every 10.213.N: nothing is free.
        assert!(matches!(
            pick_subnet(&[], &nets),
            Err(PracticeError::NoSubnet)
        ));
        let nets = parse_networks(
            "",
            "local 10.213.3.1 dev lo table local\n10.213.5.0/24 dev ve-a\n",
        );
        assert_eq!(pick_subnet(&[1, 2], &nets).ok(), Some(4));
    }

    #[test]
    fn interface_names_are_cut_to_fifteen() {
        assert_eq!(host_interface("abcdefghijkl"), "ve-abcdefghijkl");
        assert_eq!(host_interface("abcdefghijklm").len(), 15);
    }
}
