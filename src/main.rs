//! The `droplift` command line: parses arguments, installs error and panic handlers, sets up the
//! terminal and hands over to the library. Nothing else lives here.
#![deny(clippy::unwrap_used)]

use clap::{Parser, Subcommand};
use droplift::practice::PracticeCommand;
use droplift::theme::ThemeName;

#[derive(Debug, Parser)]
#[command(name = "droplift", version, about, long_about = None)]
struct Cli {
    /// Colour theme: `default`, or `high-contrast` for projectors. NO_COLOR is respected.
    #[arg(long, value_enum, default_value_t = ThemeName::Default, global = true)]
    theme: ThemeName,
    /// How many lines the log panel keeps in memory (the full log is also written to a file).
    #[arg(long, default_value_t = droplift::logbuf::DEFAULT_CAPACITY, global = true)]
    log_lines: usize,
    /// Instructor mode for a projector: the high-contrast theme, and each command of a change
    /// waits for Space so the class can read it first (`e` explains it).
    #[arg(long, global = true)]
    present: bool,
    /// Record the wizard's screen to FILE as an asciicast v2 (play it with `asciinema play`).
    /// Only what the screen showed is kept, so masked secrets never reach it.
    #[arg(long, value_name = "FILE", global = true)]
    record: Option<std::path::PathBuf>,
    /// The wizard's DigitalOcean API (default: DIGITALOCEAN_API_URL, else DigitalOcean's), e.g.
    /// a practice cloud's URL.
    #[arg(long, value_name = "URL")]
    api_url: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Practice droplets: real throw-away servers on this computer (Linux, root).
    #[command(subcommand)]
    Practice(PracticeCli),
    /// Create, list and destroy droplets through DigitalOcean's API (a token is needed).
    #[command(subcommand)]
    Cloud(droplift::headless::cloud::CloudCommand),
    /// Print every command the stages would run, as a commented shell script (a runbook).
    Plan(droplift::headless::AnswersArgs),
    /// Run the stages without the screens, with plain output.
    Apply(droplift::headless::apply::ApplyArgs),
    /// Log in and report, per stage, whether it is done, pending, drifted or skipped. Changes
    /// nothing.
    Status(droplift::headless::apply::StatusArgs),
    /// Write the course as a project for another tool, to set up many droplets the same way.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Ship a new release of the app (stages 8–9) after checking the setup stages.
    Deploy(droplift::headless::deploy::DeployArgs),
    /// Make the site's deploy key and let it ship this site (and nothing else) without a
    /// password: for `deploy --deploy-key` from this computer or from CI.
    DeployKey(droplift::headless::deploy::DeployKeyArgs),
    /// List the app's releases on the server, with good/failed marks and the one serving.
    Releases(droplift::headless::deploy::ReleasesArgs),
    /// Print the app's logs: its uWSGI journal, uWSGI's log and nginx's errors for the site (the
    /// last lines, or --follow).
    Logs(droplift::headless::logs::LogsArgs),
    /// Serve the previous good release again (or the one named), with the smoke test.
    Rollback(droplift::headless::deploy::RollbackArgs),
    /// Back up the site's database: nightly on the server, now, and the list of backups.
    #[command(subcommand)]
    Backup(droplift::headless::backup::BackupCommand),
    /// Teach a class on one droplet: a roster of squads, each with a site of its own that its
    /// members deploy with their own keys.
    #[command(subcommand)]
    Class(droplift::headless::class::ClassCommand),
    /// The app's settings on the server: list them (names and where each comes from), set one
    /// (the value from stdin, never the command line) or unset one; --restart gives the app
    /// the change at once.
    #[command(subcommand)]
    Env(droplift::headless::env::EnvCommand),
    /// Look for the usual breakages of a finished server (read-only) and say how to fix each.
    Doctor(droplift::headless::doctor::DoctorArgs),
    /// Put a backup back into the site's database (a backup of the present state first), or
    /// with --drill only prove that it restores.
    Restore(droplift::headless::backup::RestoreArgs),
}

/// `droplift practice …`: the practice droplet's commands, and the practice cloud.
#[derive(Debug, Subcommand)]
enum PracticeCli {
    #[command(flatten)]
    Droplet(PracticeCommand),
    /// Serve DigitalOcean's API on 127.0.0.1 for droplift's endpoints; a create boots a real
    /// practice droplet with your key for root (Linux, root). Prints the URL and its tokens.
    Cloud(droplift::practice::cloud::ServeArgs),
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// An Ansible project (site.yml, inventory.ini, group_vars) for every droplet you list.
    Ansible(droplift::headless::ExportArgs),
    /// A CI pipeline (GitHub Actions, GitLab CI or Jenkins) that deploys each pushed tag with
    /// the site's deploy key.
    Ci(droplift::headless::ExportCiArgs),
}

/// A headless command's plain-words error (`HeadlessError`, or the practice cloud's own) goes
/// to stderr with exit status 2.
fn headless(result: Result<i32, impl std::fmt::Display>) -> i32 {
    result.unwrap_or_else(|error| {
        eprintln!("droplift: {error}");
        2
    })
}

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    let code = match cli.command {
        None => droplift::event::run_wizard(droplift::event::WizardOptions {
            theme: if cli.present {
                ThemeName::HighContrast
            } else {
                cli.theme
            },
            log_lines: cli.log_lines,
            record: cli.record,
            present: cli.present,
            api_url: cli.api_url,
        })?,
        Some(Command::Practice(PracticeCli::Droplet(cmd))) => droplift::practice::run(cmd)?,
        Some(Command::Practice(PracticeCli::Cloud(args))) => {
            headless(droplift::practice::cloud::serve(&args))
        }
        Some(Command::Cloud(cmd)) => headless(match cmd {
            droplift::headless::cloud::CloudCommand::Create(args) => {
                droplift::headless::cloud::create(&args)
            }
            droplift::headless::cloud::CloudCommand::List(args) => {
                droplift::headless::cloud::list(&args)
            }
            droplift::headless::cloud::CloudCommand::Destroy(args) => {
                droplift::headless::cloud::destroy(&args)
            }
        }),
        Some(Command::Plan(args)) => headless(droplift::headless::plan(&args)),
        Some(Command::Apply(args)) => headless(droplift::headless::apply::apply(&args)),
        Some(Command::Status(args)) => headless(droplift::headless::apply::status(&args)),
        Some(Command::Deploy(args)) => headless(droplift::headless::deploy::deploy(&args)),
        Some(Command::DeployKey(args)) => headless(droplift::headless::deploy::deploy_key(&args)),
        Some(Command::Releases(args)) => headless(droplift::headless::deploy::releases(&args)),
        Some(Command::Logs(args)) => headless(droplift::headless::logs::logs(&args)),
        Some(Command::Rollback(args)) => headless(droplift::headless::deploy::rollback(&args)),
        Some(Command::Backup(cmd)) => headless(droplift::headless::backup::run(&cmd)),
        Some(Command::Class(cmd)) => headless(droplift::headless::class::run(&cmd)),
        Some(Command::Env(cmd)) => headless(droplift::headless::env::run(&cmd)),
        Some(Command::Doctor(args)) => headless(droplift::headless::doctor::doctor(&args)),
        Some(Command::Restore(args)) => headless(droplift::headless::backup::restore(&args)),
        Some(Command::Export(ExportCommand::Ci(args))) => {
            headless(droplift::headless::export_ci(&args))
        }
        Some(Command::Export(ExportCommand::Ansible(args))) => {
            headless(droplift::headless::export_ansible(&args))
        }
    };
    std::process::exit(code);
}
