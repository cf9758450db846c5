//! The choices a student makes to create a droplet, and their rules: the images the course
//! supports, regions in "nearest first" order with their cities, the course's size, backups'
//! price, the droplet's name. Pure: the wizard's screens and the `[droplet]` answers both use
//! these, so a choice is judged the same way everywhere (the parts with no API shape behind
//! them live in the leaf `droplet_spec`, which the course reads too).

use super::api::{Region, Size};
pub use crate::droplet_spec::{COURSE_SIZE, IMAGES, SupportedImage, image, validate_name};

/// DigitalOcean's weekly backups cost 20 % of the droplet's price.
pub const BACKUP_SHARE: f64 = 0.20;

/// What backups add to a size's monthly price.
pub fn backup_price(size: &Size) -> f64 {
    (size.price_monthly * BACKUP_SHARE * 100.0).round() / 100.0
}

/// The monthly total for a size, with backups or not.
pub fn monthly(size: &Size, backups: bool) -> f64 {
    size.price_monthly + if backups { backup_price(size) } else { 0.0 }
}

/// `$6.00`.
pub fn dollars(amount: f64) -> String {
    format!("${amount:.2}")
}

/// "1 vCPU · 1 GB · 25 GB disk  $6.00/month".
pub fn size_line(size: &Size) -> String {
    let memory = if size.memory >= 1024 {
        format!("{} GB", size.memory / 1024)
    } else {
        format!("{} MB", size.memory)
    };
    format!(
        "{} vCPU · {memory} · {} GB disk  {}/month",
        size.vcpus,
        size.disk,
        dollars(size.price_monthly)
    )
}

/// The sizes a droplet can have in `region`, cheapest first.
pub fn sizes_in<'a>(sizes: &'a [Size], region: &Region) -> Vec<&'a Size> {
    let mut out: Vec<&Size> = sizes
        .iter()
        .filter(|s| s.available && s.regions.iter().any(|r| r == &region.slug))
        .filter(|s| region.sizes.is_empty() || region.sizes.contains(&s.slug))
        .collect();
    out.sort_by(|a, b| a.price_monthly.total_cmp(&b.price_monthly));
    out
}

/// Which of `sizes` to preselect: the course's size when offered, else the cheapest one with at
/// least 1 GB, else the first.
pub fn default_size(sizes: &[&Size]) -> usize {
    sizes
        .iter()
        .position(|s| s.slug == COURSE_SIZE)
        .or_else(|| sizes.iter().position(|s| s.memory >= 1024))
        .unwrap_or(0)
}

/// A region's city and country for the list ("New York 3" → "New York, USA").
pub fn city(slug: &str) -> &'static str {
    match slug.trim_end_matches(|c: char| c.is_ascii_digit()) {
        "nyc" => "New York, USA",
        "sfo" => "San Francisco, USA",
        "atl" => "Atlanta, USA",
        "tor" => "Toronto, Canada",
        "ams" => "Amsterdam, Netherlands",
        "lon" => "London, UK",
        "fra" => "Frankfurt, Germany",
        "sgp" => "Singapore",
        "blr" => "Bangalore, India",
        "syd" => "Sydney, Australia",
        _ => "",
    }
}

/// Region prefixes nearest first for a time zone name (`Europe/Berlin`), the only hint of where
/// the student is that needs no network. Unknown zones give no order.
fn nearest_prefixes(tz: &str) -> &'static [&'static str] {
    let (area, place) = tz.split_once('/').unwrap_or((tz, ""));
    match area {
        "Europe" | "Africa" => match place {
            "London" | "Dublin" | "Lisbon" => &["lon", "ams", "fra", "tor", "nyc"],
            "Amsterdam" | "Brussels" | "Copenhagen" | "Oslo" | "Stockholm" => {
                &["ams", "fra", "lon", "nyc", "tor"]
            }
            _ => &["fra", "ams", "lon", "nyc", "tor"],
        },
        "America" | "US" | "Canada" => match place {
            "Los_Angeles" | "Vancouver" | "Tijuana" | "Phoenix" | "Denver" => {
                &["sfo", "tor", "nyc", "atl"]
            }
            "Toronto" | "Montreal" => &["tor", "nyc", "atl", "sfo"],
            "Chicago" | "Mexico_City" => &["atl", "nyc", "tor", "sfo"],
            _ => &["nyc", "atl", "tor", "sfo"],
        },
        "Asia" => match place {
            "Kolkata" | "Calcutta" | "Colombo" | "Dhaka" | "Karachi" => &["blr", "sgp", "fra"],
            "Dubai" | "Riyadh" | "Tehran" | "Jerusalem" | "Istanbul" => &["fra", "blr", "ams"],
            _ => &["sgp", "blr", "syd"],
        },
        "Australia" | "Pacific" => &["syd", "sgp", "sfo"],
        _ => &[],
    }
}

/// The regions where droplets can be made, nearest first where `tz` tells (else as listed),
/// each prefix's regions in slug order.
pub fn regions_nearest<'a>(regions: &'a [Region], tz: Option<&str>) -> Vec<&'a Region> {
    let order = tz.map(nearest_prefixes).unwrap_or(&[]);
    let rank = |r: &Region| {
        let prefix = r.slug.trim_end_matches(|c: char| c.is_ascii_digit());
        order
            .iter()
            .position(|p| *p == prefix)
            .unwrap_or(order.len())
    };
    let mut out: Vec<&Region> = regions.iter().filter(|r| r.available).collect();
    out.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.slug.cmp(&b.slug)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(slug: &str) -> Region {
        Region {
            name: slug.to_uppercase(),
            slug: slug.into(),
            features: vec![],
            available: true,
            sizes: vec![],
        }
    }

    #[test]
    fn nearest_regions_come_first_and_unknown_zones_keep_slug_order() {
        let all = [
            region("nyc3"),
            region("fra1"),
            region("sgp1"),
            region("ams3"),
        ];
        let slugs = |tz| -> Vec<String> {
            regions_nearest(&all, tz)
                .iter()
                .map(|r| r.slug.clone())
                .collect()
        };
        assert_eq!(
            slugs(Some("Europe/Berlin")),
            ["fra1", "ams3", "nyc3", "sgp1"]
        );
        assert_eq!(slugs(Some("Asia/Tokyo"))[0], "sgp1");
        assert_eq!(slugs(Some("America/New_York"))[0], "nyc3");
        assert_eq!(slugs(None), ["ams3", "fra1", "nyc3", "sgp1"]);
    }

    #[test]
    fn backups_add_a_fifth_of_the_price() {
        let size = Size {
            slug: "s-1vcpu-1gb".into(),
            memory: 1024,
            vcpus: 1,
            disk: 25,
            transfer: 1.0,
            price_monthly: 6.0,
            price_hourly: 0.00893,
            regions: vec!["nyc3".into()],
            available: true,
            description: "Basic".into(),
            disk_info: vec![],
        };
        assert_eq!(dollars(backup_price(&size)), "$1.20");
        assert_eq!(dollars(monthly(&size, true)), "$7.20");
        assert_eq!(size_line(&size), "1 vCPU · 1 GB · 25 GB disk  $6.00/month");
    }
}
