//! The `[tls]` section of the answers file: the domain to serve over HTTPS (the firewall opens
//! 443 for it too) and the e-mail Let's Encrypt writes to. Both are optional.

use serde::Deserialize;
use toml::Spanned;

use super::validate_domain;
use crate::course::answers::{Answers, Reading};
use crate::course::stages::app::rules::validate_email;

/// `[tls]` as written. Its name shows in toml's own messages ("expected struct RawTls").
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    domain: Option<Spanned<String>>,
    email: Option<Spanned<String>>,
}

// `[tls]` is read in two parts, so that a file's mistakes are listed in the order droplift has
// always listed them: the domain with the firewall's ports, the e-mail after `[app]`.

/// Takes `[tls] domain` into the answers (empty means none), or tells `reading` why not; a
/// domain is worth a note, since it changes two stages.
pub fn read_domain(
    section: Option<&Spanned<RawTls>>,
    answers: &mut Answers,
    reading: &mut Reading<'_>,
) {
    let Some(tls) = section else {
        return;
    };
    if let Some(domain) = tls.get_ref().domain.as_ref() {
        let name = domain.get_ref().trim();
        if !name.is_empty() {
            match validate_domain(name) {
                Ok(()) => answers.domain = Some(name.to_owned()),
                Err(m) => reading.refuse("tls.domain", domain.span(), m),
            }
        }
    }
    if let Some(domain) = answers.domain.as_ref() {
        let note = format!(
            "line {}: [tls] domain {domain}: the firewall opens HTTPS (443/tcp) too, and stage 10 \
             asks Let's Encrypt for a certificate once its DNS points at the droplet",
            reading.line(tls.span())
        );
        reading.note(note);
    }
}

/// Takes `[tls] email` into the answers (empty means none), or tells `reading` why not.
pub fn read_email(
    section: Option<&Spanned<RawTls>>,
    answers: &mut Answers,
    reading: &mut Reading<'_>,
) {
    if let Some(email) = section.and_then(|t| t.get_ref().email.as_ref()) {
        let written = email.get_ref().trim();
        if !written.is_empty() {
            match validate_email(written) {
                Ok(()) => answers.tls_email = Some(written.to_owned()),
                Err(m) => reading.refuse("tls.email", email.span(), m),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::course::answers_file::parse;

    const BASE: &str = "[server]\nhost = \"1.2.3.4\"\n[user]\nname = \"johndoe\"\n";

    #[test]
    fn a_domain_in_tls_is_read_for_the_firewall() {
        let (answers, warnings) =
            parse(&format!("{BASE}[tls]\ndomain = \"api.example.com\"\n")).expect("domain");
        assert_eq!(answers.domain.as_deref(), Some("api.example.com"));
        assert!(warnings[0].contains("443/tcp"), "{warnings:?}");
        assert!(parse(&format!("{BASE}[tls]\ndomain = \"1.2.3.4\"\n")).is_err());
    }
}
