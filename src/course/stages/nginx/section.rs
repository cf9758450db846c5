//! The `[nginx]` section of the answers file: the site's name, its server name, whether nginx's
//! default site goes, and a site file of the student's own, checked as the stage's form does.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::checks::{check_default_site, validate_server_name, validate_site_name, validate_under};
use crate::course::answers::{Answers, Reading};

/// `[nginx]` as written. Its name shows in toml's own messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNginx {
    server_name: Option<Spanned<String>>,
    site: Option<Spanned<String>>,
    remove_default: Option<Spanned<bool>>,
    site_file: Option<Spanned<String>>,
    under: Option<Spanned<String>>,
}

/// Takes `[nginx]` into the answers, or tells `reading` what is wrong with it. `site_file` is
/// only noted with its line here: the caller reads the file (parsing stays pure).
pub fn read(section: Option<&Spanned<RawNginx>>, answers: &mut Answers, reading: &mut Reading<'_>) {
    let Some(nginx) = section.map(Spanned::get_ref) else {
        return;
    };
    if let Some(site) = &nginx.site {
        match validate_site_name(site.get_ref()) {
            Ok(()) => answers.nginx.site = site.get_ref().clone(),
            Err(m) => reading.refuse("nginx.site", site.span(), m),
        }
    }
    if let Some(name) = &nginx.server_name {
        match validate_server_name(name.get_ref()) {
            Ok(()) => answers.nginx.server_name = name.get_ref().clone(),
            Err(m) => reading.refuse("nginx.server_name", name.span(), m),
        }
    }
    if let Some(remove) = &nginx.remove_default {
        let server_name = answers.nginx.server_name.clone();
        match check_default_site(*remove.get_ref(), &server_name) {
            Ok(()) => answers.nginx.remove_default = *remove.get_ref(),
            Err(m) => reading.refuse("nginx.remove_default", remove.span(), m),
        }
    }
    if let Some(file) = &nginx.site_file {
        if file.get_ref().trim().is_empty() {
            reading.refuse(
                "nginx.site_file",
                file.span(),
                "give the path of your site file, or remove the line to use the template",
            );
        } else {
            answers.nginx.site_file =
                Some((PathBuf::from(file.get_ref()), reading.line(file.span())));
        }
    }
    if let Some(under) = &nginx.under {
        let site = answers.nginx.site.clone();
        let refused = validate_under(under.get_ref(), &site).err().or_else(|| {
            if nginx.site_file.is_some() {
                Some(
                    "a site under another has no server block of its own, so no site file: \
                     remove site_file (droplift writes its location lines)"
                        .into(),
                )
            } else if answers.domain.is_some() {
                Some(
                    format!(
                        "a site under another is served over that site's HTTPS: give [tls] \
                         domain to {} instead",
                        under.get_ref()
                    )
                    .into(),
                )
            } else {
                None
            }
        });
        match refused {
            Some(m) => reading.refuse("nginx.under", under.span(), m),
            None => answers.nginx.under = Some(under.get_ref().clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::course::answers::AnswersError;
    use crate::course::answers_file::parse;

    const EXAMPLE: &str = include_str!("../../../../assets/answers.example.toml");

    #[test]
    fn the_nginx_section_is_read_and_checked_with_key_and_line() {
        let (answers, _) = parse(EXAMPLE).expect("example parses");
        assert_eq!(answers.nginx.site, "items-rest");
        assert_eq!(answers.nginx.server_name, "_");
        assert!(answers.nginx.remove_default);
        let ok = "[server]\nhost = \"1.2.3.4\"\n[user]\nname = \"a\"\n[nginx]\n\
                  server_name = \"api.example.com\"\nsite = \"api\"\nremove_default = false\n\
                  site_file = \"my site.conf\"\n";
        let (answers, _) = parse(ok).expect("parses");
        assert_eq!(answers.nginx.server_name, "api.example.com");
        assert!(!answers.nginx.remove_default);
        assert_eq!(
            answers.nginx.site_file,
            Some((PathBuf::from("my site.conf"), 9))
        );
        let bad = "[server]\nhost = \"1.2.3.4\"\n[user]\nname = \"a\"\n[nginx]\n\
                   site = \"items rest\"\nserver_name = \"a;b\"\nremove_default = false\n\
                   site_file = \"\"\n";
        let AnswersError::Invalid(errors) = parse(bad).expect_err("bad nginx") else {
            panic!("expected value errors");
        };
        let keys: Vec<(&str, usize)> = errors.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(
            keys,
            [
                ("nginx.site", 6),
                ("nginx.server_name", 7),
                // `_` stays the server name, so keeping the default site is refused.
                ("nginx.remove_default", 8),
                ("nginx.site_file", 9)
            ]
        );
        let under = "[server]\nhost = \"1.2.3.4\"\n[user]\nname = \"a\"\n[nginx]\n\
                     site = \"shop\"\nunder = \"items\"\n";
        let (answers, _) = parse(under).expect("parses");
        assert_eq!(answers.nginx.under.as_deref(), Some("items"));
        let with_tls = format!("{under}[tls]\ndomain = \"api.example.com\"\nemail = \"a@b.cd\"\n");
        let AnswersError::Invalid(errors) = parse(&with_tls).expect_err("under with a domain")
        else {
            panic!("expected value errors");
        };
        assert_eq!((errors[0].key.as_str(), errors[0].line), ("nginx.under", 7));
        assert!(errors[0].message.contains("HTTPS"), "{}", errors[0].message);
        let typo = parse(
            "[server]\nhost = \"1.2.3.4\"\n[user]\nname = \"a\"\n[nginx]\nsitefile = \"x\"\n",
        )
        .expect_err("unknown key");
        assert!(typo.to_string().contains("sitefile"), "{typo}");
    }
}
