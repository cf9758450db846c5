//! Firewall rules (stage 6): a port with its protocol, as the student types it (`8080`,
//! `8080/tcp`, `53/udp`), checked one rule and one message at a time, and lists of them.

use std::borrow::Cow;
use std::fmt;

use crate::refused::Refused;
use crate::shell::ShellArg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// One port to let in, e.g. 8080/tcp. Only `parse` makes one, so its text is always digits, a
/// slash and `tcp` or `udp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRule {
    pub port: u16,
    pub proto: Proto,
}

impl fmt::Display for PortRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.port, self.proto.as_str())
    }
}

impl PortRule {
    pub const HTTP: PortRule = PortRule {
        port: 80,
        proto: Proto::Tcp,
    };
    pub const HTTPS: PortRule = PortRule {
        port: 443,
        proto: Proto::Tcp,
    };

    /// `8080` (TCP, what a web service means), `8080/tcp` or `53/udp`.
    pub fn parse(text: &str) -> Result<Self, Refused> {
        let text = text.trim();
        if text.is_empty() {
            return Err("Type a port, like 8080 or 8080/tcp.".into());
        }
        let (number, proto) = match text.split_once('/') {
            Some((number, proto)) => (number.trim(), Some(proto.trim())),
            None => (text, None),
        };
        let proto = match proto.map(str::to_ascii_lowercase).as_deref() {
            None | Some("tcp") => Proto::Tcp,
            Some("udp") => Proto::Udp,
            Some(other) => {
                return Err(format!(
                    "\"{other}\" is not a protocol: write {number}/tcp (web and most services) or \
                     {number}/udp."
                )
                .into());
            }
        };
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "\"{number}\" is not a port number: write it like 8080 or 8080/tcp."
            )
            .into());
        }
        match number.parse::<u32>() {
            Ok(0) => Err("There is no port 0: ports go from 1 to 65535.".into()),
            Ok(port @ 1..=65535) => Ok(PortRule {
                port: port as u16,
                proto,
            }),
            _ => Err(format!("{number} is too big for a port: ports go from 1 to 65535.").into()),
        }
    }
}

/// Several rules typed in one field, separated by spaces or commas: `8080, 53/udp`.
pub fn parse_list(text: &str) -> Result<Vec<PortRule>, Refused> {
    let mut rules = Vec::new();
    for word in text.split([',', ' ']).filter(|w| !w.trim().is_empty()) {
        let rule = PortRule::parse(word)?;
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    Ok(rules)
}

/// A list of checked rules, as a script's value: `80/tcp 443/tcp` (may be empty).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortList(pub Vec<PortRule>);

impl ShellArg for PortList {
    fn shell_text(&self) -> Cow<'_, str> {
        Cow::Owned(
            self.0
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" "),
        )
    }
}

impl fmt::Display for PortList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shell_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_a_student_types() {
        assert_eq!(
            PortRule::parse("8080").map(|r| r.to_string()),
            Ok("8080/tcp".into())
        );
        assert_eq!(
            PortRule::parse(" 8080/TCP ").map(|r| r.to_string()),
            Ok("8080/tcp".into())
        );
        assert_eq!(
            PortRule::parse("53/udp").map(|r| r.to_string()),
            Ok("53/udp".into())
        );
        assert_eq!(
            parse_list("8080, 53/udp 8080/tcp").map(|l| PortList(l).to_string()),
            Ok("8080/tcp 53/udp".into())
        );
        assert_eq!(parse_list("  "), Ok(Vec::new()));
    }

    #[test]
    fn the_issue_s_bad_ports_each_get_their_own_message() {
        let cases = [
            ("0", "no port 0"),
            ("70000", "too big"),
            ("22/xyz", "\"xyz\" is not a protocol"),
            ("http", "not a port number"),
            ("-22", "not a port number"),
            ("", "Type a port"),
        ];
        for (text, expected) in cases {
            let message = PortRule::parse(text).expect_err(text);
            assert!(message.as_str().contains(expected), "{text:?}: {message}");
        }
        assert!(parse_list("8080 70000").is_err());
    }
}
