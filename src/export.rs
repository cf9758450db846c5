//! `droplift export ansible`: the course as a ready Ansible project, for a student who outgrows
//! one droplet. The play is fixed text (assets/ansible/); only the answers and inventory vary.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::course::answers::Answers;

const SITE: &str = include_str!("../assets/ansible/site.yml");
const SSHD_TEMPLATE: &str = include_str!("../assets/ansible/templates/sshd-droplift.conf.j2");
const README: &str = include_str!("../assets/ansible/README.md");
const NGINX_TEST: &str = include_str!("../assets/ansible/files/nginx-test-site.sh");

/// The wizard's last screen says the export exists, in one line.
pub const WIZARD_HINT: &str = "More droplets the same way: `droplift export ansible --answers \
                               FILE --out DIR` writes the course as an Ansible playbook.";

/// Marks a folder droplift wrote, so a second export may replace its files.
const MARKER: &str = ".droplift-export";

/// One file of the project: its path inside the output folder, and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportFile {
    pub path: PathBuf,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0} exists and holds files droplift did not write; choose an empty or new folder")]
    NotEmpty(PathBuf),
    #[error("could not write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A YAML double-quoted string, tagged `!unsafe` so Ansible never templates what it holds (a
/// path may contain `{{`).
fn yaml_text(value: &str) -> String {
    let mut out = String::from("!unsafe \"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Port rules as a YAML list of strings (`["8080/tcp", "53/udp"]`): digits, a slash and a
/// protocol, nothing to quote.
fn yaml_list(rules: &[crate::course::ports::PortRule]) -> String {
    let items: Vec<String> = rules.iter().map(|r| format!("\"{r}\"")).collect();
    format!("[{}]", items.join(", "))
}

/// The site's template: the course's own (its `{{site}}` and `{{server_name}}` are Jinja's
/// syntax too, so Ansible fills them from group_vars exactly as droplift does), or the
/// student's edited text, kept verbatim inside a raw block.
fn nginx_site(answers: &Answers) -> String {
    match &answers.nginx.site_text {
        // Nothing between the tags and the text: a raw block keeps every character it holds.
        Some(text) if !text.contains("{% endraw") => format!("{{% raw %}}{text}{{% endraw %}}"),
        Some(text) => text.clone(),
        None => crate::course::nginx::TEMPLATE.to_owned(),
    }
}

/// The project's files for these answers. No secret is in any of them: the play asks for the
/// user's and the database role's passwords when it runs (`vars_prompt`, private) and hides
/// them (`no_log`).
pub fn ansible(answers: &Answers, home: &Path) -> Vec<ExportFile> {
    // Ansible runs on the student's computer, like droplift: `~/` is their home.
    let private_key = crate::home::expand_home(&answers.key, home)
        .display()
        .to_string();
    let public_key = format!("{private_key}.pub");
    let mut vars = String::from(
        "# Written by droplift export ansible: your answers, for every droplet in inventory.ini.\n\
         # No secret is kept here; the play asks for the passwords when it runs.\n",
    );
    let _ = writeln!(vars, "user_name: {}", yaml_text(&answers.user));
    let _ = writeln!(vars, "ssh_private_key: {}", yaml_text(&private_key));
    let _ = writeln!(vars, "ssh_public_key: {}", yaml_text(&public_key));
    vars.push_str("\n# Stage 5: the PostgreSQL role the app logs in as, and its database.\n");
    let _ = writeln!(vars, "db_role: {}", yaml_text(answers.db_role()));
    let _ = writeln!(vars, "db_name: {}", yaml_text(answers.db_name()));
    vars.push_str(
        "\n# Stage 6: SSH (the port sshd uses) is always let in; the web, and your own ports.\n",
    );
    let web = crate::course::firewall::web_ports(answers.domain.is_some());
    let _ = writeln!(vars, "web_ports: {}", yaml_list(&web.0));
    let _ = writeln!(vars, "extra_ports: {}", yaml_list(&answers.extra_ports));
    vars.push_str("\n# Stage 7: the nginx site.\n");
    let _ = writeln!(vars, "site: {}", yaml_text(&answers.nginx.site));
    let _ = writeln!(
        vars,
        "server_name: {}",
        yaml_text(&answers.nginx.server_name)
    );
    let _ = writeln!(vars, "remove_default: {}", answers.nginx.remove_default);

    let inventory = format!(
        "# The droplets this play sets up, one per line. Add more under [droplets], e.g.\n\
         # 198.51.100.8 ansible_port=22\n\
         [droplets]\n{} ansible_port={}\n",
        answers.host, answers.port
    );
    let file = |path: &str, text: String| ExportFile {
        path: PathBuf::from(path),
        text,
    };
    vec![
        file("site.yml", SITE.to_owned()),
        file("templates/sshd-droplift.conf.j2", SSHD_TEMPLATE.to_owned()),
        file("templates/nginx-site.conf.j2", nginx_site(answers)),
        file("files/nginx-test-site.sh", NGINX_TEST.to_owned()),
        file("group_vars/all.yml", vars),
        file("inventory.ini", inventory),
        file(
            "README.md",
            README
                .replace("{user}", &answers.user)
                .replace("{host}", &answers.host),
        ),
        file(MARKER, "droplift export ansible\n".to_owned()),
    ]
}

/// Writes the project into `out` (made if missing). A folder with other files is refused; one
/// droplift exported before is updated.
pub fn write(out: &Path, files: &[ExportFile]) -> Result<(), ExportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(io(out))?;
        if entries.next().is_some() && !out.join(MARKER).exists() {
            return Err(ExportError::NotEmpty(out.to_path_buf()));
        }
    }
    for f in files {
        let path = out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::write(&path, &f.text).map_err(io(&path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_and_never_templated() {
        assert_eq!(yaml_text("a\"b\\c"), r#"!unsafe "a\"b\\c""#);
        assert_eq!(yaml_text("{{ x }}"), r#"!unsafe "{{ x }}""#);
        assert_eq!(yaml_text("a\nb"), r#"!unsafe "a\u000ab""#);
    }

    #[test]
    fn a_folder_with_other_files_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("mine.txt"), "x").expect("write");
        let answers = Answers::new("203.0.113.7", "johndoe");
        let files = ansible(&answers, Path::new("/home/j"));
        assert!(matches!(
            write(dir.path(), &files),
            Err(ExportError::NotEmpty(_))
        ));
        let fresh = dir.path().join("fleet");
        write(&fresh, &files).expect("new folder");
        write(&fresh, &files).expect("an earlier export is updated");
        let vars = std::fs::read_to_string(fresh.join("group_vars/all.yml")).expect("vars");
        assert!(vars.contains("/home/j/.ssh/id_ed25519.pub"), "{vars}");
    }

    #[test]
    fn the_later_stages_answers_are_in_group_vars() {
        let mut answers = Answers::new("203.0.113.7", "johndoe");
        answers.db_role = Some("items app".into());
        answers.extra_ports = vec![
            crate::course::ports::PortRule::parse("8080").expect("port"),
            crate::course::ports::PortRule::parse("53/udp").expect("port"),
        ];
        answers.domain = Some("example.org".into());
        answers.nginx.remove_default = false;
        let files = ansible(&answers, Path::new("/home/j"));
        let vars = &files
            .iter()
            .find(|f| f.path == Path::new("group_vars/all.yml"))
            .expect("vars")
            .text;
        for line in [
            r#"db_role: !unsafe "items app""#,
            r#"db_name: !unsafe "items app""#,
            r#"web_ports: ["80/tcp", "443/tcp"]"#,
            r#"extra_ports: ["8080/tcp", "53/udp"]"#,
            r#"site: !unsafe "items-rest""#,
            r#"server_name: !unsafe "_""#,
            "remove_default: false",
        ] {
            assert!(vars.lines().any(|l| l == line), "{line}:\n{vars}");
        }
    }

    #[test]
    fn the_site_is_the_course_template_or_the_students_text_kept_raw() {
        let mut answers = Answers::new("203.0.113.7", "johndoe");
        let site = |a: &Answers| {
            ansible(a, Path::new("/home/j"))
                .into_iter()
                .find(|f| f.path == Path::new("templates/nginx-site.conf.j2"))
                .expect("site")
                .text
        };
        assert_eq!(site(&answers), crate::course::nginx::TEMPLATE);
        answers.nginx.site_text = Some("server { listen 81; } # {{ not a variable }}\n".into());
        assert_eq!(
            site(&answers),
            "{% raw %}server { listen 81; } # {{ not a variable }}\n{% endraw %}"
        );
    }
}
