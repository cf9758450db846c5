//! apt on a real new Ubuntu droplet never waits for an answer nobody can give: a package held
//! with `apt-mark hold` is left alone and named, and an upgrade that hangs is stopped at the
//! time box with words a beginner can act on (here with a one-minute box instead of 25).

mod common;

use common::cli;
use common::droplet::TestDroplet;
use droplift::practice::{PracticeOs, UpOptions};

const APT_SCRIPT: &str = include_str!("../src/course/stages/update/apt.sh");

fn version(droplet: &TestDroplet, package: &str) -> String {
    droplet.run(&["dpkg-query", "-W", "-f", "${Version}", package])
}

#[test]
fn a_held_package_is_named_and_a_hanging_upgrade_is_stopped_and_explained() {
    let Some(droplet) = TestDroplet::boot_exactly(UpOptions {
        os: PracticeOs::Ubuntu2404,
        ..UpOptions::default()
    }) else {
        return;
    };
    // The base is the release as it shipped, so curl has an update waiting: hold it.
    droplet.run(&["apt-get", "update", "-q"]);
    let candidate = droplet.run(&[
        "sh",
        "-c",
        "apt-cache policy curl | awk '/Candidate/ { print $2 }'",
    ]);
    let before = version(&droplet, "curl");
    assert_ne!(candidate.trim(), before, "curl must have an update waiting");
    droplet.run(&["apt-mark", "hold", "curl"]);

    let home = tempfile::tempdir().expect("temp home");
    let answers = cli::answers_file(
        home.path(),
        &format!(
            "[server]\nhost = \"{}\"\n\n[user]\nname = \"erin\"\n",
            droplet.address
        ),
    );
    let out = cli::apply(
        home.path(),
        &answers,
        &["connect", "update"],
        &format!(
            "root_password={}\nnew_root_password=apt root pw 5\n",
            droplet.root_password.expose()
        ),
    );
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{said}");
    assert!(
        said.lines()
            .any(|l| l.contains("kept at their version") && l.contains("curl")),
        "the held package is named:\n{said}"
    );
    assert_eq!(version(&droplet, "curl"), before, "held means left alone");
    assert_eq!(droplet.run(&["apt-mark", "showhold"]).trim(), "curl");

    // An upgrade that hangs (a dpkg hook that never returns, as a package waiting for an
    // answer would): the time box stops it and says what to do.
    droplet.run(&["apt-mark", "unhold", "curl"]);
    std::fs::write(
        droplet.rootfs().join("etc/apt/apt.conf.d/99hang"),
        "DPkg::Pre-Invoke { \"sleep 600\"; };\n",
    )
    .expect("hook");
    let script = format!("apt_command=upgrade\napt_minutes=1\n{APT_SCRIPT}");
    let hung = droplet
        .exec(&["bash", "-c", &script], None)
        .expect("bash runs");
    let err = String::from_utf8_lossy(&hung.stderr);
    assert_eq!(hung.status.code(), Some(1), "{err}");
    assert!(
        err.contains("did not finish in 1 minutes and was stopped")
            && err.contains("sudo dpkg --configure -a"),
        "{err}"
    );
    // (Those words come only from timeout's exit status: the box stopped it, not the hook.)
    let card = droplift::course::advice::recognise(
        droplift::course::StageId::Update,
        &[err.trim().to_owned()],
        "",
    )
    .expect("a known case");
    assert!(card.next.contains("dpkg --configure -a"));

    // What the card says to do works: without the hang the update finishes.
    std::fs::remove_file(droplet.rootfs().join("etc/apt/apt.conf.d/99hang")).expect("unhook");
    droplet.run(&["dpkg", "--configure", "-a"]);
    let script = format!("apt_command=upgrade\napt_minutes=10\n{APT_SCRIPT}");
    droplet.run(&["bash", "-c", &script]);
    assert_ne!(version(&droplet, "curl"), before, "now curl is upgraded");
}
