//! The background download's checks (issue 21), run inside the course tests rather than on
//! droplets of their own: e2e_app stops its course as stage 5 begins and finds the later stages'
//! packages and the sample app's wheels cached, nothing installed early, and pip run as no root;
//! e2e_course's Debian 12 run kills the download mid-way, leaves broken files behind, and the
//! course still ends with the API answering. Benchmarks, not timed tests: no wall-clock time is
//! asserted here.

use std::time::{Duration, Instant};

use super::droplet::TestDroplet;

pub const CACHE: &str = "/var/cache/droplift/apt/archives";
pub const WHEELS: &str = "/var/cache/droplift/wheels";
/// A `.pth` file runs its `import` line in every Python that starts (pip too, whatever user it
/// runs as): it prints that Python's user id when its command line says `download`. So the
/// server's own Python reports who ran `pip download`, not droplift's script.
const WHO_RAN_PIP: &str = "/usr/lib/python3/dist-packages/droplift-test-who.pth";
const WHO_RAN_PIP_LINE: &str = "import os, sys; 'download' in sys.argv and \
     sys.stderr.write('droplift-test: pip download ran as uid %d\\n' % os.getuid())\n";
/// The line the first stage of the app's packages prints: the course run is stopped there.
pub const STAGE_5: &str = "== Stage 5: PostgreSQL ==";
/// The line that says the download started.
pub const FETCHING: &str = "Fetching in the background";

/// The user ids the `.pth` line saw `pip download` run as, from the download's log.
fn pip_download_uids(log: &str) -> Vec<u32> {
    log.lines()
        .filter_map(|l| l.split("droplift-test: pip download ran as uid ").nth(1))
        .map(|n| n.trim().parse().expect("a uid"))
        .collect()
}

/// Plants the `.pth` line that tells who ran `pip download` (before the course starts).
pub fn plant_who_ran_pip(droplet: &TestDroplet) {
    droplet.run_with_stdin(
        &["sh", "-c", &format!("cat > {WHO_RAN_PIP}")],
        WHO_RAN_PIP_LINE.as_bytes(),
    );
}

/// Waits (at most 5 minutes) until the download's unit is gone or failed.
pub fn wait_for_download(droplet: &TestDroplet) {
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

pub fn installed(droplet: &TestDroplet, package: &str) -> bool {
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

/// After a course run stopped as stage 5 began (`first` is what it printed): the later stages'
/// packages and the sample app's wheels are in droplift's cache, none is installed, pip ran as
/// no root, and the wheels are root's, readable and not writable by the app's user `user`.
pub fn assert_cached_before_their_stage(droplet: &TestDroplet, first: &str, user: &str) {
    let line = first
        .lines()
        .find(|l| l.contains(FETCHING))
        .unwrap_or_else(|| panic!("one line says what is fetched in the background:\n{first}"));
    assert!(
        line.contains("postgresql") && line.contains("nginx") && line.contains("wheels"),
        "{line}"
    );
    wait_for_download(droplet);
    let debs = files_in(droplet, CACHE);
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
            !installed(droplet, package),
            "{package} was installed early"
        );
    }
    let wheels = files_in(droplet, WHEELS);
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
    // The wheels are root's: the app's user (made by stage 3) reads them and cannot change
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
    let as_user = |script: String| {
        droplet
            .exec(&["runuser", "-u", user, "--", "sh", "-c", &script], None)
            .expect("runuser")
            .status
            .success()
    };
    assert!(
        as_user(format!("cat {WHEELS}/*.whl >/dev/null")),
        "{user} reads the wheels"
    );
    assert!(
        !as_user(format!("touch {WHEELS}/x")),
        "{user} cannot add a wheel"
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
}

/// What the rest of a course run said when it installed from the cache: apt and pip used what
/// was fetched, and the log says which uWSGI serves and why.
pub fn assert_rest_used_the_cache(text: &str) {
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
}

/// Kills the download (if it still runs) and leaves what a download cut off mid-way can: a
/// package cut short, a wheel that is not one. The package lists are read first, waiting while
/// the killed run's own `apt-get update` (it goes on on the server) holds them.
pub fn kill_and_break_the_download(droplet: &TestDroplet) {
    let _ = droplet.exec(
        &["systemctl", "kill", "--signal=KILL", "droplift-prefetch"],
        None,
    );
    wait_for_download(droplet);
    droplet.run(&[
        "bash",
        "-c",
        &format!(
            "mkdir -p {CACHE}/partial {WHEELS} && \
             for i in $(seq 180); do apt-get update -qq 2>/dev/null && break; sleep 1; done && \
             v=$(apt-cache show --no-all-versions nginx | sed -n 's/^Version: //p') && \
             head -c 1000 /dev/urandom > {CACHE}/nginx_${{v//:/%3a}}_amd64.deb && \
             echo broken > {WHEELS}/flask-3.1.3-py3-none-any.whl"
        ),
    ]);
}
