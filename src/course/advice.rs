//! What to do next, for the failures a beginner meets most, recognised from the server's own
//! words. The card still shows those words; this adds the usual fix in plain language.

/// (a fragment of the server's message, what to do about it)
const KNOWN: &[(&str, &str)] = &[
    (
        "Could not get lock",
        "Another program is installing updates (a new droplet does this by itself for 2–10 \
         minutes). Wait a few minutes, then press Enter to try again; don't restart the \
         droplet while it installs.",
    ),
    (
        "apt is still busy",
        "The droplet's own updater is still installing. Wait a few minutes, then press Enter to \
         try again; don't restart the droplet while it installs (that can break apt).",
    ),
    (
        "dpkg was interrupted",
        "An earlier install stopped half-way. Log in and run `sudo dpkg --configure -a`, then run \
         the stage again.",
    ),
    (
        "Temporary failure resolving",
        "The droplet cannot look up names on the internet. Check its network (the provider's \
         status page), wait a minute, and run the stage again.",
    ),
    (
        "No space left on device",
        "The droplet's disk is full. Remove old files or choose a bigger droplet, then run the \
         stage again.",
    ),
    (
        "incorrect password",
        "sudo did not accept the password: it is your user's own password (stage 3), not root's.",
    ),
    (
        "a password is required",
        "sudo needs your user's password: droplift did not have it. Go back to stage 3 and type it.",
    ),
    (
        "Permission denied (publickey",
        "The server did not accept your key. Check that the key file is the one installed in \
         stage 4 (the .pub next to it).",
    ),
    (
        "sshd -t rejected",
        "The SSH server found the new settings invalid, so droplift put the old ones back. The \
         lines above say which setting it disliked.",
    ),
];

/// The usual fix for a failure, if the server's words match a known case.
pub fn advice(server_said: &[String], message: &str) -> Option<&'static str> {
    KNOWN.iter().find_map(|(fragment, advice)| {
        let seen = server_said.iter().any(|l| l.contains(fragment)) || message.contains(fragment);
        seen.then_some(*advice)
    })
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

    #[test]
    fn recognises_the_apt_lock_and_says_to_wait() {
        let said = vec![
            "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 812 (unattended-upgr)".to_owned(),
        ];
        assert!(advice(&said, "").is_some_and(|a| a.contains("Wait a few minutes")));
        assert_eq!(advice(&["all fine".to_owned()], "exit status 1"), None);
    }
}
