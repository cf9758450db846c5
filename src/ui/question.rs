//! The popups that ask or tell something important: is this the droplet's real host key, the
//! new root password a new droplet demands, and the error card (what happened, the server's
//! own words, what to do next).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::remote::HostKeyInfo;
use crate::wizard::{App, ErrorCard, Form};

/// A bordered box in the middle with `body` text and an optional form under it.
fn boxed(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    title: &str,
    body: Vec<Line>,
    form: Option<&Form>,
    keys: &str,
) {
    let theme = &app.theme;
    let width = 72.min(area.width);
    let body = super::wrap::fit(body, width.saturating_sub(2));
    let text_height = body.len() as u16;
    let text = Paragraph::new(body);
    let form_height = form.map_or(0, |f| {
        super::form::height(f, true, width.saturating_sub(2)) + 1
    });
    let height = (text_height + form_height + 4).min(area.height);
    let rect = super::popup::centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {title} "), theme.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [text_area, form_area, keys_area] = Layout::vertical([
        Constraint::Length(text_height),
        Constraint::Length(form_height),
        Constraint::Min(1),
    ])
    .areas(inner);
    frame.render_widget(text, text_area);
    if let Some(form) = form {
        let area = Rect {
            y: form_area.y + 1,
            height: form_area.height.saturating_sub(1),
            ..form_area
        };
        super::form::draw(theme, form, true, frame, area);
    }
    let keys_area = Rect {
        y: keys_area.bottom().saturating_sub(1),
        height: 1,
        ..keys_area
    };
    frame.render_widget(Paragraph::new(Span::styled(keys, theme.key)), keys_area);
}

pub fn host_key(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    info: &HostKeyInfo,
    changed: bool,
    confirm: &Form,
) {
    let theme = &app.theme;
    let fingerprint = Line::from(vec![
        Span::styled(format!("  {}", info.fingerprint), theme.accent),
        Span::styled(format!("  ({})", info.key_type), theme.muted),
    ]);
    if !changed {
        let mut body = vec![
            Line::raw(format!(
                "This computer has never connected to {} before. A server proves who it is with a key; this one's fingerprint is:",
                info.host
            )),
            fingerprint,
            Line::raw(""),
        ];
        if app.squad.is_some() {
            // A squad has no console of the class's droplet: the instructor has the fingerprint.
            body.push(Line::raw(
                "To be sure it is your class's droplet, ask your instructor for its fingerprint (they read it with this command on the droplet):",
            ));
        } else {
            body.push(Line::raw(
                "To be sure it is your droplet, open its console in the provider's web page and run:",
            ));
        }
        body.extend([
            Line::styled(
                format!("  ssh-keygen -lf {}", host_key_file(&info.key_type)),
                theme.command,
            ),
            Line::raw(
                "If the fingerprints match, accept: it is remembered in ~/.ssh/known_hosts, as OpenSSH does.",
            ),
        ]);
        boxed(
            app,
            frame,
            area,
            "Is this really your droplet?",
            body,
            None,
            "y accept and remember   n refuse",
        );
    } else {
        let body = vec![
            Line::styled(
                format!(
                    "{} now shows a DIFFERENT key from the one recorded on this computer:",
                    info.host
                ),
                theme.error,
            ),
            fingerprint,
            Line::raw(""),
            Line::raw(
                "There are two possible reasons. You rebuilt or recreated the droplet: then it has a new key, and this is expected. Or someone is intercepting the connection: then do not log in.",
            ),
            Line::raw(
                "If you rebuilt it, type the host name to replace only this host's recorded key.",
            ),
        ];
        boxed(
            app,
            frame,
            area,
            "The server's key has changed",
            body,
            Some(confirm),
            "Enter replace the key   Esc stop",
        );
    }
}

/// The server's public host key file for a key type, as OpenSSH names them.
fn host_key_file(key_type: &str) -> &'static str {
    if key_type.contains("ed25519") {
        "/etc/ssh/ssh_host_ed25519_key.pub"
    } else if key_type.contains("ecdsa") {
        "/etc/ssh/ssh_host_ecdsa_key.pub"
    } else {
        "/etc/ssh/ssh_host_rsa_key.pub"
    }
}

pub fn password_change(app: &App, frame: &mut Frame, area: Rect, form: &Form) {
    let body = vec![
        Line::raw(
            "A new droplet makes you replace the e-mailed root password at the first login. Type a new one twice.",
        ),
        Line::styled(
            "It travels over the encrypted connection and droplift never saves it: keep it in your password manager.",
            app.theme.muted,
        ),
    ];
    boxed(
        app,
        frame,
        area,
        "Choose a new root password",
        body,
        Some(form),
        "Tab next field   Enter change it   Esc stop",
    );
}

pub fn user_login(app: &App, frame: &mut Frame, area: Rect, form: &Form) {
    let body = vec![
        Line::styled(
            "The server refused root's password — usually a typo: press Esc and paste it again (copy it from the e-mail, no spaces around it).",
            app.theme.warning,
        ),
        Line::raw(""),
        Line::raw(
            "Already finished stage 4 here? Then root may no longer log in: log in as your own user with your SSH key, and droplift checks what is already done.",
        ),
    ];
    boxed(
        app,
        frame,
        area,
        "Root's password was refused",
        body,
        Some(form),
        "Esc retype root's password   Enter log in as your user",
    );
}

/// Resuming a server where stage 4 was done: root is refused there, so the user logs in.
pub fn resume_as_user(app: &App, frame: &mut Frame, area: Rect, form: &Form) {
    let body = vec![Line::raw(
        "Stage 4 was done on this server last time: root may no longer log in, and only your own user with your SSH key may. Type your user's password (sudo asks for it); droplift then checks what is already done.",
    )];
    boxed(
        app,
        frame,
        area,
        "Welcome back: log in as your user",
        body,
        Some(form),
        "Enter log in as your user   Esc as root instead",
    );
}

pub fn error(app: &App, frame: &mut Frame, area: Rect, card: &ErrorCard) {
    let theme = &app.theme;
    let mut body = vec![
        Line::styled("What happened", theme.title),
        Line::raw(card.what.clone()),
    ];
    if !card.server.is_empty() {
        body.push(Line::raw(""));
        body.push(Line::styled("The server said", theme.title));
        for line in &card.server {
            body.push(Line::styled(format!("  {line}"), theme.stderr));
        }
    }
    body.push(Line::raw(""));
    body.push(Line::styled("What to do", theme.title));
    body.push(Line::raw(card.next.clone()));
    boxed(app, frame, area, &card.title, body, None, "Enter close");
}

/// The doctor's cards (`d` at the end of the app or uWSGI stage): each problem, why it matters
/// and the exact fix, scrolled with ↑ / ↓ when they are longer than the screen.
/// `s` at the end of stages 8–10: the nightly backup, what it does and why, and its steps;
/// Enter sets it up and takes one.
pub fn backup(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    offer: &crate::wizard::backup::BackupOffer,
) {
    let theme = &app.theme;
    let width = 76.min(area.width);
    let mut body: Vec<Line> = vec![
        Line::raw(format!(
            "Every night at 3 the server dumps the database {} (pg_dump) into a folder only \
             root may open, /var/lib/droplift/backups/{}, keeping the newest of 7 days and of \
             4 weeks. One is taken now too.",
            offer.db, offer.site
        )),
        Line::raw(
            "Why: a release whose migration goes wrong, or a table deleted by mistake, loses \
             data a rollback cannot bring back; a backup can (droplift restore, and --drill \
             to prove one without touching the site).",
        ),
        Line::raw(""),
    ];
    for what in &offer.steps {
        body.push(Line::styled(format!("▶ {what}"), theme.title));
    }
    body.push(Line::raw(""));
    body.push(Line::raw(
        "Each command shows in the log as it runs. From a terminal: droplift backup now.",
    ));
    let body = super::wrap::fit(body, width.saturating_sub(2));
    let height = (body.len() as u16 + 3).min(area.height);
    let rows = usize::from(height.saturating_sub(3));
    let shown: Vec<Line> = body.into_iter().take(rows).collect();
    let rect = super::popup::centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(" Nightly backups (optional) ", theme.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [text_area, keys_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(Paragraph::new(shown), text_area);
    frame.render_widget(
        Paragraph::new(Span::styled(
            "Enter set it up and back up now   Esc not now",
            theme.key,
        )),
        keys_area,
    );
}

pub fn doctor(app: &App, frame: &mut Frame, area: Rect, view: &crate::wizard::doctor::DoctorView) {
    use crate::course::doctor::Level;
    let theme = &app.theme;
    let mut body: Vec<Line> = Vec::new();
    if view.cards.is_empty() {
        body.push(Line::raw(
            "No problem found: the app's slot runs and listens, nginx may use its socket, and \
             the firewall, disk and memory are fine.",
        ));
    }
    for (i, card) in view.cards.iter().enumerate() {
        if i > 0 {
            body.push(Line::raw(""));
        }
        let (mark, style) = match card.level {
            Level::Fail => ("✗ ", theme.error),
            Level::Warn => ("! ", theme.warning),
        };
        body.push(Line::styled(format!("{mark}{}", card.title), style));
        body.push(Line::from(vec![
            Span::styled("What: ", theme.title),
            Span::raw(card.what.clone()),
        ]));
        body.push(Line::from(vec![
            Span::styled("Why: ", theme.title),
            Span::raw(card.why.clone()),
        ]));
        for (n, step) in card.fix.iter().enumerate() {
            let head = if n == 0 { "Fix: " } else { "     " };
            body.push(Line::from(vec![
                Span::styled(head, theme.title),
                Span::styled(step.clone(), theme.command),
            ]));
        }
    }
    scrolling_popup(app, frame, area, &view.title(), body, view.scroll);
}

/// A popup of `body` (wrapped to 76 columns at most) from line `scroll` on, titled `title`,
/// with the keys on its last row: the doctor's cards and the app's logs.
fn scrolling_popup(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    title: &str,
    body: Vec<Line<'static>>,
    scroll: u16,
) {
    let theme = &app.theme;
    let width = 76.min(area.width);
    let body = super::wrap::fit(body, width.saturating_sub(2));
    // The header and the status bar stay in sight (the bar names the keys too).
    let height = (body.len() as u16 + 3).min(area.height.saturating_sub(2));
    let rows = usize::from(height.saturating_sub(3));
    let top = usize::from(scroll).min(body.len().saturating_sub(rows));
    let more = top + rows < body.len();
    let shown: Vec<Line> = body.into_iter().skip(top).take(rows).collect();
    let rect = super::popup::centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {title} "), theme.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [text_area, keys_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(Paragraph::new(shown), text_area);
    let keys = if more || top > 0 {
        "↑/↓ PgUp/PgDn scroll   Esc close"
    } else {
        "Esc close"
    };
    frame.render_widget(Paragraph::new(Span::styled(keys, theme.key)), keys_area);
}

/// `l` at the end of stages 8–10: the app's logs, the newest last (shown from the end).
pub fn logs(app: &App, frame: &mut Frame, area: Rect, view: &crate::wizard::logs::LogsView) {
    let theme = &app.theme;
    let body: Vec<Line<'static>> = if view.lines.is_empty() {
        vec![Line::raw("Nothing logged yet.")]
    } else {
        view.lines
            .iter()
            .map(|line| {
                if line.starts_with("== ") {
                    Line::styled(line.clone(), theme.title)
                } else if line.starts_with("  → ") || line.starts_with("→ ") {
                    Line::styled(line.clone(), theme.warning)
                } else {
                    Line::raw(line.clone())
                }
            })
            .collect()
    };
    scrolling_popup(app, frame, area, &view.title, body, view.scroll);
}

/// `c` at the end of stages 8–10: the roster's path (and why it was refused), then the check's
/// lines and the class's board.
pub fn class(app: &App, frame: &mut Frame, area: Rect, view: &crate::wizard::class::ClassView) {
    let theme = &app.theme;
    let Some(path) = view.roster_path() else {
        // Why it was refused takes the explanation's place (the roster's lines, in its words).
        let body = if view.lines.is_empty() {
            vec![Line::raw(
                "A class shares this droplet: each squad gets an account of its own, its own \
                 site, database and limits, and ships its own API with its members' keys, no \
                 password. The roster lists the squads and their keys (README: Teaching a \
                 class). It is checked here first; nothing changes on the server.",
            )]
        } else {
            view.lines
                .iter()
                .map(|l| Line::styled(l.clone(), theme.error))
                .collect()
        };
        boxed(
            app,
            frame,
            area,
            "Your class",
            body,
            Some(&view.form),
            "Enter check the roster   Esc close",
        );
        return;
    };
    let mut body: Vec<Line<'static>> = view
        .lines
        .iter()
        .map(|line| {
            if line == crate::wizard::class::BOARD_HEADING {
                Line::styled(view.board_heading(), theme.title)
            } else if line.starts_with(crate::wizard::class::BOARD_HEADING)
                || line.starts_with("== ")
            {
                Line::styled(line.clone(), theme.title)
            } else if line.starts_with("  droplift ") {
                Line::styled(line.clone(), theme.command)
            } else if line.contains(" FAIL ") || line.contains(" no answer ") {
                Line::styled(line.clone(), theme.error)
            } else if line.starts_with("   last error: ") {
                Line::styled(line.clone(), theme.warning)
            } else {
                Line::raw(line.clone())
            }
        })
        .collect();
    if view.reading() {
        body.push(Line::styled("Reading the board …", theme.title));
    }
    if view.running() {
        body.push(Line::styled("Running …", theme.title));
    }
    if view.confirming {
        body.push(Line::raw(""));
        body.push(Line::styled(
            format!(
                "Apply this roster to the server now? It runs `droplift class apply --roster \
                 {path}` with your sudo password on its standard input: each squad's account, \
                 database, site and members' keys; what is done already is checked, not redone."
            ),
            theme.warning,
        ));
        body.push(Line::styled("y apply   n not now", theme.key));
    }
    scrolling_popup(
        app,
        frame,
        area,
        &format!("The class: {path}"),
        body,
        view.scroll,
    );
    if let Some(form) = &view.removing {
        let body = vec![Line::raw(
            "First its database (a dump) and its serving release's code are saved on this \
             computer, for grading; then its account, site, database, units and members' keys \
             leave the server. A squad whose database and code cannot be saved is not removed.",
        )];
        boxed(
            app,
            frame,
            area,
            "Remove a squad",
            body,
            Some(form),
            "Enter save it, then remove it   Esc not now",
        );
    }
}
