//! The API's contract: DigitalOcean's documented example responses (tests/fixtures/digitalocean)
//! parse with droplift's types, and the practice cloud answers every endpoint droplift uses with
//! the documented fields (none invented, none of the documented ones left out). No root needed:
//! the practice cloud runs here without booting droplets.

use std::collections::BTreeSet;
use std::path::Path;

use droplift::cloud::api::*;
use droplift::practice::cloud::Options;
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/digitalocean")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_documented_example_parses() {
    let account: AccountResponse = parse("account.json");
    assert_eq!(account.account.status, "active");
    let regions: RegionsPage = parse("regions.json");
    assert_eq!(regions.regions[0].slug, "nyc3");
    assert!(regions.links.pages.next.is_some(), "the pages are followed");
    let sizes: SizesPage = parse("sizes.json");
    assert_eq!(sizes.sizes[0].price_monthly, 5.0);
    let images: ImagesPage = parse("images_distribution.json");
    assert_eq!(images.images[0].slug.as_deref(), Some("ubuntu-20-04-x64"));
    let keys: SshKeysPage = parse("ssh_keys.json");
    assert_eq!(keys.ssh_keys[0].id, 289794);
    let key: SshKeyResponse = parse("ssh_key_created.json");
    assert!(key.ssh_key.fingerprint.contains(':'));
    let request: DropletCreate = parse("droplet_create_request.json");
    assert!(request.backups);
    let created: DropletCreateResponse = parse("droplet_create.json");
    assert_eq!(created.droplet.status, "new");
    assert_eq!(created.droplet.public_ipv4(), None, "no address yet");
    assert_eq!(created.links.actions[0].rel, "create");
    let one: DropletResponse = parse("droplet.json");
    assert_eq!(
        one.droplet.public_ipv4(),
        Some("192.241.165.154".parse().expect("ip")),
        "the public address, not the private one"
    );
    assert!(one.droplet.backups());
    let all: DropletsPage = parse("droplets.json");
    assert_eq!(all.droplets.len(), 3);
    assert_eq!(all.meta.total, 3);
    let firewalls: FirewallsPage = parse("firewalls.json");
    assert_eq!(firewalls.firewalls[0].droplet_ids, [8043964]);
    assert_eq!(firewalls.firewalls[0].inbound_rules[1].ports, "22");
    let action: ActionResponse = parse("action.json");
    assert_eq!(action.action.status, "completed");
    for name in [
        "unauthorized",
        "forbidden",
        "unprocessable_entity",
        "too_many_requests",
        "server_error",
        "not_found",
    ] {
        let body: ErrorBody = parse(&format!("error_{name}.json"));
        assert_eq!(body.id, name);
    }
}

/// Every key path in a JSON value (`droplet.size.slug`; arrays as `[]`).
fn paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = format!("{prefix}.{key}");
                out.insert(path.clone());
                paths(inner, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn key_paths(value: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    paths(value, "", &mut out);
    out
}

/// The practice cloud's answer has the documented fields: none it invents, and none of the
/// documented ones missing except those the reference marks optional (`allowed_missing`).
fn same_shape(what: &str, practice: &Value, documented: &Value, allowed_missing: &[&str]) {
    let ours = key_paths(practice);
    let theirs = key_paths(documented);
    // `links.pages` is the shared pagination schema (shared/pages.yml), documented for every
    // list even where an example shows `links: {}`.
    let invented: Vec<&String> = ours
        .difference(&theirs)
        .filter(|p| p.as_str() != ".links.pages")
        .collect();
    assert!(
        invented.is_empty(),
        "{what}: fields not in the reference: {invented:?}"
    );
    let missing: Vec<&String> = theirs
        .difference(&ours)
        .filter(|p| !allowed_missing.iter().any(|a| p.starts_with(a)))
        .collect();
    assert!(
        missing.is_empty(),
        "{what}: documented fields missing: {missing:?}"
    );
}

fn get(agent: &ureq::Agent, url: &str, token: &str) -> (u16, Value) {
    let mut response = agent
        .get(url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("the practice cloud answers");
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().expect("body");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn post(agent: &ureq::Agent, url: &str, token: &str, body: &Value) -> (u16, Value) {
    let mut response = agent
        .post(url)
        .header("Authorization", &format!("Bearer {token}"))
        .send_json(body)
        .expect("the practice cloud answers");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn doc(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("fixture is JSON")
}

#[test]
fn the_practice_cloud_answers_with_the_documented_shapes() {
    let cloud = droplift::practice::cloud::start(
        Options {
            boot: false,
            ..Options::default()
        },
        |_| {},
    )
    .expect("practice cloud starts");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let token = cloud.token.expose().to_owned();
    let at = |path: &str| format!("{}{path}", cloud.url);

    // Pages: the documented `links.pages` has next/last; an only page has none.
    let pages = &[".links.pages.", ".meta.total"][..];
    let (status, account) = get(&agent, &at("/v2/account"), &token);
    assert_eq!(status, 200);
    same_shape(
        "account",
        &account,
        &doc("account.json"),
        &[".account.team"],
    );
    let (_, regions) = get(&agent, &at("/v2/regions"), &token);
    same_shape("regions", &regions, &doc("regions.json"), pages);
    let (_, sizes) = get(&agent, &at("/v2/sizes"), &token);
    same_shape("sizes", &sizes, &doc("sizes.json"), pages);
    let (_, images) = get(&agent, &at("/v2/images?type=distribution"), &token);
    same_shape("images", &images, &doc("images_distribution.json"), pages);

    // A key, then a droplet with it.
    let public =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE test";
    let (status, key) = post(
        &agent,
        &at("/v2/account/keys"),
        &token,
        &serde_json::json!({"name": "laptop", "public_key": public}),
    );
    assert_eq!(status, 201, "{key}");
    same_shape("ssh key", &key, &doc("ssh_key_created.json"), &[]);
    let (_, keys) = get(&agent, &at("/v2/account/keys"), &token);
    same_shape("ssh keys", &keys, &doc("ssh_keys.json"), &[".meta.total"]);

    let mut request = doc("droplet_create_request.json");
    request["image"] = Value::from("debian-12-x64");
    request["ssh_keys"] = serde_json::json!([key["ssh_key"]["id"]]);
    let (status, created) = post(&agent, &at("/v2/droplets"), &token, &request);
    assert_eq!(status, 202, "{created}");
    // The reference's example droplet has a VPC and private networking; the practice cloud
    // has neither, which the schema allows.
    let optional = &[
        ".droplet.vpc_uuid",
        ".droplet.networks.v4[]",
        ".droplet.networks.v6[]",
    ];
    same_shape(
        "droplet create",
        &created,
        &doc("droplet_create.json"),
        optional,
    );
    let id = created["droplet"]["id"].as_u64().expect("id");
    let (_, one) = get(&agent, &at(&format!("/v2/droplets/{id}")), &token);
    same_shape(
        "droplet",
        &one,
        &doc("droplet.json"),
        &[
            ".droplet.vpc_uuid",
            ".droplet.networks.",
            ".droplet.next_backup_window.",
            ".droplet.backup_ids",
            ".droplet.snapshot_ids",
        ],
    );
    let (_, list) = get(&agent, &at("/v2/droplets?tag_name=env:prod"), &token);
    assert_eq!(list["droplets"].as_array().map(Vec::len), Some(1));
    let action = created["links"]["actions"][0]["id"]
        .as_u64()
        .expect("action");
    let (_, action) = get(&agent, &at(&format!("/v2/actions/{action}")), &token);
    same_shape("action", &action, &doc("action.json"), &[]);

    // A cloud firewall, listed as the reference's example is.
    let (status, made) = post(
        &agent,
        &at("/v2/firewalls"),
        &token,
        &serde_json::json!({
            "name": "web",
            "inbound_rules": [{"protocol": "tcp", "ports": "22",
                               "sources": {"addresses": ["0.0.0.0/0", "::/0"]}}],
            "droplet_ids": [id],
        }),
    );
    assert_eq!(status, 202, "{made}");
    let (_, firewalls) = get(&agent, &at("/v2/firewalls"), &token);
    same_shape(
        "firewalls",
        &firewalls,
        &doc("firewalls.json"),
        &[
            ".meta.total",
            // The example's rules name a load balancer and a tag; this one, addresses only.
            ".firewalls[].inbound_rules[].sources.",
            ".firewalls[].outbound_rules[].",
            ".firewalls[].tags[]",
        ],
    );
    assert_eq!(firewalls["firewalls"][0]["droplet_ids"][0], id);

    // Errors have the documented body.
    let (status, body) = get(&agent, &at("/v2/account"), "not-the-token");
    assert_eq!(status, 401);
    same_shape("401", &body, &doc("error_unauthorized.json"), &[]);
    let (status, body) = post(
        &agent,
        &at("/v2/droplets"),
        cloud.read_only_token.expose(),
        &request,
    );
    assert_eq!(status, 403);
    same_shape("403", &body, &doc("error_forbidden.json"), &[]);
    assert_eq!(cloud.droplets_made(), 1, "the read-only token made nothing");
}
