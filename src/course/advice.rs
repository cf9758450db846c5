//! What to do next, for the failures a beginner meets most, recognised from the server's own
//! words. The card still shows those words; this adds the usual fix in plain language.

/// (a fragment of the server's message, what to do about it)
const KNOWN: &[(&str, &str)] = &[
    (
        "Could not get lock",
        "Another program is installing updates (a new droplet does this by itself for a while). \
         Wait a few minutes, then run the stage again.",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_apt_lock_and_says_to_wait() {
        let said = vec![
            "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 812 (unattended-upgr)".to_owned(),
        ];
        assert!(advice(&said, "").is_some_and(|a| a.contains("Wait a few minutes")));
        assert_eq!(advice(&["all fine".to_owned()], "exit status 1"), None);
    }
}
