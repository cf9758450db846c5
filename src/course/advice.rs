//! What to do next, for the failures a beginner meets most, recognised from the server's own
//! words. The card still shows those words; this adds the usual fix in plain language.

use super::StageId;

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

pub const fn known(
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
    // ── Stages 8–10: the app, its service, the domain (most specific, so first) ──
    known(
        &["password authentication failed"],
        "PostgreSQL refused the app's password: DATABASE_URL in the environment file and the \
         role's password differ.",
        "Run the PostgreSQL and app stages again with the same db_password.",
    ),
    known(
        &["require a different python version"],
        "pip found that version, but it needs another Python than this server's.",
        "Pin a version of that library that works with the server's Python (`python3 \
         --version`; pip's line above says what each version needs), then deploy again. The new \
         release is marked failed; the one serving stays.",
    ),
    known(
        &["No matching distribution found"],
        "pip found no such library or version in requirements.txt, at least none for this \
         server's Python.",
        "Check that line of requirements.txt (pip's words are above) and whether that version \
         supports the server's Python (`python3 --version`). The new release is marked failed; \
         the one serving stays.",
    ),
    known(
        &["' (/usr/lib/python3"],
        "A library your app uses was written for an older Python: a name it imports from \
         Python's own modules is gone in this server's Python (the last line says which; \
         `Mapping` from `collections`, for one, went in Python 3.10).",
        "Pin a newer version of that library in requirements.txt, one made for the server's \
         Python (`python3 --version`), or replace it with a maintained one: the traceback's \
         site-packages lines name it (Flask-JWT, for one, pins an old PyJWT; Flask-JWT-Extended \
         replaces it). The new release is marked failed; the one serving stays.",
    ),
    known(
        &["cannot import name"],
        "A library your app uses was written for an older version of another: a name it imports \
         is gone from the version pip installed today (the last line says which: `from \
         'flask'` is Flask).",
        "Pin the versions your app runs with on your computer: `pip freeze` there prints them \
         (e.g. Flask==2.3.3). Put those lines into requirements.txt and deploy again (a line \
         without == gets the newest version). The new release is marked failed; the one \
         serving stays.",
    ),
    known(
        &["ModuleNotFoundError"],
        "Your app imports a library that is not installed.",
        "Add it to requirements.txt, with its version, and deploy again.",
    ),
    known(
        &["callable not found or import error"],
        "uWSGI could not load your app.",
        "Check [app] module (file:object, e.g. app:app for the object app in app.py) and the \
         Python error in the log above.",
    ),
    known(
        &["502 Bad Gateway"],
        "nginx could not reach uWSGI.",
        "The service is stopped (its state and journal are above), or its socket is closed to \
         nginx: uwsgi.ini needs chmod-socket = 660 and the unit Group=www-data.",
    ),
    known(
        &["git cannot read"],
        "The server could not read that git repository.",
        "Check [app] source. A private repository needs the server's own key as a deploy key; a \
         folder on your computer is given as a path, not a URL.",
    ),
    known(
        &["has no branch or tag named"],
        "The repository has no such branch or tag.",
        "Push the tag or branch first (git push origin v1.0.0), or check [app] ref / --ref.",
    ),
    known(
        &["DNS, the internet's address book"],
        "The domain does not point at the droplet yet.",
        "Add the A record at your registrar, wait for it to spread, then run the stage again.",
    ),
    known(
        &["droplift supports Ubuntu"],
        "This server runs a system the course was not made or tested for, so droplift changed \
         nothing on it.",
        "In your provider's page, rebuild the droplet (or make a new one) with Ubuntu 24.04 LTS, \
         then connect again. Ubuntu 22.04 and Debian 12 work too.",
    ),
    known(
        &["minutes and was stopped"],
        "apt ran far longer than an update takes and was stopped: a download hung, or a package \
         waited for an answer nobody could give.",
        "Log in, run `sudo dpkg --configure -a`, then `sudo apt upgrade` to see where it stops; \
         then run the stage again.",
    ),
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
        &["Unable to locate package", "has no installation candidate"],
        "apt does not know that package here. On Ubuntu, certbot and uwsgi's plugins live in the \
         'universe' part of the archive, which some images leave out.",
        "Turn it on (`sudo add-apt-repository universe`, then `sudo apt update`) and run the \
         stage again.",
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
        &["droplift's deploy key:"],
        "The server's side of the deploy key does not allow this step.",
        "The key may run only the steps sealed for its site when `droplift deploy-key` last ran: \
         run `droplift deploy-key --answers FILE` again with your own login (after changing an \
         answer of the app, or updating droplift), then deploy with the key again.",
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
];

/// The known case the server's words match, if any: the failing stage's own cases first (its
/// descriptor's `advice`), then the cases any stage can meet.
pub fn recognise(stage: StageId, server_said: &[String], message: &str) -> Option<&'static Known> {
    stage.stage().advice.iter().chain(KNOWN).find(|k| {
        k.fragments.iter().any(|fragment| {
            server_said.iter().any(|l| l.contains(fragment)) || message.contains(fragment)
        })
    })
}

/// The usual fix for a failure, if the server's words match a known case.
pub fn advice(stage: StageId, server_said: &[String], message: &str) -> Option<&'static str> {
    recognise(stage, server_said, message).map(|k| k.next)
}

/// A line of the server's fit to quote on a card: pip's lists of every version it saw (some 300
/// for SQLAlchemy) keep their first and last two, and any other long line is cut, so the words
/// that matter stay on screen. The log keeps the whole line.
pub fn shorten(line: &str) -> String {
    const MAX: usize = 240;
    let mut line = elide_list(line, "(from versions: ", ")", ", ");
    line = elide_list(&line, "require a different python version: ", "\n", "; ");
    if line.chars().count() > MAX {
        line = line.chars().take(MAX).collect::<String>() + " …";
    }
    line
}

/// Between `start` and `end` (or the end of the line), a `sep`-separated list of more than five
/// items becomes its first two, "…", its last two and the count.
fn elide_list(line: &str, start: &str, end: &str, sep: &str) -> String {
    let Some(at) = line.find(start) else {
        return line.to_owned();
    };
    let body_at = at + start.len();
    let body_end = line[body_at..]
        .find(end)
        .map_or(line.len(), |i| body_at + i);
    let items: Vec<&str> = line[body_at..body_end].split(sep).collect();
    if items.len() <= 5 {
        return line.to_owned();
    }
    let n = items.len();
    format!(
        "{}{}{sep}{}{sep}…{sep}{}{sep}{} ({n} in all){}",
        &line[..body_at],
        items[0],
        items[1],
        items[n - 2],
        items[n - 1],
        &line[body_end..]
    )
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
        (
            "import-name-gone-python.txt",
            include_str!("../../tests/fixtures/import-name-gone-python.txt"),
            "' (/usr/lib/python3",
        ),
        (
            "import-name-gone-library.txt",
            include_str!("../../tests/fixtures/import-name-gone-library.txt"),
            "cannot import name",
        ),
    ];

    #[test]
    fn every_captured_failure_is_recognised_as_its_own_case() {
        for (name, text, case) in FIXTURES {
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            let found = recognise(StageId::Update, &lines, "")
                .unwrap_or_else(|| panic!("{name}: not recognised"));
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
    fn pip_s_list_of_every_version_is_cut_to_what_matters() {
        let text = include_str!("../../tests/fixtures/pip-no-matching-version.txt");
        let lines: Vec<String> = text.lines().map(shorten).collect();
        let found = recognise(StageId::App, &lines, "").expect("recognised");
        assert!(found.next.contains("python3 --version"));
        let all = lines.join("\n");
        assert!(text.len() > 2000 && all.len() < 500, "{all}");
        assert!(
            all.contains("(from versions: 0.1.0, 0.1.1, …, ") && all.contains(" in all)"),
            "{all}"
        );
        assert!(all.contains("No matching distribution found for SQLAlchemy==2.1.9"));
        // Newer pip says why; that case comes first and its list is cut too.
        let newer = shorten(
            "ERROR: Ignored the following versions that require a different python version: \
             2.1.0 Requires-Python >=3.11; 2.1.1 Requires-Python >=3.11; 2.1.2 Requires-Python \
             >=3.11; 2.1.3 Requires-Python >=3.11; 2.1.4 Requires-Python >=3.11; 2.1.9 \
             Requires-Python >=3.11",
        );
        assert!(
            newer.ends_with("2.1.9 Requires-Python >=3.11 (6 in all)"),
            "{newer}"
        );
        let case = recognise(StageId::App, &[newer], "").expect("recognised");
        assert!(case.happened.contains("another Python"));
        // Short lines are left alone; a long one without a list is cut.
        assert_eq!(shorten("short"), "short");
        assert_eq!(shorten(&"x".repeat(500)).chars().count(), 242);
    }

    #[test]
    fn the_app_s_usual_failures_get_their_fix() {
        let said = |line: &str| vec![line.to_owned()];
        let card = |line: &str| advice(StageId::App, &said(line), "").unwrap_or_default();
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
        assert!(card("E: Unable to locate package certbot").contains("universe"));
    }

    #[test]
    fn no_case_is_hidden_behind_an_earlier_one() {
        // A case is never reached when every fragment of it contains a fragment of a case
        // before it (there were two: a second "502 Bad Gateway", and stage 5's refused password
        // behind the app's).
        for stage in crate::course::STAGES {
            let cases: Vec<&Known> = stage.advice.iter().chain(KNOWN).collect();
            for (i, later) in cases.iter().enumerate() {
                for earlier in &cases[..i] {
                    let hidden = later
                        .fragments
                        .iter()
                        .all(|l| earlier.fragments.iter().any(|e| l.contains(e)));
                    assert!(
                        !hidden,
                        "{}: {:?} is hidden behind {:?}",
                        stage.key, later.fragments, earlier.fragments
                    );
                }
            }
        }
    }

    #[test]
    fn a_stage_s_own_case_comes_before_the_shared_ones() {
        let said = vec!["FATAL: password authentication failed for user \"erin\"".to_owned()];
        let stage5 = advice(StageId::Postgres, &said, "").unwrap_or_default();
        assert!(stage5.contains("from stage 5"), "{stage5}");
        let app = advice(StageId::App, &said, "").unwrap_or_default();
        assert!(app.contains("same db_password"), "{app}");
    }

    #[test]
    fn recognises_the_apt_lock_and_says_to_wait() {
        let said = vec![
            "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 812 (unattended-upgr)".to_owned(),
        ];
        assert!(
            advice(StageId::Update, &said, "").is_some_and(|a| a.contains("Wait a few minutes"))
        );
        assert_eq!(
            advice(StageId::Update, &["all fine".to_owned()], "exit status 1"),
            None
        );
    }
}
