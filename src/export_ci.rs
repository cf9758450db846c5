//! `droplift export ci`: a pipeline for GitHub Actions, GitLab CI or Jenkins that deploys a
//! pushed tag with the site's deploy key (`course::deploy_key`), the droplet's host key pinned in
//! the repository (never `StrictHostKeyChecking=no`), and prints the releases at the end. The
//! pipeline runs the same `droplift deploy --ref TAG --deploy-key FILE` a student runs by hand.

use std::path::{Path, PathBuf};

use crate::export::{ExportError, ExportFile};

const GITHUB: &str = include_str!("../assets/ci/github.yml");
const GITLAB: &str = include_str!("../assets/ci/gitlab-ci.yml");
const JENKINS: &str = include_str!("../assets/ci/Jenkinsfile");

/// Where the pipeline finds the answers and the pinned host key, inside the repository.
pub const ANSWERS: &str = "deploy/droplift.toml";
pub const KNOWN_HOSTS: &str = "deploy/known_hosts";
/// Marks files droplift wrote, so a second export may replace them (and nothing else).
const MARKER: &str = "deploy/.droplift-ci";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CiKind {
    Github,
    Gitlab,
    Jenkins,
}

impl CiKind {
    /// The pipeline's file in the repository, where each CI looks for it.
    pub fn path(self) -> &'static str {
        match self {
            CiKind::Github => ".github/workflows/droplift-deploy.yml",
            CiKind::Gitlab => ".gitlab-ci.yml",
            CiKind::Jenkins => "Jenkinsfile",
        }
    }

    fn template(self) -> &'static str {
        match self {
            CiKind::Github => GITHUB,
            CiKind::Gitlab => GITLAB,
            CiKind::Jenkins => JENKINS,
        }
    }

    /// How to hand the CI the deploy key, for the closing words.
    pub fn secret_hint(self) -> &'static str {
        match self {
            CiKind::Github => {
                "GitHub: Settings → Secrets and variables → Actions → New repository secret, \
                 named DROPLIFT_DEPLOY_KEY, holding the private key file's whole text"
            }
            CiKind::Gitlab => {
                "GitLab: Settings → CI/CD → Variables → Add variable, type File, protected, \
                 named DROPLIFT_DEPLOY_KEY, holding the private key file's whole text"
            }
            CiKind::Jenkins => {
                "Jenkins: Manage Jenkins → Credentials → Add, kind \"SSH Username with private \
                 key\", ID droplift-deploy-key, the private key file's whole text"
            }
        }
    }
}

/// The pipeline's files: the pipeline itself, the answers file (a copy: it holds no secret) and
/// the droplet's host key lines. `site` is checked (a–z, 0–9, -).
pub fn files(
    kind: CiKind,
    site: &str,
    answers_text: &str,
    known_hosts: &[String],
    key_path: &Path,
) -> Vec<ExportFile> {
    // A comment line shows the key's path; nothing in it may end the comment.
    let key_shown: String = key_path
        .display()
        .to_string()
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    let pipeline = kind
        .template()
        .replace("{{site}}", site)
        .replace("{{version}}", env!("CARGO_PKG_VERSION"))
        .replace("{{answers}}", ANSWERS)
        .replace("{{known_hosts}}", KNOWN_HOSTS)
        .replace("{{key_path}}", &key_shown);
    let mut hosts = known_hosts.join("\n");
    hosts.push('\n');
    vec![
        ExportFile {
            path: PathBuf::from(kind.path()),
            bytes: pipeline.into_bytes(),
        },
        ExportFile {
            path: PathBuf::from(ANSWERS),
            bytes: answers_text.as_bytes().to_vec(),
        },
        ExportFile {
            path: PathBuf::from(KNOWN_HOSTS),
            bytes: hosts.into_bytes(),
        },
        ExportFile {
            path: PathBuf::from(MARKER),
            bytes: b"Files droplift export ci wrote: a second export replaces them.\n".to_vec(),
        },
    ]
}

/// Writes the files into the repository at `out`. A file that is there already is replaced only
/// when droplift wrote it (the marker is there); otherwise nothing is written.
pub fn write(out: &Path, files: &[ExportFile]) -> Result<(), ExportError> {
    if !out.join(MARKER).exists() {
        if let Some(there) = files.iter().map(|f| out.join(&f.path)).find(|p| p.exists()) {
            return Err(ExportError::Exists(there));
        }
    }
    for f in files {
        let path = out.join(&f.path);
        let io = |source| ExportError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::write(&path, &f.bytes).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline(kind: CiKind) -> String {
        let files = files(
            kind,
            "shop",
            "[server]\nhost = \"203.0.113.7\"\n",
            &["203.0.113.7 ssh-ed25519 AAAA".into()],
            Path::new("/home/ola/.local/share/droplift/deploy-keys/203.0.113.7/shop"),
        );
        assert_eq!(files[2].text(), "203.0.113.7 ssh-ed25519 AAAA\n");
        files[0].text().into_owned()
    }

    #[test]
    fn every_pipeline_deploys_the_tag_with_the_key_and_the_pinned_host_key() {
        for kind in [CiKind::Github, CiKind::Gitlab, CiKind::Jenkins] {
            let text = pipeline(kind);
            assert!(
                !text.contains("{{site}}") && !text.contains("{{answers}}"),
                "{text}"
            );
            assert!(text.contains("droplift deploy --answers deploy/droplift.toml --ref"));
            assert!(text.contains("--deploy-key"));
            assert!(text.contains("cat deploy/known_hosts >> ~/.ssh/known_hosts"));
            assert!(!text.contains("StrictHostKeyChecking"), "{text}");
            assert!(text.contains(env!("CARGO_PKG_VERSION")));
        }
        // The tag reaches the shell as a variable, never pasted into the script.
        assert!(pipeline(CiKind::Github).contains("TAG: ${{ github.ref_name }}"));
    }

    #[test]
    fn a_file_droplift_did_not_write_is_never_replaced() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("Jenkinsfile"), "pipeline { }").expect("write");
        let made = files(CiKind::Jenkins, "shop", "", &[], Path::new("/k"));
        assert!(matches!(
            write(dir.path(), &made),
            Err(ExportError::Exists(p)) if p.ends_with("Jenkinsfile")
        ));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Jenkinsfile")).expect("read"),
            "pipeline { }"
        );
        let github = files(CiKind::Github, "shop", "", &[], Path::new("/k"));
        write(dir.path(), &github).expect("a new file is written");
        write(dir.path(), &github).expect("and replaced the next time");
    }
}
