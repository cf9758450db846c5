//! A changed SSH port on Ubuntu 24.04, where systemd's `ssh.socket` listens for sshd and only
//! follows a `Port` in sshd's settings after `systemctl daemon-reload` and a restart of the
//! socket. Done properly by hand, droplift follows it: the login, the ~/.ssh/config alias and
//! the firewall all use the new port. Half-done (the setting changed, the socket not), the
//! firewall keeps the port logins really arrive on open, so nobody is shut out.

mod common;

use common::cli;
use common::droplet::TestDroplet;
use droplift::practice::{PracticeOs, UpOptions};
use std::process::Command;

const USER_PW: &str = "port test pw 42";

fn listening(droplet: &TestDroplet) -> String {
    droplet.run(&["ss", "-Htln"])
}

#[test]
fn a_port_changed_through_ssh_socket_is_followed_and_a_half_made_change_shuts_nothing() {
    let Some(droplet) = TestDroplet::boot_exactly(UpOptions {
        os: PracticeOs::Ubuntu2404,
        ..UpOptions::default()
    }) else {
        return;
    };
    // The Ubuntu 24.04 way to move sshd: the setting, then the socket generated from it.
    droplet.run(&[
        "sh",
        "-c",
        "echo 'Port 2222' > /etc/ssh/sshd_config.d/10-port.conf \
         && systemctl daemon-reload && systemctl restart ssh.socket",
    ]);
    let ports = listening(&droplet);
    assert!(
        ports.contains(":2222 ") && !ports.contains(":22 "),
        "{ports}"
    );

    let home = tempfile::tempdir().expect("temp home");
    let answers = cli::answers_file(
        home.path(),
        &format!(
            "[server]\nhost = \"{}\"\nport = 2222\n\n[user]\nname = \"erin\"\n\n\
             [ssh]\nkey = \"~/.ssh/id_ed25519\"\nalias = \"portdrop\"\n",
            droplet.address
        ),
    );
    let answers = answers.as_str();
    let out = cli::apply(
        home.path(),
        answers,
        &["connect", "user", "ssh", "firewall"],
        &format!(
            "root_password={}\nnew_root_password=port root pw 7\nuser_password={USER_PW}\n",
            droplet.root_password.expose()
        ),
    );
    let said = cli::said(&out);
    assert!(out.status.success(), "{said}");

    // The firewall lets SSH in on 2222, and only there: nothing listens on 22.
    droplet.assert_firewall_on(&["2222/tcp"]);
    let ufw = droplet.run(&["ufw", "status"]);
    assert!(
        !ufw.lines().any(|l| l.starts_with("22/tcp")),
        "no rule for a port nobody listens on:\n{ufw}"
    );
    // The alias carries the port: a plain `ssh portdrop` works through the firewall.
    let config = std::fs::read_to_string(home.path().join(".ssh/config")).expect("ssh config");
    assert!(
        config.contains("Host portdrop") && config.contains("Port 2222"),
        "{config}"
    );
    let alias_login = || {
        Command::new("ssh")
            .args(["-F"])
            .arg(home.path().join(".ssh/config"))
            .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no"])
            .args([
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "ConnectTimeout=10",
            ])
            .args(["portdrop", "id -un"])
            .output()
            .expect("ssh runs")
    };
    let login = alias_login();
    assert_eq!(
        String::from_utf8_lossy(&login.stdout).trim(),
        "erin",
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );

    // Half a change by hand: a new Port in the settings, but no daemon-reload and no socket
    // restart, so logins still arrive on 2222. The firewall keeps 2222 and adds 2200.
    droplet.run(&[
        "sh",
        "-c",
        "echo 'Port 2200' > /etc/ssh/sshd_config.d/10-port.conf",
    ]);
    let sshd = droplet.run(&["sshd", "-T"]);
    assert!(sshd.lines().any(|l| l == "port 2200"), "{sshd}");
    assert!(listening(&droplet).contains(":2222 "));
    let again = cli::apply(
        home.path(),
        answers,
        &["firewall"],
        &format!("user_password={USER_PW}\n"),
    );
    assert!(again.status.success(), "{}", cli::said(&again));
    droplet.assert_firewall_on(&["2222/tcp", "2200/tcp"]);
    let login = alias_login();
    assert_eq!(String::from_utf8_lossy(&login.stdout).trim(), "erin");
}
