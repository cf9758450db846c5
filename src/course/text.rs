//! The teaching text for each stage, in plain words for someone who has never run a server:
//! what the stage does and why it matters. Shown on the stage's screen and in the runbook.

use super::StageId;

/// What the stage does, and why, in a few short sentences.
pub fn explanation(stage: StageId) -> &'static str {
    match stage {
        StageId::Connect => {
            "Your droplet is a computer in a data centre. We reach it with SSH, an encrypted \
             remote terminal. The first login is as root, the all-powerful administrator, with \
             the password from your e-mail; a new droplet then asks you to choose a new one."
        }
        StageId::Update => {
            "A new server image is weeks or months old. Before installing anything we fetch the \
             list of current packages and install the security fixes released since then, \
             keeping any configuration files the provider put in place. Then the droplet is told \
             to install future security fixes by itself every day (unattended-upgrades)."
        }
        StageId::User => {
            "Working as root all day is risky: one typo can break the whole system. We create \
             your own everyday account and let it run administrator commands with sudo, which \
             asks for your password and records what was done."
        }
        StageId::SshHardening => {
            "Passwords can be guessed, and bots try thousands a day. An SSH key is a pair of \
             files: the private half stays on your computer, the public half goes on the \
             server. Once the key works, sshd (the SSH server program) is told to refuse root \
             and passwords, and to use only modern encryption (SSH programs older than about \
             2015 can no longer connect). droplift proves the key from a new connection first, \
             and undoes the change by itself if anything fails."
        }
        // ── Stage 5: PostgreSQL ──
        StageId::Postgres => {
            "PostgreSQL keeps your API's data. We install it, create a role (a database \
             login) and its database, and make it ask for the role's password."
        }
        // ── Stage 6: firewall ──
        StageId::Firewall => {
            "A firewall decides which doors of your server are open; everything else coming \
             in is refused."
        }
        // ── nginx (stage 7) ──
        StageId::Nginx => {
            "nginx is the web server that faces the internet. It takes every request on port 80 \
             and hands it to your app through a socket, a file uWSGI will listen on. Its site \
             file says which name it answers to (server_name; _ means any) and where the app \
             is. You can edit the file before it goes live; nginx -t tests it first, so a \
             mistake never replaces a site that works."
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
            "uWSGI is the program that runs your Flask app and talks to nginx through a socket \
             file; systemd, the service manager, starts uWSGI at boot and again if it crashes. \
             The release goes live by moving one link, `current`, to it; then droplift asks \
             nginx for /items as a visitor would. If that fails, the link moves back and the \
             old release serves again, so a bad release never stays live. `droplift rollback` \
             moves it back to an earlier one later."
        }
        StageId::Domain => {
            "Optional. A domain name is a label; DNS, the internet's address book, turns it \
             into your droplet's address. Once your registrar's A record points the domain at \
             the droplet, certbot gets a free certificate from Let's Encrypt and nginx answers \
             over https, sending http visitors there. Without a domain, this stage is skipped."
        }
    }
}
