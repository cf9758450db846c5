//! The app's folders that are not code: static files nginx serves itself (`[app] static`, a URL
//! prefix → a folder inside the release) and folders kept across releases (`[app] shared`,
//! Capistrano's linked_dirs): their rules, how the wizard's one-line fields hold them, and the
//! nginx lines that serve the static ones from the release that serves.

use crate::refused::Refused;

/// At most this many static folders, and as many shared ones.
pub const MAX_FOLDERS: usize = 10;
/// The longest prefix or folder taken.
const MAX_LEN: usize = 200;

/// A folder inside the release: relative, letters, digits and `- . _ /`, no `..`, not the
/// release itself or its virtualenv.
pub fn validate_release_folder(folder: &str) -> Result<(), Refused> {
    let trimmed = folder.trim_end_matches('/');
    if trimmed.is_empty() || trimmed == "." {
        return Err(
            "Name a folder inside your code, e.g. staticfiles (the whole release would show \
             your code)."
                .into(),
        );
    }
    if folder.starts_with('/') || folder.starts_with('~') {
        return Err(format!(
            "{folder:?}: a folder inside your code, relative to its top, e.g. staticfiles \
             (not a path on the server)."
        )
        .into());
    }
    if folder.len() > MAX_LEN {
        return Err(format!("A folder of at most {MAX_LEN} characters, please.").into());
    }
    if let Some(bad) = folder
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/')))
    {
        return Err(format!(
            "{bad:?} is not taken in a folder's name: letters, digits and - . _ / only."
        )
        .into());
    }
    if trimmed.split('/').any(|part| part == ".." || part == ".") {
        return Err(format!("{folder:?}: no . or .. in the folder: name it from the top.").into());
    }
    if trimmed.contains("//") {
        return Err(format!("{folder:?}: one / between folders.").into());
    }
    if trimmed == "venv" || trimmed.starts_with("venv/") {
        return Err(
            "venv is the release's virtualenv, which droplift makes: choose another.".into(),
        );
    }
    Ok(())
}

/// A URL prefix nginx serves a static folder under: starts and ends with `/`, not `/` alone
/// (that is the app), only a URL path's plain characters, no `..`.
pub fn validate_static_prefix(prefix: &str) -> Result<(), Refused> {
    if prefix == "/" {
        return Err(
            "/ alone is your app: give the prefix of the static files, e.g. /static/.".into(),
        );
    }
    if !prefix.starts_with('/') || !prefix.ends_with('/') || prefix.len() < 3 {
        return Err(
            format!("{prefix:?}: a URL prefix starts and ends with /, e.g. /static/.").into(),
        );
    }
    if prefix.len() > MAX_LEN {
        return Err(format!("A prefix of at most {MAX_LEN} characters, please.").into());
    }
    if let Some(bad) = prefix
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '/')))
    {
        return Err(format!(
            "{bad:?} is not taken in a URL prefix: letters, digits and - . _ ~ / only."
        )
        .into());
    }
    if prefix.contains("//") || prefix.split('/').any(|p| p == ".." || p == ".") {
        return Err(format!("{prefix:?}: one / between parts, and no . or .. parts.").into());
    }
    Ok(())
}

/// `[app] static`: each prefix and folder checked, not too many, no prefix twice.
pub fn validate_static(pairs: &[(String, String)]) -> Result<(), Refused> {
    if pairs.len() > MAX_FOLDERS {
        return Err(format!("At most {MAX_FOLDERS} static folders, please.").into());
    }
    for (i, (prefix, folder)) in pairs.iter().enumerate() {
        validate_static_prefix(prefix)?;
        validate_release_folder(folder).map_err(|m| Refused::from(format!("{prefix}: {m}")))?;
        if pairs[..i].iter().any(|(p, _)| p == prefix) {
            return Err(format!("{prefix} is given twice.").into());
        }
    }
    Ok(())
}

/// The static folders as one value for a script's preamble: `PREFIX FOLDER` lines.
pub fn validate_static_lines(text: &str) -> Result<(), Refused> {
    validate_static(&static_pairs(text))
}

/// `PREFIX FOLDER` lines back into pairs.
pub fn static_pairs(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| match l.split_once(' ') {
            Some((p, f)) => (p.to_owned(), f.to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

/// Pairs as `PREFIX FOLDER` lines (a checked folder has no space in it).
pub fn static_lines(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(p, f)| format!("{p} {}", f.trim_end_matches('/')))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The wizard's field: `/static/=staticfiles; /media/=media`.
pub fn split_static(text: &str) -> Result<Vec<(String, String)>, Refused> {
    let mut pairs = Vec::new();
    for item in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((prefix, folder)) = item.split_once('=') else {
            return Err(format!(
                "{item:?}: write PREFIX=FOLDER, e.g. /static/=staticfiles; ; between them."
            )
            .into());
        };
        pairs.push((prefix.trim().to_owned(), folder.trim().to_owned()));
    }
    Ok(pairs)
}

/// `[app] shared`: folders kept across releases, each a folder inside the release, none twice
/// or inside another.
pub fn validate_shared(names: &[String]) -> Result<(), Refused> {
    if names.len() > MAX_FOLDERS {
        return Err(format!("At most {MAX_FOLDERS} shared folders, please.").into());
    }
    for (i, name) in names.iter().enumerate() {
        validate_release_folder(name)?;
        let name = name.trim_end_matches('/');
        for other in &names[..i] {
            let other = other.trim_end_matches('/');
            if other == name {
                return Err(format!("{name} is given twice.").into());
            }
            if name.starts_with(&format!("{other}/")) || other.starts_with(&format!("{name}/")) {
                return Err(format!(
                    "{name} and {other}: one shared folder inside another; keep the outer one."
                )
                .into());
            }
        }
    }
    Ok(())
}

/// The shared folders as one value for a script's preamble: names separated by spaces.
pub fn validate_shared_list(text: &str) -> Result<(), Refused> {
    validate_shared(&split_shared(text))
}

/// Names separated by spaces (or commas), trailing `/` dropped.
pub fn split_shared(text: &str) -> Vec<String> {
    text.split([' ', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let t = s.trim_end_matches('/');
            if t.is_empty() { s } else { t }.to_owned()
        })
        .collect()
}

/// nginx's lines for checked static folders, served from the release that serves
/// (`current`): one `location` each. `disable_symlinks if_not_owner`: a link in the folder is
/// followed only to a file of the link's owner, so the site's user cannot make nginx show
/// another site's files (they are readable by nginx's group too).
pub fn static_conf(site: &str, lines: &str) -> String {
    let mut text = format!(
        "# Static files of {site} ([app] static), written by droplift: nginx serves them\n\
         # from the release that serves; the site includes this file.\n"
    );
    for (prefix, folder) in static_pairs(lines) {
        text.push_str(&format!(
            "location {prefix} {{\n    alias /var/www/html/{site}/current/{folder}/;\n    \
             disable_symlinks if_not_owner;\n}}\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(p: &str, f: &str) -> (String, String) {
        (p.to_owned(), f.to_owned())
    }

    #[test]
    fn static_prefixes_and_folders_are_checked() {
        assert_eq!(
            validate_static(&[
                pair("/static/", "staticfiles"),
                pair("/m/", "public/media/")
            ]),
            Ok(())
        );
        for (prefix, folder, said) in [
            ("/", "static", "/ alone is your app"),
            ("/static", "static", "starts and ends with /"),
            ("static/", "static", "starts and ends with /"),
            ("/a b/", "static", "not taken in a URL prefix"),
            ("/a;}/", "static", "not taken in a URL prefix"),
            ("/../", "static", "no . or .. parts"),
            ("/a//b/", "static", "one / between"),
            ("/static/", "", "Name a folder"),
            ("/static/", ".", "Name a folder"),
            ("/static/", "/srv/static", "relative to its top"),
            ("/static/", "../x", "no . or .."),
            ("/static/", "a/../b", "no . or .."),
            ("/static/", "a b", "not taken in a folder"),
            ("/static/", "a;", "not taken in a folder"),
            ("/static/", "venv/lib", "virtualenv"),
        ] {
            let err = validate_static(&[pair(prefix, folder)]).expect_err(prefix);
            assert!(err.as_str().contains(said), "{prefix} {folder}: {err}");
        }
        let twice = validate_static(&[pair("/s/", "a"), pair("/s/", "b")]).expect_err("twice");
        assert!(twice.as_str().contains("twice"), "{twice}");
    }

    #[test]
    fn the_wizard_field_and_the_preamble_lines_hold_the_same_pairs() {
        let pairs = split_static(" /static/=staticfiles/ ; /media/ = media ;").expect("pairs");
        assert_eq!(
            pairs,
            [pair("/static/", "staticfiles/"), pair("/media/", "media")]
        );
        let lines = static_lines(&pairs);
        assert_eq!(lines, "/static/ staticfiles\n/media/ media");
        assert_eq!(validate_static_lines(&lines), Ok(()));
        assert_eq!(
            static_pairs(&lines),
            [pair("/static/", "staticfiles"), pair("/media/", "media")]
        );
        assert!(split_static("/static/").is_err());
    }

    #[test]
    fn shared_folders_are_checked() {
        assert_eq!(split_shared("instance, media/ "), ["instance", "media"]);
        assert_eq!(validate_shared(&split_shared("instance media")), Ok(()));
        for (names, said) in [
            ("../data", "no . or .."),
            ("/srv/data", "relative"),
            ("venv", "virtualenv"),
            ("a a", "twice"),
            ("data data/db", "inside another"),
            (".", "Name a folder"),
        ] {
            let err = validate_shared(&split_shared(names)).expect_err(names);
            assert!(err.as_str().contains(said), "{names}: {err}");
        }
    }

    #[test]
    fn the_nginx_lines_serve_each_folder_from_the_serving_release() {
        let text = static_conf("shop", "/static/ staticfiles\n/media/ public/media");
        assert!(text.contains(
            "location /static/ {\n    alias /var/www/html/shop/current/staticfiles/;\n    \
             disable_symlinks if_not_owner;\n}\n"
        ));
        assert!(text.contains("alias /var/www/html/shop/current/public/media/;"));
    }
}
