//! The teaching text for each stage, in plain words for someone who has never run a server:
//! what the stage does and why it matters. Shown on the stage's screen and in the runbook.

use super::StageId;

/// What the stage does, and why, in a few short sentences.
pub fn explanation(stage: StageId) -> &'static str {
    match stage {
        StageId::Connect => {
            "Your droplet is a computer in a data centre. SSH, an encrypted remote terminal, \
             reaches it. The first login is as root (the all-powerful administrator) with the \
             e-mailed password; a new droplet then asks for a new one."
        }
        StageId::Update => {
            "A new server image is months old. apt, the package manager of Ubuntu and Debian, \
             fetches the list of current packages (apt update) and installs the security fixes \
             released since (apt upgrade), keeping the provider's configuration files. Programs \
             still running old code are restarted (needrestart, on Ubuntu). Then the droplet \
             learns to install future security fixes by itself every day (unattended-upgrades)."
        }
        StageId::User => {
            "Working as root all day is risky: one typo can break the system. We make your \
             everyday account and let it use sudo (\"do as superuser\": runs one command as \
             root, asks your password, and logs it)."
        }
        StageId::SshHardening => {
            "Bots guess passwords all day. An SSH key is a pair of files: the private half stays \
             here; the public half goes into authorized_keys (the keys that may log in as you). \
             Then sshd, the SSH server, refuses root and passwords."
        }
        // ── Stage 5: PostgreSQL ──
        StageId::Postgres => {
            "PostgreSQL keeps your API's data. We create a role (a database login) and its \
             database. Logins on the server use peer (your Linux name proves who you are); \
             your app uses the role's password."
        }
        // ── Stage 6: firewall ──
        StageId::Firewall => {
            "ufw, the uncomplicated firewall, opens only these ports; all else coming in is \
             refused."
        }
        // ── nginx (stage 7) ──
        StageId::Nginx => {
            "nginx, the web server facing the internet, takes requests on port 80 and hands \
             them to your app through uWSGI's socket. Edit its site file before it goes live: \
             nginx -t tests it first."
        }
        // ── end nginx ──
        StageId::App => {
            "Your app's code comes onto the server as a release: a folder of its own under \
             releases/, with its own Python environment (a virtualenv, so its libraries never \
             clash with the system's) where pip installs requirements.txt. The database \
             password goes into an environment file only your user can read, never into a \
             file everyone can. The new release waits as `next`; nothing that serves changes \
             yet."
        }
        StageId::Service => {
            "uWSGI runs your Flask app and talks to nginx through a socket file. It is the \
             system's own uWSGI: nothing to compile, apt keeps it patched (the log says why if \
             pip must build one). systemd starts it at boot and after a crash. The release goes \
             live by moving one link, `current`; then droplift asks nginx for /items as a \
             visitor would, and if that fails the link moves back. `droplift rollback` moves it \
             back later."
        }
        StageId::Domain => {
            "Optional. A domain name is a label; DNS, the internet's address book, turns it \
             into your droplet's address. Once your registrar's A record points the domain at \
             the droplet, certbot gets a free certificate from Let's Encrypt and nginx answers \
             over https, sending http visitors there. Without a domain, this stage is skipped."
        }
    }
}
