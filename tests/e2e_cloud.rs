//! `droplift cloud create` end to end against the practice cloud, headless: the real binary
//! creates a droplet (a real practice droplet with the uploaded key for root and no password),
//! reaches stage 1 as root by the key, `apply` finishes the access stages 1–4 with the same
//! answers file, `cloud list` marks the droplet, the doctor reads a cloud firewall in front of
//! it, and `cloud destroy` removes it (the practice
//! droplet is gone). The token is in no file droplift wrote. Needs root (practice droplets).

mod common;

use common::cli::{self, droplift};
use common::droplet::host_ready;
use common::files::all_text_under;
use droplift::practice::cloud::Options;

const USER_PW: &str = "carol's pass 7";

#[test]
fn cloud_create_then_apply_hardens_the_droplet_and_destroy_removes_it() {
    if !host_ready() {
        return;
    }
    let cloud =
        droplift::practice::cloud::start(Options::default(), |line| eprintln!("[cloud] {line}"))
            .expect("practice cloud starts");
    let token = cloud.token.expose().to_owned();
    let home = tempfile::tempdir().expect("temp home");
    let name = format!("e2e-{}", std::process::id());
    let answers = cli::answers_file(
        home.path(),
        &format!(
            "[user]\nname = \"carol\"\n\n[ssh]\nalias = \"practice\"\n\n[droplet]\nname = \"{name}\"\nregion = \"ams3\"\nsize = \"s-1vcpu-1gb\"\nimage = \"ubuntu-24-04-x64\"\nbackups = false\n"
        ),
    );
    let answers = answers.as_str();
    let api = ["--api-url", cloud.url.as_str(), "--secrets-stdin"];

    let mut args = vec!["cloud", "create", "--answers", answers, "--yes"];
    args.extend_from_slice(&api);
    let created = droplift(home.path(), &args, &format!("do_token={token}\n"));
    let said = cli::said(&created);
    eprintln!("{said}");
    assert!(created.status.success(), "cloud create failed:\n{said}");
    for line in [
        "costs:    $6.00 a month",
        "uploaded to the account",
        "Waiting for",
        "is active at 10.213.",
        "the droplet's host key is ssh-ed25519 SHA256:",
        "Logging in to 10.213.",
        "as root with your key",
        "== Stage 1: Connect ==",
        "Next: droplift apply --answers",
    ] {
        assert!(said.contains(line), "missing {line:?} in:\n{said}");
    }
    assert!(
        !said.contains("new root password"),
        "no password to change on a key droplet"
    );
    let practice_name = cloud.practice_names().pop().expect("a practice droplet");
    let address = said
        .split("is active at ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the address")
        .to_owned();

    // The practice droplet is what a key droplet is: root has the key and no password.
    let key = home.path().join(".ssh/id_ed25519");
    let shadow = std::process::Command::new("ssh")
        .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"])
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            home.path().join(".ssh/known_hosts").display()
        ))
        .args(["-o", "IdentitiesOnly=yes", "-i"])
        .arg(&key)
        .arg(format!("root@{address}"))
        .arg("getent shadow root | cut -d: -f2; sshd -T | grep -i '^passwordauthentication'")
        .output()
        .expect("ssh runs");
    let shadow = String::from_utf8_lossy(&shadow.stdout);
    assert!(
        shadow.lines().next() == Some("*"),
        "root has no password: {shadow}"
    );
    assert!(shadow.contains("passwordauthentication no"), "{shadow}");

    // Saved with the server's progress: the droplet's id and name, root by key, stage 1 done.
    let progress =
        std::fs::read_to_string(home.path().join("data/progress.toml")).expect("progress saved");
    assert!(
        progress.contains(&format!("host = \"{address}\"")),
        "{progress}"
    );
    assert!(
        progress.contains(&format!("name = \"{name}\"")),
        "{progress}"
    );
    assert!(progress.contains("root_login = \"key\""), "{progress}");
    assert!(progress.contains("[server.stages.connect]"), "{progress}");

    // The same answers file carries on: the address comes from the saved progress.
    let applied = droplift(
        home.path(),
        &[
            "apply",
            "--answers",
            answers,
            "--yes",
            "--secrets-stdin",
            "--only",
            "connect",
            "update",
            "user",
            "ssh",
        ],
        &format!("user_password={USER_PW}\n"),
    );
    let said = cli::said(&applied);
    assert!(applied.status.success(), "apply failed:\n{said}");
    assert!(
        said.contains("== Stage 4: SSH key & hardening =="),
        "{said}"
    );
    // Hardened: carol logs in with the key, root no longer does.
    let login = |user: &str| {
        std::process::Command::new("ssh")
            .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"])
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                home.path().join(".ssh/known_hosts").display()
            ))
            .args(["-o", "IdentitiesOnly=yes", "-i"])
            .arg(&key)
            .arg(format!("{user}@{address}"))
            .arg("id -un")
            .output()
            .expect("ssh runs")
    };
    let carol = login("carol");
    assert_eq!(String::from_utf8_lossy(&carol.stdout).trim(), "carol");
    assert!(!login("root").status.success(), "root is refused now");

    // cloud list marks it as droplift's.
    let mut args = vec!["cloud", "list"];
    args.extend_from_slice(&api);
    let listed = droplift(home.path(), &args, &format!("do_token={token}\n"));
    let said = cli::said(&listed);
    assert!(
        said.lines()
            .any(|l| l.starts_with(&format!("* {name}")) && l.contains("active")),
        "{said}"
    );

    // The doctor with the token reads the cloud firewalls in front of the droplet: one made in
    // the panel for the web only (HTTP, no SSH rule) drops new SSH logins before sshd, whatever
    // ufw says, and its card names the rule to add. (The practice cloud lists firewalls, it does
    // not enforce them: the login below still works, and the doctor reads what DigitalOcean would
    // do.)
    let client = droplift::cloud::Client::new(
        droplift::cloud::ApiConfig::from_env(Some(&cloud.url)),
        droplift::secret::Secret::new(token.clone()),
    );
    let id = client
        .droplets()
        .expect("the droplets")
        .iter()
        .find(|d| d.name == name)
        .expect("the droplet")
        .id;
    let firewall = client
        .create_firewall(&droplift::cloud::api::FirewallCreate {
            name: "web-only".to_owned(),
            inbound_rules: vec![droplift::cloud::api::InboundRule {
                protocol: "tcp".to_owned(),
                ports: "80".to_owned(),
                sources: droplift::cloud::api::FirewallSources {
                    addresses: vec!["0.0.0.0/0".to_owned(), "::/0".to_owned()],
                    ..Default::default()
                },
            }],
            outbound_rules: Vec::new(),
            droplet_ids: vec![id],
            tags: Vec::new(),
        })
        .expect("a cloud firewall");
    let doctor = droplift(
        home.path(),
        &[
            "doctor",
            "--answers",
            answers,
            "--secrets-stdin",
            "--api-url",
            &cloud.url,
        ],
        &format!("do_token={token}\nuser_password={USER_PW}\n"),
    );
    let said = cli::said(&doctor);
    eprintln!("{said}");
    assert!(
        said.contains(&format!(
            "DigitalOcean: droplet {name}, behind the cloud firewall web-only"
        )),
        "{said}"
    );
    assert!(
        said.contains("PROBLEM: DigitalOcean's cloud firewall blocks port 22, where sshd listens"),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "doctl compute firewall add-rules {} --inbound-rules \"protocol:tcp,ports:22,",
            firewall.id
        )),
        "{said}"
    );
    assert!(!said.contains(&token), "the token was printed");
    assert_eq!(doctor.status.code(), Some(1), "a problem was found");

    // Without --yes and without a terminal, destroy refuses.
    let mut args = vec!["cloud", "destroy", name.as_str()];
    args.extend_from_slice(&api);
    let refused = droplift(home.path(), &args, &format!("do_token={token}\n"));
    assert!(!refused.status.success());
    assert!(
        droplift::practice::list()
            .iter()
            .any(|d| d.name == practice_name && d.status == droplift::practice::Status::Running),
        "nothing was destroyed"
    );
    args.push("--yes");
    let destroyed = droplift(home.path(), &args, &format!("do_token={token}\n"));
    let said = cli::said(&destroyed);
    assert!(destroyed.status.success(), "{said}");
    assert!(said.contains(&format!("Destroyed {name}.")), "{said}");
    assert!(
        !droplift::practice::droplet_dir(&practice_name).exists(),
        "the practice droplet is gone"
    );
    assert!(
        droplift::practice::list()
            .iter()
            .all(|d| d.name != practice_name)
    );
    let progress =
        std::fs::read_to_string(home.path().join("data/progress.toml")).expect("progress");
    assert!(!progress.contains(&address), "its server is forgotten");

    // No secret in any file droplift wrote (progress, logs, keys, known_hosts, config).
    let written = all_text_under(home.path());
    assert!(!written.contains(&token), "the token reached a file");
    assert!(!written.contains(USER_PW), "a password reached a file");
    cloud.stop();
}
