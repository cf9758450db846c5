//! Colours: a calm default, a high-contrast theme for projectors, and no colour at all when
//! NO_COLOR is set (badges keep their symbols so nothing depends on colour alone).

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ThemeName {
    #[default]
    Default,
    HighContrast,
}
