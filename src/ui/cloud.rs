//! The create screens ("Create one for me"), drawn in the stage pane: a heading with where the
//! student is, the screen's explanation (`cloud::text`), its list or field, an error where it
//! belongs, and the keys. 80×24 first: the pane is 50 columns wide.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::cloud::{choices, text};
use crate::wizard::App;
use crate::wizard::cloud::{CloudFlow, Screen};

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

pub fn draw(app: &App, frame: &mut Frame, head: Rect, body: Rect) {
    let Some(flow) = &app.cloud else {
        return;
    };
    let theme = &app.theme;
    let step = Screen::ORDER
        .iter()
        .position(|s| *s == flow.screen)
        .map_or_else(String::new, |i| {
            format!("{} of {} · ", i + 1, Screen::ORDER.len())
        });
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("Create a droplet · ", theme.title),
            Span::styled(format!("{step}{}", flow.screen.title()), theme.accent),
        ])),
        head,
    );
    let explanation = super::wrap::fit(
        vec![Line::styled(explanation(app, flow), theme.base)],
        body.width,
    );
    let content = content(app, flow, body.width);
    let mut footer: Vec<Line> = Vec::new();
    if let Some(error) = &flow.error {
        footer.extend(super::wrap::fit(
            vec![Line::styled(format!("✗ {error}"), theme.error)],
            body.width,
        ));
    }
    let keys = match (flow.busy.as_ref(), flow.screen) {
        (Some(busy), _) => format!("{} {busy}", SPINNER[app.spinner % SPINNER.len()]),
        (None, Screen::Token | Screen::Name | Screen::Key) => text::FIELD_KEYS.to_owned(),
        (None, Screen::Summary) => text::SUMMARY_KEYS.to_owned(),
        (None, _) => text::LIST_KEYS.to_owned(),
    };
    footer.extend(super::wrap::fit(
        vec![Line::styled(keys, theme.muted)],
        body.width,
    ));
    let form = match flow.screen {
        Screen::Token => Some(&flow.token),
        Screen::Name => Some(&flow.name),
        _ => None,
    };
    let form_height = form.map_or(0, |f| super::form::height(f, true, body.width));
    let needed = explanation.len() as u16 + form_height + footer.len() as u16;
    let spare = body.height.saturating_sub(needed);
    let [top, _, middle, _, bottom] = Layout::vertical([
        Constraint::Length(explanation.len() as u16),
        Constraint::Length(u16::from(spare >= 2)),
        Constraint::Min(1),
        Constraint::Length(u16::from(spare >= 3)),
        Constraint::Length(footer.len() as u16),
    ])
    .areas(body);
    frame.render_widget(Paragraph::new(explanation), top);
    match form {
        Some(form) => {
            let [field, rest] =
                Layout::vertical([Constraint::Length(form_height), Constraint::Min(0)])
                    .areas(middle);
            super::form::draw(
                theme,
                form,
                app.overlay.is_none() && flow.busy.is_none(),
                frame,
                field,
            );
            frame.render_widget(Paragraph::new(content), rest);
        }
        None => {
            // Keep the chosen row in view when a list is longer than the pane, and say so.
            let mut middle = middle;
            let list = matches!(
                flow.screen,
                Screen::Image | Screen::Region | Screen::Size | Screen::Backups
            );
            if list && content.len() as u16 > middle.height && middle.height > 1 {
                let below = content.len() as u16 - middle.height + 1;
                let hint = Rect::new(middle.x, middle.bottom() - 1, middle.width, 1);
                middle.height -= 1;
                let shown = (cursor(flow) as u16).saturating_sub(middle.height.saturating_sub(1));
                let hidden = below.saturating_sub(shown);
                if hidden > 0 {
                    frame.render_widget(
                        Paragraph::new(Line::styled(format!("  … {hidden} more (↓)"), theme.muted)),
                        hint,
                    );
                }
            }
            let cursor = cursor(flow) as u16;
            let scroll = cursor.saturating_sub(middle.height.saturating_sub(1));
            frame.render_widget(Paragraph::new(content).scroll((scroll, 0)), middle);
        }
    }
    frame.render_widget(Paragraph::new(footer), bottom);
}

fn cursor(flow: &CloudFlow) -> usize {
    match flow.screen {
        Screen::Image => flow.image,
        Screen::Region => flow.region,
        Screen::Size => flow.size,
        Screen::Backups => usize::from(!flow.backups),
        _ => 0,
    }
}

fn explanation(app: &App, flow: &CloudFlow) -> &'static str {
    match flow.screen {
        Screen::Token if app.cloud_env.token.is_some() => text::TOKEN_FROM_ENV,
        Screen::Token => text::TOKEN,
        Screen::Image => text::IMAGE,
        Screen::Region => text::REGION,
        Screen::Size => text::SIZE,
        Screen::Backups => text::BACKUPS,
        Screen::Key => text::KEY,
        Screen::Name => text::NAME,
        Screen::Summary => text::SUMMARY,
        Screen::Creating => text::CREATING,
    }
}

fn rows(app: &App, labels: Vec<String>, chosen: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    labels
        .into_iter()
        .enumerate()
        .map(|(i, label)| {
            if i == chosen {
                Line::styled(format!("▶ {label}"), theme.accent)
            } else {
                Line::styled(format!("  {label}"), theme.base)
            }
        })
        .collect()
}

fn content(app: &App, flow: &CloudFlow, width: u16) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let tz = app.cloud_env.tz.as_deref();
    let Some(catalog) = &flow.catalog else {
        return Vec::new();
    };
    match flow.screen {
        Screen::Token | Screen::Name => Vec::new(),
        Screen::Image => rows(
            app,
            catalog.images.iter().map(|i| i.label.to_owned()).collect(),
            flow.image,
        ),
        Screen::Region => rows(
            app,
            flow.regions(tz)
                .iter()
                .map(|r| format!("{:<15} {:<5} {}", r.name, r.slug, country(&r.slug)))
                .collect(),
            flow.region,
        ),
        Screen::Size => rows(
            app,
            flow.sizes(tz)
                .iter()
                .map(|s| choices::size_line(s))
                .collect(),
            flow.size,
        ),
        Screen::Backups => {
            let Some(size) = flow.chosen_size(tz) else {
                return Vec::new();
            };
            rows(
                app,
                vec![
                    format!(
                        "On  +{}/month: {}/month in all",
                        choices::dollars(choices::backup_price(size)),
                        choices::dollars(choices::monthly(size, true))
                    ),
                    format!("Off {}/month", choices::dollars(size.price_monthly)),
                ],
                usize::from(!flow.backups),
            )
        }
        Screen::Key => {
            let mut lines = vec![
                Line::from(vec![
                    Span::styled("Key  ", theme.muted),
                    Span::styled(app.answers.key.display().to_string(), theme.base),
                ]),
                Line::styled("Its fingerprint, as DigitalOcean shows it:", theme.muted),
                Line::styled(catalog.key.fingerprint.clone(), theme.base),
            ];
            let status = match &catalog.key_on_account {
                Some(key) => format!("On your account as \"{}\": it is reused.", key.name),
                None => format!(
                    "Not on your account yet: it is uploaded as {} when you create.",
                    app.cloud_env.key_name
                ),
            };
            lines.extend(super::wrap::fit(
                vec![Line::styled(status, theme.success)],
                width,
            ));
            lines
        }
        Screen::Summary => summary(app, flow, width),
        Screen::Creating => {
            let mut lines = Vec::new();
            if let Some(waiting) = &flow.waiting {
                lines.extend(super::wrap::fit(
                    vec![Line::styled(waiting.clone(), theme.running)],
                    width,
                ));
            }
            lines
        }
    }
}

/// "Frankfurt, Germany" → "Germany": the API's name already says the city.
fn country(slug: &str) -> &'static str {
    let city = choices::city(slug);
    city.rsplit_once(", ").map_or(city, |(_, country)| country)
}

fn summary(app: &App, flow: &CloudFlow, width: u16) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let tz = app.cloud_env.tz.as_deref();
    let (Some(region), Some(size), Some(image)) = (
        flow.chosen_region(tz),
        flow.chosen_size(tz),
        flow.chosen_image(),
    ) else {
        return Vec::new();
    };
    let row = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<9}"), theme.muted),
            Span::styled(value, theme.base),
        ])
    };
    let mut lines = vec![
        row("Name", flow.name.value("name").trim().to_owned()),
        row("Image", image.label.to_owned()),
        row("Region", format!("{} ({})", region.name, region.slug)),
        row(
            "Size",
            format!("{} · {} vCPU · {} MB", size.slug, size.vcpus, size.memory),
        ),
        row(
            "Backups",
            if flow.backups {
                format!("on (+{})", choices::dollars(choices::backup_price(size)))
            } else {
                "off".to_owned()
            },
        ),
    ];
    lines.extend(super::wrap::fit(
        vec![Line::styled(
            format!(
                "Costs {} a month (billed by the hour).",
                choices::dollars(choices::monthly(size, flow.backups))
            ),
            theme.warning,
        )],
        width,
    ));
    lines
}
