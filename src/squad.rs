//! The squad's side of a class (issue 28): what a student has — the squad file their instructor
//! handed out (`class apply` writes it), their own private key, their app's folder — read and
//! checked here, each refusal for the field that caused it. The wizard's squad path and
//! `droplift deploy --answers SQUAD.toml --deploy-key KEY` log in the same way with the result:
//! as the squad's account, through the deploy key's gate (`course::deploy_key`).
//!
//! This reads files (the loop calls it, never `update`); what it returns is plain data.

use std::path::{Path, PathBuf};

use crate::course::answers::Answers;
use crate::course::stages::app::rules::{SourceKind, source_kind};

/// Why a squad's login cannot start, with the form's field that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SquadRefusal {
    /// `file`, `key` or `folder`.
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> SquadRefusal {
    SquadRefusal {
        field,
        message: message.into(),
    }
}

/// What the student typed (paths as typed: `~` is their home, relative to where droplift runs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SquadInput {
    pub file: String,
    pub key: String,
    /// Empty keeps the file's `[app] source` (relative to the file's folder).
    pub folder: String,
}

/// Ready to log in: the squad's answers (its folder read), the key, and where its API answers.
#[derive(Clone, Debug)]
pub struct SquadLogin {
    pub answers: Answers,
    pub key: PathBuf,
    /// The squad's site: root's part runs as its sealed steps.
    pub site: String,
    /// Where the squad's API answers through nginx.
    pub url: String,
}

/// The default private key a student's squad key is (as `ssh-keygen` names it).
pub const DEFAULT_KEY: &str = "~/.ssh/id_ed25519";

/// Reads and checks what the student gave; every refusal is for one field, and all of them are
/// returned at once (the file first: without it the folder cannot be read).
pub fn load(input: &SquadInput, home: &Path, cwd: &Path) -> Result<SquadLogin, Vec<SquadRefusal>> {
    let mut refusals = Vec::new();
    let key = match check_key(input.key.trim(), home, cwd) {
        Ok(key) => Some(key),
        Err(refusal) => {
            refusals.push(refusal);
            None
        }
    };
    let answers = match read_file(input.file.trim(), home, cwd) {
        Ok((answers, file_dir)) => read_code(answers, &file_dir, input.folder.trim(), home, cwd)
            .map_err(|r| refusals.push(r))
            .ok(),
        Err(refusal) => {
            refusals.push(refusal);
            None
        }
    };
    match (answers, key) {
        (Some(answers), Some(key)) if refusals.is_empty() => {
            let site = answers.nginx.site.clone();
            let url = url(&answers);
            Ok(SquadLogin {
                answers,
                key,
                site,
                url,
            })
        }
        _ => Err(refusals),
    }
}

fn path_of(typed: &str, home: &Path, cwd: &Path) -> PathBuf {
    crate::course::stages::app::folder_path(typed, home, cwd)
}

/// The squad file: an answers file `droplift class apply` wrote for one squad.
fn read_file(typed: &str, home: &Path, cwd: &Path) -> Result<(Answers, PathBuf), SquadRefusal> {
    if typed.is_empty() {
        return Err(refuse(
            "file",
            "give the squad file your instructor handed out (e.g. ~/avengers.toml)",
        ));
    }
    let path = path_of(typed, home, cwd);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| refuse("file", format!("cannot read {}: {e}", path.display())))?;
    let (answers, _warnings) = crate::course::answers_file::parse(&text).map_err(|e| {
        let first = e.to_string();
        let first = first.lines().next().unwrap_or_default().to_owned();
        refuse(
            "file",
            format!("not a squad file droplift can read: {first}"),
        )
    })?;
    if answers.host.is_empty() {
        return Err(refuse(
            "file",
            "this file names no server ([server] host): ask your instructor for your squad's file",
        ));
    }
    // A squad's account has no sudo: a file with an owner who has it is the instructor's own
    // (or a droplet's), not a squad's.
    if answers.user_sudo || answers.user.is_empty() || answers.nginx.site.is_empty() {
        return Err(refuse(
            "file",
            "this is not a squad's file (its [user] may use sudo): ask your instructor for the \
             file `droplift class apply` wrote for your squad (squads/NAME.toml)",
        ));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
    Ok((answers, dir))
}

/// The student's private key: a file, and the private half.
fn check_key(typed: &str, home: &Path, cwd: &Path) -> Result<PathBuf, SquadRefusal> {
    let typed = if typed.is_empty() { DEFAULT_KEY } else { typed };
    let path = path_of(typed, home, cwd);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        refuse(
            "key",
            format!(
                "cannot read {}: {e} (the private key whose .pub you gave your instructor)",
                path.display()
            ),
        )
    })?;
    if text.trim_start().starts_with("ssh-") || text.trim_start().starts_with("ecdsa-") {
        return Err(refuse(
            "key",
            "this is the PUBLIC half (the one you gave your instructor): give the private key, \
             the same path without .pub",
        ));
    }
    if !text.contains("PRIVATE KEY") {
        return Err(refuse(
            "key",
            format!("{} is not an SSH private key", path.display()),
        ));
    }
    Ok(path)
}

/// The app's code: the folder typed, else the file's `[app] source` beside the file.
fn read_code(
    mut answers: Answers,
    file_dir: &Path,
    typed: &str,
    home: &Path,
    cwd: &Path,
) -> Result<Answers, SquadRefusal> {
    let folder = if typed.is_empty() {
        match source_kind(&answers.app.source) {
            SourceKind::Folder => path_of(&answers.app.source, home, file_dir),
            // A git source or the sample is read on the server: nothing to read here.
            SourceKind::Git | SourceKind::Sample => return Ok(answers),
        }
    } else {
        path_of(typed, home, cwd)
    };
    answers.app.source = folder.display().to_string();
    answers.app.source_line = 0;
    crate::source::read_app_folder(&mut answers, folder.clone()).map_err(|m| {
        // Most of the reader's sentences name the folder already.
        let shown = folder.display().to_string();
        refuse(
            "folder",
            if m.contains(&shown) {
                m
            } else {
                format!("{shown}: {m}")
            },
        )
    })?;
    Ok(answers)
}

/// Where the squad's API answers through nginx: its own name when the class has a domain, else
/// its path under the host site (`[nginx] under`).
pub fn url(answers: &Answers) -> String {
    let name = &answers.nginx.server_name;
    let host = if name.is_empty() || name == "_" {
        answers.host.as_str()
    } else {
        name.as_str()
    };
    match &answers.nginx.under {
        Some(_) => format!("http://{host}/{}/", answers.nginx.site),
        None => format!("http://{host}/"),
    }
}

#[cfg(test)]
mod tests;
