//! `droplift doctor` (issue 29): read-only diagnostics of a finished server in one command —
//! a root script (`doctor.sh`) prints what nginx, systemd, uWSGI, ufw and the kernel say, and the
//! pure readers (`read.rs`) and cards (`cards.rs`) here name each problem and its exact fix.

pub mod cards;
pub mod read;

use crate::course::answers::Answers;
use crate::course::plan::{Command, Plan, StagePlans, Step};
use crate::course::stages::app::{Layout, site_answer};
use crate::course::values::{Domain, Made, SiteName, UserName};
use crate::course::{PlanError, answer};
use crate::shell::{QuoteError, Script};

pub use cards::{Card, CloudView, Context, Level, diagnose};
pub use read::Sections;

const DOCTOR: &str = include_str!("doctor.sh");

/// What the doctor needs from the answers, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoctorValues {
    pub site: SiteName,
    pub user: UserName,
    pub domain: Option<Domain>,
    pub host: String,
}

pub fn values(answers: &Answers) -> Result<DoctorValues, PlanError> {
    Ok(DoctorValues {
        site: answer("nginx.site", SiteName::parse(site_answer(answers)))?,
        user: answer("user", UserName::parse(&answers.user))?,
        domain: match &answers.domain {
            Some(d) => Some(answer("tls.domain", Domain::parse(d))?),
            None => None,
        },
        host: answers.host.clone(),
    })
}

impl DoctorValues {
    /// What the cards need besides the server's output (the lookup from this computer is the
    /// caller's: this module does no I/O).
    pub fn context(&self, laptop_dns: Option<Result<Vec<std::net::IpAddr>, String>>) -> Context {
        Context {
            site: self.site.to_string(),
            user: self.user.to_string(),
            host: self.host.clone(),
            domain: self.domain.as_ref().map(ToString::to_string),
            laptop_dns,
            cloud: None,
        }
    }
}

/// The doctor's one command: the script with the site's values in its preamble.
pub fn command(v: &DoctorValues) -> Result<Command, QuoteError> {
    let layout = Layout::new(&v.site, &v.user);
    let domain = Made::new(
        v.domain
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    );
    Ok(Command::root(
        &layout
            .with_site(Script::new(&[DOCTOR]), &[DOCTOR])
            .set("domain", &domain),
    )?
    .timeout(std::time::Duration::from_secs(60)))
}

/// The doctor as a check-only plan (changes nothing).
pub fn plans(v: &DoctorValues) -> Result<StagePlans, QuoteError> {
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!(
                "Read what nginx, systemd, uWSGI, ufw and the system say about {} (changes nothing)",
                v.site
            ),
            command(v)?,
        )]),
        ..StagePlans::default()
    })
}

/// "1 problem", "2 problems": a count in words a student reads.
pub fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cards for a captured fixture, with what the doctor knows besides it.
    fn cards_with(name: &str, cx: &Context) -> Vec<Card> {
        let path = format!(
            "{}/tests/fixtures/doctor/{name}.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        diagnose(&Sections::split(&text), cx)
    }

    fn context(domain: Option<&str>, laptop: Option<Vec<&str>>) -> Context {
        Context {
            site: "items".into(),
            user: "ola".into(),
            host: "10.213.5.2".into(),
            domain: domain.map(str::to_owned),
            laptop_dns: laptop.map(|l| Ok(l.iter().filter_map(|a| a.parse().ok()).collect())),
            cloud: None,
        }
    }

    fn cards_of(name: &str, domain: Option<&str>, laptop: Option<Vec<&str>>) -> Vec<Card> {
        cards_with(name, &context(domain, laptop))
    }

    fn one_problem(cards: &[Card]) -> &Card {
        let problems: Vec<&Card> = cards.iter().filter(|c| c.level == Level::Fail).collect();
        assert_eq!(problems.len(), 1, "{cards:#?}");
        problems[0]
    }

    #[test]
    fn a_healthy_server_has_no_card() {
        assert_eq!(cards_of("healthy", None, None), vec![]);
    }

    /// A cloud firewall made in DigitalOcean's panel with SSH only (its default rule), in front
    /// of the healthy server: port 80 is dropped before ufw, which lets it in.
    fn cloud_firewall(rules: &[(&str, &[&str])]) -> CloudView {
        use crate::cloud::api::{Firewall, FirewallSources, InboundRule};
        CloudView::Found {
            droplet: "items-droplet".into(),
            firewalls: vec![Firewall {
                id: "f1e2d3c4-0000-4000-8000-000000000001".into(),
                name: "ssh-only".into(),
                status: "succeeded".into(),
                inbound_rules: rules
                    .iter()
                    .map(|(ports, from)| InboundRule {
                        protocol: "tcp".into(),
                        ports: (*ports).into(),
                        sources: FirewallSources {
                            addresses: from.iter().map(|a| (*a).to_owned()).collect(),
                            ..FirewallSources::default()
                        },
                    })
                    .collect(),
                outbound_rules: Vec::new(),
                droplet_ids: vec![7],
                tags: Vec::new(),
                created_at: String::new(),
                pending_changes: Vec::new(),
            }],
        }
    }

    fn healthy_with(cloud: CloudView) -> Vec<Card> {
        let cx = Context {
            cloud: Some(cloud),
            ..context(None, None)
        };
        cards_with("healthy", &cx)
    }

    #[test]
    fn a_cloud_firewall_without_http_is_named_with_its_rule_to_add() {
        let cards = healthy_with(cloud_firewall(&[("22", &["0.0.0.0/0", "::/0"])]));
        let card = one_problem(&cards);
        assert_eq!(
            card.title,
            "DigitalOcean's cloud firewall blocks port 80, where nginx listens"
        );
        assert!(
            card.what
                .contains("the droplet items-droplet is behind the cloud firewall ssh-only"),
            "{card:#?}"
        );
        assert!(card.what.contains("the packets never reach"), "{card:#?}");
        assert!(card.why.contains("time out"), "{card:#?}");
        assert!(card.fix[0].contains("Firewalls → ssh-only → Inbound Rules → New rule: HTTP (TCP 80) from All IPv4 and All IPv6"), "{card:#?}");
        assert!(
            card.fix[1].ends_with(
                "doctl compute firewall add-rules f1e2d3c4-0000-4000-8000-000000000001 \
                 --inbound-rules \"protocol:tcp,ports:80,address:0.0.0.0/0,address:::/0\""
            ),
            "{card:#?}"
        );
    }

    #[test]
    fn a_cloud_firewall_that_allows_what_listens_or_none_at_all_has_no_card() {
        let open = cloud_firewall(&[("22", &["0.0.0.0/0"]), ("80", &["0.0.0.0/0", "::/0"])]);
        assert_eq!(healthy_with(open), vec![]);
        let none = CloudView::Found {
            droplet: "items-droplet".into(),
            firewalls: Vec::new(),
        };
        assert_eq!(healthy_with(none.clone()), vec![]);
        assert!(
            none.line().contains("no cloud firewall applies"),
            "{}",
            none.line()
        );
        assert_eq!(healthy_with(CloudView::NotFound), vec![]);
    }

    #[test]
    fn ssh_from_one_address_only_is_a_warning_that_names_it() {
        let cards = healthy_with(cloud_firewall(&[
            ("22", &["203.0.113.7/32"]),
            ("80", &["0.0.0.0/0"]),
        ]));
        assert_eq!(cards.len(), 1, "{cards:#?}");
        assert_eq!(cards[0].level, Level::Warn);
        assert!(
            cards[0]
                .what
                .contains("allows 22/tcp (sshd) only from 203.0.113.7/32"),
            "{cards:#?}"
        );
    }

    #[test]
    fn an_api_that_failed_is_a_warning() {
        let cards = healthy_with(CloudView::Failed("401 Unable to authenticate you".into()));
        assert_eq!(cards.len(), 1, "{cards:#?}");
        assert_eq!(cards[0].level, Level::Warn);
        assert!(cards[0].what.contains("401"), "{cards:#?}");
    }

    #[test]
    fn socket_mode_600_names_nginx_s_user_and_the_restart() {
        let cards = cards_of("socket-600", None, None);
        let card = one_problem(&cards);
        assert_eq!(card.title, "nginx may not open the app's socket");
        assert!(
            card.what.contains("is mode 600, owner ola, group www-data"),
            "{card:#?}"
        );
        assert!(card.what.contains("nginx runs as www-data"), "{card:#?}");
        assert!(card.why.contains("13: Permission denied"), "{card:#?}");
        assert_eq!(
            card.fix[0].split("  ").next(),
            Some("sudo systemctl restart uwsgi-items@a")
        );
    }

    #[test]
    fn a_stopped_slot_says_start_it() {
        let cards = cards_of("slot-stopped", None, None);
        let card = one_problem(&cards);
        assert_eq!(card.title, "uwsgi-items@a is stopped");
        assert_eq!(card.fix, ["sudo systemctl start uwsgi-items@a"]);
        assert!(card.why.contains("No such file or directory"), "{card:#?}");
    }

    #[test]
    fn an_import_error_quotes_python_and_says_deploy_or_rollback() {
        let cards = cards_of("import-error", None, None);
        let card = one_problem(&cards);
        assert!(
            card.title
                .contains("the app raises an error when uWSGI imports it")
        );
        assert!(
            card.what
                .starts_with("RuntimeError: the settings module is missing")
        );
        assert!(card.what.contains("app.py\", line 140"), "{card:#?}");
        assert!(card.fix.iter().any(|f| f.contains("droplift deploy")));
        assert!(card.fix.iter().any(|f| f.contains("droplift rollback")));
    }

    #[test]
    fn a_missing_account_is_217_and_the_drop_in_is_named() {
        let cards = cards_of("user-missing", None, None);
        let card = one_problem(&cards);
        assert!(
            card.title.contains("User=olaf names no account"),
            "{card:#?}"
        );
        assert!(card.title.contains("217/USER"));
        assert!(card.what.contains("the site's user is ola"));
        assert!(
            card.fix[0].contains("sudo systemctl revert uwsgi-items@.service"),
            "{card:#?}"
        );
    }

    #[test]
    fn a_missing_program_is_203_with_its_path() {
        let cards = cards_of("exec-missing", None, None);
        let card = one_problem(&cards);
        assert!(card.title.contains("203/EXEC"));
        assert!(
            card.what.contains("/var/www/html/items/venv/bin/uwsgi"),
            "{card:#?}"
        );
    }

    #[test]
    fn a_wrong_virtualenv_names_the_setting() {
        let cards = cards_of("venv-wrong", None, None);
        let card = one_problem(&cards);
        assert!(
            card.what.contains("virtualenv = /var/www/html/items/venv"),
            "{card:#?}"
        );
        assert!(
            card.fix[0].contains("/etc/droplift/items/slot-a.ini"),
            "{card:#?}"
        );
    }

    #[test]
    fn port_80_denied_by_a_rule_or_by_the_default() {
        let cards = cards_of("ufw-deny-80", None, None);
        let card = one_problem(&cards);
        assert_eq!(card.title, "ufw blocks port 80, where nginx listens");
        assert!(card.what.contains("`80/tcp DENY IN`"), "{card:#?}");
        assert_eq!(card.fix[0], "sudo ufw allow 80/tcp");
        let cards = cards_of("ufw-no-80", None, None);
        let card = one_problem(&cards);
        assert!(card.what.contains("default policy"), "{card:#?}");
    }

    #[test]
    fn a_domain_pointing_elsewhere_from_the_server_and_this_computer() {
        let cards = cards_of(
            "dns-elsewhere",
            Some("api.doctor.test"),
            Some(vec!["10.9.9.9"]),
        );
        assert_eq!(cards.len(), 2, "{cards:#?}");
        assert!(cards[0].title.contains("from the server"));
        assert!(cards[1].title.contains("from this computer"));
        assert!(
            cards[0]
                .what
                .contains("resolves to 10.9.9.9; the droplet is 10.213.5.2")
        );
        assert!(cards[0].fix[0].contains("an A record for api.doctor.test"));
        // Right from this computer, unknown on the server.
        let cards = cards_of(
            "dns-missing",
            Some("missing.doctor.test"),
            Some(vec!["10.213.5.2"]),
        );
        let card = one_problem(&cards);
        assert!(
            card.title
                .contains("has no address, looked up from the server")
        );
    }

    #[test]
    fn nginx_s_recent_errors_alone_are_a_warning_with_their_meaning() {
        // The healthy server's real output, read as if its slot had started before nginx's last
        // error (the socket made 600 by hand then, since fixed).
        let path = format!(
            "{}/tests/fixtures/doctor/healthy.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("fixture");
        let start = text.find("\u{1e}doctor: since\n").expect("since");
        let end = text.find("\u{1e}doctor: nginx-user").expect("nginx-user");
        let text = format!(
            "{}\u{1e}doctor: since\n2026/12/06 16:24:00\n{}",
            &text[..start],
            &text[end..]
        );
        let cx = Context {
            site: "items".into(),
            user: "ola".into(),
            host: "10.213.5.2".into(),
            domain: None,
            laptop_dns: None,
            cloud: None,
        };
        let cards = diagnose(&Sections::split(&text), &cx);
        assert_eq!(cards.len(), 1, "{cards:#?}");
        assert_eq!(cards[0].level, Level::Warn);
        assert_eq!(cards[0].title, "nginx could not reach the app lately");
        assert!(
            cards[0].what.contains("(4× since 2026/12/06 16:24:04)"),
            "{:#?}",
            cards[0]
        );
        assert!(
            cards[0]
                .what
                .ends_with("That is: nginx's user may not open the socket."),
            "{:#?}",
            cards[0]
        );
    }

    #[test]
    fn every_card_says_what_why_and_a_fix() {
        for name in [
            "socket-600",
            "slot-stopped",
            "import-error",
            "user-missing",
            "exec-missing",
            "venv-wrong",
            "ufw-deny-80",
            "ufw-no-80",
        ] {
            for card in cards_of(name, None, None) {
                assert!(
                    !card.what.is_empty() && !card.why.is_empty(),
                    "{name}: {card:#?}"
                );
                assert!(!card.fix.is_empty(), "{name}: {card:#?}");
            }
        }
    }

    #[test]
    fn the_command_sets_the_site_s_values_in_its_preamble() {
        let v = DoctorValues {
            site: SiteName::parse("items").expect("site"),
            user: UserName::parse("ola").expect("user"),
            domain: None,
            host: "10.213.5.2".into(),
        };
        let c = command(&v).expect("command");
        for line in [
            "u=ola\n",
            "base=/var/www/html/items\n",
            "staging=/var/lib/droplift/app/items\n",
            "unit=uwsgi-items\n",
        ] {
            assert!(c.script.contains(line), "{line}");
        }
        assert!(c.script.contains("\ndomain="), "{}", c.script);
    }
}
