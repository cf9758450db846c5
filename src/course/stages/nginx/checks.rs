//! The nginx stage's own checks: the site's name, the server name, whether nginx's default site
//! goes, and an edited site file.

use crate::refused::Refused;

/// The site's name: it names the file in /etc/nginx/sites-available and the app's folder
/// /var/www/html/<site> (where the uWSGI socket will be), so it stays a plain path component.
pub fn validate_site_name(name: &str) -> Result<(), Refused> {
    if name.is_empty() {
        return Err("Name the site, e.g. items-rest.".into());
    }
    if name.chars().count() > 32 {
        return Err(format!(
            "A site name can be at most 32 characters; this one has {}.",
            name.chars().count()
        )
        .into());
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "Use lower-case letters only: try \"{}\".",
            name.to_ascii_lowercase()
        )
        .into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        let bad = if bad == ' ' {
            "a space".to_owned()
        } else {
            format!("\"{bad}\"")
        };
        return Err(
            format!("{bad} is not allowed in a site name: use letters a–z, digits and -.").into(),
        );
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err("A site name cannot start or end with -.".into());
    }
    // droplift's own files for a site are droplift/SITE-tls*.conf and SITE-static*.conf, which
    // the site's server block includes by those globs: a site named items-static… or
    // items-tls… would have its files read by the site items too.
    if let Some(word) = ["-tls", "-static"].into_iter().find(|w| name.contains(w)) {
        return Err(format!(
            "A site name cannot contain \"{word}\": droplift's nginx files for another site \
             would be read as this one's. Choose another name."
        )
        .into());
    }
    if name == "default" {
        return Err(
            "\"default\" is the site nginx comes with; choose your own name, e.g. items-rest."
                .into(),
        );
    }
    Ok(())
}

/// `[nginx] under`: the site whose server block serves this one at `/SITE/` — another site.
pub fn validate_under(under: &str, site: &str) -> Result<(), Refused> {
    validate_site_name(under).map_err(|m| {
        Refused::from(format!(
            "Name the site that serves this one under its address: {m}"
        ))
    })?;
    if under == site {
        return Err(format!(
            "A site cannot be served under itself: name the site whose server block serves \
             /{site}/, e.g. under = \"items\"."
        )
        .into());
    }
    Ok(())
}

/// nginx's `server_name`: `_` (no name: answers whatever name a request uses), a domain, or
/// the droplet's IPv4 address. Only these shapes, so the value cannot carry nginx syntax.
pub fn validate_server_name(name: &str) -> Result<(), Refused> {
    if name == "_" || name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Ok(());
    }
    if name.is_empty() {
        return Err("Type your domain, the droplet's IP address, or _ to answer any name.".into());
    }
    if name.contains("://") || name.contains('/') {
        return Err("Type only the name, without http:// or a path.".into());
    }
    if name.parse::<std::net::Ipv6Addr>().is_ok() {
        return Err("Use the droplet's IPv4 address (like 203.0.113.7), or _.".into());
    }
    if name.contains(':') {
        return Err("Leave out the port: the site listens on port 80.".into());
    }
    if name.chars().any(char::is_whitespace) {
        return Err("One name only, without spaces.".into());
    }
    if name.contains('*') {
        return Err(
            "Wildcards are not offered here: type the full name, e.g. api.example.com.".into(),
        );
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "Use lower-case letters: try \"{}\".",
            name.to_ascii_lowercase()
        )
        .into());
    }
    if name.len() > 253 {
        return Err("That name is longer than a domain can be (253 characters).".into());
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(
            "That is not a domain name: use letters, digits, - and dots, like api.example.com."
                .into(),
        )
    }
}

/// The answer to "remove the default site?": yes or no.
pub fn validate_remove_default(answer: &str) -> Result<bool, Refused> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" => Ok(true),
        "no" | "n" => Ok(false),
        _ => Err("Answer yes or no.".into()),
    }
}

/// Keeping nginx's default site is only sensible when the site has a name of its own: the
/// default site is marked `default_server`, so with `_` it would answer every request.
pub fn check_default_site(remove_default: bool, server_name: &str) -> Result<(), Refused> {
    if !remove_default && server_name == "_" {
        Err(
            "With server name _ the default site would answer every request and yours none: \
             answer yes, or give your site a domain or the droplet's IP."
                .into(),
        )
    } else {
        Ok(())
    }
}

/// The largest site file droplift sends (a site is a few hundred bytes; this stops a wrong file).
pub const MAX_SITE_BYTES: usize = 64 * 1024;

/// A site file's text, typed in the editor or read from `[nginx] site_file`: nginx itself judges
/// the contents (`nginx -t`); here only what can never be a site file is refused.
pub fn validate_site_text(text: &str) -> Result<(), Refused> {
    if text.trim().is_empty() {
        return Err("The site file is empty: nginx needs at least a server { … } block.".into());
    }
    if text.len() > MAX_SITE_BYTES {
        return Err(format!(
            "The site file is {} KiB; a site is a few hundred bytes (at most {} KiB here). Is it the right file?",
            text.len() / 1024,
            MAX_SITE_BYTES / 1024
        ).into());
    }
    if text.contains('\0') {
        return Err("The site file contains a NUL byte: it is not a text file.".into());
    }
    Ok(())
}

#[cfg(test)]
mod nginx_tests {
    use super::*;

    #[test]
    fn site_names_each_rule_its_own_message() {
        for (name, expected) in [
            ("", "Name the site"),
            ("Items", "lower-case"),
            ("items rest", "a space is not allowed"),
            ("items_rest", "\"_\" is not allowed"),
            ("a;b", "\";\" is not allowed"),
            ("-items", "start or end"),
            ("default", "nginx comes with"),
            ("items-static", "cannot contain \"-static\""),
            ("api-tls2", "cannot contain \"-tls\""),
        ] {
            let message = validate_site_name(name).expect_err(name);
            assert!(message.as_str().contains(expected), "{name}: {message}");
        }
        assert!(validate_site_name(&"a".repeat(33)).is_err());
        for ok in ["items-rest", "api2", &"a".repeat(32)] {
            assert_eq!(validate_site_name(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn a_site_is_under_another_one() {
        assert_eq!(validate_under("items", "shop"), Ok(()));
        assert!(
            validate_under("shop", "shop")
                .expect_err("itself")
                .as_str()
                .contains("itself")
        );
        assert!(validate_under("It ems", "shop").is_err());
    }

    #[test]
    fn server_names() {
        for ok in [
            "_",
            "203.0.113.7",
            "api.example.com",
            "localhost",
            "my-api.example.co",
        ] {
            assert_eq!(validate_server_name(ok), Ok(()), "{ok}");
        }
        for (bad, expected) in [
            ("", "Type your domain"),
            ("http://x.com", "without http://"),
            ("2001:db8::1", "IPv4"),
            ("x.com:8080", "port"),
            ("a.com b.com", "without spaces"),
            ("*.example.com", "Wildcards"),
            ("API.example.com", "lower-case"),
            ("a;b", "not a domain"),
            ("x..y", "not a domain"),
        ] {
            let message = validate_server_name(bad).expect_err(bad);
            assert!(message.as_str().contains(expected), "{bad}: {message}");
        }
    }

    #[test]
    fn the_default_site_may_stay_only_beside_a_named_site() {
        assert_eq!(validate_remove_default("Yes"), Ok(true));
        assert_eq!(validate_remove_default("n"), Ok(false));
        assert!(validate_remove_default("maybe").is_err());
        assert!(check_default_site(false, "_").is_err());
        assert_eq!(check_default_site(false, "api.example.com"), Ok(()));
        assert_eq!(check_default_site(true, "_"), Ok(()));
        let errors = crate::course::validate(crate::course::StageId::Nginx, &|key| {
            match key {
                "site" => "items-rest",
                "server_name" => "_",
                _ => "no",
            }
            .to_owned()
        });
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "remove_default");
    }

    #[test]
    fn site_texts() {
        assert!(validate_site_text(" \n").is_err());
        assert!(validate_site_text("server {\0}").is_err());
        assert!(validate_site_text(&"#".repeat(MAX_SITE_BYTES + 1)).is_err());
        assert_eq!(validate_site_text("server { listen 80; }\n"), Ok(()));
    }
}
