//! The practice cloud's bookkeeping: the account's SSH keys and droplets. A create boots a real
//! practice droplet (on its own thread) and marks it active with its address; a destroy removes it.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::catalogue::{images, regions, sizes};
use super::http::{Answer, Routed, error, json_answer, not_found};
use super::{Fault, Made, Shared};
use crate::cloud::api::*;
use crate::droplet_spec;
use crate::keyfile::md5_fingerprint;

pub(super) fn remove_practice(shared: &Shared, mut made: Made) {
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

/// RFC 3339 UTC, as the API writes times.
fn timestamp(at: SystemTime) -> String {
    crate::civil::rfc3339(
        at.duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

pub(super) fn add_key(shared: &Shared, body: &str) -> Answer {
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

/// `POST /v2/firewalls`: kept as given, with an id and a time (202 with the firewall, as the
/// API answers). Nothing enforces it: a practice droplet is reached directly.
pub(super) fn add_firewall(shared: &Shared, body: &str) -> Answer {
    let Ok(new) = serde_json::from_str::<FirewallCreate>(body) else {
        return error(
            422,
            "unprocessable_entity",
            "request payload validation failed",
        );
    };
    let mut state = shared.state();
    let firewall = Firewall {
        id: format!(
            "00000000-0000-4000-8000-{:012}",
            state.firewalls.len() as u64 + 1
        ),
        name: new.name,
        status: "succeeded".to_owned(),
        inbound_rules: new.inbound_rules,
        outbound_rules: new.outbound_rules,
        droplet_ids: new.droplet_ids,
        tags: new.tags,
        created_at: timestamp(SystemTime::now()),
        pending_changes: Vec::new(),
    };
    state.firewalls.push(firewall.clone());
    (shared.log)(&format!("made cloud firewall {}", firewall.name));
    json_answer(202, &FirewallResponse { firewall })
}

pub(super) fn create(shared: &Arc<Shared>, body: &str) -> Routed {
    let refuse = |message: &str| Routed::Answer(error(422, "unprocessable_entity", message));
    let Ok(order) = serde_json::from_str::<DropletCreate>(body) else {
        return refuse("request payload validation failed");
    };
    if droplet_spec::validate_name(&order.name).is_err() {
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
    let os: crate::practice::PracticeOs = droplet_spec::image(&order.image)
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
            listed_from: std::time::Instant::now()
                + shared
                    .options
                    .faults
                    .iter()
                    .find_map(|f| match f {
                        Fault::ListLag(lag) => Some(*lag),
                        _ => None,
                    })
                    .unwrap_or_default(),
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

pub(super) fn destroy(shared: &Shared, id: &str) -> Answer {
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
    use std::time::Duration;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            timestamp(UNIX_EPOCH + Duration::from_secs(1_595_356_664)),
            "2020-07-21T18:37:44Z"
        );
    }
}
