//! What a droplet is made of, as names and rules with no API behind them: the images the course
//! supports, the course's size, and the checks for a droplet's name, region and size slugs. A
//! leaf: the course's `[droplet]` answers and the cloud client's choices both read it, so
//! neither has to reach into the other.

use crate::refused::Refused;

/// An image the course is written for: DigitalOcean's slug and how a student knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SupportedImage {
    pub slug: &'static str,
    pub label: &'static str,
    /// The practice droplet's system that stands for it (the lead's `PracticeOs` ids).
    pub practice_os: &'static str,
}

/// The supported images, the course's default first.
pub const IMAGES: [SupportedImage; 3] = [
    SupportedImage {
        slug: "ubuntu-24-04-x64",
        label: "Ubuntu 24.04 LTS (recommended)",
        practice_os: "ubuntu-24.04",
    },
    SupportedImage {
        slug: "ubuntu-22-04-x64",
        label: "Ubuntu 22.04 LTS",
        practice_os: "ubuntu-22.04",
    },
    SupportedImage {
        slug: "debian-12-x64",
        label: "Debian 12",
        practice_os: "debian-12",
    },
];

pub const DEFAULT_IMAGE: &str = "ubuntu-24-04-x64";

pub fn image(slug: &str) -> Option<&'static SupportedImage> {
    IMAGES.iter().find(|i| i.slug == slug)
}

pub fn validate_image(slug: &str) -> Result<(), Refused> {
    if image(slug).is_some() {
        Ok(())
    } else {
        let all: Vec<&str> = IMAGES.iter().map(|i| i.slug).collect();
        Err(format!(
            "the course supports these images: {} (not {slug:?})",
            all.join(", ")
        )
        .into())
    }
}

/// The size the course runs comfortably on (PostgreSQL, nginx and building uWSGI need 1 GB),
/// preselected when the region has it.
pub const COURSE_SIZE: &str = "s-1vcpu-1gb";

/// A droplet's name as the API takes it and the course says: letters, digits, `-` and `.`,
/// starting and ending with a letter or digit. It becomes the server's host name, so at most
/// 63 characters (one DNS label's length is the safe limit for a host name's first part).
pub fn validate_name(name: &str) -> Result<(), Refused> {
    if name.is_empty() {
        return Err("Give the droplet a name, e.g. items-api.".into());
    }
    if name.len() > 63 {
        return Err("At most 63 characters.".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.')))
    {
        return Err(format!("Only letters, digits, - and . ({bad:?} is not allowed).").into());
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Err("Start and end with a letter or digit.".into());
    }
    if name.contains("..") {
        return Err("Two dots in a row are not allowed.".into());
    }
    Ok(())
}

/// A region slug as written in an answers file: lowercase letters then digits (`nyc3`).
pub fn validate_region_slug(slug: &str) -> Result<(), Refused> {
    let letters = slug.trim_end_matches(|c: char| c.is_ascii_digit());
    if letters.len() >= 2
        && letters.len() < slug.len()
        && letters.chars().all(|c| c.is_ascii_lowercase())
    {
        Ok(())
    } else {
        Err(format!(
            "a region is a slug like nyc3, fra1 or sgp1 (`droplift cloud list` needs none; \
             the wizard lists them), not {slug:?}"
        )
        .into())
    }
}

/// A size slug as written in an answers file (`s-1vcpu-1gb`).
pub fn validate_size_slug(slug: &str) -> Result<(), Refused> {
    if !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Ok(())
    } else {
        Err(format!(
            "a size is a slug like {COURSE_SIZE} (lowercase letters, digits and -), not {slug:?}"
        )
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_api_and_the_course() {
        for good in ["items-api", "a", "web.example.com", "A1-b2"] {
            assert_eq!(validate_name(good), Ok(()), "{good}");
        }
        assert!(validate_name("").is_err());
        assert!(
            validate_name("my_droplet")
                .expect_err("underscore")
                .as_str()
                .contains("'_'")
        );
        assert!(validate_name("-web").is_err());
        assert!(validate_name("web.").is_err());
        assert!(validate_name("a..b").is_err());
        assert!(validate_name("über").is_err());
        assert!(validate_name(&"a".repeat(64)).is_err());
    }

    #[test]
    fn slugs_in_answers_are_checked() {
        assert!(validate_region_slug("nyc3").is_ok());
        assert!(validate_region_slug("New York").is_err());
        assert!(validate_size_slug("s-1vcpu-1gb").is_ok());
        assert!(validate_size_slug("1GB").is_err());
        assert!(validate_image("debian-12-x64").is_ok());
        assert!(validate_image("centos-7").is_err());
    }
}
