//! "Create one for me" end to end, in the real binary at 80×24 (tmux), against
//! `droplift practice cloud` started as its own process: the first choice, the token (pasted,
//! masked), image, region, size, backups, key, name, the summary and its price, the create's
//! progress, the host key's fingerprint, stage 1 as root by the key, then stages 2–4 in the
//! wizard; `cloud destroy` removes the droplet (its practice droplet is gone). Afterwards the
//! token is in no file droplift wrote: not its progress, its logs, nor the `--record` cast.
//! Needs root (practice droplets) and tmux.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::cli::droplift;
use common::droplet::host_ready;
use common::files::all_text_under;
use common::tmux::Tmux;

const USER_PW: &str = "carol's pass 7";

/// `droplift practice cloud` on a free port; its URL and token from what it prints.
struct CloudProcess {
    child: Child,
    url: String,
    token: String,
    /// Every line of its log ("creating NAME (id N) as practice droplet P", …).
    said: Arc<Mutex<Vec<String>>>,
}

impl CloudProcess {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_droplift"))
            .args(["practice", "cloud", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("droplift practice cloud starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut url = String::new();
        let mut token = String::new();
        for line in lines.by_ref() {
            let line = line.expect("a line");
            if let Some(rest) = line.strip_prefix("practice cloud at ") {
                url = rest.trim().to_owned();
            } else if let Some(rest) = line.trim().strip_prefix("token:") {
                token = rest.trim().to_owned();
            } else if line.trim().starts_with("read-only token:") {
                break;
            }
        }
        assert!(
            url.starts_with("http://127.0.0.1:") && token.starts_with("dop_v1_"),
            "the practice cloud said its URL and token"
        );
        // Keep reading so it never blocks on a full pipe; its log (stderr) is shown and kept.
        std::thread::spawn(move || for _ in lines {});
        let said = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&said);
        let log = BufReader::new(child.stderr.take().expect("stderr"));
        std::thread::spawn(move || {
            for line in log.lines().map_while(Result::ok) {
                eprintln!("{line}");
                keep.lock().expect("lines").push(line);
            }
        });
        Self {
            child,
            url,
            token,
            said,
        }
    }

    /// The practice droplets this cloud made (other tests' clouds may be making theirs now).
    fn practice_droplets(&self) -> Vec<String> {
        self.said
            .lock()
            .expect("lines")
            .iter()
            .filter_map(|l| l.split_once(" as practice droplet ").map(|(_, p)| p))
            .map(|p| p.split_whitespace().next().unwrap_or_default().to_owned())
            .collect()
    }
}

impl Drop for CloudProcess {
    fn drop(&mut self) {
        // SIGTERM: it removes the droplets it made, then exits.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

#[test]
fn create_one_for_me_in_the_wizard_then_stages_1_to_4_and_destroy() {
    if !host_ready() {
        return;
    }
    let minute = Duration::from_secs(60);
    let cloud = CloudProcess::start();
    let home = tempfile::tempdir().expect("temp home");
    let cast = home.path().join("class.cast");
    let cast_arg = cast.display().to_string();
    let wizard = Tmux::start(
        home.path(),
        &["--api-url", &cloud.url, "--record", &cast_arg],
        &[("TZ", "Europe/Amsterdam")],
    );

    // The first choice, then the token, pasted into the masked field.
    wizard.wait_for("Where is your droplet?", minute);
    wizard.keys(&["Down", "Enter"]);
    wizard.wait_for("Create a droplet · 1 of 8 · Access token", minute);
    wizard.paste(&cloud.token);
    let screen = wizard.wait_for("••••", minute);
    assert!(!screen.contains(&cloud.token), "the token is masked");
    wizard.keys(&["Enter"]);
    let screen = wizard.wait_for("2 of 8 · Image", minute);
    assert!(
        screen.contains("▶ Ubuntu 24.04 LTS (recommended)"),
        "{screen}"
    );
    wizard.keys(&["Enter"]);
    let screen = wizard.wait_for("3 of 8 · Region", minute);
    assert!(
        screen.contains("▶ Amsterdam 3     ams3  Netherlands"),
        "nearest first:\n{screen}"
    );
    wizard.keys(&["Enter"]);
    let screen = wizard.wait_for("4 of 8 · Size", minute);
    assert!(
        screen.contains("▶ 1 vCPU · 1 GB · 25 GB disk  $6.00/month"),
        "{screen}"
    );
    wizard.keys(&["Enter"]);
    wizard.wait_for("5 of 8 · Backups", minute);
    wizard.keys(&["Down", "Enter"]); // off
    let screen = wizard.wait_for("6 of 8 · SSH key", minute);
    assert!(screen.contains("uploaded as"), "a new account: {screen}");
    wizard.keys(&["Enter"]);
    wizard.wait_for("7 of 8 · Name", minute);
    wizard.keys(&["Enter"]);
    let screen = wizard.wait_for("8 of 8 · Summary", minute);
    assert!(screen.contains("Costs $6.00 a month"), "{screen}");
    assert!(screen.contains("Backups  off"), "{screen}");
    wizard.keys(&["Enter"]);

    // Progress, then the host key with its fingerprint, as for any droplet.
    let screen = wizard.wait_for("never connected to", 3 * minute);
    assert!(screen.contains("SHA256:"), "{screen}");
    wizard.keys(&["y"]);
    let screen = wizard.wait_for("Stage 1 of 10 · Connect  ✓ done", 2 * minute);
    assert!(
        !screen.contains("New password"),
        "no root password to change"
    );
    wizard.wait_for("On this server: 1 of 10 stages done", minute);
    wizard.keys(&["Enter"]);

    // 2. Update.
    wizard.wait_for("Stage 2 of 10 · Update system", minute);
    wizard.keys(&["Enter"]);
    wizard.wait_for("Enter: run", 5 * minute);
    wizard.keys(&["Enter"]);
    wizard.wait_for("Update system  ✓ done", 10 * minute);
    wizard.keys(&["Enter"]);
    // 3. The user.
    wizard.wait_for("Stage 3 of 10 · New sudo user", minute);
    wizard.type_text("carol");
    wizard.keys(&["Tab"]);
    wizard.paste(USER_PW);
    wizard.keys(&["Tab"]);
    wizard.paste(USER_PW);
    wizard.keys(&["Enter"]);
    wizard.wait_for("Enter: run", minute);
    wizard.keys(&["Enter"]);
    wizard.wait_for("New sudo user  ✓ done", 2 * minute);
    wizard.keys(&["Enter"]);
    // 4. The key (the one uploaded) and hardening.
    wizard.wait_for("Stage 4 of 10 · SSH key & hardening", minute);
    wizard.keys(&["Tab", "Tab"]);
    wizard.type_text("practice");
    wizard.keys(&["Enter"]);
    wizard.wait_for("Enter: run", minute);
    wizard.keys(&["Enter"]);
    wizard.wait_for("SSH key & hardening  ✓ done", 3 * minute);
    wizard.keys(&["q"]);
    assert!(
        wizard.wait_for_exit(minute),
        "q quit the wizard; the screen:\n{}",
        wizard.screen()
    );

    // The droplet droplift made, saved with its progress; hardened (root by key refused now).
    let progress =
        std::fs::read_to_string(home.path().join("data/progress.toml")).expect("progress saved");
    assert!(progress.contains("name = \"items-api\""), "{progress}");
    assert!(progress.contains("root_login = \"key\""), "{progress}");
    let made = cloud.practice_droplets();
    assert_eq!(made.len(), 1, "one practice droplet: {made:?}");
    assert!(
        droplift::practice::list()
            .iter()
            .any(|d| d.name == made[0] && d.status == droplift::practice::Status::Running),
        "{} runs",
        made[0]
    );

    // Destroyed with the CLI: the practice droplet is gone.
    let destroyed = droplift(
        home.path(),
        &[
            "cloud",
            "destroy",
            "items-api",
            "--yes",
            "--secrets-stdin",
            "--api-url",
            &cloud.url,
        ],
        &format!("do_token={}\n", cloud.token),
    );
    assert!(
        destroyed.status.success(),
        "{}",
        String::from_utf8_lossy(&destroyed.stderr)
    );
    assert!(!droplift::practice::droplet_dir(&made[0]).exists());

    // No secret anywhere droplift wrote: progress, logs, the recording, ~/.ssh.
    let recording = std::fs::read_to_string(&cast).expect("the --record cast");
    assert!(
        recording.contains("Create a droplet"),
        "the cast has the screens"
    );
    let written = all_text_under(home.path());
    assert!(!written.contains(&cloud.token), "the token reached a file");
    assert!(
        !written.contains(USER_PW),
        "the user's password reached a file"
    );
    drop(wizard);
}
