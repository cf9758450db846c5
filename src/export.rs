//! `droplift export ansible`: the course as a ready Ansible project, for a student who outgrows
//! one droplet. The play is fixed text (assets/ansible/, and each stage's tasks beside its
//! code); only the answers and inventory vary.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::course;
use crate::course::answers::Answers;
use crate::course::plan::CodeSource;
use crate::source::Archive;

const SITE: &str = include_str!("../assets/ansible/site.yml");
/// Each stage's tasks, in course order: site.yml imports `tasks/<key>.yml` for each. One table,
/// so a stage's tasks file is listed in one place.
const SSHD_TEMPLATE: &str = include_str!("../assets/ansible/templates/sshd-droplift.conf.j2");
const README: &str = include_str!("../assets/ansible/README.md");
const ANSIBLE_CFG: &str = include_str!("../assets/ansible/ansible.cfg");
const NGINX_TEST: &str = include_str!("../assets/ansible/files/nginx-test-site.sh");
const GO_LIVE_WANTED: &str = include_str!("../assets/ansible/files/go-live-wanted.sh");

/// The wizard's last screen says the export exists, in one line.
pub const WIZARD_HINT: &str = "More droplets the same way: `droplift export ansible --answers \
                               FILE --out DIR` writes the course as an Ansible playbook.";

/// Marks a folder droplift wrote, so a second export may replace its files.
const MARKER: &str = ".droplift-export";

/// One file of the project: its path inside the output folder, and its bytes (text, except the
/// packed code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl ExportFile {
    /// The file as text (the packed code is not text: it shows as replacement characters).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0} exists and holds files droplift did not write; choose an empty or new folder")]
    NotEmpty(PathBuf),
    #[error(
        "{0} is there already and droplift did not write it: nothing was written (move it away, or write the pipeline elsewhere)"
    )]
    Exists(PathBuf),
    #[error("could not write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A YAML double-quoted string, tagged `!unsafe` so Ansible never templates what it holds (a
/// path may contain `{{`).
fn yaml_text(value: &str) -> String {
    if value.is_empty() {
        // Ansible reads `!unsafe ""` as null; an empty string holds nothing to template.
        return "\"\"".to_owned();
    }
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
fn yaml_list(rules: &[crate::course::stages::firewall::ports::PortRule]) -> String {
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
        None => crate::course::stages::nginx::TEMPLATE.to_owned(),
    }
}

/// uWSGI's settings, the slots' systemd unit and the HTTPS lines as Ansible templates: droplift's
/// own files, their placeholders renamed to the play's variables (`{{site}}` is already one).
fn as_ansible_template(text: &str) -> String {
    text.replace("{{module}}", "{{ app_module }}")
        .replace("{{user}}", "{{ user_name }}")
        .replace("{{group}}", "{{ app_group }}")
        .replace("{{memory_max}}", "{{ app_memory_max }}")
        .replace("{{cpu_quota}}", "{{ app_cpu_quota }}")
        .replace("{{tasks_max}}", "{{ app_tasks_max }}")
        .replace("{{domain}}", "{{ tls_domain }}")
}

/// `files/go-live.sh`: droplift's own go-live (lib.sh, lock.sh, target.sh, smoke.sh, slots.sh,
/// go_live.sh, unchanged) for the release recorded as `next`, its values from the arguments the
/// play passes (the play's variables, which Ansible quotes).
fn go_live_file() -> String {
    use crate::course::stages::service;
    let mut text = String::from(
        "#!/bin/bash\n\
         # Written by droplift export: droplift's own go-live, as its stage 9 and `droplift deploy`\n\
         # run it. The release recorded as `next` starts in the slot that does not serve\n\
         # (uwsgi-SITE@a or @b), must answer the health path on its own socket before nginx sends it\n\
         # a request, then nginx's socket name moves to it and the old slot finishes its requests\n\
         # and stops; if anything fails, the old slot never stopped and serves on. Arguments: the\n\
         # user, the site's folder, its releases, root's folder for it, the unit's name, uwsgi.ini,\n\
         # the environment file, the server name, the health path, yes when it wants JSON.\n\
         u=$1 base=$2 releases=$3 staging=$4 unit=$5 ini=$6 env_file=$7\n\
         server_name=$8 health=$9 health_json=${10} target=next\n",
    );
    for part in service::go_live_parts() {
        text.push_str(part.trim_end_matches('\n'));
        text.push('\n');
    }
    text
}

/// `files/go-live-wanted.sh`: droplift's own lib.sh and slots.sh, then the play's question (does
/// the release serve already, as the play would set it up?). Arguments: the user, the site's
/// folder, its releases, root's folder for it, the unit's name, uwsgi.ini, the environment file,
/// the release the play chose.
fn go_live_wanted_file() -> String {
    use crate::course::stages::{app, service};
    format!(
        "#!/bin/bash\n\
         # Written by droplift export: droplift's own lib.sh and slots.sh, then whether a go-live has\n\
         # anything to do (read-only). Arguments: the user, the site's folder, its releases, root's\n\
         # folder for it, the unit's name, uwsgi.ini, the environment file, the release.\n\
         u=$1 base=$2 releases=$3 staging=$4 unit=$5 ini=$6 env_file=$7 release=$8\n\
         play=$staging/play\n{}\n{}\n{}",
        app::LIB.trim_end_matches('\n'),
        service::SLOTS.trim_end_matches('\n'),
        GO_LIVE_WANTED
    )
}

/// nginx's lines for the static folders (`app_static`): byte for byte what droplift's
/// `static_conf` writes (the template module trims the newline after a block tag), so
/// droplift's check of stage 9 agrees with the play.
const NGINX_STATIC_TEMPLATE: &str = "# Static files of {{ site }} ([app] static), written by droplift: nginx serves them\n\
# from the release that serves; the site includes this file.\n\
{% for prefix, folder in app_static.items() %}\n\
location {{ prefix }} {\n    alias /var/www/html/{{ site }}/current/{{ folder }}/;\n    \
disable_symlinks if_not_owner;\n}\n\
{% endfor %}\n";

/// The play: `site.yml`'s fixed head, then each stage's tasks imported in course order under the
/// stage's tag, named as the stage's block in its tasks file is.
fn play() -> String {
    let mut text = SITE.to_owned();
    for stage in course::STAGES {
        let Some(tasks) = stage.ansible_tasks else {
            continue;
        };
        let name = tasks
            .lines()
            .find_map(|l| l.strip_prefix("- name: "))
            .unwrap_or(stage.title);
        let key = stage.key;
        let _ = write!(
            text,
            "    - name: {name}\n      ansible.builtin.import_tasks: tasks/{key}.yml\n      tags: [{key}]\n"
        );
    }
    text
}

/// The project's files for these answers. `code` is stage 8's code from this computer (the
/// sample app or the student's folder) and its packing, as droplift uploads it; None for code
/// from git. No
/// secret is in any file: the play asks for the user's and the database role's passwords when
/// it runs (`vars_prompt`, private) and hides them (`no_log`).
pub fn ansible(
    answers: &Answers,
    home: &Path,
    code: Option<(&CodeSource, &Archive)>,
) -> Result<Vec<ExportFile>, crate::course::PlanError> {
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
    let web = crate::course::stages::firewall::web_ports(answers.domain.is_some());
    let _ = writeln!(vars, "web_ports: {}", yaml_list(&web.0));
    let _ = writeln!(vars, "extra_ports: {}", yaml_list(&answers.extra_ports));
    vars.push_str("\n# Stage 7: the nginx site.\n");
    let _ = writeln!(vars, "site: {}", yaml_text(&answers.nginx.site));
    let _ = writeln!(
        vars,
        "server_name: {}",
        yaml_text(&answers.nginx.server_name)
    );
    let _ = writeln!(
        vars,
        "# What follows `listen 80` in the site: with server_name _ it is nginx's default server.\n\
         default_server: {}",
        yaml_text(if answers.nginx.server_name == "_" {
            " default_server"
        } else {
            ""
        })
    );
    let _ = writeln!(vars, "remove_default: {}", answers.nginx.remove_default);
    app_vars(&mut vars, answers, code)?;
    vars.push_str(
        "\n# Stage 10 (optional): HTTPS for a domain whose DNS points at the droplets. Empty: \
         http only.\n",
    );
    let domain = answers.domain.as_deref().unwrap_or("");
    let _ = writeln!(vars, "tls_domain: {}", yaml_text(domain));
    let email = answers.tls_email.as_deref().unwrap_or("");
    let _ = writeln!(vars, "tls_email: {}", yaml_text(email));

    let inventory = format!(
        "# The droplets this play sets up, one per line. Add more under [droplets], e.g.\n\
         # 198.51.100.8 ansible_port=22\n\
         [droplets]\n{} ansible_port={}\n",
        answers.host, answers.port
    );
    let file = |path: &str, text: String| ExportFile {
        path: PathBuf::from(path),
        bytes: text.into_bytes(),
    };
    let mut files = vec![
        file("site.yml", play()),
        file("ansible.cfg", ANSIBLE_CFG.to_owned()),
        file("templates/sshd-droplift.conf.j2", SSHD_TEMPLATE.to_owned()),
        file("templates/nginx-site.conf.j2", nginx_site(answers)),
        file(
            "templates/uwsgi-slot.ini.j2",
            as_ansible_template(crate::course::stages::service::SLOT_INI),
        ),
        file(
            "templates/uwsgi-slot.service.j2",
            as_ansible_template(crate::course::stages::service::SLOT_UNIT),
        ),
        file(
            "templates/nginx-static.conf.j2",
            NGINX_STATIC_TEMPLATE.to_owned(),
        ),
        file(
            "files/shared-link.sh",
            format!(
                "#!/bin/bash\n# Written by droplift export: droplift's own link_shared, run as the site's user.\n\
                 # Arguments: the site's folder, the release's folder, the shared folder's name.\n{}\n\
                 link_shared \"$@\"\n",
                crate::course::stages::app::LINK_SHARED
            ),
        ),
        file(
            "templates/nginx-tls.conf.j2",
            as_ansible_template(crate::course::stages::domain::TLS_CONF),
        ),
        file(
            "files/certbot-check",
            crate::course::stages::domain::renew_check_script(),
        ),
        file(
            "files/droplift-certbot-check.service",
            crate::course::stages::domain::RENEW_CHECK_UNIT.to_owned(),
        ),
        file(
            "files/droplift-certbot-check.timer",
            crate::course::stages::domain::RENEW_CHECK_TIMER.to_owned(),
        ),
        file("files/nginx-test-site.sh", NGINX_TEST.to_owned()),
        file("files/go-live.sh", go_live_file()),
        file("files/go-live-wanted.sh", go_live_wanted_file()),
        file(
            "files/uwsgi-choice.sh",
            format!(
                "#!/bin/bash\n# Written by droplift export: which uWSGI serves the app (prints system, or\n# pip: and why).\n{}\nuwsgi_choice\n",
                crate::course::stages::app::UWSGI_LIB
            ),
        ),
        file(
            "files/marks-ready.sh",
            format!(
                "#!/bin/bash\n# Written by droplift export: droplift's own lib.sh, to make root's marks for the site\n\
                 # the first time (a server an older droplift or play set up keeps its releases' marks and\n\
                 # its links, read as the site's user). Prints imported when it made them, ready when they\n\
                 # were there. Arguments: the user, the site's folder, its releases, root's folder for it.\n\
                 u=$1 base=$2 releases=$3 staging=$4\n{}\n\
                 if [ -d \"$marks\" ]; then echo ready; else marks_ready; echo imported; fi\n",
                crate::course::stages::app::LIB
            ),
        ),
        file(
            "files/env-compose.py",
            format!(
                "# Written by droplift export: droplift's own env_file.sh program, which writes the\n\
                 # environment file (settings, secret settings kept or made on the server, DATABASE_URL).\n{}",
                crate::course::stages::app::env_compose_py()
            ),
        ),
        file(
            "files/backup-before.sh",
            format!(
                "#!/bin/bash\n# Written by droplift export: droplift's own dump.sh, the backup a deploy takes of the\n\
                 # site's database before its release commands change it (named after the release, kept\n\
                 # in root's backup folder; the five newest such stay). Arguments: the site, the\n\
                 # database, the release about to run them. Prints \"backup: PATH (N bytes)\".\n{}\n\
                 site=$1 db=$2 name=$3\n\
                 dump_db \"/var/lib/droplift/backups/$site\" \"$db\" \"$db-$(date -u +%Y%m%dT%H%M%SZ)-before-$name.dump\"\n\
                 thin_before \"/var/lib/droplift/backups/$site\" \"$db\"\n",
                crate::course::backup::DUMP
            ),
        ),
        file(
            "files/release-run.py",
            format!(
                "# Written by droplift export: droplift's own release.sh program, which runs one release\n\
                 # command as the site's user with the environment file's settings from stdin.\n{}",
                crate::course::stages::app::release_run_py()
            ),
        ),
        file("group_vars/all.yml", vars),
        file("inventory.ini", inventory),
        file(
            "README.md",
            README
                .replace("{user}", &answers.user)
                .replace("{host}", &answers.host),
        ),
        file(MARKER, "droplift export ansible\n".to_owned()),
    ];
    files.extend(course::STAGES.iter().filter_map(|stage| {
        let tasks = stage.ansible_tasks?;
        Some(file(&format!("tasks/{}.yml", stage.key), tasks.to_owned()))
    }));
    if let Some((_, archive)) = code {
        files.push(ExportFile {
            path: PathBuf::from("files/app.tar"),
            bytes: archive.bytes.clone(),
        });
    }
    Ok(files)
}

/// Stage 8's answers: where the code comes from (the packed file beside the play, or a git
/// repository), uWSGI's module, and the packages.
fn app_vars(
    vars: &mut String,
    answers: &Answers,
    code: Option<(&CodeSource, &Archive)>,
) -> Result<(), crate::course::PlanError> {
    let app = &answers.app;
    let health = crate::course::stages::app::health::health(answers)?;
    vars.push_str(
        "\n# Stages 8 and 9: your app's code in a release of its own under \
         /var/www/html/SITE/releases,\n# served by uWSGI as `module:callable`.\n",
    );
    let _ = writeln!(vars, "app_module: {}", yaml_text(&app.module));
    let service = crate::course::stages::service::values(answers)?;
    vars.push_str(
        "# Each release runs in one of two slots, uwsgi-SITE@a and @b, as droplift runs it: the \
         service's group\n# (nginx's way in to the socket) and each slot's limits (systemd's \
         MemoryMax=, CPUQuota=, TasksMax=).\n",
    );
    let _ = writeln!(vars, "app_group: {}", yaml_text(service.group.as_str()));
    let _ = writeln!(
        vars,
        "app_memory_max: {}",
        yaml_text(service.limits.memory_max.as_str())
    );
    let _ = writeln!(
        vars,
        "app_cpu_quota: {}",
        yaml_text(service.limits.cpu_quota.as_str())
    );
    let _ = writeln!(
        vars,
        "app_tasks_max: {}",
        yaml_text(service.limits.tasks_max.as_str())
    );
    vars.push_str(
        "# The smoke test asks this path through nginx before a release counts as good: 2xx is \
         healthy\n# (with app_health_json, 200 with JSON: the sample app's /items).\n",
    );
    let _ = writeln!(vars, "app_health: {}", yaml_text(health.path.as_str()));
    let _ = writeln!(vars, "app_health_json: {}", health.json);
    vars.push_str(
        "# Run as your user in a new release's folder, with its virtualenv and the environment \
         file, before it serves\n# (migrations, collectstatic); one that fails stops the release.\n",
    );
    let commands: Vec<String> = app.release.iter().map(|c| yaml_text(c)).collect();
    let _ = writeln!(vars, "app_release_commands: [{}]", commands.join(", "));
    vars.push_str("# Plain settings, written into the environment file.\n");
    let settings: Vec<String> = app
        .env
        .iter()
        .map(|(name, value)| format!("{name}: {}", yaml_text(value)))
        .collect();
    let _ = writeln!(vars, "app_env: {{{}}}", settings.join(", "));
    vars.push_str(
        "# Settings whose values are secret: each comes from app_secret_values (a vault file, e.g.\n\
         # ansible-playbook -e @secrets.yml --ask-vault-pass), else it is the server's own, else 50\n\
         # random characters made there the first time (never shown, never sent back).\n",
    );
    let _ = writeln!(vars, "app_secret_names: [{}]", app.secrets.join(", "));
    vars.push_str(
        "# Static files nginx serves itself from the release that serves: URL prefix → folder in \
         the release\n# (Django: STATIC_ROOT, filled by collectstatic).\n",
    );
    let statics: Vec<String> = app
        .static_dirs
        .iter()
        .map(|(prefix, folder)| {
            format!(
                "{}: {}",
                yaml_text(prefix),
                yaml_text(folder.trim_end_matches('/'))
            )
        })
        .collect();
    let _ = writeln!(vars, "app_static: {{{}}}", statics.join(", "));
    vars.push_str(
        "# Folders kept across releases in /var/www/html/SITE/shared and linked into each one \
         (SQLite, uploads).\n",
    );
    let shared: Vec<String> = app.shared.iter().map(|f| yaml_text(f)).collect();
    let _ = writeln!(vars, "app_shared: [{}]", shared.join(", "));
    match code {
        Some((source, archive)) => {
            let label = crate::course::stages::app::source_label(source);
            vars.push_str(
                "# The code is files/app.tar, packed by droplift; its SHA-256 names the release \
                 built from it.\n",
            );
            let _ = writeln!(vars, "app_source: archive");
            let _ = writeln!(vars, "app_source_label: {}", yaml_text(label));
            let _ = writeln!(vars, "app_digest: {}", yaml_text(&archive.digest));
        }
        _ => {
            vars.push_str(
                "# The code is cloned from git; the commit the branch or tag points to names the \
                 release.\n",
            );
            let _ = writeln!(vars, "app_source: git");
            let _ = writeln!(vars, "app_repo: {}", yaml_text(&app.source));
            let _ = writeln!(vars, "app_ref: {}", yaml_text(&app.git_ref));
        }
    }
    let packages = if code.is_some() {
        crate::course::stages::app::PYTHON_PACKAGES
    } else {
        crate::course::stages::app::PYTHON_PACKAGES_GIT
    };
    let list = |text: &str| text.split(' ').collect::<Vec<&str>>().join(", ");
    let _ = writeln!(vars, "app_packages: [{}]", list(packages));
    vars.push_str(
        "# uWSGI: the system's with its Python 3 plugin when that fits the virtualenv's Python, \
         else pip builds it.\n",
    );
    let _ = writeln!(
        vars,
        "app_uwsgi_system_packages: [{}]",
        list(crate::course::stages::app::UWSGI_SYSTEM_PACKAGES)
    );
    let _ = writeln!(
        vars,
        "app_uwsgi_build_packages: [{}]",
        list(crate::course::stages::app::UWSGI_BUILD_PACKAGES)
    );
    let _ = writeln!(
        vars,
        "app_uwsgi_pip: {}",
        crate::course::stages::app::UWSGI_PIP
    );
    Ok(())
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
        std::fs::write(&path, &f.bytes).map_err(io(&path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_play_writes_the_files_droplifts_checks_read() {
        // Stage 2's check trusts the time of this file; the play's update tasks keep it.
        let update = course::StageId::Update
            .stage()
            .ansible_tasks
            .expect("update tasks");
        assert!(update.contains(crate::course::stages::update::STAMP));
        // The HTTPS lines are droplift's own, filled by Ansible.
        let tls = as_ansible_template(crate::course::stages::domain::TLS_CONF);
        assert!(tls.contains("/etc/letsencrypt/live/{{ tls_domain }}/fullchain.pem"));
        assert!(!tls.contains("{{domain}}"));
    }

    /// Every stage's tasks file, by its key, in course order.
    fn tasks() -> impl Iterator<Item = (&'static str, &'static str)> {
        course::STAGES
            .iter()
            .filter_map(|s| Some((s.key, s.ansible_tasks?)))
    }

    #[test]
    fn the_play_imports_each_stages_tasks_under_its_tag_and_the_export_writes_them() {
        // In course order: each import carries its stage's tag, as the block inside does.
        let play = play();
        let imports: Vec<&str> = play
            .lines()
            .filter_map(|l| l.trim().strip_prefix("ansible.builtin.import_tasks: "))
            .collect();
        let expected: Vec<String> = tasks().map(|(key, _)| format!("tasks/{key}.yml")).collect();
        assert_eq!(imports, expected);
        // Each import is named as its stage's block: "Stage N — …".
        for stage in course::STAGES.iter().filter(|s| s.ansible_tasks.is_some()) {
            let name = format!("    - name: Stage {} — ", stage.id.index() + 1);
            assert!(
                play.lines().any(|l| l.starts_with(&name)),
                "{}: no import named {name:?}",
                stage.key
            );
        }
        for (key, text) in tasks() {
            let import =
                format!("ansible.builtin.import_tasks: tasks/{key}.yml\n      tags: [{key}]");
            assert!(
                play.contains(&import),
                "{key}: no tagged import in site.yml"
            );
            assert!(
                text.contains(&format!("\n  tags: [{key}]\n")),
                "{key}: block tag"
            );
        }
        let files = ansible(
            &Answers::new("203.0.113.7", "johndoe"),
            Path::new("/home/j"),
            None,
        )
        .expect("the sample's health path");
        for (key, text) in tasks() {
            let path = PathBuf::from(format!("tasks/{key}.yml"));
            let written = files.iter().find(|f| f.path == path).expect("tasks file");
            assert_eq!(written.text(), text);
        }
    }

    #[test]
    fn values_are_quoted_and_never_templated() {
        assert_eq!(yaml_text("a\"b\\c"), r#"!unsafe "a\"b\\c""#);
        assert_eq!(yaml_text("{{ x }}"), r#"!unsafe "{{ x }}""#);
        assert_eq!(yaml_text("a\nb"), r#"!unsafe "a\u000ab""#);
        assert_eq!(
            yaml_text(""),
            r#""""#,
            "Ansible reads an empty !unsafe as null"
        );
    }

    #[test]
    fn a_folder_with_other_files_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("mine.txt"), "x").expect("write");
        let answers = Answers::new("203.0.113.7", "johndoe");
        let files = ansible(&answers, Path::new("/home/j"), None).expect("export");
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
            crate::course::stages::firewall::ports::PortRule::parse("8080").expect("port"),
            crate::course::stages::firewall::ports::PortRule::parse("53/udp").expect("port"),
        ];
        answers.domain = Some("example.org".into());
        answers.nginx.remove_default = false;
        let files = ansible(&answers, Path::new("/home/j"), None).expect("export");
        let vars = &files
            .iter()
            .find(|f| f.path == Path::new("group_vars/all.yml"))
            .expect("vars")
            .text()
            .into_owned();
        for line in [
            r#"db_role: !unsafe "items app""#,
            r#"db_name: !unsafe "items app""#,
            r#"web_ports: ["80/tcp", "443/tcp"]"#,
            r#"extra_ports: ["8080/tcp", "53/udp"]"#,
            r#"site: !unsafe "items-rest""#,
            r#"server_name: !unsafe "_""#,
            "remove_default: false",
            r#"app_health: !unsafe "/items""#,
            "app_health_json: true",
        ] {
            assert!(vars.lines().any(|l| l == line), "{line}:\n{vars}");
        }
        answers.app.source = "https://example.org/shop.git".into();
        assert!(
            ansible(&answers, Path::new("/home/j"), None).is_err(),
            "a student's app without a health path is not exported"
        );
        answers.app.health = "/store?x=1".into();
        let files = ansible(&answers, Path::new("/home/j"), None).expect("with a health path");
        let vars = files
            .iter()
            .find(|f| f.path == Path::new("group_vars/all.yml"))
            .expect("vars")
            .text()
            .into_owned();
        assert!(vars.contains("app_health: !unsafe \"/store?x=1\"\napp_health_json: false\n"));
        for line in [
            "app_release_commands: []",
            "app_env: {}",
            "app_secret_names: []",
        ] {
            assert!(vars.lines().any(|l| l == line), "{line}:\n{vars}");
        }
    }

    /// The text of the exported file at `path` (the test fails when there is none).
    fn file_text(files: &[ExportFile], path: &str) -> String {
        files
            .iter()
            .find(|f| f.path == Path::new(path))
            .unwrap_or_else(|| panic!("{path}"))
            .text()
            .into_owned()
    }

    #[test]
    fn release_commands_and_settings_are_exported_with_droplifts_own_programs() {
        let mut answers = Answers::new("203.0.113.7", "johndoe");
        answers.app.release = vec!["flask --app shop db upgrade".into(), "echo {{ x }}".into()];
        answers.app.env = vec![("GREETING".into(), "hi \"there\"".into())];
        answers.app.secrets = vec!["SECRET_KEY".into(), "JWT_SECRET_KEY".into()];
        let files = ansible(&answers, Path::new("/home/j"), None).expect("export");
        let text = |path: &str| file_text(&files, path);
        let vars = text("group_vars/all.yml");
        for line in [
            r#"app_release_commands: [!unsafe "flask --app shop db upgrade", !unsafe "echo {{ x }}"]"#,
            r#"app_env: {GREETING: !unsafe "hi \"there\""}"#,
            "app_secret_names: [SECRET_KEY, JWT_SECRET_KEY]",
        ] {
            assert!(vars.lines().any(|l| l == line), "{line}:\n{vars}");
        }
        // The same programs droplift's scripts run, and Python can read them.
        for (path, holds) in [
            ("files/env-compose.py", "secrets.token_urlsafe"),
            ("files/release-run.py", "def read_env"),
            ("files/release-run.py", "os.execve"),
        ] {
            let program = text(path);
            assert!(program.contains(holds), "{path}: {program}");
            let compiled = std::process::Command::new("python3")
                .args(["-c", "import sys; compile(sys.stdin.read(), 'x', 'exec')"])
                .stdin(std::process::Stdio::piped())
                .spawn()
                .and_then(|mut child| {
                    use std::io::Write;
                    child
                        .stdin
                        .take()
                        .map(|mut i| i.write_all(program.as_bytes()));
                    child.wait()
                });
            assert!(compiled.is_ok_and(|s| s.success()), "{path}");
        }
    }

    #[test]
    fn static_and_shared_folders_are_exported() {
        let mut answers = Answers::new("203.0.113.7", "johndoe");
        answers.app.static_dirs = vec![("/static/".into(), "staticfiles".into())];
        answers.app.shared = vec!["instance".into(), "media".into()];
        let files = ansible(&answers, Path::new("/home/j"), None).expect("export");
        let text = |path: &str| file_text(&files, path);
        let vars = text("group_vars/all.yml");
        for line in [
            r#"app_static: {!unsafe "/static/": !unsafe "staticfiles"}"#,
            r#"app_shared: [!unsafe "instance", !unsafe "media"]"#,
        ] {
            assert!(vars.lines().any(|l| l == line), "{line}:\n{vars}");
        }
        assert!(text("files/shared-link.sh").contains("link_shared() {"));
        let template = text("templates/nginx-static.conf.j2");
        assert!(
            template.contains("alias /var/www/html/{{ site }}/current/{{ folder }}/;"),
            "{template}"
        );
        assert!(text("tasks/service.yml").contains("nginx-static.conf.j2"));
        assert!(text("tasks/app.yml").contains("files/shared-link.sh"));
    }

    /// The names a file's preamble assigns (`name=$1 other=$2` lines before droplift's files).
    fn assigned(preamble: &str) -> Vec<&str> {
        preamble
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .filter_map(|w| w.split_once('=').map(|(name, _)| name))
            .collect()
    }

    /// The number of values the play passes to the script `file` (its `cmd:` up to `executable:`).
    fn passed(tasks: &str, file: &str) -> usize {
        let from = tasks.find(&format!("{file} ")).expect("the script's task");
        let to = from + tasks[from..].find("executable:").expect("executable");
        tasks[from..to].matches("{{").count()
    }

    #[test]
    fn stage_9_runs_droplifts_own_go_live_with_every_value_it_reads() {
        let files = ansible(
            &Answers::new("203.0.113.7", "johndoe"),
            Path::new("/home/j"),
            None,
        )
        .expect("export");
        let text = |path: &str| file_text(&files, path);
        let tasks = text("tasks/service.yml");
        // droplift's files, unchanged and in the order its go-live step runs them.
        let parts = crate::course::stages::service::go_live_parts();
        let own: String = parts
            .iter()
            .map(|p| format!("{}\n", p.trim_end_matches('\n')))
            .collect();
        let go_live = text("files/go-live.sh");
        let preamble = go_live.strip_suffix(&own).expect("droplift's own go-live");
        let names = assigned(preamble);
        for part in parts {
            for name in crate::shell::declared_inputs(part) {
                assert!(names.contains(&name), "go-live.sh: {name} is not set");
            }
        }
        assert!(preamble.contains("target=next"), "{preamble}");
        assert!(preamble.contains("${10}") && !preamble.contains("${11}"));
        assert_eq!(passed(&tasks, "files/go-live.sh"), 10);

        let wanted = text("files/go-live-wanted.sh");
        let (preamble, _) = wanted
            .split_once(crate::course::stages::app::LIB.trim_end_matches('\n'))
            .expect("droplift's own lib.sh");
        assert!(wanted.ends_with(GO_LIVE_WANTED));
        assert!(wanted.contains(crate::course::stages::service::SLOTS.trim_end_matches('\n')));
        let names = assigned(preamble);
        for part in [
            crate::course::stages::app::LIB,
            crate::course::stages::service::SLOTS,
            GO_LIVE_WANTED,
        ] {
            for name in crate::shell::declared_inputs(part) {
                assert!(
                    names.contains(&name),
                    "go-live-wanted.sh: {name} is not set"
                );
            }
        }
        assert!(preamble.contains("$8") && !preamble.contains("$9"));
        assert_eq!(passed(&tasks, "files/go-live-wanted.sh"), 8);
        // The legacy unit that restarted in place is gone from the play.
        assert!(!tasks.contains("restarted"), "{tasks}");
        assert!(!files.iter().any(|f| f.path.ends_with("uwsgi.service.j2")));
    }

    #[test]
    fn the_slots_templates_filled_from_group_vars_are_droplifts_own_files() {
        // A private site (no sudo: the owner's group) with limits of its own, so each value shows.
        let mut answers = Answers::new("203.0.113.7", "johndoe");
        answers.user_sudo = false;
        answers.app.module = "shop:create_app()".into();
        answers.app.memory_max = "300M".into();
        answers.app.cpu_quota = "50%".into();
        answers.app.tasks_max = "64".into();
        let files = ansible(&answers, Path::new("/home/j"), None).expect("export");
        let vars = file_text(&files, "group_vars/all.yml");
        let value = |key: &str| {
            vars.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}: !unsafe \"")))
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or_else(|| panic!("{key}:\n{vars}"))
                .to_owned()
        };
        // What Ansible's template module does with these (no blocks, no filters): each variable
        // replaced by its value.
        let fill = |template: &str| {
            [
                "site",
                "user_name",
                "app_module",
                "app_group",
                "app_memory_max",
                "app_cpu_quota",
                "app_tasks_max",
            ]
            .iter()
            .fold(file_text(&files, template), |text, key| {
                text.replace(&format!("{{{{ {key} }}}}"), &value(key))
                    .replace(&format!("{{{{{key}}}}}"), &value(key))
            })
        };
        let v = crate::course::stages::service::values(&answers).expect("values");
        assert_eq!(v.group.as_str(), "johndoe");
        assert_eq!(
            fill("templates/uwsgi-slot.ini.j2"),
            crate::course::stages::service::uwsgi_ini(&v.site, &v.module, None).as_str()
        );
        assert_eq!(
            fill("templates/uwsgi-slot.service.j2"),
            crate::course::stages::service::unit_file(&v.site, &v.user, &v.group, &v.limits)
                .as_str()
        );
    }

    #[test]
    fn a_go_live_is_wanted_until_the_release_serves_as_the_play_sets_it_up() {
        let files = ansible(
            &Answers::new("203.0.113.7", "johndoe"),
            Path::new("/home/j"),
            None,
        )
        .expect("export");
        let script = file_text(&files, "files/go-live-wanted.sh");
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        let (base, staging, etc) = (d.join("base"), d.join("state"), d.join("etc"));
        for folder in [&base, &staging.join("marks"), &staging.join("play"), &etc] {
            std::fs::create_dir_all(folder).expect("folder");
        }
        let me = String::from_utf8(
            std::process::Command::new("id")
                .arg("-un")
                .output()
                .expect("id")
                .stdout,
        )
        .expect("utf-8");
        let path = |p: &Path| p.to_str().expect("utf-8").to_owned();
        let env_file = staging.join("app.env");
        let said = |release: &str| {
            let out = std::process::Command::new("bash")
                .args(["-c", &script, "go-live-wanted", me.trim()])
                .args([path(&base), path(&base.join("releases")), path(&staging)])
                .args([
                    "uwsgi-droplift-export-test-none",
                    &path(&etc.join("uwsgi.ini")),
                ])
                .args([path(&env_file), release.to_owned()])
                .output()
                .expect("bash runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout)
                .expect("utf-8")
                .trim()
                .to_owned()
        };
        let write = |p: PathBuf, text: &str| std::fs::write(p, text).expect("write");
        assert_eq!(said("r1"), "go-live: no uWSGI slot serves the app yet");
        write(staging.join("slot"), "a\n");
        write(staging.join("current"), "r1\n");
        write(staging.join("marks/r1"), "status=good\n");
        assert_eq!(
            said("r2"),
            "go-live: release r2 is not the one serving (r1)"
        );
        write(staging.join("next"), "r2\n");
        assert_eq!(said("r1"), "go-live: release r2 waits to go live");
        std::fs::remove_file(staging.join("next")).expect("rm");
        write(d.join("state/app.env.next"), "A=1\n");
        assert_eq!(
            said("r1"),
            "go-live: a new environment file waits to go live"
        );
        std::fs::remove_file(d.join("state/app.env.next")).expect("rm");
        write(etc.join("slot-a.env"), "DROPLIFT_RELEASE=r0\n");
        assert_eq!(
            said("r1"),
            "go-live: uwsgi-droplift-export-test-none@a is set to serve release r0, not r1"
        );
        write(etc.join("slot-a.env"), "DROPLIFT_RELEASE=r1\n");
        write(etc.join("slot-a.ini"), "module = app:app\n");
        write(staging.join("play/uwsgi.ini"), "module = shop:app\n");
        assert_eq!(said("r1"), "go-live: uWSGI's settings changed");
        write(staging.join("play/uwsgi.ini"), "module = app:app\n");
        // The unit this test names is installed nowhere: it differs from the play's.
        assert_eq!(said("r1"), "go-live: the slots' unit changed");
    }

    #[test]
    fn the_site_is_the_course_template_or_the_students_text_kept_raw() {
        let mut answers = Answers::new("203.0.113.7", "johndoe");
        let site = |a: &Answers| {
            ansible(a, Path::new("/home/j"), None)
                .expect("export")
                .into_iter()
                .find(|f| f.path == Path::new("templates/nginx-site.conf.j2"))
                .expect("site")
                .text()
                .into_owned()
        };
        assert_eq!(site(&answers), crate::course::stages::nginx::TEMPLATE);
        answers.nginx.site_text = Some("server { listen 81; } # {{ not a variable }}\n".into());
        assert_eq!(
            site(&answers),
            "{% raw %}server { listen 81; } # {{ not a variable }}\n{% endraw %}"
        );
    }
}
