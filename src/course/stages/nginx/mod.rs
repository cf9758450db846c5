//! Stage 7, the nginx site: install nginx, fill the course's items-rest site from a template (or
//! take the student's edited text), test it with nginx's whole configuration before it goes live,
//! enable it, reload, and check with nginx -T and a request from the server itself.

pub mod checks;
pub mod section;

use std::time::Duration;

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use crate::course::answers::{Answers, DEFAULT_SITE};
use crate::course::apt::WAIT_FOR_APT;
use crate::course::plan::{Command, Plan, StagePlans, StdinPart, Step};
use crate::course::stage::{
    FieldError, FieldErrors, FieldText, FormInput, InputSpec, Stage, note_nothing, text,
};
use crate::course::values::{ServerName, SiteName};
use crate::course::{PlanError, StageId, answer};
use crate::secret::{Secret, SecretName};
use crate::shell::{Const, QuoteError, Script, ShellArg};

/// The course's items-rest site, with `{{site}}` and `{{server_name}}` to fill in.
pub const TEMPLATE: &str = include_str!("../../../../assets/nginx/items-rest.conf");

const PROBE: &str = include_str!("probe.sh");
const INSTALL: &str = include_str!("install.sh");
const TEST_SITE: &str = include_str!("test_site.sh");
const ENABLE: &str = include_str!("enable.sh");
const VERIFY: &str = include_str!("verify.sh");
/// Waiting for nginx's old workers after a reload (the site's enable and a site under another).
const WORKERS: &str = include_str!("workers.sh");
const UNDER_PROBE: &str = include_str!("under_probe.sh");
const UNDER_APPLY: &str = include_str!("under_apply.sh");
const UNDER_VERIFY: &str = include_str!("under_verify.sh");
/// nginx's lines for a site served at /SITE/ on another site's server block, with `{{site}}`
/// and `{{under}}` to fill in.
pub const UNDER_TEMPLATE: &str = include_str!("../../../../assets/nginx/under.conf");

/// Where the site's file goes on the server.
pub fn site_path(site: &SiteName) -> String {
    format!("/etc/nginx/sites-available/{site}")
}

/// The uWSGI socket the site passes requests to; the uWSGI stage creates it at this path.
pub fn socket_path(site: &SiteName) -> String {
    format!("/var/www/html/{site}/socket.sock")
}

/// The template filled in. Only checked values go in, so the text is always valid nginx syntax
/// as far as the values are concerned. A site answering any name (`_`) is nginx's default
/// server, so a site with a name of its own beside it cannot take its requests.
pub fn site_from_template(site: &SiteName, server_name: &ServerName) -> String {
    TEMPLATE
        .replace("{{site}}", site.as_str())
        .replace("{{server_name}}", server_name.as_str())
        .replace("{{default_server}}", default_server(server_name))
}

/// What follows `listen 80` in the site's server block: ` default_server` for `_`.
pub fn default_server(server_name: &ServerName) -> &'static str {
    if server_name.as_str() == "_" {
        " default_server"
    } else {
        ""
    }
}

/// Where the lines of a site served under another (`[nginx] under`) go: a folder the other
/// site's server block includes (`include droplift/under/UNDER/*.conf;`).
pub fn under_path(site: &SiteName, under: &SiteName) -> String {
    format!("/etc/nginx/droplift/under/{under}/{site}.conf")
}

/// The location lines of a site served at /SITE/ under another, from checked values only.
pub fn under_text(site: &SiteName, under: &SiteName) -> String {
    UNDER_TEMPLATE
        .replace("{{site}}", site.as_str())
        .replace("{{under}}", under.as_str())
}

/// Stage 7 for a site served at /SITE/ on the site `under`'s server block: droplift's file of
/// location lines, tested with nginx's whole configuration and reloaded (the file before comes
/// back on a refusal). nginx and the other site are stage 7's of that site.
pub fn under_plans(
    site: &SiteName,
    under: &SiteName,
    server_name: &ServerName,
) -> Result<StagePlans, QuoteError> {
    let text = under_text(site, under);
    let path = under_path(site, under);
    let with_names =
        |files: &[&'static str]| Script::new(files).set("site", site).set("under", under);
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Does nginx serve /{site}/ on the site {under}?"),
            Command::root(&with_names(&[UNDER_PROBE]).set("digest", &SiteDigest::of(&text)))?
                .by_hand("sudo nginx -T | less"),
        )]),
        apply: Plan::new(vec![Step::run(
            format!(
                "Serve this site at /{site}/ on the address of the site {under}: its location \
                 lines go to {path}, which the server block of {under} includes;\nnginx -t tests \
                 the whole configuration, then nginx reloads (a refusal puts the file before back)"
            ),
            Command::root(&with_names(&[WORKERS, UNDER_APPLY]))?
                .stdin(vec![StdinPart::Text(text)])
                .by_hand(format!(
                    "sudo nano {path}\nsudo nginx -t && sudo systemctl reload nginx"
                )),
        )]),
        verify: Plan::new(vec![Step::run(
            format!(
                "Ask nginx for its configuration (nginx -T) and request /{site}/ from the server \
                 (502 is expected until the app runs)"
            ),
            Command::root(&with_names(&[UNDER_VERIFY]).set("server_name", server_name))?
                .by_hand(format!("sudo nginx -T && curl -i http://localhost/{site}/")),
        )]),
    })
}

/// The SHA-256 of the site's text, in hex: how the check recognises the student's file without
/// reading it on stdin (only one check of `course::probe_all` may, and that is the SSH key's).
/// Made by droplift from the text, never typed: 64 hex digits, nothing a shell could read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteDigest(String);

impl SiteDigest {
    pub fn of(text: &str) -> Self {
        let digest = Sha256::digest(text.as_bytes());
        Self(digest.iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl ShellArg for SiteDigest {
    fn shell_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.0)
    }
}

pub fn plans(
    site: &SiteName,
    server_name: &ServerName,
    remove_default: bool,
    text: &str,
) -> Result<StagePlans, QuoteError> {
    let remove = Const(if remove_default { "yes" } else { "no" });
    let with_site = |files: &[&'static str]| {
        Script::new(files)
            .set("site", site)
            .set("remove_default", &remove)
    };
    let site_stdin = || vec![StdinPart::Text(text.to_owned())];
    let path = site_path(site);
    let default_note = if remove_default {
        "Turn off nginx's default site: its welcome page would answer requests meant for \
         yours (it stays in sites-available/default)\n"
    } else {
        ""
    };
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Is nginx installed and running, serving your site {site}?"),
            Command::root(&with_site(&[PROBE]).set("digest", &SiteDigest::of(text)))?
                .by_hand("systemctl status nginx"),
        )]),
        apply: Plan::new(vec![
            Step::run(
                "Install nginx, the web server (after waiting until no other program uses apt)",
                Command::root(&crate::course::apt::apt_script(&[WAIT_FOR_APT, INSTALL]))?
                    .by_hand("sudo apt install nginx")
                    .timeout(Duration::from_secs(960)),
            ),
            Step::run(
                "Test your site with nginx's whole configuration (nginx -t) without making it \
                 live\nThe text goes to a staging file; a mistake changes nothing and the old \
                 site keeps serving",
                Command::root(&with_site(&[TEST_SITE]))?
                    .stdin(site_stdin())
                    .by_hand(format!("sudo nano {path}\nsudo nginx -t")),
            ),
            Step::run(
                format!(
                    "Make the site live: install it as {path} and link it into sites-enabled\n\
                     {default_note}Test the real configuration once more and reload nginx; any \
                     failure puts every file back"
                ),
                Command::root(&with_site(&[WORKERS, ENABLE]))?.by_hand(format!(
                    "sudo ln -s {path} /etc/nginx/sites-enabled/\n\
                     sudo nginx -t && sudo systemctl reload nginx"
                )),
            ),
        ]),
        verify: Plan::new(vec![Step::run(
            "Ask nginx for its configuration (nginx -T) and request the site from the server \
             (502 is expected until the app runs)",
            Command::root(
                &Script::new(&[VERIFY])
                    .set("site", site)
                    .set("server_name", server_name),
            )?
            .by_hand("sudo nginx -t && curl -i http://localhost/"),
        )]),
    })
}

/// Where nginx -t found a mistake in the student's site file, in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteError {
    /// 1-based line where the mistake most likely is: nginx's own line, or the line before it
    /// when that one lacks its `;` or leaves a `{` open (nginx reports where it noticed).
    pub line: usize,
    /// 1-based column, when the message gives one (nginx itself gives only lines).
    pub column: Option<usize>,
    /// What is wrong, in plain words, starting with the line; whole sentences.
    pub message: String,
    /// nginx's own words, as it said them, for the curious (empty for droplift's own checks).
    pub nginx_said: String,
}

/// Finds nginx -t's complaint about the site file (`site`'s path) in the server's words and
/// says it plainly; with the file's `text`, a line before nginx's that lacks its `;` or leaves
/// a `{` open is named as the likely place. None when the complaint is about another file, or
/// there is none.
pub fn site_error(
    server_said: &[String],
    site: &SiteName,
    text: Option<&str>,
) -> Option<SiteError> {
    let path = site_path(site);
    server_said.iter().find_map(|said| {
        let at = said.find("[emerg]")?;
        let rest = &said[at + "[emerg]".len()..];
        // `nginx: [emerg] msg` or, with an error_log set, `… [emerg] 123#123: msg`.
        let rest = rest.trim_start();
        let rest = match rest.split_once(": ") {
            Some((pid, msg)) if pid.chars().all(|c| c.is_ascii_digit() || c == '#') => msg,
            _ => rest,
        };
        let (what, place) = rest.rsplit_once(" in ")?;
        let location = place.strip_prefix(path.as_str())?.strip_prefix(':')?;
        let mut numbers = location.trim().split(':');
        let line: usize = numbers.next()?.parse().ok()?;
        let column = numbers.next().and_then(|c| c.parse().ok());
        let fault = text.and_then(|t| line_before_at_fault(t, line));
        let mut message = sentence(&format!(
            "Line {line}: {}",
            plain_words(what, line, fault.is_none())
        ));
        let mut at_line = line;
        if let Some((before, why)) = fault {
            message = format!("{message} {why}");
            at_line = before;
        }
        Some(SiteError {
            line: at_line,
            column: column.filter(|_| at_line == line),
            message,
            // The file is the one on screen: its path would only push the words apart.
            nginx_said: format!("{} (line {line})", what.trim()),
        })
    })
}

/// A sentence ends with its stop, so the next one never runs into it.
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

/// The last line with a setting before `line` (1-based; blank lines and comments skipped),
/// when it lacks the `;` that ends a setting or opens a `{` it does not close: nginx read on
/// into `line` and noticed there. Its number and the words that say so.
fn line_before_at_fault(text: &str, line: usize) -> Option<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let (index, code) = lines
        .get(..line.saturating_sub(1))?
        .iter()
        .enumerate()
        .rev()
        .map(|(i, l)| (i, l.split('#').next().unwrap_or_default().trim()))
        .find(|(_, code)| !code.is_empty())?;
    let number = index + 1;
    let opens = code.matches('{').count();
    let closes = code.matches('}').count();
    if opens > closes && !code.ends_with('{') {
        return Some((
            number,
            format!("Line {number} opens a {{ that it does not close there: check it first."),
        ));
    }
    if !code.ends_with([';', '{', '}']) {
        return Some((
            number,
            format!(
                "Line {number} probably lacks a ; at its end (nginx notices on the next line)."
            ),
        ));
    }
    None
}

/// nginx's terse complaints, said for a beginner. Unknown ones are passed on as they are.
/// `guess_before`: the file was not read, so the words guess at the line before themselves.
fn plain_words(what: &str, line: usize, guess_before: bool) -> String {
    let quoted = |text: &str| -> Option<String> {
        let start = text.find('"')? + 1;
        let end = start + text[start..].find('"')?;
        Some(text[start..end].to_owned())
    };
    if let Some(rest) = what.strip_prefix("unknown directive ") {
        let word = quoted(rest).unwrap_or_default();
        return format!(
            "nginx does not know the word \"{word}\": a typo, or a module that is not installed."
        );
    }
    if what.contains("is not terminated by \";\"") {
        let word = quoted(what).unwrap_or_default();
        return format!(
            "the setting \"{word}\" has no ; at its end (every setting ends with ;). \
             nginx noticed it here; the ; may be missing on the line before."
        );
    }
    if what.starts_with("unexpected \"}\"") {
        if !guess_before {
            return "nginx found a } it did not expect.".into();
        }
        let before = line.saturating_sub(1).max(1);
        return format!(
            "nginx found a }} it did not expect; most often the ; is missing at the end of \
             line {before}."
        );
    }
    if let Some(rest) = what.strip_prefix("invalid parameter ") {
        let word = quoted(rest).unwrap_or_default();
        return format!("nginx did not expect \"{word}\" here.");
    }
    if what.starts_with("a duplicate default server") {
        return "another enabled site answers any name already (server_name _, nginx's default \
                server): give this site a name of its own, or serve it under that site \
                ([nginx] under)."
            .into();
    }
    if what.starts_with("unexpected end of file") {
        return "the file ends before every { is closed: a } is missing.".into();
    }
    if let Some(rest) = what.strip_prefix("invalid number of arguments in ") {
        let word = quoted(rest).unwrap_or_default();
        return format!(
            "\"{word}\" has too many or too few values; a missing ; joins two lines into one."
        );
    }
    if what.ends_with("directive is not allowed here") {
        let word = quoted(what).unwrap_or_default();
        return format!(
            "\"{word}\" cannot be used at this place (check which {{ }} block it is in)."
        );
    }
    if what.starts_with("unexpected \"") {
        if !guess_before {
            return format!("nginx did not expect this: {what}.");
        }
        return format!("{what}: check this line and the one before for a missing ; or }}.");
    }
    what.to_owned()
}

// ── The stage, as the rest of droplift sees it ──

pub const STAGE: Stage = Stage {
    id: StageId::Nginx,
    key: "nginx",
    title: "nginx site",
    explanation: "nginx, the web server facing the internet, takes requests on port 80 and hands \
                  them to your app through uWSGI's socket. Edit its site file before it goes \
                  live: nginx -t tests it first.",
    inputs: &[
        InputSpec {
            default: DEFAULT_SITE,
            ..text("site", "Site name", "e.g. items-rest; names its folder")
        },
        InputSpec {
            default: "_",
            ..text(
                "server_name",
                "Server name",
                "a domain, the droplet's IP, or _",
            )
        },
        InputSpec {
            default: "yes",
            ..text(
                "remove_default",
                "Drop default",
                "yes: yours answers every request",
            )
        },
    ],
    validate,
    fill,
    note: note_nothing,
    take,
    plans: plans_for,
    fetch: |_, fetch| fetch.packages.extend(["nginx", "curl"]),
    rollback_after: None,
    advice: &[],
    ansible_tasks: Some(include_str!("tasks.yml")),
};

fn validate(value: &FieldText<'_>) -> Vec<FieldError> {
    let mut errors = FieldErrors::default();
    errors.check("site", checks::validate_site_name(&value("site")));
    let server_name = value("server_name");
    errors.check("server_name", checks::validate_server_name(&server_name));
    errors.check(
        "remove_default",
        checks::validate_remove_default(&value("remove_default"))
            .and_then(|remove| checks::check_default_site(remove, &server_name)),
    );
    errors.into_vec()
}

fn fill(answers: &Answers, key: &str) -> Option<String> {
    let nginx = &answers.nginx;
    Some(match key {
        "site" => nginx.site.clone(),
        "server_name" => nginx.server_name.clone(),
        "remove_default" => if nginx.remove_default { "yes" } else { "no" }.to_owned(),
        _ => return None,
    })
}

fn take(answers: &mut Answers, form: &mut dyn FormInput) -> Vec<(SecretName, Secret)> {
    let nginx = &mut answers.nginx;
    let site = form.value("site").trim().to_owned();
    let server_name = form.value("server_name").trim().to_owned();
    // New names give a new site file: the template is filled again.
    if site != nginx.site || server_name != nginx.server_name {
        nginx.site_text = None;
    }
    nginx.site = site;
    nginx.server_name = server_name;
    nginx.remove_default =
        checks::validate_remove_default(&form.value("remove_default")).unwrap_or(true);
    Vec::new()
}

fn plans_for(answers: &Answers) -> Result<StagePlans, PlanError> {
    let answers = &answers.nginx;
    let site = answer("site", SiteName::parse(&answers.site))?;
    let server_name = answer("server_name", ServerName::parse(&answers.server_name))?;
    if let Some(under) = &answers.under {
        let under = answer("nginx.under", SiteName::parse(under))?;
        answer(
            "nginx.under",
            checks::validate_under(under.as_str(), site.as_str()),
        )?;
        return Ok(under_plans(&site, &under, &server_name)?);
    }
    answer(
        "remove_default",
        checks::check_default_site(answers.remove_default, server_name.as_str()),
    )?;
    let text = match &answers.site_text {
        Some(text) => {
            answer("site_file", checks::validate_site_text(text))?;
            text.clone()
        }
        None => site_from_template(&site, &server_name),
    };
    Ok(plans(&site, &server_name, answers.remove_default, &text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteName {
        SiteName::parse("items-rest").expect("valid")
    }

    #[test]
    fn the_digest_is_sha256sum_s() {
        // `printf 'server {}\n' | sha256sum`
        assert_eq!(
            SiteDigest::of("server {}\n").shell_text(),
            "355da02c030cafce7f50bba6a64ec89983df42d6d1861cb9c9a8f38db15f674d"
        );
    }

    #[test]
    fn the_template_is_filled_from_the_answers() {
        let text = site_from_template(
            &site(),
            &ServerName::parse("api.example.com").expect("valid"),
        );
        assert!(text.contains("server_name api.example.com;"));
        assert!(text.contains("uwsgi_pass unix:/var/www/html/items-rest/socket.sock;"));
        assert!(!text.contains("{{"));
        for header in ["X_REAL_IP", "X_FORWARDED_FOR", "X_FORWARDED_PROTO"] {
            assert!(
                text.contains(&format!("uwsgi_param HTTP_{header} ")),
                "{header}"
            );
        }
        assert!(text.contains("error_page 500 502 503 504 /50x.html;"));
        assert_eq!(socket_path(&site()), "/var/www/html/items-rest/socket.sock");
    }

    fn said(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| (*l).to_owned()).collect()
    }

    #[test]
    fn nginx_errors_in_the_site_point_at_their_line() {
        let unknown = said(&[
            "2026/11/25 03:26:47 [emerg] 426#426: unknown directive \"servr_name\" in /etc/nginx/sites-available/items-rest:7",
            "nginx: configuration file /etc/nginx/nginx.conf test failed",
        ]);
        let error = site_error(&unknown, &site(), None).expect("found");
        assert_eq!((error.line, error.column), (7, None));
        assert!(
            error
                .message
                .starts_with("Line 7: nginx does not know the word \"servr_name\"")
        );

        let brace =
            said(&["nginx: [emerg] unexpected \"}\" in /etc/nginx/sites-available/items-rest:21"]);
        let error = site_error(&brace, &site(), None).expect("found");
        assert_eq!(error.line, 21);
        assert!(
            error.message.contains("missing at the end of line 20"),
            "{}",
            error.message
        );

        let semicolon = said(&[
            "nginx: [emerg] directive \"server_name\" is not terminated by \";\" in /etc/nginx/sites-available/items-rest:4:9",
        ]);
        let error = site_error(&semicolon, &site(), None).expect("found");
        assert_eq!((error.line, error.column), (4, Some(9)));
        assert!(error.message.contains("\"server_name\" has no ;"));
    }

    #[test]
    fn errors_elsewhere_are_not_the_site_s() {
        let other = said(&[
            "nginx: [emerg] unknown directive \"x\" in /etc/nginx/sites-enabled/other:3",
            "nginx: [emerg] unknown directive \"x\" in /etc/nginx/sites-available/items-rest-old:3",
        ]);
        assert_eq!(site_error(&other, &site(), None), None);
        assert_eq!(site_error(&said(&["all good"]), &site(), None), None);
    }

    #[test]
    fn a_missing_semicolon_is_found_on_the_line_before_nginx_s() {
        // `listen 80` lost its `;` on line 6: nginx complains about line 7.
        let text = site_from_template(&site(), &ServerName::parse("_").expect("a server name"))
            .replacen("listen 80 default_server;", "listen 80 default_server", 1);
        let nginx = said(&[
            "2026/12/06 13:00:00 [emerg] 812#812: invalid parameter \"listen\" in /etc/nginx/sites-available/items-rest:7",
            "nginx: configuration file /etc/nginx/nginx.conf test failed",
        ]);
        let error = site_error(&nginx, &site(), Some(&text)).expect("found");
        assert_eq!(error.line, 6, "the cursor goes to the line at fault");
        assert!(error.message.starts_with("Line 7: "), "{}", error.message);
        assert!(
            error
                .message
                .contains("Line 6 probably lacks a ; at its end"),
            "{}",
            error.message
        );
        assert_eq!(error.nginx_said, "invalid parameter \"listen\" (line 7)");
        // A `{` left open on the line before.
        let text =
            "server {\n    location / { include uwsgi_params;\n    error_page 404 /404.html;\n}\n";
        let nginx = said(&[
            "nginx: [emerg] \"error_page\" directive is not allowed here in /etc/nginx/sites-available/items-rest:3",
        ]);
        let error = site_error(&nginx, &site(), Some(text)).expect("found");
        assert_eq!(error.line, 2);
        assert!(
            error.message.contains("opens a { that it does not close"),
            "{}",
            error.message
        );
        // The line before is fine: nginx's own line stays.
        let text = "server {\n    listen 80;\n    servr_name _;\n}\n";
        let nginx = said(&[
            "nginx: [emerg] unknown directive \"servr_name\" in /etc/nginx/sites-available/items-rest:3",
        ]);
        let error = site_error(&nginx, &site(), Some(text)).expect("found");
        assert_eq!(error.line, 3);
        assert!(!error.message.contains("Line 2"), "{}", error.message);
    }
}
