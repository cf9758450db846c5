//! The practice cloud's catalogue: the regions, sizes and images it offers, in DigitalOcean's
//! shapes (a size missing from some regions, so "not available in this region" can happen).

use serde_json::json;

use crate::cloud::api::{Image, Region, Size};

const REGIONS: [(&str, &str); 9] = [
    ("nyc3", "New York 3"),
    ("sfo3", "San Francisco 3"),
    ("tor1", "Toronto 1"),
    ("ams3", "Amsterdam 3"),
    ("lon1", "London 1"),
    ("fra1", "Frankfurt 1"),
    ("sgp1", "Singapore 1"),
    ("blr1", "Bangalore 1"),
    ("syd1", "Sydney 1"),
];

/// slug, MB, vCPUs, GB disk, TB transfer, $ a month, regions it is missing from.
type SizeRow = (
    &'static str,
    u32,
    u32,
    u32,
    f64,
    f64,
    &'static [&'static str],
);

const SIZES: [SizeRow; 5] = [
    (
        "s-1vcpu-512mb-10gb",
        512,
        1,
        10,
        0.5,
        4.0,
        &["blr1", "syd1"],
    ),
    ("s-1vcpu-1gb", 1024, 1, 25, 1.0, 6.0, &[]),
    ("s-1vcpu-2gb", 2048, 1, 50, 2.0, 12.0, &[]),
    ("s-2vcpu-2gb", 2048, 2, 60, 3.0, 18.0, &[]),
    // Not offered in New York 3: a size "not available in this region" for headless answers.
    ("s-2vcpu-4gb", 4096, 2, 80, 4.0, 24.0, &["nyc3"]),
];

pub(super) fn sizes() -> Vec<Size> {
    SIZES
        .iter()
        .map(
            |(slug, memory, vcpus, disk, transfer, price, missing)| Size {
                slug: (*slug).to_owned(),
                memory: *memory,
                vcpus: *vcpus,
                disk: *disk,
                transfer: *transfer,
                price_monthly: *price,
                price_hourly: ((price / 672.0) * 100_000.0).round() / 100_000.0,
                regions: REGIONS
                    .iter()
                    .map(|(r, _)| (*r).to_owned())
                    .filter(|r| !missing.contains(&r.as_str()))
                    .collect(),
                available: true,
                description: "Basic".to_owned(),
                disk_info: vec![json!({"type": "local", "size": {"amount": disk, "unit": "gib"}})],
            },
        )
        .collect()
}

pub(super) fn regions() -> Vec<Region> {
    let sizes = sizes();
    REGIONS
        .iter()
        .map(|(slug, name)| Region {
            name: (*name).to_owned(),
            slug: (*slug).to_owned(),
            features: ["backups", "ipv6", "metadata", "install_agent", "storage"]
                .map(str::to_owned)
                .to_vec(),
            available: true,
            sizes: sizes
                .iter()
                .filter(|s| s.regions.iter().any(|r| r == slug))
                .map(|s| s.slug.clone())
                .collect(),
        })
        .collect()
}

pub(super) fn images() -> Vec<Image> {
    let all_regions: Vec<String> = REGIONS.iter().map(|(r, _)| (*r).to_owned()).collect();
    [
        (
            171_000_001u64,
            "24.04 (LTS) x64",
            "Ubuntu",
            "ubuntu-24-04-x64",
        ),
        (171_000_002, "22.04 (LTS) x64", "Ubuntu", "ubuntu-22-04-x64"),
        (171_000_003, "12 x64", "Debian", "debian-12-x64"),
    ]
    .into_iter()
    .map(|(id, name, distribution, slug)| Image {
        id,
        name: name.to_owned(),
        distribution: distribution.to_owned(),
        slug: Some(slug.to_owned()),
        public: true,
        regions: all_regions.clone(),
        created_at: "2025-01-01T00:00:00Z".to_owned(),
        kind: "snapshot".to_owned(),
        min_disk_size: 10,
        size_gigabytes: 2.5,
        description: String::new(),
        tags: Vec::new(),
        status: "available".to_owned(),
        error_message: String::new(),
    })
    .collect()
}

/// The create screens' catalogue for a sample account on the practice cloud (sammy's, with a
/// key already on this computer): what the screens show without an account, in tests and demos.
pub fn sample_catalog() -> crate::cloud::worker::Catalog {
    crate::cloud::worker::Catalog {
        email: "sammy@example.com".into(),
        regions: regions(),
        sizes: sizes(),
        images: crate::cloud::choices::IMAGES.iter().collect(),
        key_path: "/home/sammy/.ssh/id_ed25519".into(),
        key: crate::cloud::create::PublicKey {
            line: "ssh-ed25519 AAAA sammy@laptop".into(),
            fingerprint: "2b:ef:37:43:33:be:68:27:7e:2f:58:27:06:15:89:ec".into(),
        },
        key_on_account: None,
        key_note: "using your existing key ~/.ssh/id_ed25519".into(),
    }
}

/// The practice cloud's regions, sizes and images (the screen tests draw the same lists).
pub fn catalogue() -> (Vec<Region>, Vec<Size>, Vec<Image>) {
    (regions(), sizes(), images())
}
