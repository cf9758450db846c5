//! The `[firewall]` section of the answers file: the ports to let in besides SSH and the web,
//! as numbers or text (`8080`, `"53/udp"`), each checked as the stage's field checks it.

use serde::Deserialize;
use toml::Spanned;

use super::ports::PortRule;
use crate::course::answers::{Answers, Reading};

/// `[firewall]` as written. Its name shows in toml's own messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFirewall {
    extra_ports: Option<Vec<Spanned<RawPort>>>,
}

/// A port as written in the file: `8080` or `"8080/tcp"`, `"53/udp"`. Its name shows in
/// toml's message for anything else ("did not match any variant of untagged enum RawPort").
#[derive(Deserialize)]
#[serde(untagged)]
enum RawPort {
    Number(i64),
    Text(String),
}

/// Takes `[firewall]` into the answers (a port given twice counts once), or tells `reading`
/// which port is wrong.
pub fn read(
    section: Option<&Spanned<RawFirewall>>,
    answers: &mut Answers,
    reading: &mut Reading<'_>,
) {
    let ports = section.and_then(|f| f.get_ref().extra_ports.as_ref());
    for port in ports.into_iter().flatten() {
        let parsed = match port.get_ref() {
            RawPort::Number(n) => PortRule::parse(&n.to_string()),
            RawPort::Text(t) => PortRule::parse(t),
        };
        match parsed {
            Ok(rule) if !answers.extra_ports.contains(&rule) => answers.extra_ports.push(rule),
            Ok(_) => {}
            Err(m) => reading.refuse("firewall.extra_ports", port.span(), m),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::course::answers::AnswersError;
    use crate::course::answers_file::parse;

    const BASE: &str = "[server]\nhost = \"1.2.3.4\"\n[user]\nname = \"johndoe\"\n";

    #[test]
    fn extra_ports_take_numbers_and_text_and_name_the_line_of_a_bad_one() {
        let (answers, _) = parse(&format!(
            "{BASE}[firewall]\nextra_ports = [8080, \"8080/tcp\", \"53/udp\"]\n"
        ))
        .expect("ports");
        let ports: Vec<String> = answers
            .extra_ports
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(ports, ["8080/tcp", "53/udp"]);
        let err = parse(&format!(
            "{BASE}[firewall]\nextra_ports = [\n  0,\n  70000,\n  \"22/xyz\",\n]\n"
        ))
        .expect_err("bad ports");
        let AnswersError::Invalid(errors) = err else {
            panic!("expected value errors");
        };
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [7, 8, 9], "{errors:?}");
        assert!(errors[2].message.contains("xyz"));
    }
}
