//! The practice droplet: a real, disposable Ubuntu or Debian server on this computer (systemd-nspawn), for
//! students without a cloud account, instructors offline, and the end-to-end tests.

mod boot;
mod cgroup;
pub mod cloud;
mod droplet;
mod error;
mod image;
mod net;
mod os;
mod proxy;
mod rootfs;
mod state;
mod sys;
mod teardown;

pub use boot::ssh_banner;
pub use droplet::{
    Droplet, Listed, Status, UP_STEPS, UpOptions, check_host, down, down_all, list, up,
    up_failing_after, validate_name,
};
pub use error::PracticeError;
pub use image::base_dir;
pub use net::{host_interface, interface_exists};
pub use os::{PracticeOs, UnknownOs};
pub use state::{STATE_ROOT, droplet_dir};

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum PracticeCommand {
    /// Create and boot a practice droplet; prints its address and root password.
    Up {
        /// Name of the droplet (default: the first free `practice-N`).
        name: Option<String>,
        /// The system: ubuntu-24.04 (a new droplet's default), ubuntu-22.04 or debian-12.
        #[arg(long, default_value_t = PracticeOs::default(), value_name = "OS")]
        os: PracticeOs,
        /// Ship Ubuntu's sshd drop-in 50-cloud-init.conf (PasswordAuthentication yes).
        #[arg(long, hide = true)]
        cloud_init_dropin: bool,
        /// After boot, hold the dpkg lock for SECS seconds, like unattended-upgrades.
        #[arg(long, hide = true, value_name = "SECS")]
        hold_dpkg_lock: Option<u32>,
        /// Every update installed already (built once, then copied), so stage 2 has little to
        /// do: for a demo whose subject is not the update.
        #[arg(long)]
        updated: bool,
    },
    /// Build a system's cached image now (else the first `up` builds it): the base, and with
    /// --updated the image with every update installed. The test suite builds them early.
    #[command(hide = true)]
    Image {
        #[arg(long, default_value_t = PracticeOs::default(), value_name = "OS")]
        os: PracticeOs,
        #[arg(long)]
        updated: bool,
    },
    /// List practice droplets with their addresses and state.
    List,
    /// Stop and remove a practice droplet (or all of them).
    Down {
        name: Option<String>,
        #[arg(long, conflicts_with = "name")]
        all: bool,
    },
}

/// Runs a `droplift practice …` command. Returns the process exit code.
pub fn run(command: PracticeCommand) -> Result<i32, PracticeError> {
    match command {
        PracticeCommand::Up {
            name,
            os,
            cloud_init_dropin,
            hold_dpkg_lock,
            updated,
        } => {
            let mut opts = UpOptions::like_new(os);
            opts.updated = updated;
            opts.cloud_init_dropin |= cloud_init_dropin;
            if hold_dpkg_lock.is_some() {
                opts.hold_dpkg_lock_secs = hold_dpkg_lock;
            }
            let d = up(&opts, name.as_deref(), &mut |line| eprintln!("  {line}"))?;
            println!(
                "practice droplet `{}` ({}) is up ({:.1} s)\n\
                 \n  address:        {}\
                 \n  root password:  {}\
                 \n  log in with:    {}\
                 \n\
                 \nThe password is shown only this once and has already expired, like the one a\
                 \ncloud provider e-mails you: the first login asks you to choose a new one.\
                 \nRemove the droplet with `droplift practice down {}`.",
                d.name,
                d.os.label(),
                d.boot_time.as_secs_f64(),
                d.address,
                d.root_password.expose(),
                d.ssh_command(),
                d.name,
            );
            Ok(0)
        }
        PracticeCommand::Image { os, updated } => {
            droplet::check_host()?;
            let mut progress = |line: &str| eprintln!("  {line}");
            let dir = if updated {
                image::ensure_updated(os, &mut progress)?
            } else {
                image::ensure_base(os, &mut progress)?
            };
            println!("{}: {}", os.label(), dir.display());
            Ok(0)
        }
        PracticeCommand::List => {
            let all = list();
            if all.is_empty() {
                println!("no practice droplets (create one with `droplift practice up`)");
                return Ok(0);
            }
            println!(
                "{:<12} {:<13} {:<15} {:<8} CREATED",
                "NAME", "OS", "ADDRESS", "STATE"
            );
            for d in all {
                println!(
                    "{:<12} {:<13} {:<15} {:<8} {}",
                    d.name,
                    d.os.map(|o| o.id()).unwrap_or("?"),
                    d.address
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "?".into()),
                    d.status.to_string(),
                    d.created
                        .map(state::format_utc)
                        .unwrap_or_else(|| "?".into()),
                );
            }
            Ok(0)
        }
        PracticeCommand::Down { name, all } => {
            if all {
                let removed = down_all()?;
                println!("removed {} practice droplet(s)", removed.len());
            } else if let Some(name) = name {
                down(&name)?;
                println!("removed practice droplet `{name}`");
            } else {
                eprintln!("say which droplet to remove (`droplift practice list`), or --all");
                return Ok(2);
            }
            Ok(0)
        }
    }
}

/// The cgroup directories a droplet named `name` gets, one per hierarchy systemd uses on this
/// computer (for tests: they exist while it runs, and not after `down`).
pub fn cgroup_dirs(name: &str) -> Vec<std::path::PathBuf> {
    cgroup::dirs(name)
}
