//! A plan is what a stage will do, as data: a list of titled steps, each the exact shell text
//! that runs (or a fresh login, or an action on this computer). The preview screen, execution,
//! the runbook from `droplift plan`, and the snapshot tests all read the same plan.

use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::secret::SecretName;
use crate::shell::{QuoteError, Script, Seal, quote};

/// What goes to a command's stdin: literal text and secrets, by name. The value of a secret is
/// filled in only when the command is sent; plans can be printed and saved safely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StdinPart {
    Text(String),
    Secret(SecretName),
    /// A secret the script can do without: when none was given it gets nothing there and keeps
    /// what the server has (a deploy key's deploy keeps the database password on the server).
    KeptSecret(SecretName),
    /// A file on the student's computer (a public key), read when the command is sent.
    LocalFile(PathBuf),
}

/// A command run over the open session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// bash text, exactly as it runs: a `Script`'s preamble of quoted values, then its files.
    pub script: String,
    /// Needs root: run with `sudo -S` when the login user is not root.
    pub sudo: bool,
    pub stdin: Vec<StdinPart>,
    pub timeout: Duration,
    /// What the course would type by hand for the same job (`passwd johndoe`, `sudo id -un`):
    /// shown first in previews, and instead of the exact script in the runbook when the exact
    /// one would need a secret pasted in.
    pub by_hand: Option<String>,
    /// The run-time values among the script's first lines (`Script::runtime_args`); None for a
    /// script not built by `Command::root` (a deploy key cannot run it).
    pub runtime: Option<Vec<(String, String)>>,
}

impl Command {
    /// A script run as root (with `sudo -S` when the login user is not root).
    pub fn root(script: &Script) -> Result<Self, QuoteError> {
        Ok(Self {
            script: script.text()?,
            sudo: true,
            stdin: Vec::new(),
            timeout: Duration::from_secs(120),
            by_hand: None,
            runtime: Some(script.runtime_args()),
        })
    }

    /// A script run as the login user.
    pub fn user(script: &Script) -> Result<Self, QuoteError> {
        Ok(Self {
            sudo: false,
            ..Self::root(script)?
        })
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn stdin(mut self, parts: Vec<StdinPart>) -> Self {
        self.stdin = parts;
        self
    }

    /// One line for the log: the by-hand form when there is one, else the script's first line
    /// that does something (not a preamble value, a comment, a declaration or the prologue).
    pub fn log_line(&self) -> &str {
        if let Some(by_hand) = &self.by_hand {
            return by_hand;
        }
        let mut lines = self.script.lines().map(str::trim);
        let preamble_done = |l: &&str| {
            !l.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        };
        // Shared files come first: their functions, settings and the site's lock are not what
        // the step does.
        let mut in_function = false;
        let is_assignment = |l: &str| {
            l.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        };
        lines
            .by_ref()
            .skip_while(|l| !preamble_done(l))
            .find(|l| {
                if in_function {
                    in_function = *l != "}";
                    return false;
                }
                if l.contains("() {") {
                    in_function = !l.ends_with('}');
                    return false;
                }
                !l.is_empty()
                    && !l.starts_with('#')
                    && !l.starts_with(": \"${")
                    && !l.starts_with("set -")
                    && !l.starts_with("trap ")
                    && *l != "site_lock"
                    && !is_assignment(l)
            })
            .unwrap_or_default()
    }

    /// The course's by-hand equivalent (display only; never run).
    pub fn by_hand(mut self, text: impl Into<String>) -> Self {
        self.by_hand = Some(text.into());
        self
    }

    /// How a deploy key runs this script (None: it cannot): hashed only when asked.
    pub fn seal(&self) -> Option<Seal> {
        self.runtime
            .as_deref()
            .map(|args| Seal::of(&self.script, args))
    }

    /// Secrets this command reads on stdin (a kept one too: it is shown as a placeholder).
    pub fn secrets(&self) -> impl Iterator<Item = SecretName> + '_ {
        self.stdin.iter().filter_map(|p| match p {
            StdinPart::Secret(name) | StdinPart::KeptSecret(name) => Some(*name),
            StdinPart::Text(_) | StdinPart::LocalFile(_) => None,
        })
    }

    /// Secrets this command cannot run without (a kept one is not: the server has its own).
    pub fn required_secrets(&self) -> impl Iterator<Item = SecretName> + '_ {
        self.stdin.iter().filter_map(|p| match p {
            StdinPart::Secret(name) => Some(*name),
            StdinPart::KeptSecret(_) | StdinPart::Text(_) | StdinPart::LocalFile(_) => None,
        })
    }
}

/// How a fresh connection proves itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginAuth {
    /// Only this private key (no agent, no password), so a success proves the key works.
    Key(PathBuf),
    Password(SecretName),
}

/// What a fresh login must show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Login works (and the command, if any, exits 0).
    Success,
    /// The server refuses the login (e.g. root after hardening).
    Refused,
}

/// Something done on the student's computer, not on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalAction {
    /// Create an ed25519 key pair at `path` unless one is there (optional passphrase).
    EnsureKey { path: PathBuf },
    /// Add a `Host alias` block to ~/.ssh/config (backup first, atomic write, never twice).
    SshAlias {
        alias: String,
        host: String,
        port: u16,
        user: String,
        key: PathBuf,
    },
    /// Ask the app for `path` (its health path, checked) over plain HTTP from this computer, as
    /// a visitor would: it must answer 2xx, and 200 with JSON when `json` (the sample's /items).
    /// `host` is what the student typed (an ~/.ssh/config alias is resolved to its HostName);
    /// `host_header` names the site when nginx serves it by name.
    HttpCheck {
        host: String,
        path: String,
        host_header: Option<String>,
        json: bool,
    },
    /// Look the domain up from this computer: every address it has must be the droplet's
    /// (`host`, an ~/.ssh/config alias resolved to its HostName), else DNS is explained and the
    /// stage stops before the server is touched.
    DnsCheck { domain: String, host: String },
}

/// The app's code as it leaves this computer (packed by `crate::source`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeSource {
    /// The sample items-rest app inside droplift.
    Sample,
    /// A folder on this computer.
    Folder(PathBuf),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Run(Command),
    /// Open a brand-new SSH connection (the open one stays as it is), optionally run a command
    /// there, and close it. Proves that a change did not cut access.
    FreshLogin {
        user: String,
        auth: LoginAuth,
        command: Option<Command>,
        expect: Expect,
    },
    Local(LocalAction),
    /// Pack the code on this computer and write it to `path` on the server over SFTP (mode
    /// 600, owned by root): whole or not at all.
    Upload {
        source: CodeSource,
        path: String,
    },
    /// Run `command` (through sudo: it hands a root-only file over and prints `droplift-fetch:
    /// PATH` last) and copy that file with SFTP into `dest_dir` on this computer, mode 600.
    Download {
        command: Command,
        dest_dir: std::path::PathBuf,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// What it does, in words: the comment above it in the runbook, the line in the preview.
    pub title: String,
    pub action: Action,
}

impl Step {
    /// The title's first line: what the step does, in one line (lists, headers, error cards).
    pub fn headline(&self) -> &str {
        self.title.lines().next().unwrap_or_default()
    }

    pub fn run(title: impl Into<String>, command: Command) -> Self {
        Self {
            title: title.into(),
            action: Action::Run(command),
        }
    }

    pub fn login(
        title: impl Into<String>,
        user: &str,
        auth: LoginAuth,
        command: Option<Command>,
        expect: Expect,
    ) -> Self {
        Self {
            title: title.into(),
            action: Action::FreshLogin {
                user: user.to_owned(),
                auth,
                command,
                expect,
            },
        }
    }

    pub fn local(title: impl Into<String>, action: LocalAction) -> Self {
        Self {
            title: title.into(),
            action: Action::Local(action),
        }
    }
}

/// A list of steps run in order; the first failure stops it. `rollback` runs (over the session
/// that is still open) when a step fails after a risky change was made, to put things back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub rollback: Vec<Step>,
}

impl Plan {
    pub fn new(steps: Vec<Step>) -> Self {
        Self {
            steps,
            rollback: Vec::new(),
        }
    }

    pub fn with_rollback(mut self, rollback: Vec<Step>) -> Self {
        self.rollback = rollback;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Every secret any step reads.
    pub fn secrets(&self) -> Vec<SecretName> {
        self.secrets_of(false)
    }

    /// Every secret some step cannot run without (`Command::required_secrets`).
    pub fn required_secrets(&self) -> Vec<SecretName> {
        self.secrets_of(true)
    }

    fn secrets_of(&self, required: bool) -> Vec<SecretName> {
        let mut names: Vec<SecretName> = self
            .steps
            .iter()
            .chain(&self.rollback)
            .flat_map(|step| match &step.action {
                Action::Run(c) if required => c.required_secrets().collect::<Vec<_>>(),
                Action::Run(c) => c.secrets().collect::<Vec<_>>(),
                Action::FreshLogin { auth, command, .. } => {
                    let mut v: Vec<SecretName> = command.iter().flat_map(|c| c.secrets()).collect();
                    if let LoginAuth::Password(name) = auth {
                        v.push(*name);
                    }
                    v
                }
                Action::Download { command, .. } => command.secrets().collect(),
                Action::Local(_) | Action::Upload { .. } => Vec::new(),
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// The three plans of a stage: `probe` is read-only and says whether the stage is done;
/// `apply` makes it so; `verify` checks the server's effective state afterwards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StagePlans {
    pub probe: Plan,
    pub apply: Plan,
    pub verify: Plan,
}

/// `stdin` as a here-document body, with secrets as placeholders.
fn stdin_text(parts: &[StdinPart]) -> String {
    parts
        .iter()
        .map(|p| match p {
            StdinPart::Text(t) => t.clone(),
            StdinPart::Secret(name) | StdinPart::KeptSecret(name) => name.placeholder(),
            StdinPart::LocalFile(path) => format!("<contents of {}>", path.display()),
        })
        .collect()
}

/// A command as a student can paste it into a root shell: the exact script inside `( … )`, so
/// its `set -e` and `exit` end only that subshell, never the student's SSH session; its stdin as
/// a here-document (secrets as `<name>` placeholders).
pub fn command_text(command: &Command) -> String {
    let mut text = format!("(\n{}\n)", command.script.trim_end_matches('\n'));
    if !command.stdin.is_empty() {
        let body = stdin_text(&command.stdin);
        let _ = write!(
            text,
            " <<'DROPLIFT_EOF'\n{}\nDROPLIFT_EOF",
            body.trim_end_matches('\n')
        );
    }
    text
}

/// One step as runbook notes: comment lines saying what it does and where it runs, then what to
/// type. A step that sends a secret on stdin shows the by-hand command that asks for it instead,
/// so nothing with a placeholder in it can be pasted by mistake.
pub fn step_text(step: &Step, host: &str) -> Result<String, QuoteError> {
    let mut out = String::new();
    for line in step.title.lines() {
        let _ = writeln!(out, "# {line}");
    }
    match &step.action {
        Action::Run(command) => {
            let who = if command.sudo {
                "as root"
            } else {
                "as your user"
            };
            match (command.secrets().next(), &command.by_hand) {
                (Some(_), Some(by_hand)) => {
                    let sent: Vec<String> =
                        command.secrets().map(SecretName::placeholder).collect();
                    let _ = writeln!(
                        out,
                        "# [on the server, {who}] droplift sends {} on stdin; by hand, type:",
                        sent.join(" and ")
                    );
                    let _ = writeln!(out, "{by_hand}");
                }
                (Some(secret), None) => {
                    let _ = writeln!(
                        out,
                        "# [on the server, {who}] replace {} with the real value before pasting",
                        secret.placeholder()
                    );
                    let _ = writeln!(out, "{}", command_text(command));
                }
                (None, _) => {
                    let _ = writeln!(out, "# [on the server, {who}]");
                    let _ = writeln!(out, "{}", command_text(command));
                }
            }
        }
        Action::FreshLogin {
            user,
            auth,
            command,
            expect,
        } => {
            let key = match auth {
                LoginAuth::Key(path) => format!(
                    "-o IdentitiesOnly=yes -o PasswordAuthentication=no -i {} ",
                    quote_path(path)?
                ),
                LoginAuth::Password(_) => "-o PubkeyAuthentication=no ".to_owned(),
            };
            // sudo asks for the password on a terminal: -t gives it one.
            let remote = |c: &Command| -> Result<String, QuoteError> {
                Ok(match &c.by_hand {
                    Some(by_hand) => by_hand.clone(),
                    None => format!("bash -c {}", quote(&c.script)?),
                })
            };
            let (tty, remote) = match command {
                Some(c) if c.sudo => (
                    "-t ",
                    format!(" {}", quote(&format!("sudo {}", remote(c)?))?),
                ),
                Some(c) => ("", format!(" {}", quote(&remote(c)?)?)),
                None => ("", " true".to_owned()),
            };
            let note = match expect {
                Expect::Success => "",
                Expect::Refused => "   # must be refused",
            };
            let _ = writeln!(out, "# [on your computer, in a new terminal]");
            let _ = writeln!(out, "ssh {tty}{key}{user}@{host}{remote}{note}");
        }
        Action::Local(LocalAction::EnsureKey { path }) => {
            let path = quote_path(path)?;
            let _ = writeln!(out, "# [on your computer]");
            let _ = writeln!(out, "test -f {path} || ssh-keygen -t ed25519 -f {path}");
        }
        Action::Local(LocalAction::SshAlias {
            alias,
            host,
            port,
            user,
            key,
        }) => {
            let _ = writeln!(
                out,
                "# [on your computer: add these lines to ~/.ssh/config]"
            );
            let _ = writeln!(out, "# Host {alias}");
            let _ = writeln!(out, "#     HostName {host}");
            let _ = writeln!(out, "#     Port {port}");
            let _ = writeln!(out, "#     User {user}");
            let _ = writeln!(out, "#     IdentityFile {}", key.display());
        }
        Action::Local(LocalAction::HttpCheck {
            host,
            path,
            host_header,
            json,
        }) => {
            let wanted = if *json { "200 with JSON" } else { "2xx" };
            let _ = writeln!(out, "# [on your computer] {wanted} is healthy");
            let header = match host_header {
                Some(name) => format!("-H {} ", quote(&format!("Host: {name}"))?),
                None => String::new(),
            };
            let url = quote(&format!("http://{host}{path}"))?;
            let _ = writeln!(out, "curl -g -i {header}{url}");
        }
        Action::Local(LocalAction::DnsCheck { domain, host }) => {
            let _ = writeln!(out, "# [on your computer] {domain} must point at {host}:");
            let _ = writeln!(out, "getent ahosts {}", quote(domain)?);
        }
        Action::Upload { source, path } => {
            let what = match source {
                CodeSource::Sample => "the sample app (inside droplift)".to_owned(),
                CodeSource::Folder(folder) => folder.display().to_string(),
            };
            let _ = writeln!(
                out,
                "# [on your computer] droplift packs {what} into one tar file, leaving out .git,"
            );
            let _ = writeln!(
                out,
                "# virtualenvs, caches and what .gitignore lists, and sends it with SFTP to {path}"
            );
            let _ = writeln!(
                out,
                "# (mode 600, owner root). By hand, from the code's folder:"
            );
            let _ = writeln!(
                out,
                "#   tar --exclude-vcs --exclude=venv --exclude=__pycache__ -cf code.tar ."
            );
            let _ = writeln!(
                out,
                "#   scp code.tar {host}: && ssh -t {host} sudo install -m 600 code.tar {}",
                quote(path)?
            );
        }
        Action::Download { command, dest_dir } => {
            let _ = writeln!(
                out,
                "# [on the server, as root] hand the file over: a copy only you may read"
            );
            let _ = writeln!(out, "{}", command_text(command));
            let _ = writeln!(
                out,
                "# [on your computer] droplift copies it with SFTP into {} (mode 600) and",
                dest_dir.display()
            );
            let _ = writeln!(
                out,
                "# removes the server's copy. By hand: scp {host}:PATH . && ssh {host} sudo rm -r DIR"
            );
        }
    }
    Ok(out)
}

/// Quotes a path for bash, leaving a leading `~/` outside the quotes so it still expands.
pub fn quote_path(path: &std::path::Path) -> Result<String, QuoteError> {
    let text = path.display().to_string();
    Ok(match text.strip_prefix("~/") {
        Some(rest) => format!("~/{}", quote(rest)?),
        None => quote(&text)?,
    })
}

#[cfg(test)]
mod log_line_tests {
    use super::*;

    #[test]
    fn the_log_shows_what_a_command_does_not_its_preamble() {
        let script =
            Script::new(&["# Says hello.\n: \"${u:?}\"\nset -euo pipefail\necho \"hi $u\"\n"])
                .set("u", &crate::shell::Const("bob"));
        let command = Command::root(&script).expect("quotes");
        assert_eq!(command.log_line(), "echo \"hi $u\"");
        assert_eq!(command.by_hand("sudo echo hi").log_line(), "sudo echo hi");
    }
}
