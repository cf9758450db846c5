//! The app's code on its way to the server: the sample app inside droplift, or a folder on the
//! student's computer, packed as one tar archive whose SHA-256 names the code in a release.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::course::stages::app::rules::module_files;

/// The sample items-rest app, compiled in: the droplet cannot reach GitHub on every network,
/// and a student without code of their own still gets a working API.
pub const SAMPLE: &[(&str, &str)] = &[
    (
        ".gitignore",
        include_str!("../assets/items-rest/.gitignore"),
    ),
    ("app.py", include_str!("../assets/items-rest/app.py")),
    (
        "requirements.txt",
        include_str!("../assets/items-rest/requirements.txt"),
    ),
];

/// Packed code is refused above this size: a Flask app without its virtualenv is small, and a
/// folder this big is most likely the wrong one (a home folder, a data set).
pub const MAX_BYTES: u64 = 50 * 1024 * 1024;

/// Folders never sent: version control, virtualenvs (also found by their pyvenv.cfg), caches.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "venv",
    ".venv",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    "node_modules",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("{0} is not a folder on this computer")]
    NotAFolder(PathBuf),
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error(
        "{0} has no requirements.txt (or pyproject.toml with [project] dependencies) at its top: \
         the server installs the app's libraries from it"
    )]
    NoRequirements(PathBuf),
    #[error(
        "{folder} has no {file} for the module `{module}`: set [app] module to module:app \
         (e.g. app:app for app.py)"
    )]
    NoModule {
        folder: PathBuf,
        file: String,
        module: String,
    },
    #[error(
        "{folder} holds more than {} MB to send (without .git, virtualenvs and caches): is it \
         the app's folder?",
        MAX_BYTES / 1024 / 1024
    )]
    TooLarge { folder: PathBuf },
    #[error("cannot pack {path}: {message}")]
    Pack { path: String, message: String },
}

/// Packed code: a tar archive made the same way every time from the same files (sorted, no
/// times, no owners), so its SHA-256 says whether two uploads hold the same code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Archive {
    pub bytes: Vec<u8>,
    /// SHA-256 of `bytes`, lower-case hex.
    pub digest: String,
    /// The files in it, sorted, with `/` between folders.
    pub files: Vec<String>,
}

/// One file to pack: its path inside the archive, its bytes, whether it is executable.
struct Entry {
    path: String,
    bytes: Vec<u8>,
    executable: bool,
}

fn pack(mut entries: Vec<Entry>) -> Result<Archive, SourceError> {
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let mut builder = tar::Builder::new(Vec::new());
    for entry in &entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(entry.bytes.len() as u64);
        header.set_mode(if entry.executable { 0o755 } else { 0o644 });
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, &entry.path, entry.bytes.as_slice())
            .map_err(|e| SourceError::Pack {
                path: entry.path.clone(),
                message: e.to_string(),
            })?;
    }
    let bytes = builder.into_inner().map_err(|e| SourceError::Pack {
        path: "the archive".into(),
        message: e.to_string(),
    })?;
    let digest = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Archive {
        bytes,
        digest,
        files: entries.into_iter().map(|e| e.path).collect(),
    })
}

/// The sample app, packed. Pure: the same bytes on every computer.
pub fn sample() -> Archive {
    let entries = SAMPLE
        .iter()
        .map(|(path, text)| Entry {
            path: (*path).to_owned(),
            bytes: text.as_bytes().to_vec(),
            executable: false,
        })
        .collect();
    // Three small text files with plain names cannot fail to pack.
    pack(entries).unwrap_or_else(|_| Archive {
        bytes: Vec::new(),
        digest: String::new(),
        files: Vec::new(),
    })
}

/// Packs a folder: every file except .git and other version control, virtualenvs (a folder
/// with a pyvenv.cfg), caches, compiled Python and whatever the folder's .gitignore files
/// list. Symbolic links are left out (they may point outside the folder).
pub fn folder(path: &Path) -> Result<Archive, SourceError> {
    if !path.is_dir() {
        return Err(SourceError::NotAFolder(path.to_path_buf()));
    }
    let walker = ignore::WalkBuilder::new(path)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_global(false)
        .git_exclude(false)
        .git_ignore(true)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let name = entry.file_name().to_string_lossy();
            if is_dir {
                !SKIPPED_DIRS.contains(&name.as_ref()) && !entry.path().join("pyvenv.cfg").exists()
            } else {
                !name.ends_with(".pyc") && !name.ends_with(".pyo")
            }
        })
        .build();
    let mut entries = Vec::new();
    let mut total = 0u64;
    for item in walker {
        let item = item.map_err(|e| SourceError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if !item.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let full = item.path();
        let relative = full.strip_prefix(path).unwrap_or(full);
        let name = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let read_err = |e: std::io::Error| SourceError::Read {
            path: full.to_path_buf(),
            message: e.to_string(),
        };
        let meta = std::fs::metadata(full).map_err(read_err)?;
        total += meta.len();
        if total > MAX_BYTES {
            return Err(SourceError::TooLarge {
                folder: path.to_path_buf(),
            });
        }
        let bytes = std::fs::read(full).map_err(read_err)?;
        use std::os::unix::fs::PermissionsExt;
        entries.push(Entry {
            path: name,
            bytes,
            executable: meta.permissions().mode() & 0o111 != 0,
        });
    }
    pack(entries)
}

/// What the code must hold before it is worth sending: requirements.txt (or pyproject.toml,
/// whose dependencies the server reads) at its top and the
/// file of the module uWSGI imports.
pub fn check(archive: &Archive, folder: &Path, module: &str) -> Result<(), SourceError> {
    if !archive
        .files
        .iter()
        .any(|f| f == "requirements.txt" || f == "pyproject.toml")
    {
        return Err(SourceError::NoRequirements(folder.to_path_buf()));
    }
    let candidates = module_files(module);
    if !candidates.iter().any(|c| archive.files.contains(c)) {
        return Err(SourceError::NoModule {
            folder: folder.to_path_buf(),
            file: candidates[0].clone(),
            module: module.to_owned(),
        });
    }
    Ok(())
}

/// Reads the student's app folder into the answers, as `droplift deploy --source` and the
/// squad's wizard path both do: packs it, finds the entry point when `[app] module` is not given,
/// checks it holds requirements.txt and the module, proposes Django's release commands, offers
/// routes for a missing health path, and records the folder and its digest for the plans. The
/// error is one sentence for the field or line that named the folder.
pub fn read_app_folder(
    answers: &mut crate::course::answers::Answers,
    folder: PathBuf,
) -> Result<(), String> {
    use crate::course::stages::app;
    let archive = self::folder(&folder).map_err(|e| e.to_string())?;
    let read = |path: &str| std::fs::read_to_string(folder.join(path)).ok();
    if !answers.app.module_given {
        // A few files read as text; only what goes to the server counts.
        let found = app::entry::detect(&archive.files, &read).map_err(|e| e.to_string())?;
        answers.app.module = found.module;
        answers.app.module_found = Some(found.reason);
    }
    check(&archive, &folder, &answers.app.module).map_err(|e| e.to_string())?;
    // Django's release commands and static folder where the answers do not say; SQLite said.
    app::proposals::propose(&mut answers.app, &archive.files, &read);
    if answers.app.health.is_empty() {
        // Offered when [app] health is missing: routes a GET can ask, seen in the code.
        answers.app.routes = app::routes::routes(&archive.files, &read);
    }
    answers.app.folder = Some(folder);
    answers.app.folder_digest = Some(archive.digest);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn the_sample_packs_the_same_every_time_and_passes_the_check() {
        let a = sample();
        assert_eq!(a, sample());
        assert_eq!(a.files, [".gitignore", "app.py", "requirements.txt"]);
        assert_eq!(a.digest.len(), 64);
        check(&a, Path::new("sample"), "app:app").expect("the sample is complete");
        assert!(
            SAMPLE[2].1.contains("uWSGI=="),
            "uWSGI is pinned in the sample's requirements"
        );
    }

    #[test]
    fn a_folder_leaves_out_git_virtualenvs_caches_and_ignored_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let write = |path: &str, text: &str| {
            let full = root.join(path);
            fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            fs::write(full, text).expect("write");
        };
        write("app.py", "app = 1\n");
        write("requirements.txt", "flask\n");
        write("pkg/__init__.py", "");
        write(".gitignore", "secret.env\n*.log\n");
        write("secret.env", "PASSWORD=x\n");
        write("debug.log", "x\n");
        write(".git/config", "[core]\n");
        write("env/pyvenv.cfg", "home = /usr/bin\n");
        write("env/lib/x.py", "");
        write("venv/bin/python", "");
        write("__pycache__/app.cpython-311.pyc", "");
        write("pkg/mod.pyc", "");
        write(".flaskenv", "FLASK_APP=app\n");
        let archive = folder(root).expect("packs");
        assert_eq!(
            archive.files,
            [
                ".flaskenv",
                ".gitignore",
                "app.py",
                "pkg/__init__.py",
                "requirements.txt"
            ]
        );
        // Same files, same digest; a changed file, another digest.
        assert_eq!(folder(root).expect("again").digest, archive.digest);
        write("app.py", "app = 2\n");
        assert_ne!(folder(root).expect("changed").digest, archive.digest);
        check(&archive, root, "app:app").expect("complete");
        check(&archive, root, "pkg").expect("a package works too");
        let err = check(&archive, root, "wsgi:application").expect_err("no wsgi.py");
        assert!(err.to_string().contains("wsgi.py"), "{err}");
    }

    #[test]
    fn a_folder_without_requirements_or_that_is_not_there_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("app.py"), "").expect("write");
        let archive = folder(dir.path()).expect("packs");
        let err = check(&archive, dir.path(), "app:app").expect_err("no requirements");
        assert!(matches!(err, SourceError::NoRequirements(_)));
        assert!(matches!(
            folder(&dir.path().join("nope")),
            Err(SourceError::NotAFolder(_))
        ));
    }

    #[test]
    fn the_archive_unpacks_with_modes_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("run.sh"), "#!/bin/sh\n").expect("write");
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir.path().join("run.sh"), fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let archive = folder(dir.path()).expect("packs");
        let mut reader = tar::Archive::new(archive.bytes.as_slice());
        let modes: Vec<(String, u32, u64)> = reader
            .entries()
            .expect("entries")
            .map(|e| {
                let e = e.expect("entry");
                let h = e.header();
                (
                    e.path().expect("path").display().to_string(),
                    h.mode().expect("mode"),
                    h.mtime().expect("mtime"),
                )
            })
            .collect();
        assert_eq!(modes, [("run.sh".to_owned(), 0o755, 0)]);
    }
}
