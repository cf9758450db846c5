//! A droplet's record on disk (/var/lib/droplift/practice/NAME/state.toml): where it lives and
//! which processes are its own. It never holds the root password.

use super::error::{PracticeError, Result, io_err};
use super::os::PracticeOs;
use super::sys::Tracked;
use serde::{Deserialize, Serialize};
use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

pub const STATE_ROOT: &str = "/var/lib/droplift/practice";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    pub name: String,
    /// `ubuntu-24.04`, `ubuntu-22.04` or `debian-12`; absent in files from before the choice
    /// (those droplets are Debian 12).
    #[serde(default)]
    pub os: Option<String>,
    /// N in 10.213.N.0/24.
    pub subnet: u8,
    pub address: Ipv4Addr,
    pub host_address: Ipv4Addr,
    /// Seconds since the Unix epoch.
    pub created: u64,
    /// The `up` that is making this droplet; while it runs and there is no container yet,
    /// the droplet is being created, not stale.
    pub creator: Option<Tracked>,
    /// The systemd-nspawn leader; SIGTERM to it powers the container off.
    pub nspawn: Option<Tracked>,
    /// The container's init (systemd), the target for nsenter.
    pub init: Option<Tracked>,
    pub proxy: Option<Tracked>,
    /// The kernel's index of the host side of the veth as it was made for this droplet: `down`
    /// deletes an interface of that name only if it is still this one.
    #[serde(default)]
    pub veth: Option<u32>,
}

pub fn droplet_dir(name: &str) -> PathBuf {
    Path::new(STATE_ROOT).join(name)
}

impl State {
    pub fn path(name: &str) -> PathBuf {
        droplet_dir(name).join("state.toml")
    }

    pub fn load(name: &str) -> Result<Self> {
        let path = Self::path(name);
        let bad = |detail: String| PracticeError::BadState {
            name: name.to_owned(),
            path: path.clone(),
            detail,
        };
        let text = fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
        toml::from_str(&text).map_err(|e| bad(e.to_string()))
    }

    /// Written to a temp file and renamed, so a crash never leaves half a state file.
    pub fn save(&self) -> Result<()> {
        let path = Self::path(&self.name);
        let tmp = path.with_extension("toml.tmp");
        let text = toml::to_string(self).map_err(|e| PracticeError::BadState {
            name: self.name.clone(),
            path: path.clone(),
            detail: e.to_string(),
        })?;
        fs::write(&tmp, text).map_err(io_err(format!("writing {}", tmp.display())))?;
        fs::rename(&tmp, &path).map_err(io_err(format!("writing {}", path.display())))
    }

    /// The droplet's system (an unknown or missing name reads as Debian 12, the only one before).
    pub fn os(&self) -> PracticeOs {
        self.os
            .as_deref()
            .and_then(|id| id.parse().ok())
            .unwrap_or(PracticeOs::Debian12)
    }

    pub fn running(&self) -> bool {
        self.nspawn.is_some_and(|p| p.alive())
    }
}

/// Names of every droplet directory (whatever state its state file is in).
pub fn all_names() -> Vec<String> {
    let Ok(entries) = fs::read_dir(STATE_ROOT) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// `2026-11-24 21:08 UTC` from Unix seconds (no date crate for one line of `list`).
pub fn format_utc(secs: u64) -> String {
    let (year, month, day, hour, minute, _) = crate::civil::utc(secs);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_795_900_000), "2026-11-28 21:06 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn state_round_trips_through_toml() {
        let s = State {
            name: "a1".into(),
            os: Some("ubuntu-22.04".into()),
            subnet: 3,
            address: Ipv4Addr::new(10, 213, 3, 2),
            host_address: Ipv4Addr::new(10, 213, 3, 1),
            created: 5,
            creator: None,
            nspawn: Some(Tracked { pid: 10, start: 99 }),
            init: None,
            proxy: None,
            veth: Some(42),
        };
        let text = toml::to_string(&s).expect("serialize");
        let back: State = toml::from_str(&text).expect("parse");
        assert_eq!(back.nspawn, s.nspawn);
        assert_eq!(back.address, s.address);
        assert_eq!(back.os(), PracticeOs::Ubuntu2204);
        // A state file from before the choice of system was a Debian 12 droplet.
        let old = text.replace("os = \"ubuntu-22.04\"\n", "");
        assert_ne!(old, text);
        let old: State = toml::from_str(&old).expect("parse an older file");
        assert_eq!(old.os(), PracticeOs::Debian12);
    }
}
