//! "Create one for me": the wizard's create screens, in order — token, image, region, size,
//! backups, SSH key, name, summary — then the create's progress and on to stage 1 as root by
//! the key. Pure like the rest of `update`: the API calls are `Effect::Cloud` jobs that run on
//! a thread of their own (`cloud::worker`) and come back as `Event::Cloud`.

use super::{App, Effect, ErrorCard, Field, FieldKind, Form, Overlay, View};
use crate::cloud::api::{Region, Size};
use crate::cloud::choices;
use crate::cloud::client::ApiConfig;
use crate::cloud::create::{Order, Patience};
use crate::cloud::worker::{Catalog, CloudEvent, CloudJob};
use crate::course::{StageId, StageStatus};
use crate::logbuf::LineKind;
use crate::secret::{Secret, SecretName};

/// The screens, in the order Enter walks them (Esc walks back).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Screen {
    Token,
    Image,
    Region,
    Size,
    Backups,
    Key,
    Name,
    Summary,
    Creating,
}

impl Screen {
    pub const ORDER: [Screen; 8] = [
        Screen::Token,
        Screen::Image,
        Screen::Region,
        Screen::Size,
        Screen::Backups,
        Screen::Key,
        Screen::Name,
        Screen::Summary,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Token => "Access token",
            Screen::Image => "Image",
            Screen::Region => "Region",
            Screen::Size => "Size",
            Screen::Backups => "Backups",
            Screen::Key => "SSH key",
            Screen::Name => "Name",
            Screen::Summary => "Summary",
            Screen::Creating => "Creating",
        }
    }

    fn next(self) -> Screen {
        let at = Self::ORDER.iter().position(|s| *s == self).unwrap_or(0);
        Self::ORDER.get(at + 1).copied().unwrap_or(Screen::Creating)
    }

    fn previous(self) -> Option<Screen> {
        let at = Self::ORDER.iter().position(|s| *s == self)?;
        at.checked_sub(1).map(|i| Self::ORDER[i])
    }
}

/// What the loop knows from the environment (read at start; `update` does no I/O).
#[derive(Clone, Debug, Default)]
pub struct CloudEnv {
    /// `--api-url`, DIGITALOCEAN_API_URL, or DigitalOcean's.
    pub api: ApiConfig,
    /// DIGITALOCEAN_ACCESS_TOKEN, as doctl reads it.
    pub token: Option<Secret>,
    /// The time zone name (`Europe/Berlin`), for "nearest first".
    pub tz: Option<String>,
    /// The name the key gets on the account (`droplift@laptop`).
    pub key_name: String,
    pub patience: Patience,
}

/// The create screens' state.
#[derive(Clone, Debug)]
pub struct CloudFlow {
    pub screen: Screen,
    pub token: Form,
    pub catalog: Option<Box<Catalog>>,
    pub image: usize,
    pub region: usize,
    pub size: usize,
    pub backups: bool,
    pub name: Form,
    /// A call is out: what it does.
    pub busy: Option<String>,
    /// The latest progress line while the droplet is made.
    pub waiting: Option<String>,
    /// What went wrong on a list screen (a field's error is shown at the field).
    pub error: Option<String>,
}

impl CloudFlow {
    fn new() -> Self {
        Self {
            screen: Screen::Token,
            token: Form::new(vec![
                Field::new("token", "Token", FieldKind::Secret)
                    .with_hint("dop_v1_… (paste it; it is masked)"),
            ]),
            catalog: None,
            image: 0,
            region: 0,
            size: 0,
            backups: true,
            name: Form::new(vec![
                Field::new("name", "Name", FieldKind::Text)
                    .with_hint("e.g. items-api")
                    .with_value("items-api"),
            ]),
            busy: None,
            waiting: None,
            error: None,
        }
    }

    /// Regions where droplets can be made, nearest first.
    pub fn regions<'a>(&'a self, tz: Option<&str>) -> Vec<&'a Region> {
        self.catalog
            .as_ref()
            .map(|c| choices::regions_nearest(&c.regions, tz))
            .unwrap_or_default()
    }

    pub fn chosen_region<'a>(&'a self, tz: Option<&str>) -> Option<&'a Region> {
        self.regions(tz).get(self.region).copied()
    }

    /// Sizes sold in the chosen region, cheapest first.
    pub fn sizes<'a>(&'a self, tz: Option<&str>) -> Vec<&'a Size> {
        match (&self.catalog, self.chosen_region(tz)) {
            (Some(c), Some(region)) => choices::sizes_in(&c.sizes, region),
            _ => Vec::new(),
        }
    }

    pub fn chosen_size<'a>(&'a self, tz: Option<&str>) -> Option<&'a Size> {
        self.sizes(tz).get(self.size).copied()
    }

    pub fn chosen_image(&self) -> Option<&'static choices::SupportedImage> {
        self.catalog
            .as_ref()
            .and_then(|c| c.images.get(self.image).copied())
    }

    /// How many rows the current list screen has.
    fn rows(&self, tz: Option<&str>) -> usize {
        match self.screen {
            Screen::Image => self.catalog.as_ref().map_or(0, |c| c.images.len()),
            Screen::Region => self.regions(tz).len(),
            Screen::Size => self.sizes(tz).len(),
            Screen::Backups => 2,
            _ => 0,
        }
    }

    fn cursor(&mut self) -> Option<&mut usize> {
        match self.screen {
            Screen::Image => Some(&mut self.image),
            Screen::Region => Some(&mut self.region),
            Screen::Size => Some(&mut self.size),
            _ => None,
        }
    }
}

/// The first screen's choice, opened by the loop when there is nothing to resume.
pub fn offer_first_choice(app: &mut App) {
    if app.overlay.is_none() && app.cloud.is_none() {
        app.overlay = Some(Overlay::FirstChoice { selected: 0 });
    }
}

/// The rows of the first choice.
pub fn first_choice_rows() -> Vec<String> {
    vec![
        crate::cloud::text::HAVE_ONE.to_owned(),
        crate::cloud::text::CREATE_ONE.to_owned(),
        super::squad::CHOICE.to_owned(),
    ]
}

/// "I have a droplet": the connect form, as before there was a choice.
pub(super) fn have_one(app: &mut App) {
    app.info("Fill in your droplet's details to begin.");
}

/// "Create one for me".
pub fn start(app: &mut App) {
    app.cloud = Some(CloudFlow::new());
    app.info(if app.cloud_env.token.is_some() {
        "Creating a droplet: the token from DIGITALOCEAN_ACCESS_TOKEN is ready; Enter checks it."
    } else {
        "Creating a droplet: paste a DigitalOcean access token to begin."
    });
}

fn back_to_first_choice(app: &mut App) {
    app.cloud = None;
    app.overlay = Some(Overlay::FirstChoice { selected: 1 });
}

/// True while a cloud call is out (quitting asks first, the spinner turns).
pub fn busy(app: &App) -> bool {
    app.cloud.as_ref().is_some_and(|c| c.busy.is_some())
}

/// The focused form of the create screens, if the screen has one (typing and pasting go there).
pub(super) fn form_mut(app: &mut App) -> Option<&mut Form> {
    let flow = app.cloud.as_mut()?;
    match flow.screen {
        Screen::Token => Some(&mut flow.token),
        Screen::Name => Some(&mut flow.name),
        _ => None,
    }
}

/// ↑ (`up`) or ↓ on a list screen: the highlighted row; on the backups screen, on or off.
pub(super) fn arrow(app: &mut App, up: bool) {
    let tz = app.cloud_env.tz.clone();
    let Some(flow) = app.cloud.as_mut() else {
        return;
    };
    let rows = flow.rows(tz.as_deref());
    if flow.screen == Screen::Backups {
        flow.backups = up;
    } else if let Some(cursor) = flow.cursor() {
        *cursor = if up {
            cursor.saturating_sub(1)
        } else {
            (*cursor + 1).min(rows.saturating_sub(1))
        };
    }
}

/// Space on the backups screen.
pub(super) fn toggle_backups(app: &mut App) {
    if let Some(flow) = app.cloud.as_mut() {
        flow.backups = !flow.backups;
    }
}

pub(super) fn go_back(app: &mut App) -> Vec<Effect> {
    let Some(flow) = app.cloud.as_mut() else {
        return Vec::new();
    };
    flow.error = None;
    match flow.screen.previous() {
        Some(previous) => flow.screen = previous,
        None => back_to_first_choice(app),
    }
    Vec::new()
}

pub(super) fn advance(app: &mut App) {
    let tz = app.cloud_env.tz.clone();
    let Some(flow) = app.cloud.as_mut() else {
        return;
    };
    flow.error = None;
    let next = flow.screen.next();
    // A new region may not sell the size chosen before: preselect the course's size there.
    if flow.screen == Screen::Region {
        flow.size = choices::default_size(&flow.sizes(tz.as_deref()));
    }
    flow.screen = next;
}

pub(super) fn submit_token(app: &mut App) -> Vec<Effect> {
    let typed = app
        .cloud
        .as_mut()
        .and_then(|f| f.token.field_mut("token"))
        .map(Field::take_secret)
        .unwrap_or_default();
    let token = if typed.is_empty() {
        match app.cloud_env.token.clone() {
            Some(token) => token,
            None => {
                if let Some(flow) = app.cloud.as_mut() {
                    flow.token
                        .set_error("token", "Paste your DigitalOcean access token here.");
                }
                return Vec::new();
            }
        }
    } else if let Err(message) = crate::secret::check_typed(typed.expose()) {
        if let Some(flow) = app.cloud.as_mut() {
            flow.token
                .set_error("token", message.as_str().replace("password", "token"));
        }
        return Vec::new();
    } else {
        typed
    };
    app.secrets
        .set(SecretName::DoToken, token.clone(), &app.redactor);
    let key_path = crate::home::expand_home(&app.answers.key, &app.home);
    if let Some(flow) = app.cloud.as_mut() {
        flow.busy = Some("Checking the token with DigitalOcean …".into());
    }
    app.info("Checking the token and reading the regions, sizes and images …");
    vec![Effect::Cloud(Box::new(CloudJob::Catalog {
        config: app.cloud_env.api.clone(),
        token,
        key_path,
    }))]
}

pub(super) fn submit_name(app: &mut App) -> Vec<Effect> {
    let Some(flow) = app.cloud.as_mut() else {
        return Vec::new();
    };
    flow.name.clear_errors();
    let name = flow.name.value("name").trim().to_owned();
    if let Err(message) = choices::validate_name(&name) {
        flow.name.set_error("name", message);
        return Vec::new();
    }
    flow.screen = Screen::Summary;
    Vec::new()
}

/// The order the summary shows and Enter sends.
pub fn order(app: &App) -> Option<Order> {
    let tz = app.cloud_env.tz.as_deref();
    let flow = app.cloud.as_ref()?;
    Some(Order {
        name: flow.name.value("name").trim().to_owned(),
        region: flow.chosen_region(tz)?.slug.clone(),
        size: flow.chosen_size(tz)?.slug.clone(),
        image: flow.chosen_image()?.slug.to_owned(),
        backups: flow.backups,
    })
}

pub(super) fn create(app: &mut App) -> Vec<Effect> {
    let (Some(order), Some(token)) = (order(app), app.secrets.get(SecretName::DoToken).cloned())
    else {
        return Vec::new();
    };
    let Some(flow) = app.cloud.as_mut() else {
        return Vec::new();
    };
    let Some(key) = flow.catalog.as_ref().map(|c| c.key.clone()) else {
        return Vec::new();
    };
    flow.screen = Screen::Creating;
    flow.busy = Some(format!("Creating {} …", order.name));
    flow.waiting = None;
    app.log_line(
        LineKind::Info,
        &format!(
            "── Creating the droplet {} ({} in {}) ──",
            order.name, order.size, order.region
        ),
    );
    vec![Effect::Cloud(Box::new(CloudJob::Create {
        config: app.cloud_env.api.clone(),
        token,
        order,
        key,
        key_name: app.cloud_env.key_name.clone(),
        patience: app.cloud_env.patience,
    }))]
}

/// What a cloud job reported.
pub(super) fn on_cloud(app: &mut App, event: CloudEvent) -> Vec<Effect> {
    let tz = app.cloud_env.tz.clone();
    let Some(flow) = app.cloud.as_mut() else {
        return Vec::new();
    };
    match event {
        CloudEvent::Catalog(catalog) => {
            flow.busy = None;
            let note = format!(
                "Token accepted (account {}); {}.",
                catalog.email, catalog.key_note
            );
            flow.image = 0;
            flow.region = 0;
            flow.catalog = Some(catalog);
            flow.size = choices::default_size(&flow.sizes(tz.as_deref()));
            flow.screen = Screen::Image;
            app.log_line(LineKind::Success, &note);
        }
        CloudEvent::Line(line) => app.info(&line),
        // The doctor's (`wizard::mod` hands it to `doctor::on_cloud` before this).
        CloudEvent::Firewalls(_) => {}
        CloudEvent::Waiting(line) => {
            flow.waiting = Some(line);
        }
        CloudEvent::Failed { field, message } => {
            flow.busy = None;
            let screen = match field {
                Some("token") => Screen::Token,
                Some("image") => Screen::Image,
                Some("region") => Screen::Region,
                Some("size") => Screen::Size,
                Some("name") => Screen::Name,
                _ => {
                    flow.screen = if flow.catalog.is_some() {
                        Screen::Summary
                    } else {
                        Screen::Token
                    };
                    app.log_line(LineKind::Error, &message);
                    app.overlay = Some(Overlay::Error(ErrorCard {
                        title: "The droplet was not created".into(),
                        what: message,
                        server: Vec::new(),
                        next: "Enter on the summary tries again: droplift looks for the droplet \
                               first and never makes a second one."
                            .into(),
                    }));
                    return Vec::new();
                }
            };
            flow.screen = screen;
            match screen {
                Screen::Token => flow.token.set_error("token", message.clone()),
                Screen::Name => flow.name.set_error("name", message.clone()),
                _ => flow.error = Some(message.clone()),
            }
            app.log_line(LineKind::Error, &message);
        }
        CloudEvent::Created(droplet) => {
            let Some(ip) = droplet.public_ipv4() else {
                return Vec::new();
            };
            app.cloud = None;
            app.answers.host = ip.to_string();
            app.answers.port = 22;
            app.answers.root_by_key = true;
            app.log_line(
                LineKind::Success,
                &format!(
                    "{} is active at {ip} (id {}). Logging in as root with your key: check the \
                     server's key fingerprint when it is shown.",
                    droplet.name, droplet.id
                ),
            );
            let now = app.now;
            let server = app.saved.touch(&app.answers, now);
            server.droplet = Some(droplet.as_ref().into());
            app.unsaved = Some(app.saved.clone());
            app.current = StageId::Connect;
            app.form = super::form_for(StageId::Connect, &app.answers);
            app.set_status(StageId::Connect, StageStatus::Running);
            app.view = View::Running;
            let out = app
                .login
                .as_root_by_key(&app.answers, &app.home, &app.secrets);
            return super::login::present(app, out);
        }
    }
    Vec::new()
}
