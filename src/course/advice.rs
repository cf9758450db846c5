//! What to do next, for the failures a beginner meets most, recognised from the server's own
//! words. The card still shows those words; this adds the usual fix in plain language.

/// A failure recognised from the server's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Known {
    /// Any of these in a line of output (or the message) is this case.
    pub fragments: &'static [&'static str],
    /// What happened, in plain words.
    pub happened: &'static str,
    /// What to do next.
    pub next: &'static str,
}

const fn known(
    fragments: &'static [&'static str],
    happened: &'static str,
    next: &'static str,
) -> Known {
    Known {
        fragments,
        happened,
        next,
    }
}

/// The cases, most specific first: the first match wins. Each is tested against output captured
/// from a practice droplet (tests/fixtures/).
pub const KNOWN: &[Known] = &[
    known(
        &["apt is still busy"],
        "The droplet's own updater was still installing security updates after 15 minutes.",
        "Wait a few minutes, then press Enter to try again. Don't restart the droplet while it \
         installs (that can break apt).",
    ),
    known(
        &[
            "Could not get lock",
            "Unable to acquire the dpkg frontend lock",
        ],
        "Another program is installing packages, so apt could not start (a new droplet updates \
         itself for 2–10 minutes).",
        "Wait a few minutes, then press Enter to try again; don't restart the droplet while it \
         installs.",
    ),
    known(
        &["dpkg was interrupted"],
        "An earlier install stopped half-way.",
        "Log in and run `sudo dpkg --configure -a`, then run the stage again.",
    ),
    known(
        &[
            "Temporary failure resolving",
            "Temporary failure in name resolution",
            "Could not resolve host",
            "Name or service not known",
        ],
        "A name could not be looked up: either it is mistyped, or the droplet (or your computer) \
         has no working DNS right now.",
        "Check the name for typos. If it is right, wait a minute (check the provider's status \
         page) and try again.",
    ),
    known(
        &["No space left on device"],
        "The disk is full: nothing more can be written.",
        "Free space (`sudo apt clean`, `df -h` shows what is full) or resize the droplet, then run \
         the stage again.",
    ),
    known(
        &["incorrect password attempt", "Sorry, try again."],
        "sudo did not accept the password.",
        "sudo wants your user's own password (the one chosen in stage 3), not root's. Type it \
         again carefully.",
    ),
    known(
        &["a password is required"],
        "sudo needs your user's password, and droplift did not have it.",
        "Go back to stage 3 and type it.",
    ),
    known(
        &["Permission denied (publickey"],
        "The server did not accept your SSH key.",
        "Use the key installed in stage 4 (the .pub next to it is in the server's \
         authorized_keys); check the user name too.",
    ),
    known(
        &[
            "REMOTE HOST IDENTIFICATION HAS CHANGED",
            "Host key verification failed",
        ],
        "The server shows a different host key from the one remembered on this computer.",
        "If you rebuilt the droplet, remove the old key (`ssh-keygen -R HOST`, as the message \
         shows) and connect again. If not, do not log in: someone may be in between.",
    ),
    known(
        &[
            "required to change your password",
            "Your password has expired",
            "password has expired",
        ],
        "The password has expired: the server wants a new one before anything else.",
        "Log in once and choose a new password (droplift asks for it when it logs in as root).",
    ),
    known(
        &["sshd -t rejected"],
        "The SSH server found the new settings invalid, so droplift put the old ones back.",
        "The lines above say which setting it disliked.",
    ),
    known(
        &[
            "nginx: [emerg]",
            "nginx: configuration file /etc/nginx/nginx.conf test failed",
        ],
        "nginx found a mistake in its configuration, so nothing was changed.",
        "The server's message names the file and line: fix that line and try again.",
    ),
    known(
        &["502 Bad Gateway"],
        "nginx works, but the app behind it (uWSGI) did not answer.",
        "Check that the app's service runs (`sudo systemctl status uwsgi-*`) and that its socket \
         path is the one in the nginx site.",
    ),
    known(
        &["pg_config executable not found", "libpq-fe.h: No such file"],
        "pip tried to build psycopg2 from source and needs PostgreSQL's development files.",
        "Install them (`sudo apt install libpq-dev python3-dev`) and run pip again, or use \
         psycopg2-binary.",
    ),
    known(
        &["Python.h: No such file"],
        "pip tried to build a package from source and needs Python's development files.",
        "Install them (`sudo apt install python3-dev build-essential`) and run pip again.",
    ),
    known(
        &["Address already in use"],
        "Another program already listens on that port, so this one could not start.",
        "Find it with `sudo ss -ltnp` and stop it (or choose another port), then try again.",
    ),
    known(
        &["password authentication failed for user"],
        "PostgreSQL refused the password for that role.",
        "Use the database password from stage 5 (not your login password). To set it again: \
         `sudo -u postgres psql -c '\\password ROLE'`.",
    ),
];

/// The known case the server's words match, if any.
pub fn recognise(server_said: &[String], message: &str) -> Option<&'static Known> {
    KNOWN.iter().find(|k| {
        k.fragments.iter().any(|fragment| {
            server_said.iter().any(|l| l.contains(fragment)) || message.contains(fragment)
        })
    })
}

/// The usual fix for a failure, if the server's words match a known case.
pub fn advice(server_said: &[String], message: &str) -> Option<&'static str> {
    recognise(server_said, message).map(|k| k.next)
}

/// The server's own lines that matched a known case, to quote first on the card.
pub fn quoted<'a>(known: &Known, server_said: &'a [String]) -> Vec<&'a str> {
    server_said
        .iter()
        .filter(|l| known.fragments.iter().any(|f| l.contains(f)))
        .map(String::as_str)
        .collect()
}

/// What to do after the server refused a new password, matching what it said: each PAM module
/// words its reason differently, and "Password unchanged" alone says nothing about length.
/// A clause ("choose …") so both the wizard and the headless error can use it.
pub fn new_password(server_said: &str) -> &'static str {
    let said = server_said.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| said.contains(w));
    if has(&["shorter", "too short", "longer"]) {
        "choose a longer, less common one"
    } else if has(&[
        "dictionary",
        "simplistic",
        "systematic",
        "palindrome",
        "too simple",
        "not enough different characters",
        "character classes",
    ]) {
        "choose one that is harder to guess: a few random words, not a real word or a pattern"
    } else if has(&[
        "same as the old",
        "too similar",
        "was already used",
        "reused",
        "rotated",
        "case changes only",
    ]) {
        "choose one that is clearly different from the old (e-mailed) one"
    } else if has(&["do not match", "don't match", "mismatch"]) {
        "type the same new password in both fields"
    } else {
        "the server did not say why, so choose a different one (a few random words)"
    }
}

/// The same advice as a sentence, for the password field.
pub fn new_password_sentence(server_said: &str) -> String {
    let clause = new_password(server_said);
    let mut chars = clause.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_password_advice_follows_the_server_not_a_guess() {
        assert_eq!(
            new_password("BAD PASSWORD: The password is shorter than 8 characters"),
            "choose a longer, less common one"
        );
        assert!(new_password("BAD PASSWORD: it is based on a dictionary word").contains("guess"));
        assert!(
            new_password("The password is the same as the old one")
                .contains("different from the old")
        );
        let unchanged = new_password_sentence("passwd: Password unchanged");
        assert!(!unchanged.contains("longer"), "{unchanged}");
        assert!(unchanged.starts_with("The server did not say why"));
    }

    /// Each fixture is real output from a practice droplet; the case it must be recognised as.
    const FIXTURES: &[(&str, &str, &str)] = &[
        (
            "dpkg-lock.txt",
            include_str!("../../tests/fixtures/dpkg-lock.txt"),
            "Could not get lock",
        ),
        (
            "name-not-resolved.txt",
            include_str!("../../tests/fixtures/name-not-resolved.txt"),
            "Temporary failure resolving",
        ),
        (
            "permission-denied-publickey.txt",
            include_str!("../../tests/fixtures/permission-denied-publickey.txt"),
            "Permission denied (publickey",
        ),
        (
            "host-key-changed.txt",
            include_str!("../../tests/fixtures/host-key-changed.txt"),
            "REMOTE HOST IDENTIFICATION HAS CHANGED",
        ),
        (
            "password-expired.txt",
            include_str!("../../tests/fixtures/password-expired.txt"),
            "required to change your password",
        ),
        (
            "sudo-wrong-password.txt",
            include_str!("../../tests/fixtures/sudo-wrong-password.txt"),
            "incorrect password attempt",
        ),
        (
            "disk-full.txt",
            include_str!("../../tests/fixtures/disk-full.txt"),
            "No space left on device",
        ),
        (
            "address-in-use.txt",
            include_str!("../../tests/fixtures/address-in-use.txt"),
            "Address already in use",
        ),
    ];

    #[test]
    fn every_captured_failure_is_recognised_as_its_own_case() {
        for (name, text, case) in FIXTURES {
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            let found = recognise(&lines, "").unwrap_or_else(|| panic!("{name}: not recognised"));
            assert!(
                found.fragments.contains(case),
                "{name}: taken for {:?}",
                found.fragments
            );
            assert!(
                !quoted(found, &lines).is_empty(),
                "{name}: nothing to quote"
            );
        }
    }

    #[test]
    fn recognises_the_apt_lock_and_says_to_wait() {
        let said = vec![
            "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 812 (unattended-upgr)".to_owned(),
        ];
        assert!(advice(&said, "").is_some_and(|a| a.contains("Wait a few minutes")));
        assert_eq!(advice(&["all fine".to_owned()], "exit status 1"), None);
    }
}
