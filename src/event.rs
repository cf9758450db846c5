//! The one event loop: input thread, SSH worker and tick feed one channel; the loop calls
//! `app::update`, performs the effects and redraws only when something changed.

use crate::ui::theme::ThemeName;

pub struct WizardOptions {
    pub theme: ThemeName,
    pub log_lines: usize,
}

pub fn run_wizard(_options: WizardOptions) -> color_eyre::Result<i32> {
    Ok(0)
}
