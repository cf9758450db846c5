//! Turns a fresh copy of the base into "a new password droplet": its own host keys, machine id
//! and hostname, root login by an expired random password, and outbound only via the host proxy.

use super::error::{Result, io_err};
use super::os::PracticeOs;
use super::sys;
use crate::secret::Secret;
use std::fs;
use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// The host's CA bundle: it holds the local CA that re-signs HTTPS, so pip/curl inside need it.
pub const HOST_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
/// Where the bundle goes inside (update-ca-certificates picks it up from here too).
pub const DROPLET_CA: &str = "/usr/local/share/ca-certificates/droplift-host.crt";
pub const PROXY_PORT: u16 = 8888;

/// Characters for generated passwords: no look-alikes (0/O, 1/l/I), nothing a shell or a
/// beginner's keyboard layout trips over.
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A 20-character random password (≈116 bits).
pub fn random_password() -> Result<Secret> {
    let limit = 256 - 256 % ALPHABET.len(); // rejection sampling keeps every character equally likely
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        for b in sys::random_bytes(32)? {
            if (b as usize) < limit && out.len() < 20 {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    Ok(Secret::new(out))
}

pub struct Customize<'a> {
    pub name: &'a str,
    pub os: PracticeOs,
    pub host_address: Ipv4Addr,
    pub password: &'a Secret,
    pub cloud_init_dropin: bool,
    /// A droplet made with an SSH key (see `UpOptions::root_authorized_key`).
    pub root_key: Option<&'a str>,
}

/// Everything done to the copied tree before it boots (chroot is enough: no service is needed).
pub fn customize(root: &Path, c: &Customize<'_>) -> Result<()> {
    fresh_host_keys(root)?;
    let sshd = root.join("etc/ssh/sshd_config");
    let text = fs::read_to_string(&sshd).map_err(io_err("reading the droplet's sshd_config"))?;
    write(&sshd, &allow_root_password_login(&text))?;
    // cloud-init writes this on every Ubuntu droplet made with a password (the image's own
    // 60-cloudimg-settings.conf says no, but sshd keeps the first value it reads); a later-sorting
    // drop-in of droplift's would lose to it.
    if c.cloud_init_dropin || c.os.is_ubuntu() {
        write(
            &root.join("etc/ssh/sshd_config.d/50-cloud-init.conf"),
            "PasswordAuthentication yes\n",
        )?;
    }
    write(&root.join("etc/hostname"), &format!("{}\n", c.name))?;
    write(
        &root.join("etc/hosts"),
        &format!(
            "127.0.0.1\tlocalhost\n127.0.1.1\t{0}\n::1\tlocalhost ip6-localhost ip6-loopback\n",
            c.name
        ),
    )?;
    // Copies of one base would otherwise share the base's machine id (journald, DHCP ids…).
    let id: String = sys::random_bytes(16)?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    write(&root.join("etc/machine-id"), &format!("{id}\n"))?;
    proxy_settings(root, c.host_address)?;
    match c.root_key {
        Some(key) => root_by_key_only(root, key),
        None => set_expired_root_password(root, c.password),
    }
}

/// A droplet made with an SSH key: the key in root's authorized_keys, no root password, and
/// password logins off in the drop-in cloud-init writes for it (`ssh_pwauth: false`).
fn root_by_key_only(root: &Path, key: &str) -> Result<()> {
    let ssh = root.join("root/.ssh");
    fs::create_dir_all(&ssh).map_err(io_err("creating root's .ssh"))?;
    fs::set_permissions(&ssh, fs::Permissions::from_mode(0o700))
        .map_err(io_err("setting root's .ssh to 700"))?;
    let keys = ssh.join("authorized_keys");
    write(&keys, &format!("{}\n", key.trim()))?;
    fs::set_permissions(&keys, fs::Permissions::from_mode(0o600))
        .map_err(io_err("setting authorized_keys to 600"))?;
    write(
        &root.join("etc/ssh/sshd_config.d/50-cloud-init.conf"),
        "PasswordAuthentication no\n",
    )?;
    sys::run(
        "usermod -p '*' root (no root password)",
        Command::new("chroot")
            .arg(root)
            .args(["usermod", "-p", "*", "root"]),
        None,
    )?;
    Ok(())
}

/// A new droplet's keys are its own; the test checks they differ from the base's.
fn fresh_host_keys(root: &Path) -> Result<()> {
    let dir = root.join("etc/ssh");
    for entry in fs::read_dir(&dir).map_err(io_err("listing the droplet's /etc/ssh"))? {
        let entry = entry.map_err(io_err("listing the droplet's /etc/ssh"))?;
        if entry.file_name().to_string_lossy().starts_with("ssh_host_") {
            fs::remove_file(entry.path()).map_err(io_err("removing the base's host keys"))?;
        }
    }
    sys::run(
        "ssh-keygen -A (new host keys)",
        Command::new("chroot").arg(root).args(["ssh-keygen", "-A"]),
        None,
    )?;
    Ok(())
}

/// DigitalOcean's password droplets say this in sshd_config itself (not a drop-in), so a
/// hardening drop-in written later wins, as it would on the real thing.
pub fn allow_root_password_login(sshd_config: &str) -> String {
    let mut seen_root = false;
    let mut seen_password = false;
    let mut out = String::new();
    for line in sshd_config.lines() {
        let key = line
            .trim_start()
            .trim_start_matches('#')
            .split_whitespace()
            .next();
        match key {
            Some("PermitRootLogin") if !seen_root => {
                seen_root = true;
                out.push_str("PermitRootLogin yes\n");
            }
            Some("PasswordAuthentication") if !seen_password => {
                seen_password = true;
                out.push_str("PasswordAuthentication yes\n");
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if !seen_root {
        out.push_str("PermitRootLogin yes\n");
    }
    if !seen_password {
        out.push_str("PasswordAuthentication yes\n");
    }
    out
}

/// apt, pip, curl and git reach the internet only through the droplet's tinyproxy on the host.
fn proxy_settings(root: &Path, host: Ipv4Addr) -> Result<()> {
    let proxy = format!("http://{host}:{PROXY_PORT}");
    write(
        &root.join("etc/apt/apt.conf.d/90droplift-proxy"),
        &format!("Acquire::http::Proxy \"{proxy}\";\nAcquire::https::Proxy \"{proxy}\";\n"),
    )?;
    let ca = root.join(DROPLET_CA.trim_start_matches('/'));
    if let Some(dir) = ca.parent() {
        fs::create_dir_all(dir).map_err(io_err("creating the droplet's CA directory"))?;
    }
    let _ = fs::remove_file(&ca);
    fs::copy(HOST_CA_BUNDLE, &ca).map_err(io_err(format!("copying {HOST_CA_BUNDLE}")))?;
    // Trusted system-wide too, so curl, git and Python's ssl work like on a real droplet.
    sys::run(
        "update-ca-certificates",
        Command::new("chroot")
            .arg(root)
            .args(["update-ca-certificates"]),
        None,
    )?;
    write(
        &root.join("etc/pip.conf"),
        &format!("[global]\nproxy = {proxy}\ncert = {DROPLET_CA}\n"),
    )?;
    // git (once the course installs it) also outside login sessions, e.g. under systemd.
    write(
        &root.join("etc/gitconfig"),
        &format!("[http]\n\tproxy = {proxy}\n"),
    )?;
    let env_path = root.join("etc/environment");
    let mut env = fs::read_to_string(&env_path).unwrap_or_default();
    for key in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"] {
        env.push_str(&format!("{key}=\"{proxy}\"\n"));
    }
    env.push_str("no_proxy=\"localhost,127.0.0.1,::1\"\n");
    write(&env_path, &env)
}

/// Sets root's password through chpasswd's stdin (never argv, which `ps` shows) and expires it,
/// so the first login must change it, exactly like an e-mailed DigitalOcean password.
fn set_expired_root_password(root: &Path, password: &Secret) -> Result<()> {
    let line = Secret::new(format!("root:{}\n", password.expose()));
    sys::run(
        "chpasswd (setting root's password)",
        Command::new("chroot").arg(root).arg("chpasswd"),
        Some(line.expose().as_bytes()),
    )?;
    sys::run(
        "chage -d 0 root (expiring root's password)",
        Command::new("chroot")
            .arg(root)
            .args(["chage", "-d", "0", "root"]),
        None,
    )?;
    Ok(())
}

/// Replaces a file (removing it first, so a symlink in the image is replaced, not followed).
fn write(path: &Path, text: &str) -> Result<()> {
    let _ = fs::remove_file(path);
    fs::write(path, text).map_err(io_err(format!("writing {}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_login_lines_replace_the_commented_defaults() {
        let text = "Include /etc/ssh/sshd_config.d/*.conf\n#PermitRootLogin prohibit-password\n#PasswordAuthentication yes\nUsePAM yes\n";
        let out = allow_root_password_login(text);
        assert_eq!(
            out,
            "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nPasswordAuthentication yes\nUsePAM yes\n"
        );
        let appended = allow_root_password_login("UsePAM yes\n");
        assert!(appended.ends_with("PermitRootLogin yes\nPasswordAuthentication yes\n"));
    }

    #[test]
    fn passwords_are_twenty_safe_characters_and_differ() {
        let a = random_password().expect("urandom");
        let b = random_password().expect("urandom");
        assert_eq!(a.expose().len(), 20);
        assert!(a.expose().bytes().all(|c| ALPHABET.contains(&c)));
        assert_ne!(a, b);
    }
}
