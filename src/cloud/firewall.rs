//! What DigitalOcean's cloud firewalls let through to a droplet (issue 29's doctor). A cloud
//! firewall sits in front of the droplet, outside the server: it applies to the droplets it
//! lists and to those carrying one of its tags, the inbound rules of every firewall that applies
//! add up, and whatever no rule allows is dropped before it reaches the droplet, so ufw never
//! sees it. A student who opened port 80 in ufw and still gets no answer has usually met this.
//! `find`, `applying` and `reach` are pure (the API's lists in, answers out); `look` asks the
//! API, for the doctor (headless, or the wizard's cloud worker).

use super::api::{Droplet, Firewall, InboundRule};

/// The firewalls that apply to `droplet`: by its id or one of its tags, and not failed.
pub fn applying<'a>(firewalls: &'a [Firewall], droplet: &Droplet) -> Vec<&'a Firewall> {
    firewalls
        .iter()
        .filter(|f| f.status != "failed")
        .filter(|f| {
            f.droplet_ids.contains(&droplet.id) || f.tags.iter().any(|t| droplet.tags.contains(t))
        })
        .collect()
}

/// Who may reach a port through the firewalls that apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// A rule allows it from every IPv4 address (`0.0.0.0/0`).
    Anyone,
    /// Rules allow it, but only from these sources (addresses, droplets, tags, load balancers).
    Only(Vec<String>),
    /// No rule allows it: it is dropped before the droplet.
    Nobody,
}

/// Whether `rule` is for `port` over `proto` ("tcp" or "udp").
fn covers(rule: &InboundRule, port: u16, proto: &str) -> bool {
    if !rule.protocol.eq_ignore_ascii_case(proto) {
        return false;
    }
    let ports = rule.ports.trim();
    if ports.is_empty() || ports == "0" || ports.eq_ignore_ascii_case("all") {
        return true;
    }
    let (lo, hi) = ports.split_once('-').unwrap_or((ports, ports));
    match (lo.trim().parse::<u16>(), hi.trim().parse::<u16>()) {
        (Ok(lo), Ok(hi)) => (lo..=hi).contains(&port),
        _ => false,
    }
}

/// The sources of a rule in words, e.g. `203.0.113.7/32`, `droplet 42`, `tag web`.
fn sources(rule: &InboundRule) -> Vec<String> {
    let s = &rule.sources;
    let mut out: Vec<String> = s.addresses.clone();
    out.extend(s.droplet_ids.iter().map(|id| format!("droplet {id}")));
    out.extend(s.tags.iter().map(|t| format!("droplets tagged {t}")));
    out.extend(
        s.load_balancer_uids
            .iter()
            .map(|id| format!("load balancer {id}")),
    );
    out.extend(
        s.kubernetes_ids
            .iter()
            .map(|id| format!("Kubernetes cluster {id}")),
    );
    out
}

/// Who may reach `port`/`proto` through `firewalls` (all of them applying to one droplet).
pub fn reach(firewalls: &[&Firewall], port: u16, proto: &str) -> Reach {
    let mut only: Vec<String> = Vec::new();
    for rule in firewalls
        .iter()
        .flat_map(|f| &f.inbound_rules)
        .filter(|r| covers(r, port, proto))
    {
        if rule.sources.addresses.iter().any(|a| a == "0.0.0.0/0") {
            return Reach::Anyone;
        }
        for source in sources(rule) {
            if !only.contains(&source) {
                only.push(source);
            }
        }
    }
    if only.is_empty() {
        Reach::Nobody
    } else {
        Reach::Only(only)
    }
}

/// The droplet of the account that droplift reaches at one of `addresses`, else the one named
/// `name` (the answers' `[droplet] name`).
pub fn find<'a>(
    droplets: &'a [Droplet],
    addresses: &[std::net::IpAddr],
    name: Option<&str>,
) -> Option<&'a Droplet> {
    droplets
        .iter()
        .find(|d| {
            d.public_ipv4()
                .is_some_and(|ip| addresses.contains(&std::net::IpAddr::V4(ip)))
        })
        .or_else(|| name.and_then(|n| droplets.iter().find(|d| d.name == n)))
}

/// What DigitalOcean's API said about the droplet (asked from this computer, with a token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloudView {
    /// The droplet's name in the account, and the cloud firewalls that apply to it.
    Found {
        droplet: String,
        firewalls: Vec<Firewall>,
    },
    /// No droplet of the account has the server's address (or the answers' droplet name).
    NotFound,
    /// The API could not be asked: why.
    Failed(String),
}

impl CloudView {
    /// One line for the doctor's output: what was checked.
    pub fn line(&self) -> String {
        match self {
            Self::Found { droplet, firewalls } if firewalls.is_empty() => format!(
                "DigitalOcean: droplet {droplet}; no cloud firewall applies to it (ufw alone \
                 decides)"
            ),
            Self::Found { droplet, firewalls } => format!(
                "DigitalOcean: droplet {droplet}, behind the cloud firewall{} {}",
                if firewalls.len() == 1 { "" } else { "s" },
                firewalls
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::NotFound => "DigitalOcean: no droplet of this account has the server's \
                               address, so its cloud firewalls were not checked"
                .to_owned(),
            Self::Failed(why) => {
                format!("DigitalOcean: the cloud firewalls could not be read: {why}")
            }
        }
    }
}

/// Asks the API what it knows of the droplet at `host` (resolved here; else the droplet named
/// `name`): the cloud firewalls that apply to it. Blocking (the doctor's headless run, or the
/// wizard's cloud worker thread).
pub fn look(client: &super::Client, host: &str, port: u16, name: Option<&str>) -> CloudView {
    use std::net::ToSocketAddrs;
    let addresses: Vec<std::net::IpAddr> = (host, port)
        .to_socket_addrs()
        .map(|found| found.map(|a| a.ip()).collect())
        .unwrap_or_default();
    let view = client.droplets().and_then(|droplets| {
        let Some(droplet) = find(&droplets, &addresses, name) else {
            return Ok(CloudView::NotFound);
        };
        let all = client.firewalls()?;
        Ok(CloudView::Found {
            droplet: droplet.name.clone(),
            firewalls: applying(&all, droplet).into_iter().cloned().collect(),
        })
    });
    view.unwrap_or_else(|e| CloudView::Failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::api::FirewallSources;

    fn rule(protocol: &str, ports: &str, addresses: &[&str]) -> InboundRule {
        InboundRule {
            protocol: protocol.to_owned(),
            ports: ports.to_owned(),
            sources: FirewallSources {
                addresses: addresses.iter().map(|a| (*a).to_owned()).collect(),
                ..FirewallSources::default()
            },
        }
    }

    fn firewall(rules: Vec<InboundRule>, droplets: &[u64], tags: &[&str]) -> Firewall {
        Firewall {
            id: "fw-1".to_owned(),
            name: "web".to_owned(),
            status: "succeeded".to_owned(),
            inbound_rules: rules,
            outbound_rules: Vec::new(),
            droplet_ids: droplets.to_vec(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            created_at: String::new(),
            pending_changes: Vec::new(),
        }
    }

    /// The API's own example droplet, as the practice cloud's tests read it.
    fn droplet(id: u64, tags: &[&str]) -> Droplet {
        let mut d = serde_json::from_str::<crate::cloud::api::DropletResponse>(include_str!(
            "../../tests/fixtures/digitalocean/droplet.json"
        ))
        .expect("the fixture reads")
        .droplet;
        d.id = id;
        d.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        d
    }

    /// The API reference's own example list: a web firewall letting 80 in from a load balancer
    /// and 22 from a block of addresses and a tag.
    #[test]
    fn the_documented_example_reads_as_the_api_means_it() {
        let page: crate::cloud::api::FirewallsPage = serde_json::from_str(include_str!(
            "../../tests/fixtures/digitalocean/firewalls.json"
        ))
        .expect("the fixture reads");
        let fws = applying(&page.firewalls, &droplet(8043964, &[]));
        assert_eq!(fws.len(), 1);
        assert_eq!(
            reach(&fws, 22, "tcp"),
            Reach::Only(vec![
                "18.0.0.0/8".to_owned(),
                "droplets tagged gateway".to_owned()
            ])
        );
        assert_eq!(
            reach(&fws, 80, "tcp"),
            Reach::Only(vec![
                "load balancer 4de7ac8b-495b-4884-9a69-1050c6793cd6".to_owned()
            ])
        );
        assert_eq!(reach(&fws, 443, "tcp"), Reach::Nobody);
        assert!(applying(&page.firewalls, &droplet(1, &[])).is_empty());
    }

    #[test]
    fn a_firewall_applies_by_id_or_tag_and_not_when_failed() {
        let by_id = firewall(vec![], &[7], &[]);
        let by_tag = firewall(vec![], &[], &["class"]);
        let other = firewall(vec![], &[8], &["web"]);
        let mut failed = firewall(vec![], &[7], &[]);
        failed.status = "failed".to_owned();
        let all = [by_id.clone(), by_tag.clone(), other, failed];
        let found = applying(&all, &droplet(7, &["class"]));
        assert_eq!(found, vec![&by_id, &by_tag]);
    }

    #[test]
    fn ports_ranges_all_and_protocols() {
        let all = [
            firewall(vec![rule("tcp", "22", &["0.0.0.0/0", "::/0"])], &[1], &[]),
            firewall(vec![rule("tcp", "8000-9000", &["0.0.0.0/0"])], &[1], &[]),
            firewall(vec![rule("udp", "0", &["0.0.0.0/0"])], &[1], &[]),
        ];
        let fws: Vec<&Firewall> = all.iter().collect();
        assert_eq!(reach(&fws, 22, "tcp"), Reach::Anyone);
        assert_eq!(reach(&fws, 8080, "tcp"), Reach::Anyone);
        assert_eq!(reach(&fws, 53, "udp"), Reach::Anyone);
        assert_eq!(reach(&fws, 80, "tcp"), Reach::Nobody);
        assert_eq!(reach(&fws, 9001, "tcp"), Reach::Nobody);
        assert_eq!(
            reach(&fws, 22, "udp"),
            Reach::Anyone,
            "udp 0: every udp port"
        );
        assert_eq!(reach(&fws[..2], 53, "udp"), Reach::Nobody);
        assert_eq!(reach(&[], 22, "tcp"), Reach::Nobody);
    }

    #[test]
    fn a_port_open_to_some_sources_names_them() {
        let mut r = rule("tcp", "22", &["203.0.113.7/32"]);
        r.sources.tags = vec!["bastion".to_owned()];
        let fw = firewall(vec![r, rule("tcp", "all", &["::/0"])], &[1], &[]);
        assert_eq!(
            reach(&[&fw], 22, "tcp"),
            Reach::Only(vec![
                "203.0.113.7/32".to_owned(),
                "droplets tagged bastion".to_owned(),
                "::/0".to_owned()
            ])
        );
    }

    #[test]
    fn the_droplet_is_found_by_address_then_by_name() {
        let d = droplet(3, &[]);
        let ip = d.public_ipv4().expect("the example has a public address");
        let list = [droplet(2, &[]), d.clone()];
        // Both have the example's address: the first with it wins.
        assert_eq!(find(&list, &[ip.into()], None).map(|d| d.id), Some(2));
        let other: std::net::IpAddr = "192.0.2.200".parse().expect("ip");
        assert_eq!(find(&list, &[other], Some(&d.name)).map(|d| d.id), Some(2));
        assert_eq!(find(&list, &[other], Some("nope")), None);
    }
}
