//! The health board of `droplift status` for a finished server (issue 29): the site's health
//! path (from the service stage's own check), disk and memory headroom, security updates and a
//! reboot, the certificate, the last good backup and failed units, each with ok / warn / fail
//! and, when it is not ok, what to do. `board.sh` runs beside the stages' checks in the same
//! command; the rows are made here from its output, pure.

use crate::course::answers::Answers;
use crate::course::doctor::cards::human;
use crate::course::doctor::read::{self, Sections};
use crate::course::plan::Command;
use crate::course::probe::Probe;
use crate::course::stages::app::site_answer;
use crate::course::values::{Domain, Made, SiteName};
use crate::course::{PlanError, answer};
use crate::shell::{QuoteError, Script};

const BOARD: &str = include_str!("board.sh");

/// The board's part in the combined check (`probe::extra_part`).
pub const KEY: &str = "board";

/// How a row stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    Ok,
    /// Nothing to judge (no domain, so no certificate).
    Info,
    Warn,
    Fail,
}

impl Mark {
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Info => "--",
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
        }
    }
}

/// One line of the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub name: &'static str,
    pub mark: Mark,
    pub text: String,
    /// What to do, when the row is not ok.
    pub todo: Option<String>,
}

impl Row {
    fn new(name: &'static str, mark: Mark, text: impl Into<String>) -> Self {
        Self {
            name,
            mark,
            text: text.into(),
            todo: None,
        }
    }

    fn todo(mut self, what: impl Into<String>) -> Self {
        self.todo = Some(what.into());
        self
    }
}

/// The board's command for the answers; None when there is no site to judge.
pub fn command(answers: &Answers) -> Result<Command, PlanError> {
    let site = answer("nginx.site", SiteName::parse(site_answer(answers)))?;
    let domain = match &answers.domain {
        Some(d) => answer("tls.domain", Domain::parse(d))?.to_string(),
        None => String::new(),
    };
    Ok(script(&site, &domain)?)
}

fn script(site: &SiteName, domain: &str) -> Result<Command, QuoteError> {
    Command::root(
        &Script::new(&[BOARD])
            .set("site", site)
            .set("domain", &Made::new(domain)),
    )
}

/// What the uWSGI stage's check says of the site: the board's first row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    /// Done: the release serves and the health path answers (the check's words).
    Serves(String),
    /// A release built by the app stage waits to go live (the check asked no health path).
    Waits(String),
    /// Something is wrong with what serves (the check's words).
    Broken(String),
}

impl Health {
    /// The site's state from the uWSGI stage's verdict; None when there is nothing to judge
    /// yet (no release was ever built, a go-live is running, the check did not finish).
    pub fn of(verdict: Option<&Probe>) -> Option<Self> {
        match verdict? {
            Probe::Done(why) => Some(Self::Serves(why.clone())),
            Probe::Pending(why)
                if why.starts_with("no release is built yet")
                    || why.starts_with("a go-live is running") =>
            {
                None
            }
            Probe::Pending(why)
                if (why.starts_with("release ") && why.ends_with("waits to go live"))
                    || why.starts_with("a new environment file") =>
            {
                Some(Self::Waits(why.clone()))
            }
            Probe::Pending(why) | Probe::Drifted(why) => Some(Self::Broken(why.clone())),
            Probe::Skipped(_) => None,
        }
    }
}

/// What the board knows besides the server's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    pub health: Health,
    pub domain: Option<String>,
}

/// The board's rows for the board's output.
pub fn rows(text: &str, cx: &Context) -> Vec<Row> {
    let s = Sections::split(text);
    let now: i64 = s.get("now").trim().parse().unwrap_or(0);
    let mut rows = vec![match &cx.health {
        Health::Serves(said) => Row::new("site", Mark::Ok, said.clone()),
        Health::Waits(why) => Row::new("site", Mark::Info, why.clone())
            .todo("droplift deploy (or the wizard's stage 9) puts it live"),
        Health::Broken(why) => Row::new("site", Mark::Fail, why.clone())
            .todo("droplift doctor  (names the cause and its fix)"),
    }];
    rows.extend(disk_rows(&s));
    rows.push(memory_row(&s));
    rows.push(updates_row(&s));
    rows.push(reboot_row(&s));
    rows.push(certificate_row(&s, cx, now));
    rows.push(backup_row(&s, now));
    rows.push(units_row(&s));
    rows
}

fn disk_rows(s: &Sections) -> Vec<Row> {
    read::disks(s.get("disk"))
        .into_iter()
        .map(|d| {
            let text = format!(
                "{} {} % used, {} free",
                d.mount,
                d.used_percent,
                human(d.available)
            );
            match d.used_percent {
                95.. => Row::new("disk", Mark::Fail, text).todo(format!(
                    "full soon, then PostgreSQL and backups stop: see what takes the room \
                     (sudo du -xh -d 2 {} | sort -h | tail), or resize the droplet",
                    d.mount
                )),
                85.. => Row::new("disk", Mark::Warn, text).todo(format!(
                    "free room before it fills: sudo du -xh -d 2 {} | sort -h | tail; \
                     sudo apt-get clean",
                    d.mount
                )),
                _ => Row::new("disk", Mark::Ok, text),
            }
        })
        .collect()
}

fn memory_row(s: &Sections) -> Row {
    let Some(m) = read::memory(s.get("memory")) else {
        return Row::new("memory", Mark::Info, "not readable");
    };
    let percent = m.available.saturating_mul(100) / m.total.max(1);
    let text = format!(
        "{} free of {} ({percent} %){}",
        human(m.available),
        human(m.total),
        if m.swap_total == 0 { ", no swap" } else { "" }
    );
    match percent {
        0..5 => Row::new("memory", Mark::Fail, text)
            .todo("the kernel will kill uWSGI or PostgreSQL: droplift doctor says what to do"),
        5..10 => Row::new("memory", Mark::Warn, text)
            .todo("add a swap file or a bigger droplet before it runs out (droplift doctor)"),
        _ => Row::new("memory", Mark::Ok, text),
    }
}

fn updates_row(s: &Sections) -> Row {
    match s.get("security").trim().parse::<u32>() {
        Ok(0) => Row::new("updates", Mark::Ok, "no security update waits"),
        Ok(n) => Row::new(
            "updates",
            Mark::Warn,
            format!("{n} security update(s) wait"),
        )
        .todo("sudo apt-get update && sudo apt-get upgrade (or: droplift apply --only update)"),
        Err(_) => Row::new("updates", Mark::Info, "apt could not say"),
    }
}

fn reboot_row(s: &Sections) -> Row {
    let text = s.get("reboot");
    let mut lines = text.lines();
    if lines.next() != Some("required") {
        return Row::new("reboot", Mark::Ok, "not needed");
    }
    let pkgs: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let why = if pkgs.is_empty() {
        String::new()
    } else {
        format!(" (for {})", pkgs.join(", "))
    };
    Row::new(
        "reboot",
        Mark::Warn,
        format!("required{why}: an update waits for it"),
    )
    .todo("sudo reboot at a quiet moment: the site starts again by itself in a minute")
}

fn certificate_row(s: &Sections, cx: &Context, now: i64) -> Row {
    let Some(domain) = &cx.domain else {
        return Row::new(
            "certificate",
            Mark::Info,
            "no domain: the API is served over plain http",
        );
    };
    let text = s.get("certificate");
    let until = text.lines().find_map(|l| l.trim().parse::<i64>().ok());
    let Some(until) = until else {
        return Row::new("certificate", Mark::Warn, format!("none for {domain} yet"))
            .todo("droplift apply --only domain");
    };
    let days = (until - now).div_euclid(86_400);
    let said = format!("{domain}: {days} day(s) left");
    let cert = match days {
        ..7 => Row::new("certificate", Mark::Fail, said)
            .todo("renewal is failing: sudo certbot renew --dry-run says why (port 80 open? DNS?)"),
        7..20 => Row::new("certificate", Mark::Warn, said)
            .todo("certbot renews at 30 days left, so it is failing: sudo certbot renew --dry-run"),
        _ => Row::new("certificate", Mark::Ok, said),
    };
    // The weekly renewal check (stage 10's timer) can only make the row worse.
    let check = renewal_check(text, now);
    match check {
        Some((mark, words, todo)) if mark > cert.mark => {
            let row = Row::new("certificate", mark, format!("{}; {words}", cert.text));
            match todo {
                Some(t) => row.todo(t),
                None => row,
            }
        }
        Some((_, words, _)) => Row {
            text: format!("{}; {words}", cert.text),
            ..cert
        },
        None => cert,
    }
}

/// The last weekly `certbot renew --dry-run` (`dry-run TIME STATUS`, then `said` lines): how it
/// went, in words, and what to do when it did not pass.
fn renewal_check(text: &str, now: i64) -> Option<(Mark, String, Option<String>)> {
    let mut words = text
        .lines()
        .find_map(|l| l.strip_prefix("dry-run "))?
        .split_whitespace();
    let when: i64 = words.next()?.parse().ok()?;
    let status: i32 = words.next()?.parse().ok()?;
    let age = age_words(now - when);
    let said: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("said "))
        .collect();
    let nothing = said
        .iter()
        .any(|l| l.contains("No simulated renewals were attempted"));
    Some(if status != 0 {
        (
            Mark::Fail,
            format!("the renewal's dry run FAILED {age} ago"),
            Some(
                "sudo certbot renew --dry-run says why (port 80 open? DNS pointing here?);                  the certificate ends unless it is fixed"
                    .to_owned(),
            ),
        )
    } else if nothing {
        (
            Mark::Warn,
            format!("the renewal's dry run {age} ago found nothing certbot renews"),
            Some("droplift apply --only domain (certbot gets the certificate)".to_owned()),
        )
    } else if now - when > 8 * 86_400 {
        (
            Mark::Warn,
            format!("the weekly renewal check last ran {age} ago"),
            Some("systemctl status droplift-certbot-check.timer".to_owned()),
        )
    } else {
        (
            Mark::Ok,
            format!("the renewal works (tried {age} ago)"),
            None,
        )
    })
}

fn backup_row(s: &Sections, now: i64) -> Row {
    let text = s.get("backups");
    let mut newest: Option<i64> = None;
    let mut timer = "none";
    let mut last_failed = false;
    for line in text.lines() {
        if let Some(t) = line.strip_prefix("timer ") {
            timer = t.trim();
        } else if let Some(l) = line.strip_prefix("last ") {
            last_failed = l.split_whitespace().next().is_some_and(|r| r != "success");
        } else if let Ok(t) = line.trim().parse::<i64>() {
            newest = Some(t);
        }
    }
    let age = newest.map(|t| age_words(now - t));
    let timer_on = timer == "enabled";
    match (age, newest) {
        (None, _) if !timer_on => Row::new("backup", Mark::Warn, "none, and no nightly backup")
            .todo("droplift backup now  (sets up the nightly backup and takes one)"),
        (None, _) => {
            Row::new("backup", Mark::Warn, "none yet (the timer is on)").todo("droplift backup now")
        }
        (Some(age), Some(t)) => {
            let text = format!(
                "the last good one {age} ago{}",
                if timer_on { "" } else { " (no nightly timer)" }
            );
            if last_failed {
                Row::new("backup", Mark::Fail, format!("{text}; the last run FAILED"))
                    .todo("droplift backup list shows why; then droplift backup now")
            } else if now - t > 2 * 86_400 || !timer_on {
                Row::new("backup", Mark::Warn, text).todo("droplift backup now")
            } else {
                Row::new("backup", Mark::Ok, text)
            }
        }
        (Some(_), None) => Row::new("backup", Mark::Info, "unknown"),
    }
}

/// `90061` seconds → "1 day(s)"; under a day in hours, under an hour in minutes.
fn age_words(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h", s / 3600),
        _ => format!("{} day(s)", s / 86_400),
    }
}

fn units_row(s: &Sections) -> Row {
    let failed: Vec<&str> = s
        .get("failed-units")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    match failed.as_slice() {
        [] => Row::new("units", Mark::Ok, "none failed"),
        [one, ..] => Row::new(
            "units",
            Mark::Fail,
            format!("failed: {}", failed.join(", ")),
        )
        .todo(format!("sudo systemctl status {one} says why")),
    }
}

/// The board as plain lines, wrapped for an 80-column terminal (`droplift status`).
pub fn lines(rows: &[Row]) -> Vec<String> {
    let mut out = vec!["Health".to_owned()];
    for row in rows {
        out.extend(row_lines(row, 80));
    }
    out
}

/// Where a row's text starts: after its name and mark (`row_lines`).
const INDENT: usize = 20;

/// One row, broken at spaces into lines of at most `width` columns: its name, mark and text,
/// then what to do (`→`), each continued under the text.
pub fn row_lines(row: &Row, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let head = format!("  {:<12} {:<4} ", row.name, row.mark.label());
    wrap(&mut out, &head, &row.text, INDENT, width);
    if let Some(todo) = &row.todo {
        wrap(&mut out, &format!("{:<18}→ ", ""), todo, INDENT, width);
    }
    out
}

/// One line of the board as a screen shows it: its text and the mark it is coloured by (None
/// for the heading).
pub type Shown = (Option<Mark>, String);

/// The board for a pane of `width` columns and `height` rows (the wizard's finished screen),
/// each row as `MARK name: text` and its `→ what to do`: the whole board when it fits; else the
/// rows that are ok named on one line and the others whole; else as much of that as fits, and
/// where to read the rest.
pub fn fitted(rows: &[Row], width: usize, height: usize) -> Vec<Shown> {
    let heading = (None, format!("Health ({})", summary(rows)));
    let mut whole = vec![heading.clone()];
    for row in rows {
        whole.extend(pane_lines(row, width));
    }
    if whole.len() <= height {
        return whole;
    }
    let mut names: Vec<&str> = Vec::new();
    for row in rows.iter().filter(|r| r.mark == Mark::Ok) {
        if !names.contains(&row.name) {
            names.push(row.name);
        }
    }
    let mut short = vec![heading];
    if !names.is_empty() {
        let mut lines = Vec::new();
        wrap(&mut lines, "ok   ", &names.join(", "), 5, width);
        short.extend(lines.into_iter().map(|l| (Some(Mark::Ok), l)));
    }
    for row in rows.iter().filter(|r| r.mark != Mark::Ok) {
        short.extend(pane_lines(row, width));
    }
    if short.len() > height {
        short.truncate(height.saturating_sub(1));
        short.push((None, "… the rest: droplift status".to_owned()));
    }
    short
}

/// A row in a narrow pane: `WARN backup: none …`, then `→ droplift backup now`.
fn pane_lines(row: &Row, width: usize) -> Vec<Shown> {
    let mut out = Vec::new();
    let head = format!("{:<5}", row.mark.label());
    wrap(
        &mut out,
        &head,
        &format!("{}: {}", row.name, row.text),
        5,
        width,
    );
    if let Some(todo) = &row.todo {
        wrap(&mut out, "     → ", todo, 7, width);
    }
    out.into_iter().map(|l| (Some(row.mark), l)).collect()
}

/// The board in a few words: "all ok", "1 warning", "2 problems, 1 warning".
pub fn summary(rows: &[Row]) -> String {
    use crate::course::doctor::count;
    let fails = rows.iter().filter(|r| r.mark == Mark::Fail).count();
    let warns = rows.iter().filter(|r| r.mark == Mark::Warn).count();
    match (fails, warns) {
        (0, 0) => "all ok".to_owned(),
        (0, w) => count(w, "warning"),
        (f, 0) => count(f, "problem"),
        (f, w) => format!("{}, {}", count(f, "problem"), count(w, "warning")),
    }
}

/// `text` after `head`, broken at spaces into lines of at most `width` columns, the next lines
/// indented by `indent`.
fn wrap(out: &mut Vec<String>, head: &str, text: &str, indent: usize, width: usize) {
    let mut line = head.to_owned();
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::replace(&mut line, " ".repeat(indent)));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(name: &str, domain: Option<&str>) -> Vec<Row> {
        let path = format!(
            "{}/tests/fixtures/doctor/{name}.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        rows(
            &text,
            &Context {
                health: Health::Serves("GET /items answers 200".into()),
                domain: domain.map(str::to_owned),
            },
        )
    }

    fn row<'a>(rows: &'a [Row], name: &str) -> &'a Row {
        rows.iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no {name} in {rows:#?}"))
    }

    #[test]
    fn a_healthy_server_is_ok_but_for_the_backup_it_never_took() {
        let rows = board("board-healthy", None);
        for r in &rows {
            match r.name {
                "backup" => assert_eq!(r.mark, Mark::Warn, "{r:?}"),
                "certificate" => {
                    assert_eq!(r.mark, Mark::Info);
                    assert!(r.text.contains("plain http"));
                }
                _ => assert_eq!(r.mark, Mark::Ok, "{r:?}"),
            }
        }
        assert!(
            row(&rows, "backup")
                .todo
                .as_deref()
                .is_some_and(|t| t.starts_with("droplift backup now"))
        );
    }

    #[test]
    fn a_reboot_and_a_disk_nearly_full_are_warned_about() {
        let rows = board("board-warnings", None);
        let reboot = row(&rows, "reboot");
        assert_eq!(reboot.mark, Mark::Warn);
        assert!(
            reboot.text.contains("linux-image-6.8.0-90-generic"),
            "{reboot:?}"
        );
        assert!(
            reboot
                .todo
                .as_deref()
                .is_some_and(|t| t.starts_with("sudo reboot"))
        );
        let full: Vec<&Row> = rows
            .iter()
            .filter(|r| r.name == "disk" && r.mark != Mark::Ok)
            .collect();
        assert_eq!(full.len(), 1, "{rows:#?}");
        assert_eq!(full[0].mark, Mark::Fail);
        assert!(
            full[0]
                .text
                .starts_with("/var/lib/droplift/backups 97 % used, 2.0 MB free"),
            "{:?}",
            full[0]
        );
        assert_eq!(
            rows.iter().filter(|r| r.name == "disk").count(),
            2,
            "/ and the small one"
        );
    }

    #[test]
    fn a_certificate_near_its_end_an_old_backup_and_a_failed_unit() {
        let rows = board("board-cert-backup", Some("api.doctor.test"));
        let cert = row(&rows, "certificate");
        assert_eq!(cert.mark, Mark::Fail, "{cert:?}");
        assert!(
            cert.text.starts_with("api.doctor.test: 4 day(s) left")
                || cert.text.starts_with("api.doctor.test: 5 day(s) left"),
            "{cert:?}"
        );
        let backup = row(&rows, "backup");
        assert_eq!(backup.mark, Mark::Warn);
        assert!(
            backup
                .text
                .starts_with("the last good one 3 day(s) ago (no nightly timer)"),
            "{backup:?}"
        );
        let units = row(&rows, "units");
        assert_eq!(
            (units.mark, units.text.as_str()),
            (Mark::Fail, "failed: doctor-broken.service")
        );
    }

    #[test]
    fn the_board_fits_80_columns() {
        for (name, domain) in [
            ("board-warnings", None),
            ("board-cert-backup", Some("api.doctor.test")),
        ] {
            for line in lines(&board(name, domain)) {
                assert!(line.chars().count() <= 80, "{line}");
            }
        }
    }

    #[test]
    fn the_site_row_follows_the_uwsgi_stage_s_check() {
        let of = |p: Probe| Health::of(Some(&p));
        assert_eq!(
            of(Probe::Pending("no release is built yet (…)".into())),
            None
        );
        assert_eq!(
            of(Probe::Pending(
                "a go-live is running on the server now".into()
            )),
            None
        );
        assert_eq!(
            of(Probe::Pending("release v2 waits to go live".into())),
            Some(Health::Waits("release v2 waits to go live".into()))
        );
        assert_eq!(
            of(Probe::Pending("uwsgi-items@a is not running".into())),
            Some(Health::Broken("uwsgi-items@a is not running".into()))
        );
        assert_eq!(Health::of(None), None);
        let text = std::fs::read_to_string(format!(
            "{}/tests/fixtures/doctor/board-healthy.txt",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture");
        let waits = rows(
            &text,
            &Context {
                health: Health::Waits("release v2 waits to go live".into()),
                domain: None,
            },
        );
        assert_eq!(waits[0].mark, Mark::Info, "not a failure: {:?}", waits[0]);
    }

    #[test]
    fn the_pane_gets_the_whole_board_or_the_ok_rows_on_one_line() {
        let rows = board("board-warnings", None);
        let whole = fitted(&rows, 49, 40);
        assert_eq!(whole[0].1, format!("Health ({})", summary(&rows)));
        assert!(whole.iter().any(|(_, l)| l.starts_with("ok   memory: ")));
        assert!(whole.iter().all(|(_, l)| l.chars().count() <= 49));
        let short = fitted(&rows, 49, whole.len() - 1);
        assert!(short.len() < whole.len());
        assert!(
            short
                .iter()
                .any(|(m, l)| *m == Some(Mark::Ok) && l.starts_with("ok   site, disk, memory")),
            "{short:#?}"
        );
        assert!(
            short
                .iter()
                .any(|(m, l)| *m == Some(Mark::Fail) && l.starts_with("FAIL disk: /var/lib/")),
            "{short:#?}"
        );
        let cut = fitted(&rows, 49, 4);
        assert_eq!(cut.len(), 4);
        assert_eq!(cut[3], (None, "… the rest: droplift status".to_owned()));
    }

    #[test]
    fn the_weekly_renewal_check_colours_the_certificate_row() {
        let path = format!(
            "{}/tests/fixtures/doctor/board-cert-backup.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("fixture");
        let now: i64 = Sections::split(&text)
            .get("now")
            .trim()
            .parse()
            .expect("now");
        // The fixture's certificate has 4–5 days left: push its end 60 days out.
        let until = now + 60 * 86_400;
        let with = |check: &str| {
            let changed = text.replace(
                "doctor: certificate\n1797006852\n",
                &format!("doctor: certificate\n{until}\n{check}"),
            );
            let all = rows(
                &changed,
                &Context {
                    health: Health::Serves("GET /items answers 200".into()),
                    domain: Some("api.doctor.test".into()),
                },
            );
            row(&all, "certificate").clone()
        };
        let none = with("");
        assert_eq!(
            (none.mark, none.text.as_str()),
            (Mark::Ok, "api.doctor.test: 60 day(s) left")
        );
        let passed = with(&format!(
            "dry-run {} 0\nsaid Congratulations, all simulated renewals succeeded\n",
            now - 3600
        ));
        assert_eq!(passed.mark, Mark::Ok, "{passed:?}");
        assert!(
            passed.text.ends_with("the renewal works (tried 1 h ago)"),
            "{passed:?}"
        );
        let failed = with(&format!(
            "dry-run {} 1\nsaid Failed to renew certificate api.doctor.test with error: Some challenges have failed.\n",
            now - 2 * 86_400
        ));
        assert_eq!(failed.mark, Mark::Fail, "{failed:?}");
        assert!(
            failed
                .text
                .contains("the renewal's dry run FAILED 2 day(s) ago"),
            "{failed:?}"
        );
        assert!(
            failed
                .todo
                .as_deref()
                .is_some_and(|t| t.starts_with("sudo certbot renew --dry-run"))
        );
        let stale = with(&format!("dry-run {} 0\n", now - 20 * 86_400));
        assert_eq!(stale.mark, Mark::Warn, "{stale:?}");
        assert!(stale.text.contains("last ran 20 day(s) ago"), "{stale:?}");
        let nothing = with(&format!(
            "dry-run {} 0\nsaid No simulated renewals were attempted.\n",
            now - 60
        ));
        assert_eq!(nothing.mark, Mark::Warn, "{nothing:?}");
        // A certificate near its end stays a failure whatever the check said.
        let near = text.replace(
            "doctor: certificate\n1797006852\n",
            &format!("doctor: certificate\n1797006852\ndry-run {} 0\n", now - 60),
        );
        let all = rows(
            &near,
            &Context {
                health: Health::Serves("GET /items answers 200".into()),
                domain: Some("api.doctor.test".into()),
            },
        );
        assert_eq!(row(&all, "certificate").mark, Mark::Fail);
    }
}
