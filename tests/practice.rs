//! End-to-end: a practice droplet behaves like a new password droplet (expired root password over
//! real ssh, its own host keys, apt and HTTPS through the proxy only) and `down` leaves nothing.

mod common;

use common::droplet::{TestDroplet, host_ready, process_running};
use droplift::practice::{self, PracticeError, PracticeOs, Status, UpOptions};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::time::Instant;

/// One droplet for most assertions: booting is cheap, but not free.
#[test]
fn a_practice_droplet_is_a_new_password_droplet_and_down_removes_it_all() {
    let Some(d) = TestDroplet::boot(UpOptions::default()) else {
        return;
    };

    // sshd answers with its banner.
    assert!(practice::ssh_banner(&SocketAddr::from((d.address, 22))));

    // A real ssh login with the password is accepted and then told to change it.
    let out = d.ssh_with_password("root", d.root_password.expose(), "true");
    // ssh prints sshd's notice only at its default log level; look at both streams.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "the expired password let a command run"
    );
    assert!(
        said.contains("You are required to change your password immediately"),
        "ssh said: {said}"
    );
    let chage = d.run(&["chage", "-l", "root"]);
    assert!(chage.contains("password must be changed"), "{chage}");

    // Host keys are the droplet's own, not the cached base's.
    let base_key =
        std::fs::read_to_string(practice::base_dir(d.os).join("etc/ssh/ssh_host_ed25519_key.pub"))
            .expect("base host key");
    let droplet_key = d.run(&["cat", "/etc/ssh/ssh_host_ed25519_key.pub"]);
    assert_ne!(
        base_key.split_whitespace().nth(1),
        droplet_key.split_whitespace().nth(1)
    );

    // It is listed as running, with its system.
    let listed = practice::list();
    let me = listed.iter().find(|l| l.name == d.name).expect("listed");
    assert_eq!(me.status, Status::Running);
    assert_eq!(me.address, Some(d.address));
    assert_eq!(me.os, Some(d.os));

    looks_like_a_new_droplet_of_its_system(&d);

    // Its systemd manages a cgroup tree of its own: a unit stopped in another droplet (whose
    // units have the same names) cannot touch its processes.
    let cgroups = practice::cgroup_dirs(&d.name);
    assert!(
        !cgroups.is_empty(),
        "no cgroup hierarchy found on this computer"
    );
    for dir in &cgroups {
        assert!(dir.join("payload").is_dir(), "{}", dir.display());
    }
    let own = format!("/droplift-{}/payload/init.scope", d.name);
    let init = d.run(&["cat", "/proc/1/cgroup"]);
    assert!(init.lines().any(|l| l.ends_with(&own)), "{own}: {init}");

    // Egress is proxy-only: straight out fails, through the proxy HTTPS works with the host CA.
    // The mirror's address is looked up on the host, so the failure inside is about routing,
    // not merely about the droplet having no DNS.
    let mirror = ("deb.debian.org", 80)
        .to_socket_addrs()
        .expect("the host resolves deb.debian.org")
        .find(|a| a.is_ipv4())
        .expect("an IPv4 address for deb.debian.org");
    let url = format!("http://{}/", mirror.ip());
    let direct = d
        .exec(&["curl", "-sS", "-m", "3", "--noproxy", "*", &url], None)
        .expect("run curl");
    assert!(
        !direct.status.success(),
        "the droplet reached out without the proxy"
    );
    let code = d.run_with_login_env(
        "curl -sS -o /dev/null -w '%{http_code}' https://pypi.org/simple/flask/",
    );
    assert_eq!(code, "200", "pypi.org through the proxy");
    let pip_conf = d.run(&["cat", "/etc/pip.conf"]);
    assert!(pip_conf.contains(&d.proxy_url()), "{pip_conf}");

    // The "Done when": apt installs nginx through the proxy.
    let started = Instant::now();
    d.run(&["apt-get", "update", "-q"]);
    d.run(&[
        "env",
        "DEBIAN_FRONTEND=noninteractive",
        "apt-get",
        "install",
        "-y",
        "-q",
        "nginx",
    ]);
    eprintln!(
        "apt-get update + install nginx: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        d.run(&["dpkg-query", "-W", "-f", "${Status}", "nginx"])
            .contains("installed")
    );

    // down removes the container, the veth, the proxy and the directory.
    let (name, nspawn, proxy, dir) = (
        d.name.clone(),
        d.nspawn_pid,
        d.proxy_pid,
        d.state_dir.clone(),
    );
    d.down().expect("down");
    assert!(!process_running(nspawn), "systemd-nspawn still runs");
    assert!(!process_running(proxy), "tinyproxy still runs");
    assert!(
        !practice::interface_exists(&name),
        "the veth is still there"
    );
    assert!(!dir.exists(), "{} is still there", dir.display());
    for dir in &cgroups {
        assert!(!dir.exists(), "the cgroup {} is still there", dir.display());
    }
    assert!(practice::list().iter().all(|l| l.name != name));
}

/// What the stages must live with on each system, as a real new droplet of it has it.
fn looks_like_a_new_droplet_of_its_system(d: &TestDroplet) {
    let os_release = d.run(&["cat", "/etc/os-release"]);
    let (id, version) = match d.os {
        PracticeOs::Ubuntu2404 => ("ubuntu", "24.04"),
        PracticeOs::Ubuntu2204 => ("ubuntu", "22.04"),
        PracticeOs::Debian12 => ("debian", "12"),
    };
    assert!(
        os_release.contains(&format!("\nID={id}\n"))
            && os_release.contains(&format!("VERSION_ID=\"{version}\"")),
        "{os_release}"
    );
    // Password logins as root are on, whatever drop-ins the image has; ufw is there but off.
    let sshd = d.run(&["sshd", "-T"]);
    assert!(sshd.contains("\npasswordauthentication yes\n"), "{sshd}");
    assert!(sshd.contains("\npermitrootlogin yes\n"), "{sshd}");
    assert!(d.run(&["ufw", "status"]).contains("inactive"));
    // What apt is told to fetch (the lists themselves come with the first `apt-get update`).
    let policy = d.run(&[
        "sh",
        "-c",
        "cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true",
    ]);
    assert!(
        policy.contains(&format!("{}-security", d.os.suite())),
        "{policy}"
    );
    if d.os.is_ubuntu() {
        // The cloud image turns password logins off; cloud-init's drop-in, read first, on.
        let cloudimg = d.run(&["cat", "/etc/ssh/sshd_config.d/60-cloudimg-settings.conf"]);
        assert_eq!(cloudimg.trim(), "PasswordAuthentication no");
        let dropin = d.run(&["cat", "/etc/ssh/sshd_config.d/50-cloud-init.conf"]);
        assert_eq!(dropin.trim(), "PasswordAuthentication yes");
        assert!(
            policy.contains("universe"),
            "uwsgi and certbot live in universe: {policy}"
        );
        assert!(
            d.run(&["sh", "-c", "command -v needrestart"])
                .contains("needrestart")
        );
        let auto = d.run(&["apt-config", "dump", "APT::Periodic::Unattended-Upgrade"]);
        assert!(
            auto.contains("\"1\""),
            "Ubuntu's images update themselves: {auto}"
        );
    }
    if d.os == PracticeOs::Ubuntu2404 {
        // sshd is socket-activated as shipped: systemd listens on 22 and starts ssh.service.
        let active = d
            .exec(
                &["systemctl", "is-active", "ssh.socket", "ssh.service"],
                None,
            )
            .expect("systemctl");
        assert_eq!(String::from_utf8_lossy(&active.stdout), "active\nactive\n");
    }
}

/// The realism switches the stage tests use: Ubuntu's cloud-init sshd drop-in and a dpkg lock
/// held after boot, as unattended-upgrades does.
#[test]
fn cloud_init_dropin_and_a_held_dpkg_lock() {
    let Some(d) = TestDroplet::boot(UpOptions {
        cloud_init_dropin: true,
        hold_dpkg_lock_secs: Some(60),
        ..UpOptions::default()
    }) else {
        return;
    };
    let dropin = d.run(&["cat", "/etc/ssh/sshd_config.d/50-cloud-init.conf"]);
    assert_eq!(dropin.trim(), "PasswordAuthentication yes");

    let out = d
        .exec(
            &[
                "apt-get",
                "install",
                "-y",
                "-o",
                "DPkg::Lock::Timeout=0",
                "less",
            ],
            None,
        )
        .expect("run apt-get");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains("/var/lib/dpkg/lock-frontend"),
        "apt-get said: {said}"
    );

    // The words a student meets on a real droplet name unattended-upgrades.
    assert!(said.contains("(unattended-upgr)"), "apt-get said: {said}");

    // The holder is a unit inside, so stopping it frees the lock as it would on a droplet.
    d.run(&["systemctl", "stop", "droplift-dpkg-hold"]);
    d.run(&[
        "apt-get",
        "install",
        "-y",
        "-o",
        "DPkg::Lock::Timeout=10",
        "less",
    ]);

    // Killed from outside (as a host reboot would), the droplet turns stale and down clears it.
    let (name, nspawn, proxy) = (d.name.clone(), d.nspawn_pid, d.proxy_pid);
    for pid in [nspawn, proxy] {
        // SAFETY: kill(2) on pids this test's droplet owns.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
    let stale = |l: &practice::Listed| l.name == name && l.status == Status::Stale;
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    while !practice::list().iter().any(stale) && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(practice::list().iter().any(stale), "{:?}", practice::list());
    let dir = d.state_dir.clone();
    d.down().expect("down of a stale droplet");
    assert!(!dir.exists());
    assert!(!practice::interface_exists(&name));
}

/// A failure half-way through `up` leaves nothing behind (the guard removes what it made).
#[test]
fn a_failed_up_cleans_up_after_itself() {
    if !host_ready() {
        return;
    }
    // After "network" there is a running container and a veth; after "proxy" a tinyproxy too.
    for step in ["network", "proxy"] {
        let name = format!("f{}-{}", std::process::id() % 10_000, &step[..1]);
        let name = name.as_str();
        let err = practice::up_failing_after(step, name, &mut |_| {}).expect_err("injected");
        assert!(err.to_string().contains("injected"), "{err}");
        assert!(
            !practice::droplet_dir(name).exists(),
            "{name} left its directory"
        );
        assert!(!practice::interface_exists(name), "{name} left its veth");
        assert!(practice::list().iter().all(|l| l.name != name));
        let leftover = std::fs::read_dir("/proc")
            .expect("/proc")
            .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
            .filter(|c| String::from_utf8_lossy(c).contains(&format!("/practice/{name}/")))
            .count();
        assert_eq!(leftover, 0, "{name} left processes");
    }
}

/// Names that would break interface names or paths are refused before anything is made.
#[test]
fn bad_names_are_refused() {
    for bad in ["Practice", "../etc", "abcdefghijkl", "a b", ""] {
        assert!(
            matches!(practice::down(bad), Err(PracticeError::BadName(_))),
            "{bad}"
        );
        let up = practice::up(&UpOptions::default(), Some(bad), &mut |_| {});
        assert!(matches!(up, Err(PracticeError::BadName(_))), "{bad}");
        assert!(
            !Path::new(practice::STATE_ROOT)
                .join(bad)
                .join("rootfs")
                .exists()
        );
    }
}
