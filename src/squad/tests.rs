use super::*;

/// A squad file as `class apply` writes it (`course::class::squad_answers_text`), no domain.
const SQUAD: &str = "[server]\nhost = \"203.0.113.7\"\nport = 22\n\n\
    [user]\nname = \"avengers\"\nlogin = \"erin\"\nsudo = false\n\n\
    [postgres]\nrole = \"avengers\"\ndatabase = \"avengers\"\n\n\
    [nginx]\nsite = \"avengers\"\nserver_name = \"203.0.113.7\"\nunder = \"items\"\n\n\
    [app]\nsource = \"app\"\nmodule = \"app:app\"\nhealth = \"/health\"\n";

const PRIVATE: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n\
    -----END OPENSSH PRIVATE KEY-----\n";

struct Desk {
    dir: tempfile::TempDir,
}

impl Desk {
    /// A student's computer: the squad file, a key, and an app beside the file.
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::write(root.join("avengers.toml"), SQUAD).expect("squad file");
        std::fs::create_dir_all(root.join(".ssh")).expect(".ssh");
        std::fs::write(root.join(".ssh/id_ed25519"), PRIVATE).expect("key");
        std::fs::write(
            root.join(".ssh/id_ed25519.pub"),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA alice@laptop\n",
        )
        .expect("pub");
        for app in ["app", "myapi"] {
            std::fs::create_dir_all(root.join(app)).expect("app");
            std::fs::write(
                root.join(app).join("app.py"),
                "from flask import Flask\napp = Flask(__name__)\n\n@app.get(\"/health\")\ndef health():\n    return \"ok\"\n",
            )
            .expect("app.py");
            std::fs::write(root.join(app).join("requirements.txt"), "flask\n").expect("req");
        }
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn load(&self, file: &str, key: &str, folder: &str) -> Result<SquadLogin, Vec<SquadRefusal>> {
        load(
            &SquadInput {
                file: file.into(),
                key: key.into(),
                folder: folder.into(),
            },
            self.path(),
            self.path(),
        )
    }
}

fn fields(refusals: &[SquadRefusal]) -> Vec<&'static str> {
    refusals.iter().map(|r| r.field).collect()
}

#[test]
fn the_squad_s_file_key_and_folder_make_a_login_as_the_squad_with_its_url() {
    let desk = Desk::new();
    let login = desk
        .load("~/avengers.toml", "", "~/myapi")
        .expect("a good squad");
    assert_eq!(login.site, "avengers");
    assert_eq!(login.answers.user, "avengers");
    assert_eq!(
        login.key,
        desk.path().join(".ssh/id_ed25519"),
        "the default key"
    );
    assert_eq!(login.url, "http://203.0.113.7/avengers/");
    assert_eq!(
        login.answers.app.folder.as_deref(),
        Some(desk.path().join("myapi").as_path())
    );
    assert!(login.answers.app.folder_digest.is_some(), "packed");
    // No folder typed: the file's own [app] source, beside the file.
    let kept = desk
        .load("avengers.toml", "~/.ssh/id_ed25519", "")
        .expect("kept");
    assert_eq!(
        kept.answers.app.folder.as_deref(),
        Some(desk.path().join("app").as_path())
    );
}

#[test]
fn each_bad_input_is_refused_at_its_field() {
    let desk = Desk::new();
    let refused = desk
        .load("", "~/.ssh/none", "~/nowhere")
        .expect_err("all bad");
    assert_eq!(
        fields(&refused),
        ["key", "file"],
        "the folder waits for a file"
    );
    assert!(refused[0].message.contains("cannot read"), "{refused:?}");
    assert!(refused[1].message.contains("squad file"), "{refused:?}");

    let public = desk
        .load("avengers.toml", "~/.ssh/id_ed25519.pub", "")
        .expect_err("the public half");
    assert_eq!(fields(&public), ["key"]);
    assert!(public[0].message.contains("PUBLIC half"), "{public:?}");

    let not_a_key = desk
        .load("avengers.toml", "~/avengers.toml", "")
        .expect_err("not a key");
    assert!(not_a_key[0].message.contains("not an SSH private key"));

    let folder = desk
        .load("avengers.toml", "", "~/nowhere")
        .expect_err("no folder");
    assert_eq!(fields(&folder), ["folder"]);
    assert!(folder[0].message.contains("nowhere"), "{folder:?}");

    std::fs::create_dir_all(desk.path().join("empty")).expect("empty");
    let empty = desk
        .load("avengers.toml", "", "~/empty")
        .expect_err("no app in it");
    assert_eq!(fields(&empty), ["folder"], "{empty:?}");
}

#[test]
fn an_instructor_s_own_answers_or_a_broken_file_is_not_a_squad_s() {
    let desk = Desk::new();
    std::fs::write(
        desk.path().join("mine.toml"),
        "[server]\nhost = \"203.0.113.7\"\n\n[user]\nname = \"erin\"\n",
    )
    .expect("write");
    let own = desk
        .load("mine.toml", "", "~/myapi")
        .expect_err("not a squad");
    assert_eq!(fields(&own), ["file"]);
    assert!(own[0].message.contains("not a squad's file"), "{own:?}");

    std::fs::write(desk.path().join("broken.toml"), "[server\nhost = 1\n").expect("write");
    let broken = desk.load("broken.toml", "", "").expect_err("broken");
    assert_eq!(fields(&broken), ["file"]);
    assert!(
        broken[0].message.starts_with("not a squad file"),
        "{broken:?}"
    );
}

#[test]
fn a_class_with_a_domain_answers_at_the_squad_s_own_name() {
    let (mut answers, _) = crate::course::answers_file::parse(SQUAD).expect("parse");
    answers.nginx.under = None;
    answers.nginx.server_name = "avengers.class.example".into();
    assert_eq!(url(&answers), "http://avengers.class.example/");
}
