//! The shell functions of stages 5 and 6, run by bash on this computer against sample files
//! and stand-ins for `sshd` and `ufw`: the pg_hba.conf change touches exactly one line, and the
//! firewall's rule list comes from sshd's real ports. Fast checks of what the e2e test relies on.

use std::path::Path;
use std::process::Command;

const PG_LIB: &str = include_str!("../src/course/stages/postgres/lib.sh");
const FW_LIB: &str = include_str!("../src/course/stages/firewall/lib.sh");

/// Runs `body` after `lib` with `vars` set, `bin` first on PATH; returns stdout (must succeed).
fn bash(lib: &str, vars: &str, body: &str, bin: &Path) -> String {
    let script = format!("{vars}\n{lib}\n{body}");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .env("PATH", path)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        script
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A stand-in command in `bin` that prints `output`.
fn fake(bin: &Path, name: &str, output: &str) {
    fake_script(bin, name, &format!("cat <<'EOF'\n{output}\nEOF"));
}

/// A stand-in command in `bin` that runs the sh `body`.
fn fake_script(bin: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = bin.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// systemd as on a system without socket-activated sshd (Debian, Ubuntu 22.04).
fn no_ssh_socket(bin: &Path) {
    fake_script(bin, "systemctl", "exit 3");
}

const DEBIAN: &str = "\
# Database administrative login by Unix domain socket
local   all             postgres                                peer

# TYPE  DATABASE        USER            ADDRESS                 METHOD

# \"local\" is for Unix domain socket connections only
local   all             all                                     peer
# IPv4 local connections:
host    all             all             127.0.0.1/32            scram-sha-256
local   replication     all                                     peer
";

fn hba_after(file: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pg_hba.conf");
    std::fs::write(&path, file).expect("write");
    bash(
        PG_LIB,
        "role=r\ndb=d",
        &format!("hba_after {}", path.display()),
        dir.path(),
    )
}

#[test]
fn pg_hba_changes_exactly_the_socket_line_of_ordinary_users() {
    let after = hba_after(DEBIAN);
    assert_eq!(
        after,
        DEBIAN.replace(
            "local   all             all                                     peer",
            "local   all             all                                     scram-sha-256"
        )
    );
    assert_eq!(hba_after(&after), after, "a second run changes nothing");
}

#[test]
fn without_an_administrator_line_one_is_put_first() {
    let file = "local all all peer # ordinary users\nhost all all 0.0.0.0/0 md5\n";
    assert_eq!(
        hba_after(file),
        "local   all             postgres                                peer\n\
         local all all scram-sha-256 # ordinary users\nhost all all 0.0.0.0/0 md5\n"
    );
}

#[test]
fn other_lines_are_left_exactly_as_they_are() {
    let file = "local all postgres peer\nlocal items-db all peer\nlocal all all trust\n\
                local all all md5\n#local all all peer\n";
    assert_eq!(
        hba_after(file),
        file,
        "only `local all all peer` is droplift's to change"
    );
}

#[test]
fn the_firewall_wants_every_port_sshd_listens_on_first() {
    let bin = tempfile::tempdir().expect("tempdir");
    no_ssh_socket(bin.path());
    fake(
        bin.path(),
        "sshd",
        "port 2222\nport 22\nlistenaddress 0.0.0.0:2222",
    );
    let rules = bash(
        FW_LIB,
        "web='80/tcp 443/tcp'\nextra='8080/tcp 53/udp'",
        "wanted | cut -f1,2",
        bin.path(),
    );
    assert_eq!(
        rules,
        "22/tcp\tSSH\n2222/tcp\tSSH\n80/tcp\tweb\n443/tcp\tHTTPS\n8080/tcp\tyour port\n53/udp\tyour port\n"
    );
    let none = bash(
        FW_LIB,
        "web=80/tcp\nextra=''",
        "wanted | cut -f1",
        bin.path(),
    );
    assert_eq!(none, "22/tcp\n2222/tcp\n80/tcp\n");
}

#[test]
fn where_systemd_listens_for_sshd_its_socket_s_ports_are_wanted_too() {
    // Ubuntu 24.04: ssh.socket listens. A Port changed in sshd_config by hand, without
    // `systemctl daemon-reload` and a restart of ssh.socket, is not where logins arrive yet:
    // both ports stay open, so neither the old nor the new one is shut.
    let bin = tempfile::tempdir().expect("tempdir");
    fake(bin.path(), "sshd", "port 2222\naddressfamily any");
    fake_script(
        bin.path(),
        "systemctl",
        "case \"$1\" in\n\
         is-active) exit 0 ;;\n\
         show) printf '0.0.0.0:22 (Stream)\\n[::]:22 (Stream)\\n' ;;\n\
         *) exit 1 ;;\n\
         esac",
    );
    let rules = bash(
        FW_LIB,
        "web=80/tcp\nextra=''",
        "wanted | cut -f1,2",
        bin.path(),
    );
    assert_eq!(rules, "22/tcp\tSSH\n2222/tcp\tSSH\n80/tcp\tweb\n");
}

#[test]
fn without_sshd_s_port_nothing_is_wanted_and_the_caller_stops() {
    let bin = tempfile::tempdir().expect("tempdir");
    no_ssh_socket(bin.path());
    fake(bin.path(), "sshd", "");
    let out = bash(
        FW_LIB,
        "web=80/tcp\nextra=''",
        "if wanted >/dev/null 2>&1; then echo enabled; else echo refused; fi",
        bin.path(),
    );
    assert_eq!(out, "refused\n");
}

#[test]
fn rules_are_recognised_and_droplifts_old_ones_found() {
    let bin = tempfile::tempdir().expect("tempdir");
    no_ssh_socket(bin.path());
    fake(bin.path(), "sshd", "port 22");
    fake(
        bin.path(),
        "ufw",
        "Added user rules (see 'ufw status' for running firewall):\n\
         ufw allow 22/tcp comment 'droplift: SSH'\n\
         ufw allow 9000/tcp comment 'droplift: your port'\n\
         ufw allow 5432\n\
         ufw allow 80/tcp",
    );
    let out = bash(
        FW_LIB,
        "web=80/tcp\nextra=''",
        "want=$(wanted); now=$(added)\n\
         for r in 22/tcp 80/tcp 5432/tcp 5432/udp 8080/tcp 2/tcp; do\n\
           if has_rule \"$r\" \"$now\"; then echo \"has $r\"; fi\n\
         done\n\
         stale_rules \"$want\"",
        bin.path(),
    );
    assert_eq!(
        out, "has 22/tcp\nhas 80/tcp\nhas 5432/tcp\nhas 5432/udp\n9000/tcp\n",
        "a rule for both protocols counts; 2/tcp is not 22/tcp; only droplift's own old rule is stale"
    );
}

const CONNECT_PROBE: &str = include_str!("../src/course/stages/connect/probe.sh");

/// Stage 1's check with `os_release` as the server's /etc/os-release: its last line.
fn connect_verdict(os_release: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("os-release");
    std::fs::write(&file, os_release).expect("write");
    let vars = format!(
        "os_release='{}'\nsupported='{}'\nsupported_names='{}'",
        file.display(),
        droplift::course::stages::connect::SUPPORTED,
        droplift::course::stages::connect::SUPPORTED_NAMES
    );
    let out = bash(CONNECT_PROBE, &vars, "", dir.path());
    out.lines().last().unwrap_or_default().to_owned()
}

#[test]
fn only_the_systems_the_course_was_made_for_are_accepted() {
    let ubuntu = "PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=debian\n";
    assert!(
        connect_verdict(ubuntu).starts_with("droplift-state: done logged in to Ubuntu 24.04.1 LTS"),
        "{}",
        connect_verdict(ubuntu)
    );
    let jammy = "PRETTY_NAME=\"Ubuntu 22.04.5 LTS\"\nVERSION_ID=\"22.04\"\nID=ubuntu\n";
    assert!(connect_verdict(jammy).starts_with("droplift-state: done"));
    let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\nID=debian\n";
    assert!(connect_verdict(debian).starts_with("droplift-state: done"));
    // A CentOS droplet, a newer Ubuntu not yet tested, and a server without os-release.
    for (text, named) in [
        (
            "NAME=\"CentOS Stream\"\nVERSION_ID=\"9\"\nID=\"centos\"\nPRETTY_NAME=\"CentOS Stream 9\"\n",
            "CentOS Stream 9",
        ),
        (
            "PRETTY_NAME=\"Ubuntu 25.04\"\nVERSION_ID=\"25.04\"\nID=ubuntu\n",
            "Ubuntu 25.04",
        ),
        ("", "a system without /etc/os-release"),
    ] {
        let verdict = connect_verdict(text);
        assert_eq!(
            verdict,
            format!(
                "droplift-state: drifted droplift supports Ubuntu 22.04/24.04 and Debian 12; \
                 this server runs {named}"
            )
        );
        let why = verdict.trim_start_matches("droplift-state: drifted ");
        let card =
            droplift::course::advice::recognise(droplift::course::StageId::Connect, &[], why)
                .expect("a known case");
        assert!(card.next.contains("Ubuntu 24.04"), "{}", card.next);
    }
}

const STOP_UNDO: &str = include_str!("../src/course/scripts/undo/stop.sh");
const CANCEL_UNDO: &str = include_str!("../src/course/scripts/undo/cancel.sh");

/// systemd as seen by the cancel: the timer stops; the revert's service is `active` for the
/// first `busy` looks (none: the timer never fired), then the revert ends (removing `pending`
/// when `works`), and systemd says whether it failed.
fn undo_systemd(bin: &Path, state: &Path, busy: u32, works: bool) {
    let count = bin.join("looks");
    let state = state.display();
    let failed = if works { 1 } else { 0 };
    let finish = if works && busy > 0 {
        format!("rm -f {state}/pending;")
    } else {
        String::new()
    };
    fake_script(
        bin,
        "systemctl",
        &format!(
            "case \"$1\" in\n\
             show) n=$(($(cat {count} 2>/dev/null || echo 0) + 1)); echo $n > {count}\n\
               if [ $n -le {busy} ]; then echo active; else {finish} echo inactive; fi ;;\n\
             is-active) exit 3 ;;\n\
             is-failed) [ -e {count} ] && [ $(cat {count}) -gt {busy} ] && [ {busy} -gt 0 ] && exit {failed}; exit 1 ;;\n\
             *) exit 0 ;;\n\
             esac",
            count = count.display()
        ),
    );
}

/// Runs the cancel of the automatic undo against the fake systemd; (succeeded, stdout+stderr).
fn cancel(bin: &Path, state: &Path) -> (bool, String) {
    let script = format!(
        "state='{}'\nundo_unit=droplift-ufw-undo\n{STOP_UNDO}\n{CANCEL_UNDO}",
        state.display()
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .expect("bash runs");
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), said)
}

#[test]
fn cancelling_the_undo_waits_for_a_revert_that_started_and_says_the_change_was_undone() {
    // Nothing started: the change stays.
    let dir = tempfile::tempdir().expect("tmp");
    let (bin, state) = (dir.path().join("bin"), dir.path().join("state"));
    std::fs::create_dir_all(&bin).expect("bin");
    std::fs::create_dir_all(&state).expect("state");
    std::fs::write(state.join("pending"), "").expect("pending");
    undo_systemd(&bin, &state, 0, true);
    let (ok, said) = cancel(&bin, &state);
    assert!(ok, "{said}");
    assert!(said.contains("the new settings stay"), "{said}");
    assert!(!state.join("pending").exists());

    // The timer fired just before the cancel: the revert runs for a while, then puts the old
    // settings back. The cancel waits for it and says the change was undone, not kept.
    let dir = tempfile::tempdir().expect("tmp");
    let (bin, state) = (dir.path().join("bin"), dir.path().join("state"));
    std::fs::create_dir_all(&bin).expect("bin");
    std::fs::create_dir_all(&state).expect("state");
    std::fs::write(state.join("pending"), "").expect("pending");
    undo_systemd(&bin, &state, 3, true);
    let (ok, said) = cancel(&bin, &state);
    assert!(!ok, "{said}");
    assert!(
        said.contains("this stage's change was undone and the old settings are back"),
        "{said}"
    );
    assert!(!said.contains("stay"), "{said}");
    let looks: u32 = std::fs::read_to_string(bin.join("looks"))
        .expect("looked")
        .trim()
        .parse()
        .expect("a count");
    assert!(
        looks > 3,
        "the cancel waited for the revert ({looks} looks)"
    );

    // The revert started and failed part-way: not kept, and pending stays for the rollback.
    let dir = tempfile::tempdir().expect("tmp");
    let (bin, state) = (dir.path().join("bin"), dir.path().join("state"));
    std::fs::create_dir_all(&bin).expect("bin");
    std::fs::create_dir_all(&state).expect("state");
    std::fs::write(state.join("pending"), "").expect("pending");
    undo_systemd(&bin, &state, 2, false);
    let (ok, said) = cancel(&bin, &state);
    assert!(!ok, "{said}");
    assert!(said.contains("failed part-way"), "{said}");
    assert!(state.join("pending").exists(), "the rollback still sees it");
}
