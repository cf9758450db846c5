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
    // ── Stages 8–9: the app and its service ──
    (
        "password authentication failed",
        "PostgreSQL refused the app's password: DATABASE_URL in the environment file and the \
         role's password differ. Run the PostgreSQL and app stages again with the same \
         db_password.",
    ),
    (
        "No matching distribution found",
        "pip found no such library or version: check that line of requirements.txt (pip's words \
         are above). The new release is marked failed; the one serving stays.",
    ),
    (
        "ModuleNotFoundError",
        "Your app imports a library that is not installed: add it to requirements.txt, with its \
         version, and deploy again.",
    ),
    (
        "callable not found or import error",
        "uWSGI could not load your app: check [app] module (file:object, e.g. app:app for the \
         object app in app.py) and the Python error in the log above.",
    ),
    (
        "502 Bad Gateway",
        "nginx could not reach uWSGI: the service is stopped (its state and journal are above), \
         or its socket is closed to nginx (uwsgi.ini needs chmod-socket = 660 and the unit \
         Group=www-data).",
    ),
    (
        "git cannot read",
        "The server could not read that repository: check [app] source. A private repository \
         needs the server's own key as a deploy key; a folder on your computer is given as a \
         path, not a URL.",
    ),
    (
        "has no branch or tag named",
        "Push the tag or branch first (git push origin v1.0.0), or check [app] ref / --ref.",
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
    fn the_app_s_usual_failures_get_their_fix() {
        let said = |line: &str| vec![line.to_owned()];
        let card = |line: &str| advice(&said(line), "").unwrap_or_default();
        assert!(
            card("the app's log says: password authentication failed for user \"erin\"")
                .contains("db_password")
        );
        assert!(
            card("GET /items through nginx: 502 Bad Gateway (nginx could not reach uWSGI)")
                .contains("chmod-socket")
        );
        assert!(
            card("ERROR: No matching distribution found for nope==1").contains("marked failed")
        );
        assert!(
            card("git cannot read https://x: fatal: repository not found").contains("deploy key")
        );
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
