//! `droplift cloud create|list|destroy`: the droplet made, listed and destroyed through
//! DigitalOcean's API without the screens. `create` reads the answers file's `[droplet]`
//! table, shows what it costs, creates it (never twice), waits until it is active, learns its
//! host key and logs in as root with the student's key (stage 1), saving the server with its
//! progress. The token comes from `--secrets-stdin` (`do_token=`), `DIGITALOCEAN_ACCESS_TOKEN`
//! or the terminal; never from argv.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::HeadlessError;
use crate::cloud::api::{Droplet, Region, Size};
use crate::cloud::choices;
use crate::cloud::client::{ApiConfig, ApiError, Client, Wait, token_from_env};
use crate::cloud::create::{self, CreateError, Order, Patience, Progress, TAG};
use crate::course::StageId;
use crate::course::answers::{Answers, DropletAnswers, DropletLines};
use crate::secret::{Redactor, Secret, SecretName, Secrets};

#[derive(Debug, Subcommand)]
pub enum CloudCommand {
    /// Create the droplet of the answers file's [droplet] table, then log in as root with your
    /// key (stage 1). Run `droplift apply` with the same file afterwards.
    Create(CreateArgs),
    /// The account's droplets; `*` marks the ones droplift made.
    List(ApiArgs),
    /// Destroy a droplet (asks you to type its name again; --yes for scripts).
    Destroy(DestroyArgs),
}

/// Where the API is and how the token arrives.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The API's base URL (default: DigitalOcean's, or DIGITALOCEAN_API_URL).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Read the token from stdin as a `do_token=…` line (other secrets may follow).
    #[arg(long)]
    pub secrets_stdin: bool,
    /// Seconds to wait for one API answer (tests).
    #[arg(long, hide = true, value_name = "SECS")]
    pub api_timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The answers file (TOML) with a [droplet] table: name, region, size, image, backups.
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    /// Create it without asking (it costs money: the price is printed first).
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub api: ApiArgs,
    /// Seconds to wait for the droplet to become active (tests).
    #[arg(long, hide = true, value_name = "SECS")]
    pub active_timeout: Option<u64>,
    /// Seconds between looks while waiting (tests).
    #[arg(long, hide = true, value_name = "SECS")]
    pub poll_every: Option<u64>,
    /// Seconds a droplet whose create went unanswered may take to be listed (tests).
    #[arg(long, hide = true, value_name = "SECS")]
    pub listed_within: Option<u64>,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// The droplet's name.
    pub name: String,
    /// Destroy it without asking for the name again.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Why a cloud command stopped.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Create(#[from] CreateError),
    #[error("{}: the answers have no [droplet] table (name, region, size, image, backups)", .0.display())]
    NoDroplet(PathBuf),
    /// A `[droplet]` key refused, at its line in the answers file.
    #[error("line {line}: `droplet.{field}`: {message}")]
    Field {
        line: usize,
        field: &'static str,
        message: String,
    },
    #[error(
        "no DigitalOcean token: give do_token=… on stdin with --secrets-stdin, set \
         DIGITALOCEAN_ACCESS_TOKEN, or run in a terminal to be asked"
    )]
    NoToken,
    #[error("no droplet named {0} on the account")]
    NoSuchDroplet(String),
    #[error(
        "{count} droplets are named {name}; destroy the one you mean in the web page (droplift \
         will not guess)"
    )]
    Ambiguous { name: String, count: usize },
    #[error("not confirmed: nothing was created or destroyed")]
    NotConfirmed,
    #[error("no terminal to confirm on: pass --yes")]
    NoTerminal,
}

impl From<CloudError> for HeadlessError {
    fn from(error: CloudError) -> Self {
        HeadlessError::Invalid(error.to_string())
    }
}

/// The token: stdin's `do_token=` line, else DIGITALOCEAN_ACCESS_TOKEN, else asked.
fn token(args: &ApiArgs, redactor: &Redactor) -> Result<(Secret, Secrets), HeadlessError> {
    let mut secrets = Secrets::new();
    if args.secrets_stdin {
        secrets = super::secrets::parse(std::io::stdin().lock(), redactor)?;
    }
    if let Some(token) = secrets.get(SecretName::DoToken).cloned() {
        return Ok((token, secrets));
    }
    if let Some(token) = token_from_env() {
        redactor.add(&token);
        return Ok((token, secrets));
    }
    if !args.secrets_stdin && std::io::stdin().is_terminal() {
        let token = super::secrets::ask("DigitalOcean token (input hidden): ")?;
        if !token.is_empty() {
            redactor.add(&token);
            return Ok((token, secrets));
        }
    }
    Err(CloudError::NoToken.into())
}

fn client(args: &ApiArgs, token: Secret) -> Client {
    let mut config = ApiConfig::from_env(args.api_url.as_deref());
    if let Some(secs) = args.api_timeout {
        config.timeout = Duration::from_secs(secs.max(1));
    }
    Client::new(config, token).with_observer(|wait: &Wait| println!("  {}", wait.line()))
}

/// Asks on the terminal for `expected` to be typed (or `y`).
fn confirm(prompt: &str, expected: &str) -> Result<(), CloudError> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| CloudError::NoTerminal)?;
    let mut writer = &tty;
    let _ = write!(writer, "{prompt}");
    let _ = writer.flush();
    let mut line = String::new();
    let _ = std::io::BufReader::new(&tty).read_line(&mut line);
    if line.trim() == expected {
        Ok(())
    } else {
        Err(CloudError::NotConfirmed)
    }
}

/// Checks the order against what the API offers (a region and a size that exist, and the size
/// sold in that region: both lists say so, so the create is never sent to be refused with a
/// 422); each refusal at its line of the answers file.
fn check_order<'a>(
    wanted: &DropletAnswers,
    regions: &'a [Region],
    sizes: &'a [Size],
) -> Result<(&'a Region, &'a Size), CloudError> {
    let region = regions
        .iter()
        .find(|r| r.slug == wanted.region && r.available)
        .ok_or_else(|| CloudError::Field {
            line: wanted.lines.region,
            field: "region",
            message: format!(
                "{} is not a region where droplets can be made now; the regions are {}",
                wanted.region,
                regions
                    .iter()
                    .filter(|r| r.available)
                    .map(|r| r.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
    let size = sizes
        .iter()
        .find(|s| s.slug == wanted.size)
        .ok_or_else(|| CloudError::Field {
            line: wanted.lines.size,
            field: "size",
            message: format!(
                "there is no size {}; the sizes {} sells are {}",
                wanted.size,
                region.slug,
                sold_in(sizes, region)
            ),
        })?;
    if !choices::sizes_in(sizes, region)
        .iter()
        .any(|s| s.slug == size.slug)
    {
        return Err(CloudError::Field {
            line: wanted.lines.size,
            field: "size",
            message: format!(
                "{} is not sold in {} ({}); the sizes {} sells are {}. Nothing was sent.",
                size.slug,
                region.slug,
                region.name,
                region.slug,
                sold_in(sizes, region)
            ),
        });
    }
    Ok((region, size))
}

/// The sizes a region sells, cheapest first, with their price.
fn sold_in(sizes: &[Size], region: &Region) -> String {
    choices::sizes_in(sizes, region)
        .iter()
        .map(|s| format!("{} ({}/month)", s.slug, choices::dollars(s.price_monthly)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn summary(order: &DropletAnswers, region: &Region, size: &Size) -> String {
    let image = choices::image(&order.image).map_or(order.image.as_str(), |i| i.label);
    let backups = if order.backups {
        format!(
            "on (+{}/month)",
            choices::dollars(choices::backup_price(size))
        )
    } else {
        "off".to_owned()
    };
    format!(
        "Droplet {}\n  image:    {image}\n  region:   {} ({})\n  size:     {} — {}\n  backups:  {backups}\n  costs:    {} a month (billed by the hour while it exists)",
        order.name,
        region.name,
        region.slug,
        size.slug,
        choices::size_line(size),
        choices::dollars(choices::monthly(size, order.backups)),
    )
}

/// A 422 said at its field (and the field's line), as the wizard does.
fn create_failed(error: CreateError, lines: DropletLines) -> CloudError {
    let line = |field| match field {
        "size" => lines.size,
        "region" => lines.region,
        "image" => lines.image,
        _ => lines.name,
    };
    match error.field() {
        Some(field @ ("size" | "region" | "image" | "name")) => CloudError::Field {
            line: line(field),
            field,
            message: error.to_string(),
        },
        _ => CloudError::Create(error),
    }
}

/// `droplift cloud create`.
pub fn create(args: &CreateArgs) -> Result<i32, HeadlessError> {
    let mut answers = super::load_answers(&args.answers)?;
    let wanted = answers
        .droplet
        .clone()
        .ok_or_else(|| CloudError::NoDroplet(args.answers.clone()))?;
    let redactor = Redactor::new();
    let (token, secrets) = token(&args.api, &redactor)?;
    let client = client(&args.api, token.clone());
    let account = client.account().map_err(CloudError::from)?;
    println!(
        "DigitalOcean account: {} ({})",
        account.email, account.status
    );
    let regions = client.regions().map_err(CloudError::from)?;
    let sizes = client.sizes().map_err(CloudError::from)?;
    let (region, size) = check_order(&wanted, &regions, &sizes)?;
    println!("{}", summary(&wanted, region, size));
    if !args.yes {
        confirm("Create it? Type yes: ", "yes")?;
    }
    let home = crate::home::home_dir();
    let key_path = crate::home::expand_home(&answers.key, &home);
    let public = create::public_key(&key_path).map_err(CloudError::from)?;
    let (key, uploaded) = create::ensure_key(&client, &public, &key_name())
        .map_err(|e| create_failed(e, wanted.lines))?;
    println!(
        "  SSH key {} ({}): {}",
        key.name,
        key.fingerprint,
        if uploaded {
            "uploaded to the account"
        } else {
            "already on the account, reused"
        }
    );
    let order = Order {
        name: wanted.name.clone(),
        region: wanted.region.clone(),
        size: wanted.size.clone(),
        image: wanted.image.clone(),
        backups: wanted.backups,
    };
    let mut progress = |p: Progress| println!("  {}", p.line(&order.name));
    let defaults = Patience::default();
    let patience = Patience {
        poll_every: args
            .poll_every
            .map_or(defaults.poll_every, Duration::from_secs),
        active_within: args
            .active_timeout
            .map_or(defaults.active_within, Duration::from_secs),
        listed_within: args
            .listed_within
            .map_or(defaults.listed_within, Duration::from_secs),
    };
    let launch = create::launch(&client, &order, &key, patience, &mut progress)
        .map_err(|e| create_failed(e, wanted.lines))?;
    let droplet = create::wait_active(&client, &launch, patience, &mut progress)
        .map_err(|e| create_failed(e, wanted.lines))?;
    let Some(ip) = droplet.public_ipv4() else {
        unreachable!("wait_active returns only a droplet with an address")
    };
    println!("{} is active at {ip} (id {}).", droplet.name, droplet.id);
    answers.host = ip.to_string();
    answers.port = 22;
    answers.root_by_key = true;
    save_created(&answers, &droplet);
    // Stage 1: root with the key; the first connection learns the host key. The session never
    // needs the token (the redactor still knows it).
    drop((client, token));
    let options = super::session::ConnectOptions {
        host_keys: crate::remote::HostKeyPolicy::Strict,
        interactive: false,
        home,
        change_password: false,
        learn_new_host_key: true,
        deploy_key: None,
    };
    let mut saved = super::Saved::load()?;
    let mut session =
        super::session::Session::connect(answers.clone(), secrets, redactor, options)?;
    println!("\n== Stage 1: {} ==", StageId::Connect.title());
    let outcome = session.run_stage(StageId::Connect, false)?;
    saved.record(
        &session.answers,
        StageId::Connect,
        outcome.status(),
        &outcome.note(),
    );
    if !super::apply::report(StageId::Connect, outcome, &session.answers) {
        return Ok(1);
    }
    println!(
        "\nNext: droplift apply --answers {} (root logs in with your key; there is no password \
         to change).",
        args.answers.display()
    );
    Ok(0)
}

/// The name the key gets on the account.
fn key_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    if host.is_empty() {
        "droplift".to_owned()
    } else {
        format!("droplift@{host}")
    }
}

/// The new server in the saved progress: its address, the answers, the droplet's id.
fn save_created(answers: &Answers, droplet: &Droplet) {
    let Ok(mut saved) = super::Saved::load() else {
        return;
    };
    saved.remember_droplet(answers, droplet);
}

/// `droplift cloud list`.
pub fn list(args: &ApiArgs) -> Result<i32, HeadlessError> {
    let redactor = Redactor::new();
    let (token, _) = token(args, &redactor)?;
    let client = client(args, token);
    let droplets = client.droplets().map_err(CloudError::from)?;
    if droplets.is_empty() {
        println!("no droplets on this account (create one with `droplift cloud create`)");
        return Ok(0);
    }
    println!(
        "  {:<24} {:<8} {:<15} {:<6} {:<14} {:>9}",
        "NAME", "STATUS", "IPV4", "REGION", "SIZE", "$/MONTH"
    );
    for d in &droplets {
        let mine = if d.tags.iter().any(|t| t == TAG) {
            '*'
        } else {
            ' '
        };
        println!(
            "{mine} {:<24} {:<8} {:<15} {:<6} {:<14} {:>9}",
            d.name,
            d.status,
            d.public_ipv4().map(|a| a.to_string()).unwrap_or_default(),
            d.region.slug,
            d.size_slug,
            choices::dollars(
                d.size.price_monthly
                    + if d.backups() {
                        choices::backup_price(&d.size)
                    } else {
                        0.0
                    }
            ),
        );
    }
    println!("* made by droplift");
    Ok(0)
}

/// `droplift cloud destroy NAME`.
pub fn destroy(args: &DestroyArgs) -> Result<i32, HeadlessError> {
    let redactor = Redactor::new();
    let (token, _) = token(&args.api, &redactor)?;
    let client = client(&args.api, token);
    let matching: Vec<Droplet> = client
        .droplets()
        .map_err(CloudError::from)?
        .into_iter()
        .filter(|d| d.name == args.name)
        .collect();
    let droplet = match matching.as_slice() {
        [] => return Err(CloudError::NoSuchDroplet(args.name.clone()).into()),
        [one] => one.clone(),
        many => {
            return Err(CloudError::Ambiguous {
                name: args.name.clone(),
                count: many.len(),
            }
            .into());
        }
    };
    let address = droplet.public_ipv4();
    println!(
        "Droplet {} (id {}, {}, {}): destroying it deletes the server and everything on it.",
        droplet.name,
        droplet.id,
        address.map_or_else(|| "no address".to_owned(), |a| a.to_string()),
        droplet.region.slug
    );
    if !args.yes {
        confirm("Type its name to destroy it: ", &droplet.name)?;
    }
    client
        .delete_droplet(droplet.id)
        .map_err(CloudError::from)?;
    println!("Destroyed {}.", droplet.name);
    // Its address goes to the next droplet: forget the server and its host key.
    let mut saved = super::Saved::load()?;
    saved.forget_droplet(droplet.id);
    if let Some(ip) = address {
        let known = crate::remote::hostkey::KnownHostsFile::new(
            crate::remote::sshconfig::SshPaths::in_home(&crate::home::home_dir()).known_hosts,
        );
        if let Ok(n) = known.forget(&ip.to_string(), 22)
            && n > 0
        {
            println!("  its host key for {ip} is removed from ~/.ssh/known_hosts");
        }
    }
    Ok(0)
}
