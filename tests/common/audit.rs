//! ssh-audit, the auditor's tool, against a hardened droplet: no `[fail]` line allowed.

use std::process::Command;

/// Runs ssh-audit (Debian's package) against the droplet and fails on any `[fail]` line. Without
/// ssh-audit the check is skipped loudly, except under CI, where scripts/test installs it.
pub fn finds_no_failure(address: &str) {
    let audit = match Command::new("ssh-audit").args(["-n", address]).output() {
        Ok(out) => String::from_utf8_lossy(&out.stdout).into_owned(),
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED: ssh-audit is not installed ({e}); scripts/test installs it");
            return;
        }
        Err(e) => panic!("ssh-audit must run under CI: {e}"),
    };
    let failures: Vec<&str> = audit.lines().filter(|l| l.contains("[fail]")).collect();
    assert!(
        failures.is_empty(),
        "ssh-audit failures:\n{}\n\n{audit}",
        failures.join("\n")
    );
    assert!(
        audit.contains("ssh-ed25519"),
        "the audit really ran:\n{audit}"
    );
}
