//! The practice droplet: a real, disposable Debian server on this computer (systemd-nspawn), for
//! students without a cloud account, instructors offline, and the end-to-end tests.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum PracticeCommand {
    /// Create and boot a practice droplet; prints its address and root password.
    Up {
        /// Name of the droplet (default: the first free `practice-N`).
        name: Option<String>,
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
pub fn run(_command: PracticeCommand) -> color_eyre::Result<i32> {
    Err(color_eyre::eyre::eyre!(
        "practice droplets are not built yet"
    ))
}
