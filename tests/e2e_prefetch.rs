//! The background download, end to end on practice droplets with the real binary: the packages
//! of the later stages (and the sample app's wheels) are in droplift's cache before the stage
//! that installs them, and nothing is installed early; a download killed mid-way, with a
//! truncated package and a broken wheel left behind, costs time only: the course still ends
//! with the API answering. pip's download never runs as root: Python itself, started by it, says
//! which user it is, and the wheels it leaves are root's, readable by the app's user and not
//! writable by it. Benchmarks, not timed tests: no wall-clock time is asserted here.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::droplet::TestDroplet;
use droplift::practice::UpOptions;

const NEW_ROOT: &str = "prefetch root pw 1";
const USER_PW: &str = "prefetch user pw 2";
const DB_PW: &str = "prefetch db pw 3";
const CACHE: &str = "/var/cache/droplift/apt/archives";
const WHEELS: &str = "/var/cache/droplift/wheels";
/// A `.pth` file runs its `import` line in every Python that starts (pip too, whatever user it
/// runs as): it prints that Python's user id when its command line says `download`. So the
/// server's own Python reports who ran `pip download`, not droplift's script.
const WHO_RAN_PIP: &str = "/usr/lib/python3/dist-packages/droplift-test-who.pth";
const WHO_RAN_PIP_LINE: &str = "import os, sys; 'download' in sys.argv and \
     sys.stderr.write('droplift-test: pip download ran as uid %d\\n' % os.getuid())\n";

/// The user ids the `.pth` line saw `pip download` run as, from the download's log.
fn pip_download_uids(log: &str) -> Vec<u32> {
    log.lines()
        .filter_map(|l| l.split("droplift-test: pip download ran as uid ").nth(1))
        .map(|n| n.trim().parse().expect("a uid"))
        .collect()
}

fn answers(home: &Path, host: &str) -> String {
    common::cli::answers_file(
        home,
        &format!(
            "[server]\nhost = \"{host}\"\n\n[user]\nname = \"gus\"\n\n\
             [postgres]\nrole = \"gus\"\ndatabase = \"items\"\n\n\
             [nginx]\nsite = \"items-rest\"\nserver_name = \"_\"\n"
        ),
    )
}

fn apply_args(file: &str) -> Vec<&str> {
    vec![
        "apply",
        "--answers",
        file,
        "--yes",
        "--secrets-stdin",
        "--accept-new-host-key",
    ]
}

/// Waits (at most 5 minutes) until the download's unit is gone or failed.
fn wait_for_download(droplet: &TestDroplet) {
    let started = Instant::now();
    while droplet
        .exec(
            &["systemctl", "is-active", "--quiet", "droplift-prefetch"],
            None,
        )
        .expect("systemctl")
        .status
        .success()
    {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the background download is still running after 5 minutes"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn installed(droplet: &TestDroplet, package: &str) -> bool {
    let out = droplet
        .exec(
            &["dpkg-query", "-W", "-f=${db:Status-Status}", package],
            None,
        )
        .expect("dpkg-query");
    String::from_utf8_lossy(&out.stdout) == "installed"
}

fn files_in(droplet: &TestDroplet, dir: &str) -> Vec<String> {
    droplet
        .run(&["ls", "-1", dir])
        .lines()
        .map(str::to_owned)
        .collect()
}

fn get_items(address: &str) -> String {
    let out = std::process::Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            &format!("http://{address}/items"),
        ])
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_later_stages_packages_are_cached_before_their_stage_and_none_installed_early() {
    let Some(droplet) = TestDroplet::boot(UpOptions::default()) else {
        return;
    };
    let home = tempfile::tempdir().expect("home");
    let file = answers(home.path(), &droplet.address.to_string());
    let secrets = format!(
        "root_password={}\nnew_root_password={NEW_ROOT}\nuser_password={USER_PW}\n\
         db_password={DB_PW}\n",
        droplet.root_password.expose()
    );
    droplet.run_with_stdin(
        &["sh", "-c", &format!("cat > {WHO_RAN_PIP}")],
        WHO_RAN_PIP_LINE.as_bytes(),
    );
    // Stopped just as stage 5 begins: the stages that install packages have not run yet.
    let (out, hit) = common::cli::droplift_killed_at(
        home.path(),
        &apply_args(&file),
        &secrets,
        "== Stage 5: PostgreSQL ==",
        Duration::ZERO,
    );
    assert!(hit, "stage 5 was reached:\n{out}");
    let line = out
        .lines()
        .find(|l| l.contains("Fetching in the background"))
        .unwrap_or_else(|| panic!("one line says what is fetched in the background:\n{out}"));
    assert!(
        line.contains("postgresql") && line.contains("nginx") && line.contains("wheels"),
        "{line}"
    );
    wait_for_download(&droplet);
    let debs = files_in(&droplet, CACHE);
    // The server version's own package (postgresql-15 on Debian 12, -16 on Ubuntu 24.04) comes
    // in through the `postgresql` metapackage; both are wanted, whatever the version is.
    assert!(
        debs.iter().any(|d| d
            .strip_prefix("postgresql-")
            .and_then(|rest| rest.split('_').next())
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))),
        "the server version's postgresql-NN*.deb is in the cache: {debs:?}"
    );
    for wanted in [
        "postgresql_",
        "nginx_",
        "python3-venv_",
        "uwsgi-core_",
        "uwsgi-plugin-python3_",
    ] {
        assert!(
            debs.iter()
                .any(|d| d.starts_with(wanted) && d.ends_with(".deb")),
            "{wanted}*.deb is in droplift's cache before its stage; the cache holds {debs:?}\n{}",
            droplet.run(&["cat", "/var/lib/droplift/prefetch/log"])
        );
    }
    for package in ["postgresql", "nginx", "uwsgi-core", "python3-venv"] {
        assert!(
            !installed(&droplet, package),
            "{package} was installed early"
        );
    }
    let wheels = files_in(&droplet, WHEELS);
    for wanted in ["flask-", "sqlalchemy-", "psycopg2_binary-"] {
        assert!(
            wheels
                .iter()
                .any(|w| w.to_lowercase().starts_with(wanted) && w.ends_with(".whl")),
            "{wanted}*.whl was fetched: {wheels:?}"
        );
    }
    assert!(
        !wheels.iter().any(|w| w.to_lowercase().starts_with("uwsgi")),
        "the system's uWSGI serves the app, so pip's is not fetched: {wheels:?}"
    );
    // pip ran, and never as root (a package that comes as source runs its build code in it).
    let log = droplet.run(&["cat", "/var/lib/droplift/prefetch/log"]);
    let uids = pip_download_uids(&log);
    assert!(
        !uids.is_empty(),
        "pip download ran (the .pth line saw it):\n{log}"
    );
    assert!(
        uids.iter().all(|&uid| uid != 0),
        "pip download ran as root (uids {uids:?}):\n{log}"
    );
    droplet.run(&["rm", WHO_RAN_PIP]);
    // The wheels are root's: the app's user (gus, made by stage 3) reads them and cannot change
    // them; nothing of the unprivileged download is left behind.
    let owners = droplet.run(&[
        "sh",
        "-c",
        &format!("stat -c '%U %a %n' {WHEELS} {WHEELS}/*"),
    ]);
    for line in owners.lines() {
        let (owner, rest) = line.split_once(' ').expect("owner");
        let mode = rest.split(' ').next().expect("mode");
        assert_eq!(owner, "root", "{line}");
        assert!(mode == "755" || mode == "644", "{line}");
    }
    let as_gus = |script: String| {
        droplet
            .exec(&["runuser", "-u", "gus", "--", "sh", "-c", &script], None)
            .expect("runuser")
            .status
            .success()
    };
    assert!(
        as_gus(format!("cat {WHEELS}/*.whl >/dev/null")),
        "gus reads the wheels"
    );
    assert!(
        !as_gus(format!("touch {WHEELS}/x")),
        "gus cannot add a wheel"
    );
    assert!(
        droplet
            .exec(&["test", "-e", "/var/cache/private/droplift-pip"], None)
            .expect("test")
            .status
            .code()
            == Some(1),
        "the unprivileged download's folder is gone"
    );

    // The rest of the course installs from the cache and ends with the API answering.
    let rest = common::cli::droplift(
        home.path(),
        &apply_args(&file),
        &format!("user_password={USER_PW}\ndb_password={DB_PW}\n"),
    );
    let text = String::from_utf8_lossy(&rest.stdout).into_owned();
    assert!(rest.status.success(), "the rest of the course:\n{text}");
    assert!(
        text.contains("packages fetched in the background:"),
        "the install steps used the cache:\n{text}"
    );
    assert!(
        text.contains("installing from the wheels fetched in the background"),
        "pip used the wheels:\n{text}"
    );
    assert!(
        text.contains("the distribution's uwsgi-core with its python3 plugin"),
        "the log says which uWSGI and why:\n{text}"
    );
    assert_eq!(
        get_items(&droplet.address.to_string()).trim(),
        r#"{"items":[]}"#
    );
    let mark = droplet.run(&[
        "sh",
        "-c",
        "cat /var/lib/droplift/app/items-rest/marks/$(cat /var/lib/droplift/app/items-rest/current)",
    ]);
    assert!(mark.contains("uwsgi=system"), "{mark}");
}

#[test]
fn a_download_killed_mid_way_with_broken_files_left_costs_time_only() {
    let Some(droplet) = TestDroplet::boot(UpOptions::default()) else {
        return;
    };
    let home = tempfile::tempdir().expect("home");
    let file = answers(home.path(), &droplet.address.to_string());
    let secrets = format!(
        "root_password={}\nnew_root_password={NEW_ROOT}\nuser_password={USER_PW}\n\
         db_password={DB_PW}\n",
        droplet.root_password.expose()
    );
    // droplift stops as soon as the download has started; the download is killed a moment later.
    let (out, hit) = common::cli::droplift_killed_at(
        home.path(),
        &apply_args(&file),
        &secrets,
        "Fetching in the background",
        Duration::from_millis(1500),
    );
    assert!(hit, "the download started:\n{out}");
    let _ = droplet.exec(
        &["systemctl", "kill", "--signal=KILL", "droplift-prefetch"],
        None,
    );
    wait_for_download(&droplet);
    // What a download cut off mid-way can leave: a package cut short, a wheel that is not one.
    droplet.run(&[
        "bash",
        "-c",
        &format!(
            "mkdir -p {CACHE}/partial {WHEELS} && \
             apt-get update -qq && \
             v=$(apt-cache show --no-all-versions nginx | sed -n 's/^Version: //p') && \
             head -c 1000 /dev/urandom > {CACHE}/nginx_${{v//:/%3a}}_amd64.deb && \
             echo broken > {WHEELS}/flask-3.1.3-py3-none-any.whl"
        ),
    ]);
    // Root's password was changed at that first login already.
    let rest = common::cli::droplift(
        home.path(),
        &apply_args(&file),
        &format!("root_password={NEW_ROOT}\nuser_password={USER_PW}\ndb_password={DB_PW}\n"),
    );
    let text = String::from_utf8_lossy(&rest.stdout).into_owned();
    assert!(
        rest.status.success(),
        "the course after the broken download:\n{text}"
    );
    assert_eq!(
        get_items(&droplet.address.to_string()).trim(),
        r#"{"items":[]}"#
    );
    assert!(installed(&droplet, "nginx") && installed(&droplet, "postgresql"));
}
