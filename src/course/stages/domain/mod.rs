//! Stage 10 (optional), domain and TLS: the domain's DNS is checked from the student's computer
//! and from the server before anything changes, then certbot gets a certificate from Let's
//! Encrypt (`certonly`: it never edits the site) and droplift's own HTTPS lines, which the site
//! includes, serve it and send http visitors to https.

pub mod section;

use std::time::Duration;

use crate::course::StageId;
use crate::course::answers::Answers;
use crate::course::plan::{Command, LocalAction, Plan, StagePlans, Step};
use crate::course::stage::{
    FieldError, FieldErrors, FieldText, FormInput, Stage, note_nothing, text,
};
use crate::course::stages::app::rules::validate_email;
use crate::course::values::{Domain, Email, HealthPath, Made, SiteName};
use crate::course::{PlanError, answer};
use crate::refused::Refused;
use crate::secret::{Secret, SecretName};
use crate::shell::{QuoteError, Script};

const NONE: &str = include_str!("none.sh");
const PROBE: &str = include_str!("probe.sh");
const DNS: &str = include_str!("dns.sh");
const CERTBOT: &str = include_str!("certbot.sh");
const VERIFY: &str = include_str!("verify.sh");
/// The weekly renewal check (`certbot renew --dry-run`), its unit and timer: written by the
/// certbot step (and the Ansible export), read back through the health board.
const RENEW_CHECK: &str = include_str!("renew_check.sh");
pub const RENEW_CHECK_UNIT: &str = include_str!("renew_check.service");
pub const RENEW_CHECK_TIMER: &str = include_str!("renew_check.timer");

/// The renewal check as root's script file on the server (it reads no values).
pub fn renew_check_script() -> String {
    format!("#!/bin/bash\n{RENEW_CHECK}")
}

/// nginx's HTTPS lines for the domain, with `{{domain}}` to fill in: the site includes the file
/// they go to (`include droplift/SITE-tls*.conf;`), so the site file itself never changes.
pub const TLS_CONF: &str = include_str!("../../../../assets/nginx/tls.conf");

/// A domain name for the site: a DNS name with a dot, not an address.
pub fn validate_domain(domain: &str) -> Result<(), Refused> {
    if domain.parse::<std::net::IpAddr>().is_ok() || !domain.contains('.') {
        return Err("a domain is a name like api.example.com (not an address)".into());
    }
    crate::course::check::validate_host(domain)
}

/// The HTTPS lines for a checked domain.
pub fn tls_conf(domain: &Domain) -> Made {
    Made::new(TLS_CONF.replace("{{domain}}", domain.as_str()))
}

/// Stage 10's plans for the answers: without `[tls] domain` the stage has nothing to do.
pub fn plans_for(answers: &Answers) -> Result<StagePlans, PlanError> {
    let Some(domain) = &answers.domain else {
        return Ok(StagePlans {
            probe: Plan::new(vec![Step::run(
                "Is there a domain to serve over HTTPS?",
                Command::root(&Script::new(&[NONE]))?,
            )]),
            ..StagePlans::default()
        });
    };
    let domain = answer("tls.domain", Domain::parse(domain))?;
    let email = match &answers.tls_email {
        Some(email) => answer("tls.email", Email::parse(email))?,
        None => {
            return Err(PlanError::Answer {
                key: "tls.email",
                message: "Let's Encrypt needs an e-mail address for expiry notices".into(),
            });
        }
    };
    let site = answer("nginx.site", SiteName::parse(&answers.nginx.site))?;
    let health = crate::course::stages::app::health::health(answers)?;
    Ok(plans(&domain, &email, &site, &health.path, &answers.host)?)
}

pub fn plans(
    domain: &Domain,
    email: &Email,
    site: &SiteName,
    health: &HealthPath,
    host: &str,
) -> Result<StagePlans, QuoteError> {
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Does nginx serve https://{domain} with a certificate?"),
            Command::root(
                &Script::new(&[PROBE])
                    .set("domain", domain)
                    .set("health", health),
            )?,
        )]),
        apply: Plan::new(vec![
            Step::local(
                format!("Look {domain} up from this computer: it must point at the droplet"),
                LocalAction::DnsCheck {
                    domain: domain.to_string(),
                    host: host.to_owned(),
                },
            ),
            Step::run(
                format!("Look {domain} up from the server: it must point at the server itself"),
                Command::root(&Script::new(&[DNS]).set("domain", domain))?,
            ),
            Step::run(
                format!(
                    "Install certbot and its nginx plugin, and get a certificate for {domain} \
                     (Let's Encrypt checks the domain over port 80)\nThen write the HTTPS lines \
                     your site includes (/etc/nginx/droplift/{site}-tls.conf), test nginx and \
                     reload: nginx answers https and sends http there; a systemd timer renews \
                     the certificate, and droplift's weekly timer tries that renewal (certbot \
                     renew --dry-run) for the health board"
                ),
                Command::root(
                    &crate::course::apt::apt_script(&[CERTBOT])
                        .set("domain", domain)
                        .set("email", email)
                        .set("site", site)
                        .set("tls_conf", &tls_conf(domain))
                        .set("check_script", &Made::new(renew_check_script()))
                        .set("check_unit", &Made::new(RENEW_CHECK_UNIT))
                        .set("check_timer", &Made::new(RENEW_CHECK_TIMER)),
                )?
                .timeout(Duration::from_secs(600))
                .by_hand(format!(
                    "sudo apt install certbot python3-certbot-nginx\n\
                     sudo certbot certonly --nginx -d {domain} -m {email} --agree-tos --deploy-hook 'systemctl reload nginx'\n\
                     sudo nano /etc/nginx/droplift/{site}-tls.conf   # the HTTPS lines: listen 443 ssl, ssl_certificate …\n\
                     sudo nginx -t && sudo systemctl reload nginx"
                )),
            ),
        ]),
        verify: Plan::new(vec![Step::run(
            format!(
                "Ask for https://{domain}{health} on the server (2xx wanted), and see http \
                 redirect to it"
            ),
            Command::root(
                &Script::new(&[VERIFY])
                    .set("domain", domain)
                    .set("health", health),
            )?,
        )]),
    })
}

// ── The stage, as the rest of droplift sees it ──

pub const STAGE: Stage = Stage {
    id: StageId::Domain,
    key: "domain",
    title: "Domain & TLS",
    explanation: "Optional. A domain name is a label; DNS, the internet's address book, turns \
                  it into your droplet's address. Once your registrar's A record points the \
                  domain at the droplet, certbot gets a free certificate from Let's Encrypt and \
                  nginx answers over https, sending http visitors there. Without a domain, \
                  this stage is skipped.",
    inputs: &[
        text("domain", "Domain", "optional, e.g. api.example.com"),
        text("email", "E-mail", "Let's Encrypt writes here before expiry"),
    ],
    validate,
    fill,
    note: note_nothing,
    take,
    plans: plans_for,
    fetch: |answers, fetch| {
        if answers.domain.is_some() {
            fetch.packages.extend(["certbot", "python3-certbot-nginx"]);
        }
    },
    rollback_after: None,
    advice: &[],
    ansible_tasks: Some(include_str!("tasks.yml")),
};

fn validate(value: &FieldText<'_>) -> Vec<FieldError> {
    let mut errors = FieldErrors::default();
    let domain = value("domain");
    if !domain.trim().is_empty() {
        errors.check(
            "domain",
            validate_domain(domain.trim()).map_err(Refused::capitalised),
        );
        errors.check("email", validate_email(value("email").trim()));
    }
    errors.into_vec()
}

fn fill(answers: &Answers, key: &str) -> Option<String> {
    Some(match key {
        "domain" => answers.domain.clone().unwrap_or_default(),
        "email" => answers.tls_email.clone().unwrap_or_default(),
        _ => return None,
    })
}

fn take(answers: &mut Answers, form: &mut dyn FormInput) -> Vec<(SecretName, Secret)> {
    let domain = form.value("domain").trim().to_owned();
    let email = form.value("email").trim().to_owned();
    answers.domain = (!domain.is_empty()).then_some(domain);
    answers.tls_email = (!email.is_empty()).then_some(email);
    Vec::new()
}
