//! The current stage's screen, in four views: its explanation and questions; the preview of
//! the exact commands; the steps as they run; and how it ended.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::course::plan::{Action, command_text, step_text};
use crate::course::{self, StageId, StageStatus};
use crate::wizard::{App, Elsewhere, View};

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let area = area.inner(Margin::new(2, 0));
    let [head, _, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    if app.cloud.is_some() {
        super::cloud::draw(app, frame, head, body);
        return;
    }
    draw_heading(app, frame, head);
    match app.view {
        View::Form => draw_form_view(app, frame, body),
        View::Preview { scroll } => draw_preview(app, frame, body, scroll),
        View::Running => draw_running(app, frame, body),
        View::Finished => draw_finished(app, frame, body),
        View::Editor => super::editor::draw(app, frame, body),
    }
}

fn draw_heading(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let id = app.current;
    let status = app.status(id);
    let heading = Line::from(vec![
        Span::styled(
            format!(
                "Stage {} of {} · {}",
                id.index() + 1,
                StageId::ALL.len(),
                id.title()
            ),
            theme.title,
        ),
        Span::styled(
            format!("  {} {}", status.symbol(), status.label()),
            theme.status(status),
        ),
    ]);
    frame.render_widget(Paragraph::new(heading), area);
}

fn draw_form_view(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let id = app.current;
    let explanation = match (&app.squad, id) {
        (Some(_), StageId::Connect) => crate::wizard::squad::EXPLANATION,
        (Some(_), _) => crate::wizard::squad::FIXED,
        (None, _) => id.stage().explanation,
    };
    let explanation = super::wrap::fit(vec![Line::styled(explanation, theme.base)], area.width);
    let explanation_height = explanation.len() as u16;
    let explanation = Paragraph::new(explanation);
    let rules = if id == StageId::Firewall {
        rule_list(app)
    } else {
        Vec::new()
    };
    let hint_lines = super::wrap::fit(vec![Line::styled(form_hint(app), theme.muted)], area.width);
    // The key line sits at the foot of the pane, where it stays while the form grows or
    // shrinks (a hint shown under the focused field); it is placed before any blank line, so a
    // long explanation can never push it off the screen: blank lines go first when rows are
    // short.
    let active = app.overlay.is_none();
    let form_height = super::form::height(&app.form, active, area.width);
    let needed = explanation_height + form_height + rules.len() as u16 + hint_lines.len() as u16;
    let spare = area.height.saturating_sub(needed);
    let gap = |n: u16| Constraint::Length(u16::from(spare >= n));
    let [body, _, form, _, list, _, hint] = Layout::vertical([
        Constraint::Length(explanation_height),
        gap(1),
        Constraint::Length(form_height),
        gap(3),
        Constraint::Length(rules.len() as u16),
        Constraint::Min(0),
        Constraint::Length(hint_lines.len() as u16),
    ])
    .areas(area);
    frame.render_widget(explanation, body);
    super::form::draw(theme, &app.form, active, frame, form);
    frame.render_widget(Paragraph::new(rules), list);
    frame.render_widget(Paragraph::new(hint_lines), hint);
}

/// The line under a stage's questions: what Enter does here, and what to know first.
fn form_hint(app: &App) -> String {
    let id = app.current;
    if let Some((running, what)) = app.elsewhere() {
        let number = running.index() + 1;
        match what {
            Elsewhere::Queued => {
                format!("Your answers are in: the check starts as soon as stage {number} is done.")
            }
            Elsewhere::Queueable => format!(
                "Stage {number} is still running. Enter: this stage is checked as soon as it is done."
            ),
            Elsewhere::Checking => {
                format!("Stage {number} is being checked; Enter works here once it is done.")
            }
            Elsewhere::Connect => {
                format!("Stage {number} is running; log in again once it is done.")
            }
        }
    } else if id == StageId::Update && app.reboot_needed {
        "The update asks for a restart to finish. r: restart the droplet now (droplift \
         reconnects by itself).  Enter: check the stage again."
            .to_owned()
    } else if id == StageId::Connect && app.squad.is_some() {
        "Enter: read your squad's file, check your key and folder, then log in as your squad."
            .to_owned()
    } else if crate::wizard::squad::ships(id) && app.squad.is_some() {
        crate::wizard::squad::hint(app)
    } else if id == StageId::Connect {
        if app.practice_busy {
            "Creating a practice droplet … (see the log)".to_owned()
        } else {
            "Enter: connect.  No droplet? F2 makes a practice one on this computer.".to_owned()
        }
    } else if id == StageId::Nginx {
        "Drop default: yes stops nginx's welcome page answering instead of your site. Enter: \
         check the server, then edit the site file."
            .to_owned()
    } else if id == StageId::User && !app.form.value("user_password").is_empty() {
        format!(
            "Password strength: {}.  Enter: see the exact commands.",
            course::check::strength_hint(&app.form.value("user_password"))
        )
    } else if id == StageId::Postgres && !app.form.value("db_password").is_empty() {
        format!(
            "Password strength: {}.  Enter: see the exact commands.",
            course::check::strength_hint(&app.form.value("db_password"))
        )
    } else if id == StageId::Firewall {
        "↑/↓ rule · Del removes it · Enter: the commands".to_owned()
    } else if id == StageId::Domain && app.form.value("domain").trim().is_empty() {
        // Without a domain there are no commands to see: Enter only checks, and skips.
        "No domain: Enter skips this stage (nothing changes on the server).".to_owned()
    } else {
        let note = app.entry(id).map(|e| e.note.as_str()).unwrap_or_default();
        if note.is_empty() {
            "Enter: see the exact commands before anything runs.".to_owned()
        } else {
            match note.strip_prefix("last time: ") {
                // A badge from saved progress, not yet checked again.
                Some(old) => format!("Last time: {old}. Enter: see the commands."),
                None => format!("The check found: {note}. Enter: see the commands."),
            }
        }
    }
}

/// The firewall's rules as they stand while the student edits them: each with why, the chosen
/// one marked, and the closing "deny everything else" (stage 6).
fn rule_list(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let active = app.overlay.is_none();
    let mut lines: Vec<Line<'static>> = crate::wizard::firewall_list::listed(app)
        .into_iter()
        .enumerate()
        .map(|(index, (rule, why))| {
            // The chosen rule (what Del removes) is highlighted, not marked with a second `›`:
            // the one `›` is the field the keys type into.
            let chosen = active && index == app.firewall.cursor;
            Line::from(vec![
                Span::raw("  "),
                Span::styled(
                    format!("allow {rule:<9}"),
                    if chosen {
                        theme.selected
                    } else {
                        theme.success
                    },
                ),
                Span::styled(format!(" {why}"), theme.base),
            ])
        })
        .collect();
    lines.push(Line::from(vec![
        Span::styled("  deny  the rest  ", theme.error),
        Span::styled("everything else coming in", theme.base),
    ]));
    lines
}

fn draw_preview(app: &App, frame: &mut Frame, area: Rect, scroll: u16) {
    let [list, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let lines = preview_lines(app, usize::from(list.width.saturating_sub(1)));
    let max = (lines.len() as u16).saturating_sub(list.height);
    let scroll = usize::from(scroll.min(max));
    let visible: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(visible), list);
    let keys = if app.preview.scripts {
        "Enter: run  ↑/↓: scroll  ←: hide scripts  Esc: back"
    } else {
        "Enter: run  ↑/↓: scroll  →: scripts  Esc: back"
    };
    frame.render_widget(Paragraph::new(Span::styled(keys, theme_key(app))), footer);
}

fn theme_key(app: &App) -> ratatui::style::Style {
    app.theme.key
}

/// The preview, fitted to `width`: what the check found (a diff coloured, never re-wrapped
/// into prose), then each step as the course types it by hand, with droplift's exact script
/// folded to one line until the student unfolds it.
fn preview_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    use super::wrap::{code, words};
    let theme = &app.theme;
    let Ok(plans) = course::plans(app.current, &app.answers) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let prose = |lines: &mut Vec<Line<'static>>, text: &str, style, first: &str, rest: &str| {
        for l in words(text, width, first, rest) {
            lines.push(Line::styled(l, style));
        }
    };
    let note = app
        .entry(app.current)
        .map(|e| e.note.as_str())
        .unwrap_or_default();
    if !note.is_empty() {
        prose(
            &mut lines,
            &format!("droplift checked the server: {note}."),
            theme.accent,
            "",
            "",
        );
    }
    for line in &app.preview.report {
        let style = if line.starts_with('+') && !line.starts_with("+++") {
            theme.success
        } else if line.starts_with('-') && !line.starts_with("---") {
            theme.error
        } else {
            theme.base
        };
        for l in code(line, width, "  ", "    ") {
            lines.push(Line::styled(l, style));
        }
    }
    lines.push(Line::raw(""));
    prose(
        &mut lines,
        "What happens on your droplet, in this order (as you would type it by hand):",
        theme.muted,
        "",
        "",
    );
    lines.push(Line::raw(""));
    for (index, step) in plans.apply.steps.iter().enumerate() {
        let mut title = step.title.lines();
        let number = format!("{}. ", index + 1);
        prose(
            &mut lines,
            title.next().unwrap_or_default(),
            theme.accent,
            &number,
            "   ",
        );
        for more in title {
            prose(&mut lines, more, theme.muted, "   ", "   ");
        }
        match &step.action {
            Action::Run(command) => {
                if let Some(by_hand) = &command.by_hand {
                    for l in by_hand.lines() {
                        for l in code(l, width, "   $ ", "     ") {
                            lines.push(Line::styled(l, theme.command));
                        }
                    }
                }
                let script = command_text(command);
                let count = script.lines().count();
                let who = if command.sudo { "as root" } else { "as you" };
                if app.preview.scripts {
                    prose(
                        &mut lines,
                        &format!("droplift's exact script ({who}):"),
                        theme.muted,
                        "   ",
                        "   ",
                    );
                    for l in script.lines() {
                        for l in code(l, width, "     ", "       ") {
                            lines.push(Line::styled(l, theme.command));
                        }
                    }
                } else {
                    prose(
                        &mut lines,
                        &format!(
                            "▸ droplift runs its safer version: {count} lines, {who} — → to show"
                        ),
                        theme.muted,
                        "   ",
                        "     ",
                    );
                }
            }
            _ => {
                let text = step_text(step, &app.answers.host).unwrap_or_else(|e| e.to_string());
                for l in text
                    .lines()
                    .filter(|l| !l.starts_with("# ") || l.starts_with("#     "))
                {
                    for l in code(l, width, "   $ ", "     ") {
                        lines.push(Line::styled(l, theme.command));
                    }
                }
            }
        }
    }
    if !plans.verify.is_empty() {
        lines.push(Line::raw(""));
        prose(
            &mut lines,
            "Then droplift checks the result:",
            theme.accent,
            "",
            "",
        );
        for step in &plans.verify.steps {
            prose(&mut lines, step.headline(), theme.base, "   ✓ ", "     ");
        }
    }
    lines
}

/// Instructor mode: the next command, waiting for Space so the class can read it first.
fn draw_paused(app: &App, frame: &mut Frame, area: Rect, command: &crate::course::plan::Command) {
    let theme = &app.theme;
    let width = usize::from(area.width.saturating_sub(1));
    let step = app.run.as_ref().and_then(|r| r.current_step());
    let mut lines = vec![Line::styled("Next, on your droplet:", theme.muted)];
    if let Some(step) = step {
        for text in super::wrap::words(step.headline(), width, "", "") {
            lines.push(Line::styled(text, theme.accent));
        }
    }
    for text in super::wrap::code(&format!("$ {}", command.log_line()), width, "", "  ") {
        lines.push(Line::styled(text, theme.command));
    }
    if app.instructor.explaining {
        lines.push(Line::raw(""));
        if let Some(step) = step {
            for more in step.title.lines().skip(1) {
                for text in super::wrap::words(more, width, "", "") {
                    lines.push(Line::styled(text, theme.base));
                }
            }
        }
        lines.push(Line::styled("What droplift runs exactly:", theme.muted));
        for line in command.script.lines() {
            for text in super::wrap::code(line, width, "", "  ") {
                lines.push(Line::styled(text, theme.command));
            }
        }
    }
    let [body, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(Paragraph::new(lines), body);
    frame.render_widget(
        Paragraph::new(Line::styled(
            "Space: run · e: explain · Esc: stop",
            theme.key,
        )),
        footer,
    );
}

fn draw_running(app: &App, frame: &mut Frame, area: Rect) {
    if let Some(crate::runner::Request::Run { command, .. }) = &app.instructor.paused {
        return draw_paused(app, frame, area, command);
    }
    let theme = &app.theme;
    let mut lines = Vec::new();
    match &app.run {
        Some(run) => {
            let (phase, steps, index) = run.progress();
            let doing = match phase {
                crate::runner::Phase::Probe => "Checking the server",
                crate::runner::Phase::Apply => "Making the changes",
                crate::runner::Phase::Verify => "Checking the result",
                crate::runner::Phase::Rollback => "Putting things back as they were",
            };
            lines.push(Line::styled(
                format!(
                    "{doing}: step {} of {}",
                    (index + 1).min(steps.len()),
                    steps.len()
                ),
                theme.muted,
            ));
            let width = usize::from(area.width.saturating_sub(1));
            let first = index.saturating_sub(usize::from(area.height).saturating_sub(4) / 2);
            for (i, step) in steps.iter().enumerate().skip(first) {
                let (mark, style) = if i < index {
                    ("✓", theme.success)
                } else if i == index {
                    (SPINNER[app.spinner % SPINNER.len()], theme.running)
                } else {
                    ("·", theme.muted)
                };
                let wrapped = super::wrap::words(step.headline(), width, "  ", "  ");
                for (n, text) in wrapped.into_iter().enumerate() {
                    let text = text.get(2..).unwrap_or_default().to_owned();
                    lines.push(Line::from(vec![
                        Span::styled(
                            if n == 0 {
                                format!("{mark} ")
                            } else {
                                "  ".into()
                            },
                            style,
                        ),
                        Span::styled(text, theme.base),
                    ]));
                }
            }
        }
        None => lines.push(Line::styled(
            match app.link {
                crate::wizard::Link::Reconnecting => "The connection dropped; reconnecting …",
                _ => "Connecting …",
            },
            theme.running,
        )),
    }
    let [list, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let room = usize::from(list.height);
    if lines.len() > room {
        // Whole steps only (a step's title may take two rows); the last row says what is left.
        let starts: Vec<usize> = (0..lines.len())
            .filter(|&i| i == 0 || lines[i].spans.first().is_none_or(|s| s.content != "  "))
            .collect();
        let keep = starts
            .iter()
            .copied()
            .take_while(|&start| start < room)
            .filter(|&start| start <= room.saturating_sub(1))
            .last()
            .unwrap_or(0);
        let shown = starts.iter().filter(|&&start| start < keep).count();
        let end = if keep > 0 {
            keep
        } else {
            room.saturating_sub(1)
        };
        lines.truncate(end.min(room.saturating_sub(1)));
        let more = starts.len().saturating_sub(shown);
        lines.push(Line::styled(format!("  … {more} more"), theme.muted));
    }
    frame.render_widget(Paragraph::new(lines), list);
    let keys = if app.work_ahead_target().is_some() {
        "n: the next stage meanwhile   Esc: stop the step"
    } else {
        "Output: in the log below.   Esc: stop the step"
    };
    frame.render_widget(Paragraph::new(Span::styled(keys, theme.muted)), footer);
}

fn draw_finished(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let id = app.current;
    let status = app.status(id);
    let note = app.entry(id).map(|e| e.note.clone()).unwrap_or_default();
    let last = StageId::ALL.last() == Some(&id);
    let finished = StageId::ALL
        .iter()
        .all(|s| matches!(app.status(*s), StageStatus::Done | StageStatus::Skipped));
    let end = if finished {
        "That was the last stage: the course is finished."
    } else {
        "That was the last stage; the stage list shows what is still to do."
    };
    let (headline, style, next) = match status {
        StageStatus::Done if last => (
            format!("✓ {} is done: {note}.", id.title()),
            theme.success,
            String::new(),
        ),
        StageStatus::Done if id == StageId::Nginx => (
            format!("✓ {} is done: {note}.", id.title()),
            theme.success,
            "Enter: on to the next stage · e: edit the site file again".to_owned(),
        ),
        StageStatus::Done => (
            format!("✓ {} is done: {note}.", id.title()),
            theme.success,
            "Enter: on to the next stage".to_owned(),
        ),
        // An optional stage not asked for: not done, and nothing was changed.
        StageStatus::Skipped if last => (
            format!("– {} is skipped ({note}).", id.title()),
            theme.muted,
            "Enter: back to the questions, to do this stage after all".to_owned(),
        ),
        StageStatus::Skipped => (
            format!("– {} is skipped ({note}).", id.title()),
            theme.muted,
            "Enter: on to the next stage".to_owned(),
        ),
        StageStatus::Failed => (
            format!("✗ {} did not finish: {note}", id.title()),
            theme.error,
            "Enter: back to the questions to try again (the log below has the server's words)"
                .to_owned(),
        ),
        StageStatus::Drifted => (
            format!(
                "≠ {}: something on the server is in the way: {note}",
                id.title()
            ),
            theme.warning,
            "Enter: back to the questions".to_owned(),
        ),
        _ => (
            format!("{} stopped: {note}", id.title()),
            theme.warning,
            "Enter: back to the questions".to_owned(),
        ),
    };
    let mut lines = vec![Line::styled(headline, style), Line::raw("")];
    if app.reboot_needed && id == StageId::Update {
        lines.push(Line::styled(
            "The update needs a restart to finish (a new kernel or system library). \
             r: restart the droplet now; droplift reconnects by itself.",
            theme.warning,
        ));
        lines.push(Line::raw(""));
    }
    if status == StageStatus::Done && id == StageId::SshHardening {
        let a = &app.answers;
        lines.push(Line::raw(
            "From now on, log in like this, as your user with your key (SSH refuses root and \
             passwords now):",
        ));
        lines.push(Line::styled(
            format!(
                "  {}",
                crate::course::stages::ssh::login_from_now_on(
                    a.login_name(),
                    &a.host,
                    a.port,
                    &a.key,
                    a.alias.as_deref()
                )
            ),
            theme.command,
        ));
        lines.push(Line::raw(""));
    }
    let squad_lines = crate::wizard::squad::finished_lines(app);
    let next = if squad_lines.is_empty() {
        next
    } else {
        String::new()
    };
    for line in squad_lines {
        lines.push(if line.starts_with("Your squad's API") {
            Line::styled(line, theme.success)
        } else {
            Line::raw(line)
        });
    }
    let mut course_end = Vec::new();
    if last && app.squad.is_none() && matches!(status, StageStatus::Done | StageStatus::Skipped) {
        course_end.push(Line::raw(crate::export::WIZARD_HINT));
        course_end.push(Line::raw(""));
        course_end.push(Line::raw(end));
    }
    let mut bottom = Vec::new();
    if !next.is_empty() {
        bottom.push(Line::styled(next, theme.key));
    }
    let fit = |lines: Vec<Line<'static>>| super::wrap::fit(lines, area.width);
    let (top, course_end, bottom) = (fit(lines), fit(course_end), fit(bottom));
    let board = if crate::wizard::board::shown(app) {
        // Whatever the board leaves of the pane; the course's last words only if they fit too.
        let room = usize::from(area.height).saturating_sub(top.len() + bottom.len());
        board_lines(app, usize::from(area.width), room)
    } else {
        Vec::new()
    };
    let mut shown = top;
    let spare = usize::from(area.height).saturating_sub(shown.len() + board.len() + bottom.len());
    if board.is_empty() || course_end.len() < spare {
        shown.extend(course_end);
    }
    if !board.is_empty() {
        if shown.last().is_none_or(|l| l.width() != 0) {
            shown.push(Line::raw(""));
        }
        shown.extend(board);
        if shown.len() + bottom.len() < usize::from(area.height) {
            shown.push(Line::raw(""));
        }
    }
    shown.extend(bottom);
    frame.render_widget(Paragraph::new(shown), area);
}

/// The health board (`droplift status`'s) in `rows` rows of the finished screen, each line
/// coloured by its row's mark; a line while it is read for the first time.
fn board_lines(app: &App, width: usize, rows: usize) -> Vec<Line<'static>> {
    use crate::course::board::{Mark, fitted};
    let theme = &app.theme;
    let Some(board) = &app.board.rows else {
        return if app.board.reading() {
            vec![Line::styled(
                "Reading the server's health (read-only) …",
                theme.muted,
            )]
        } else {
            Vec::new()
        };
    };
    // One column stays free at the right edge, as wrapped text keeps it.
    fitted(board, width.saturating_sub(1), rows)
        .into_iter()
        .map(|(mark, text)| {
            let style = match mark {
                None => theme.title,
                Some(Mark::Ok) => theme.base,
                Some(Mark::Info) => theme.muted,
                Some(Mark::Warn) => theme.warning,
                Some(Mark::Fail) => theme.error,
            };
            Line::styled(text, style)
        })
        .collect()
}
