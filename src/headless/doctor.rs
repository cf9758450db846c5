//! `droplift doctor` (issue 29): logs in, runs the doctor's one read-only command, and prints
//! a card for each problem found (what is wrong, why it matters, the exact fix), or that none
//! was. The domain, when there is one, is also looked up from this computer.

use crate::course::doctor::count;
use std::net::{IpAddr, ToSocketAddrs};
use std::path::PathBuf;

use clap::Args;

use super::apply::{LoginArgs, connect, report};
use super::deploy::AppOverrides;
use super::{HeadlessError, load_answers_with};
use crate::cloud::client::{ApiConfig, Client, token_from_env};
use crate::cloud::firewall;
use crate::course::doctor::{self, Card, CloudView, Level};
use crate::course::{self, StageId};
use crate::runner::Outcome;
use crate::secret::SecretName;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The answers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    #[command(flatten)]
    pub login: LoginArgs,
    /// DigitalOcean's API (default: DigitalOcean's, or DIGITALOCEAN_API_URL). With a token
    /// (`do_token=` on stdin, or DIGITALOCEAN_ACCESS_TOKEN) the doctor also reads the cloud
    /// firewalls in front of the droplet.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
}

/// The doctor runs under the service stage's name: its failures are the app's.
const STAGE: StageId = StageId::Service;

/// Exit 0 when no problem was found (warnings allowed), 1 when one was.
pub fn doctor(args: &DoctorArgs) -> Result<i32, HeadlessError> {
    let answers = load_answers_with(&args.answers, &AppOverrides::default())?;
    let values = doctor::values(&answers)?;
    let plans = doctor::plans(&values).map_err(course::PlanError::from)?;
    let laptop_dns = values.domain.as_ref().map(|d| lookup(d.as_str()));
    let mut session = connect(answers, &args.login, &[], true)?;
    println!("\n== The doctor: {} on {} ==", values.site, values.host);
    let (outcome, output) = session.read_plans(STAGE, &plans)?;
    let sections = doctor::Sections::split(&output);
    if !sections.complete() {
        let outcome = match outcome {
            Outcome::AlreadyDone(_) | Outcome::Pending(_) => Outcome::Failed {
                phase: crate::runner::Phase::Probe,
                step: "the doctor's check".to_owned(),
                message: "its output ended early".to_owned(),
                detail: Vec::new(),
                rolled_back: false,
            },
            other => other,
        };
        report(STAGE, outcome, &session.answers);
        return Ok(1);
    }
    let mut context = values.context(laptop_dns);
    context.cloud = cloud_view(args, &session);
    match &context.cloud {
        Some(view) => println!("{}", view.line()),
        None => println!(
            "DigitalOcean: no token, so no cloud firewall was checked (give do_token=… with \
             --secrets-stdin, or set DIGITALOCEAN_ACCESS_TOKEN)"
        ),
    }
    println!();
    let cards = doctor::diagnose(&sections, &context);
    print!("{}", render(&cards));
    Ok(i32::from(cards.iter().any(|c| c.level == Level::Fail)))
}

/// The cards as the doctor prints them, and a last line that counts them.
pub fn render(cards: &[Card]) -> String {
    let mut out = String::new();
    for card in cards {
        for line in card.lines() {
            out.push_str(&line);
            out.push('\n');
        }
        out.push('\n');
    }
    let problems = cards.iter().filter(|c| c.level == Level::Fail).count();
    let warnings = cards.len() - problems;
    out.push_str(&match (problems, warnings) {
        (0, 0) => "No problem found: the app's slot runs and listens, nginx may use its socket, \
                   and the firewall, disk and memory are fine."
            .to_owned(),
        (0, w) => format!("No problem found; {} above.", count(w, "warning")),
        (p, 0) => format!("{} found: each card says the fix.", count(p, "problem")),
        (p, w) => format!(
            "{} and {} found: each card says the fix.",
            count(p, "problem"),
            count(w, "warning")
        ),
    });
    out.push('\n');
    out
}

/// What DigitalOcean's API says of the droplet droplift reaches: found by its address (or the
/// answers' `[droplet] name`), with the cloud firewalls that apply to it. None without a token.
fn cloud_view(args: &DoctorArgs, session: &super::session::Session) -> Option<CloudView> {
    let token = session
        .secrets
        .get(SecretName::DoToken)
        .cloned()
        .or_else(token_from_env)?;
    session.redactor.add(&token);
    let client = Client::new(ApiConfig::from_env(args.api_url.as_deref()), token);
    let answers = &session.answers;
    let name = answers.droplet.as_ref().map(|d| d.name.as_str());
    Some(
        match firewall::look(&client, &answers.host, answers.port, name) {
            CloudView::Failed(why) => CloudView::Failed(session.redactor.redact(&why)),
            view => view,
        },
    )
}

/// The domain's addresses as this computer resolves them.
fn lookup(domain: &str) -> Result<Vec<IpAddr>, String> {
    let mut found: Vec<IpAddr> = (domain, 80)
        .to_socket_addrs()
        .map_err(|e| format!("{domain}: {e}"))?
        .map(|a| a.ip())
        .collect();
    found.sort();
    found.dedup();
    Ok(found)
}
