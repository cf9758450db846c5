//! The site's deploy key end to end on one practice droplet (issue 27): after the stages the app
//! needs, `droplift deploy-key` (with sudo's password, once) lets a key ship, roll back and list
//! this site's releases with no password at all — a folder uploaded, a tag cloned — and nothing
//! else: checked with OpenSSH's own client (no shell, no other script, no other value, no other
//! site), with sudo's rules, and by a deploy whose answers changed since the key was set up. A
//! deploy killed in stage 8 finishes when run again; the GitHub workflow `export ci` writes runs
//! its own steps here and ships a tag.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::cli::{self, said};
use common::droplet::TestDroplet;
use common::files::files_holding;
use common::tmux::Tmux;
use droplift::practice::UpOptions;

const NEW_ROOT: &str = "key 'root' $(id) pw";
const USER_PW: &str = "erin's \"pw\" $HOME 7";
const DB_PW: &str = "items:db/pw@2 %";
const SEALED: &str = "/var/lib/droplift/sealed/items";
const STATE: &str = "/var/lib/droplift/app/items";

/// A small Flask API of the student's: `/health` says which version serves.
fn app_folder(dir: &Path, version: &str) {
    app_folder_needing(dir, version, "Flask>=3.0,<4\n");
}

/// The same app with its own requirements.txt.
fn app_folder_needing(dir: &Path, version: &str, requirements: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join("requirements.txt"), requirements).expect("write");
    std::fs::write(
        dir.join("app.py"),
        format!(
            "from flask import Flask, jsonify\n\napp = Flask(__name__)\n\n\n\
             @app.get(\"/health\")\ndef health():\n    return jsonify(version=\"{version}\")\n"
        ),
    )
    .expect("write");
}

/// GET /health from this computer: the version that serves (empty when none answers).
fn version(address: &str) -> String {
    let out = Command::new("curl")
        .args(["-sS", "-m", "15"])
        .arg(format!("http://{address}/health"))
        .output()
        .expect("curl runs");
    let body = String::from_utf8_lossy(&out.stdout).into_owned();
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["version"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Tag `tag` pushed to the droplet's repository by erin: v3's code changed by `change` (shell,
/// in the clone, which commits it).
fn push_tag(droplet: &TestDroplet, tag: &str, change: &str) {
    droplet.run(&[
        "sh",
        "-c",
        &format!(
            "cd / && runuser -u erin -- sh -c 'set -e; rm -rf /tmp/bad; git clone -q /srv/app.git \
             /tmp/bad; cd /tmp/bad; git checkout -q v3; {change}; git -c user.name=t \
             -c user.email=t@t commit -qam {tag} || true; git tag {tag}; git push -q origin {tag}'"
        ),
    ]);
}

/// `droplift deploy --ref tag --deploy-key key`, logged.
fn deploy_tag(home: &Path, answers: &str, tag: &str, key: &Path) -> Output {
    cli::droplift_logged(
        home,
        &[
            "deploy",
            "--answers",
            answers,
            "--ref",
            tag,
            "--deploy-key",
            key.to_str().expect("utf-8"),
        ],
        "",
    )
}

/// Release `name`'s status in root's mark.
fn mark_status(droplet: &TestDroplet, name: &str) -> String {
    droplet
        .run(&[
            "sh",
            "-c",
            &format!("sed -n 's/^status=//p' {STATE}/marks/{name} 2>/dev/null || true"),
        ])
        .trim()
        .to_owned()
}

/// OpenSSH's own client with the deploy key alone, the host key as droplift recorded it.
fn key_ssh(droplet: &TestDroplet, home: &Path, key: &Path, command: &str) -> Output {
    key_ssh_as(droplet, home, key, "erin", command)
}

/// `command` sent with `key` alone to `user`'s account, this computer's known_hosts checked.
fn key_ssh_as(droplet: &TestDroplet, home: &Path, key: &Path, user: &str, command: &str) -> Output {
    Command::new("ssh")
        .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"])
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            home.join(".ssh/known_hosts").display()
        ))
        .args(["-o", "ControlPath=none", "-o", "IdentitiesOnly=yes", "-i"])
        .arg(key)
        .arg(format!("{user}@{}", droplet.address))
        .arg(command)
        .output()
        .expect("ssh runs")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The workflow's steps as JSON, read by PyYAML (Ansible's, which scripts/test installs, or the
/// system's): the test runs what the file says, not a copy of it.
fn workflow_steps(workflow: &Path) -> serde_json::Value {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ansible-venv/bin/python");
    let python = if venv.exists() {
        venv
    } else {
        Path::new("python3").to_path_buf()
    };
    let out = Command::new(&python)
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))['jobs']['deploy']['steps']))",
        ])
        .arg(workflow)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "PyYAML reads the workflow ({}; scripts/test installs it): {}",
        python.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn answers_text(address: &str, source: &str, health: &str) -> String {
    format!(
        "[server]\nhost = \"{address}\"\n\n[user]\nname = \"erin\"\n\n\
         [postgres]\nrole = \"erin\"\ndatabase = \"items\"\n\n\
         [nginx]\nsite = \"items\"\nserver_name = \"_\"\n\n\
         [app]\nsource = \"{source}\"\nmodule = \"app:app\"\nhealth = \"{health}\"\n"
    )
}

#[test]
fn a_deploy_key_ships_and_rolls_back_with_no_password_and_does_nothing_else() {
    let Some(droplet) = TestDroplet::boot(UpOptions::updated(Default::default())) else {
        return;
    };
    let home = tempfile::tempdir().expect("temp home");
    let code = tempfile::tempdir().expect("the app's folders");
    let address = droplet.address.to_string();
    let (v1, v2) = (code.path().join("v1"), code.path().join("v2"));
    app_folder(&v1, "1");
    app_folder(&v2, "2");
    let answers = cli::answers_file(
        home.path(),
        &answers_text(&address, v1.to_str().expect("utf-8"), "/health"),
    );
    let setup = cli::apply(
        home.path(),
        &answers,
        &["connect", "user", "postgres", "nginx", "app", "service"],
        &format!(
            "root_password={}\nnew_root_password={NEW_ROOT}\nuser_password={USER_PW}\n\
             db_password={DB_PW}\n",
            droplet.root_password.expose()
        ),
    );
    assert!(setup.status.success(), "{}", said(&setup));
    assert_eq!(version(&address), "1");

    // Once, with sudo's password: the key is made here and let in there.
    let admin = format!("root_password={NEW_ROOT}\nuser_password={USER_PW}\n");
    let sealed = cli::droplift_logged(
        home.path(),
        &["deploy-key", "--answers", &answers, "--secrets-stdin"],
        &admin,
    );
    let sealed_text = said(&sealed);
    assert!(sealed.status.success(), "{sealed_text}");
    assert!(sealed_text.contains("steps to seal"), "{sealed_text}");
    let key = home
        .path()
        .join("data/deploy-keys")
        .join(&address)
        .join("items");
    assert!(key.is_file(), "the private half at {}", key.display());
    let rules = droplet.run(&["sudo", "-l", "-U", "erin"]);
    assert!(
        rules.contains("(root) NOPASSWD: /usr/local/lib/droplift/sealed items *"),
        "{rules}"
    );
    assert_eq!(
        droplet.run(&["stat", "-c", "%a %U", SEALED]).trim(),
        "700 root"
    );
    let keys = droplet.run(&["cat", "/home/erin/.ssh/authorized_keys"]);
    assert!(
        keys.contains(
            "restrict,command=\"/usr/local/lib/droplift/deploy-gate-items\" ssh-ed25519 "
        ),
        "{keys}"
    );

    // A folder, shipped with the key alone: no password on stdin, no terminal to ask one.
    let shipped = cli::droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            &answers,
            "--source",
            v2.to_str().expect("utf-8"),
            "--deploy-key",
            key.to_str().expect("utf-8"),
        ],
        "",
    );
    let shipped_text = said(&shipped);
    assert!(shipped.status.success(), "{shipped_text}");
    assert!(
        shipped_text.contains("the live file's DATABASE_URL is kept"),
        "{shipped_text}"
    );
    assert_eq!(version(&address), "2");
    // The requirements did not change since the first release: its virtualenv serves this one.
    assert!(
        shipped_text.contains("nothing to install"),
        "{shipped_text}"
    );
    let venv_of = |release: &str| {
        droplet
            .run(&["readlink", &format!("/var/www/html/items/{release}/venv")])
            .trim()
            .to_owned()
    };
    let first_venv = venv_of("current");
    assert!(first_venv.starts_with("../../venvs/"), "{first_venv}");
    // Killed in the middle of stage 8 (a closed laptop, a lost terminal) and run again with the
    // same key: it finishes, and the new code serves. Its requirements changed (a new line), so
    // it builds a virtualenv of its own: the kill lands in pip's work.
    let v2b = code.path().join("v2b");
    app_folder_needing(&v2b, "2b", "Flask>=3.0,<4\nitsdangerous>=2\n");
    let key_str = key.to_str().expect("utf-8");
    let ship_v2b = [
        "deploy",
        "--answers",
        &answers,
        "--source",
        v2b.to_str().expect("utf-8"),
        "--deploy-key",
        key_str,
    ];
    let (seen, hit) = cli::droplift_killed_at(
        home.path(),
        &ship_v2b,
        "",
        "Give the release its own virtualenv",
        std::time::Duration::from_secs(2),
    );
    assert!(hit, "stage 8's virtualenv step was reached:\n{seen}");
    assert_eq!(version(&address), "2", "the release before still serves");
    let again = cli::droplift_logged(home.path(), &ship_v2b, "");
    assert!(again.status.success(), "{}", said(&again));
    assert!(
        said(&again)
            .contains("was cut short before its build finished (an earlier run): marked failed"),
        "{}",
        said(&again)
    );
    assert_eq!(version(&address), "2b");
    assert_ne!(venv_of("current"), first_venv, "a requirement changed");

    let with_key = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend([
            "--answers",
            &answers,
            "--deploy-key",
            key.to_str().expect("utf-8"),
        ]);
        cli::droplift_logged(home.path(), &all, "")
    };
    let listed = with_key(&["releases"]);
    assert!(listed.status.success(), "{}", said(&listed));
    assert!(!said(&listed).contains("building"), "{}", said(&listed));
    assert_eq!(
        said(&listed).matches("good").count(),
        3,
        "{}",
        said(&listed)
    );
    let back = with_key(&["rollback"]);
    assert!(back.status.success(), "{}", said(&back));
    assert_eq!(version(&address), "2");

    // A tag from git: sealed anew for that source (sudo's password once more), then shipped by
    // the key with only the tag changing.
    droplet.run(&[
        "sh",
        "-c",
        "set -e; command -v git >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=180 install -y -q git >/dev/null; \
         rm -rf /tmp/work; mkdir -p /tmp/work; cd /tmp/work; git init -q; \
         printf 'Flask>=3.0,<4\\n' > requirements.txt; \
         printf '%s\\n' 'from flask import Flask, jsonify' 'app = Flask(__name__)' \
         '@app.get(\"/health\")' 'def health():' '    return jsonify(version=\"3\")' > app.py; \
         git add .; git -c user.name=t -c user.email=t@t commit -qm v3; git tag v3; \
         sed -i 's/\"3\"/\"4\"/' app.py; git -c user.name=t -c user.email=t@t commit -qam v4; \
         git tag v4; sed -i 's/\"4\"/\"5\"/' app.py; \
         git -c user.name=t -c user.email=t@t commit -qam v5; git tag v5; \
         git clone -q --bare /tmp/work /srv/app.git; chown -R erin /srv/app.git",
    ]);
    let git_answers = cli::answers_file(
        home.path(),
        &answers_text(&address, "file:///srv/app.git", "/health"),
    );
    let resealed = cli::droplift_logged(
        home.path(),
        &["deploy-key", "--answers", &git_answers, "--secrets-stdin"],
        &admin,
    );
    assert!(resealed.status.success(), "{}", said(&resealed));
    let tagged = cli::droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            &git_answers,
            "--ref",
            "v3",
            "--deploy-key",
            key.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(tagged.status.success(), "{}", said(&tagged));
    assert_eq!(version(&address), "3");
    // The tag's requirements are those of the first release: its virtualenv again.
    assert!(
        said(&tagged).contains("nothing to install"),
        "{}",
        said(&tagged)
    );
    assert_eq!(venv_of("current"), first_venv);
    // The key's deploy runs stage 8's and 9's root steps joined (course::joint): each step's
    // heading still comes, in order, and the joint's marks are not shown.
    let shown = said(&tagged);
    let mut at = 0;
    for heading in [
        "→ [apply] Install what Python apps need",
        "→ [apply] Make the site's folders",
        "→ [apply] Clone v3 of",
        "→ [apply] Give the release its own virtualenv",
        "→ [apply] Import app:app as uWSGI will",
        "→ [apply] Mark the release built",
        "→ [verify] Check the release's virtualenv",
        "→ [apply] Go live in the other slot",
        "→ [verify] Check that uwsgi-items runs",
    ] {
        at += shown[at..]
            .find(heading)
            .unwrap_or_else(|| panic!("{heading} after byte {at}:\n{shown}"));
    }
    assert!(!shown.contains("droplift-step"), "{shown}");
    // A joined step that fails stops its joint there, with its own words, and is undone: the
    // release is marked failed, the steps after it never start, and v3 serves on. Here the clone
    // (the joint's fourth step) finds no app.py for the module.
    push_tag(&droplet, "vgone", "git rm -q app.py");
    let gone = deploy_tag(home.path(), &git_answers, "vgone", &key);
    let shown = said(&gone);
    assert!(!gone.status.success(), "{shown}");
    assert!(
        shown.contains("FAILED: stage app (The app), apply step \"Clone vgone of"),
        "{shown}"
    );
    assert!(shown.contains("the code has no app.py"), "{shown}");
    assert!(
        shown.contains("→ [undo] Mark the release that failed"),
        "{shown}"
    );
    assert!(
        !shown.contains("→ [apply] Give the release its own virtualenv"),
        "{shown}"
    );
    assert!(!shown.contains("Stage 9"), "{shown}");
    assert_eq!(mark_status(&droplet, "vgone"), "failed");
    assert_eq!(version(&address), "3");
    // A release that does not import, on a site already on its two slots: stage 8 leaves the
    // import to the go-live (no import twice), whose new slot fails to load it on its own socket:
    // it never serves, is marked failed with the module's name said, and v3 serves on.
    push_tag(
        &droplet,
        "vbad",
        "sed -i \"1i import no_such_module_here\" app.py",
    );
    let bad = deploy_tag(home.path(), &git_answers, "vbad", &key);
    let shown = said(&bad);
    assert!(!bad.status.success(), "{shown}");
    assert!(
        shown.contains("the go-live imports app:app in the idle slot and asks it before it serves"),
        "{shown}"
    );
    assert!(
        shown.contains("apply step \"Go live in the other slot"),
        "{shown}"
    );
    assert!(shown.contains("no_such_module_here"), "{shown}");
    assert_eq!(mark_status(&droplet, "vbad"), "failed");
    assert_eq!(version(&address), "3");

    // Nothing else: no shell, no unsealed script, no value out of form, no other site's run.
    let shell = key_ssh(&droplet, home.path(), &key, "id -un");
    assert_eq!(shell.status.code(), Some(126), "{}", text(&shell));
    assert!(
        text(&shell)
            .contains("This key deploys the site items with droplift and does nothing else"),
        "{}",
        text(&shell)
    );
    let unknown = key_ssh(
        &droplet,
        home.path(),
        &key,
        &format!("run {}", "0".repeat(64)),
    );
    assert_eq!(unknown.status.code(), Some(125), "{}", text(&unknown));
    assert!(
        text(&unknown).contains("not one sealed for items"),
        "{}",
        text(&unknown)
    );
    let hash = droplet.run(&[
        "sh",
        "-c",
        &format!("ls {SEALED} | grep -v '^account$' | head -n 1"),
    ]);
    let hash = hash.trim();
    let injected = key_ssh(
        &droplet,
        home.path(),
        &key,
        &format!("run {hash} ref=$(id)"),
    );
    assert_eq!(injected.status.code(), Some(126), "{}", text(&injected));
    let other_value = key_ssh(&droplet, home.path(), &key, &format!("run {hash} u=root"));
    assert_eq!(
        other_value.status.code(),
        Some(125),
        "{}",
        text(&other_value)
    );
    assert!(
        text(&other_value).contains("not one a sealed step takes"),
        "{}",
        text(&other_value)
    );
    let not_ours = key_ssh(&droplet, home.path(), &key, "kill 1");
    assert_eq!(not_ours.status.code(), Some(125), "{}", text(&not_ours));
    // erin's own sudo still wants her password for anything else, and the rule names one site.
    let other = droplet.run(&[
        "sh",
        "-c",
        "cd / && runuser -u erin -- sudo -n /usr/local/lib/droplift/sealed other run x 2>&1; \
         echo rc=$?; runuser -u erin -- sudo -n true 2>&1; echo rc=$?",
    ]);
    assert_eq!(other.matches("rc=1").count(), 2, "{other}");

    // Answers changed since the key was set up (another health path): the key cannot run the
    // new steps, says what to do, and nothing changed.
    let changed = home.path().join("changed.toml");
    std::fs::write(
        &changed,
        answers_text(&address, "file:///srv/app.git", "/health?from=ci"),
    )
    .expect("write");
    let changed = changed.to_str().expect("utf-8").to_owned();
    let serving = droplet.run(&["cat", &format!("{STATE}/current")]);
    let stale = cli::droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            &changed,
            "--ref",
            "v3",
            "--deploy-key",
            key.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(!stale.status.success(), "{}", said(&stale));
    assert!(
        said(&stale).contains("Run `droplift deploy-key` again"),
        "{}",
        said(&stale)
    );
    assert_eq!(droplet.run(&["cat", &format!("{STATE}/current")]), serving);
    assert_eq!(version(&address), "3");
    // Deployed once with the student's own login, the new answers are sealed too: the key ships
    // with them again.
    let own = cli::droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            &changed,
            "--ref",
            "v3",
            "--secrets-stdin",
        ],
        &admin,
    );
    assert!(own.status.success(), "{}", said(&own));
    assert!(
        said(&own).contains("its sealed steps follow these answers"),
        "{}",
        said(&own)
    );
    let fresh = cli::droplift_logged(
        home.path(),
        &[
            "deploy",
            "--answers",
            &changed,
            "--ref",
            "v4",
            "--deploy-key",
            key.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(fresh.status.success(), "{}", said(&fresh));
    assert_eq!(version(&address), "4");

    // The GitHub workflow `export ci` writes, its own steps run in a shell as the runner would
    // (bash -eo pipefail, a fresh HOME with no known host, the secret in the environment) on a
    // pushed tag v5. Only its "Install droplift" step is left out: the runner would get
    // droplift from crates.io, which this machine cannot reach; this build is on PATH instead.
    let repo = tempfile::tempdir().expect("the app's repository");
    let exported = cli::droplift_logged(
        home.path(),
        &[
            "export",
            "ci",
            "--github",
            "--answers",
            &changed,
            "--out",
            repo.path().to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(exported.status.success(), "{}", said(&exported));
    let workflow = repo.path().join(".github/workflows/droplift-deploy.yml");
    let steps = workflow_steps(&workflow);
    let runner = tempfile::tempdir().expect("the runner's home");
    let runner_temp = tempfile::tempdir().expect("RUNNER_TEMP");
    let bin = Path::new(env!("CARGO_BIN_EXE_droplift"))
        .parent()
        .expect("the binary's folder")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let key_text = std::fs::read_to_string(&key).expect("the private key");
    let mut ran = Vec::new();
    for step in steps.as_array().expect("steps") {
        let (Some(name), Some(run)) = (step["name"].as_str(), step["run"].as_str()) else {
            continue;
        };
        if name == "Install droplift" {
            continue;
        }
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", run])
            .current_dir(repo.path())
            .env_clear()
            .env("PATH", &path)
            .env("HOME", runner.path())
            .env("DROPLIFT_DATA_DIR", runner.path().join("data"))
            .env("RUNNER_TEMP", runner_temp.path());
        if let Some(env) = step["env"].as_object() {
            for (name, value) in env {
                let value = value.as_str().expect("a string");
                let value = match value {
                    "${{ secrets.DROPLIFT_DEPLOY_KEY }}" => key_text.clone(),
                    "${{ github.ref_name }}" => "v5".to_owned(),
                    other => {
                        panic!("the workflow's {name} is {other}: the test knows no such value")
                    }
                };
                command.env(name, value);
            }
        }
        let out = command.output().expect("bash runs");
        eprintln!("--- workflow step {name}\n{}", text(&out));
        assert!(out.status.success(), "step {name}: {}", text(&out));
        ran.push((name.to_owned(), text(&out)));
    }
    assert_eq!(version(&address), "5");
    let releases = &ran
        .iter()
        .find(|(name, _)| name == "The releases on the server")
        .expect("the releases step ran")
        .1;
    assert!(releases.contains("* v5"), "{releases}");
    // Old releases were pruned (five are kept): every release's venv is a link to a virtualenv
    // in venvs/, and every virtualenv left there is one a release links to.
    let links = droplet.run(&[
        "sh",
        "-c",
        "for r in /var/www/html/items/releases/*; do readlink \"$r/venv\" | sed 's|.*/||'; done | sort -u",
    ]);
    let kept = droplet.run(&["sh", "-c", "ls /var/www/html/items/venvs | sort"]);
    assert_eq!(links, kept, "venvs left:\n{kept}\nlinked:\n{links}");
    // One: the five newest releases (the failed vgone and vbad among them) have the same
    // requirements; the virtualenv of the older ones went with them.
    assert_eq!(kept.lines().count(), 1, "{kept}");
    assert!(
        !runner_temp.path().join("droplift-deploy-key").exists(),
        "the last step forgot the key"
    );

    second_site_beside_the_first(&droplet, home.path(), code.path(), &changed, &key);
    classroom_beside_the_first(&droplet, home.path(), code.path(), &changed);

    // No password reached a file on this computer.
    for secret in [NEW_ROOT, USER_PW, DB_PW, SHOP_DB_PW] {
        assert_eq!(files_holding(home.path(), secret), Vec::<String>::new());
    }
}

/// The second site's database password (its own role's).
const SHOP_DB_PW: &str = "shop's db pw: 'b' %2";

/// A second site's small Flask API (a factory): `/health` says which version serves, the
/// SCRIPT_NAME it sees and the URL it makes for itself, and whether its process may enter the
/// first site's folder.
fn shop_folder(dir: &Path, version: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join("requirements.txt"), "Flask>=3.0,<4\n").expect("write");
    std::fs::write(
        dir.join("shop.py"),
        format!(
            "import os\n\nfrom flask import Flask, jsonify, request, url_for\n\n\n\
             def create_app():\n    app = Flask(__name__)\n\n    @app.get(\"/health\")\n\
             \x20   def health():\n        return jsonify(\n            version=\"{version}\",\n\
             \x20           script=request.script_root,\n            url=url_for(\"health\"),\n\
             \x20           peek=os.access(\"/var/www/html/items\", os.X_OK),\n        )\n\n\
             \x20   return app\n"
        ),
    )
    .expect("write");
}

/// GET /shop/health from this computer, as JSON (null when it does not answer so).
fn shop_health(address: &str) -> serde_json::Value {
    let out = Command::new("curl")
        .args(["-sS", "-m", "15"])
        .arg(format!("http://{address}/shop/health"))
        .output()
        .expect("curl runs");
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// A command run as `user` on the droplet: its exit status and what it said (both streams).
fn as_user(droplet: &TestDroplet, user: &str, script: &str, stdin: &[u8]) -> (i32, String) {
    let out = droplet
        .exec(
            &[
                "runuser",
                "-u",
                user,
                "--",
                "bash",
                "-c",
                &format!("cd / && {script}"),
            ],
            Some(stdin),
        )
        .expect("runs in the droplet");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Issue 28's foundation on the same droplet: a second site, `shop`, owned by `bob`, an account
/// with no sudo that the first site's owner (erin) sets up with her own login; served at /shop/
/// on the first site's address (no DNS), shipped and rolled back with its own deploy key. Each
/// site answers its own health; bob reads nothing of erin's (env file, home, site folder,
/// database), may not sudo, and his key does nothing for her site; a rollback of one site
/// leaves the other serving.
fn second_site_beside_the_first(
    droplet: &TestDroplet,
    home: &Path,
    code: &Path,
    items_answers: &str,
    items_key: &Path,
) {
    let started = std::time::Instant::now();
    let address = droplet.address.to_string();
    // Stage 4 for the first site (erin's key, AllowUsers erin, root refused): a class's droplet
    // is hardened, so the second owner must be let into sshd's list to ship at all.
    let hardened = cli::apply(
        home,
        items_answers,
        &["ssh"],
        &format!("root_password={NEW_ROOT}\nuser_password={USER_PW}\n"),
    );
    assert!(hardened.status.success(), "{}", said(&hardened));
    let erin = "user_password=".to_owned() + USER_PW + "\n";

    let (s1, s2) = (code.join("shop1"), code.join("shop2"));
    shop_folder(&s1, "1");
    shop_folder(&s2, "2");
    let shop_file = home.join("shop.toml");
    std::fs::write(
        &shop_file,
        format!(
            "[server]\nhost = \"{address}\"\n\n[user]\nname = \"bob\"\nsudo = false\nlogin = \"erin\"\n\n\
             [postgres]\nrole = \"bob\"\ndatabase = \"shop\"\n\n\
             [nginx]\nsite = \"shop\"\nserver_name = \"_\"\nunder = \"items\"\n\n\
             [app]\nsource = \"{}\"\nmodule = \"shop:create_app()\"\nhealth = \"/health\"\n\
             memory_max = \"256M\"\ntasks_max = 64\n",
            s1.display()
        ),
    )
    .expect("write");
    let shop_answers = shop_file.to_str().expect("utf-8").to_owned();
    let site_stages = ["user", "postgres", "nginx", "app", "service"];
    let setup = cli::apply(
        home,
        &shop_answers,
        &site_stages,
        &format!("{erin}db_password={SHOP_DB_PW}\n"),
    );
    let setup_text = said(&setup);
    assert!(setup.status.success(), "{setup_text}");
    assert!(setup_text.contains("as erin with your key"), "{setup_text}");
    let health = shop_health(&address);
    assert_eq!(health["version"], "1", "{health}");
    assert_eq!(
        health["script"], "/shop",
        "uWSGI mounts the app at /shop: {health}"
    );
    assert_eq!(health["url"], "/shop/health", "{health}");
    assert_eq!(
        health["peek"], false,
        "bob's app cannot enter items' folder: {health}"
    );
    assert_eq!(version(&address), "5", "the first site answers as before");

    // The second site's owner: no sudo, a private home and site folder, its own group for the
    // service (nginx in it), sshd lets him in, and the slots' limits.
    let facts = droplet.run(&[
        "sh",
        "-c",
        "stat -c '%a %U:%G %n' /home/bob /home/erin /var/www/html/shop /var/www/html/items; \
         id -nG www-data; sshd -T | grep '^allowusers'; \
         slot=$(cat /var/lib/droplift/app/shop/slot); \
         systemctl show -p User -p Group -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec uwsgi-shop@$slot",
    ]);
    for fact in [
        "700 bob:bob /home/bob",
        "750 erin:erin /home/erin",
        "2750 bob:bob /var/www/html/shop",
        "2750 erin:www-data /var/www/html/items",
        "allowusers erin",
        "allowusers bob",
        "User=bob",
        "Group=bob",
        "MemoryMax=268435456",
        "TasksMax=64",
        "CPUQuotaPerSecUSec=1s",
    ] {
        assert!(facts.contains(fact), "{fact}:\n{facts}");
    }
    assert!(
        facts
            .lines()
            .any(|l| l.split(' ').any(|g| g == "bob") && l.contains("www-data")),
        "nginx's user is in bob's group:\n{facts}"
    );

    // Once, by erin (sudo's password): bob's site's deploy key.
    let sealed = cli::droplift_logged(
        home,
        &["deploy-key", "--answers", &shop_answers, "--secrets-stdin"],
        &erin,
    );
    assert!(sealed.status.success(), "{}", said(&sealed));
    let bob_key = home.join("data/deploy-keys").join(&address).join("shop");
    let bob_key_text = bob_key.to_str().expect("utf-8");
    // bob ships with it: no password anywhere.
    let shipped = cli::droplift_logged(
        home,
        &[
            "deploy",
            "--answers",
            &shop_answers,
            "--source",
            s2.to_str().expect("utf-8"),
            "--deploy-key",
            bob_key_text,
        ],
        "",
    );
    assert!(shipped.status.success(), "{}", said(&shipped));
    assert_eq!(shop_health(&address)["version"], "2");
    assert_eq!(version(&address), "5");

    // bob, on the droplet: nothing of erin's site, no sudo.
    for (what, script) in [
        (
            "the first site's environment file",
            "cat /var/lib/droplift/app/items/app.env",
        ),
        ("erin's home", "ls /home/erin"),
        ("the first site's folder", "ls /var/www/html/items"),
        (
            "the first site's socket",
            "test -w /var/www/html/items/socket.sock",
        ),
        ("sudo", "sudo -n true"),
        ("the first site's unit", "systemctl restart uwsgi-items@a"),
        (
            "the first site's journal",
            "journalctl -u 'uwsgi-items@*' -n 1 -q --no-pager | grep .",
        ),
    ] {
        let (rc, out) = as_user(droplet, "bob", script, b"");
        assert_ne!(rc, 0, "bob reached {what}: {out}");
    }
    let (_, sudo) = as_user(droplet, "bob", "sudo -n true", b"");
    assert!(sudo.contains("password is required"), "{sudo}");
    // bob's role: its own database, never the first site's (PostgreSQL's CONNECT).
    let psql = |db: &str| {
        as_user(
            droplet,
            "bob",
            &format!(
                "IFS= read -r pw; PGPASSWORD=$pw psql -X -w -h 127.0.0.1 -U bob -d {db} -At -c 'SELECT current_database()' 2>&1"
            ),
            format!("{SHOP_DB_PW}\n").as_bytes(),
        )
    };
    let (rc, own) = psql("shop");
    assert_eq!((rc, own.trim()), (0, "shop"), "{own}");
    let (rc, refused) = psql("items");
    assert_ne!(rc, 0, "{refused}");
    assert!(
        refused.contains("permission denied for database"),
        "{refused}"
    );

    // bob's key does nothing for the first site: neither as erin nor through his own gate.
    let as_erin = cli::droplift_logged(
        home,
        &[
            "releases",
            "--answers",
            items_answers,
            "--deploy-key",
            bob_key_text,
        ],
        "",
    );
    assert!(!as_erin.status.success(), "{}", said(&as_erin));
    assert!(
        !said(&as_erin).contains("Connected to"),
        "the key alone logs in, never erin's own key beside it: {}",
        said(&as_erin)
    );
    let items_hash = droplet.run(&[
        "sh",
        "-c",
        &format!("ls {SEALED} | grep -v '^account$' | head -n 1"),
    ]);
    let through_gate = key_ssh_as(
        droplet,
        home,
        &bob_key,
        "bob",
        &format!("run {}", items_hash.trim()),
    );
    assert_eq!(
        through_gate.status.code(),
        Some(125),
        "{}",
        text(&through_gate)
    );
    assert!(
        text(&through_gate).contains("not one sealed for shop"),
        "{}",
        text(&through_gate)
    );

    // A rollback of either site leaves the other serving.
    let back = cli::droplift_logged(
        home,
        &[
            "rollback",
            "--answers",
            &shop_answers,
            "--deploy-key",
            bob_key_text,
        ],
        "",
    );
    assert!(back.status.success(), "{}", said(&back));
    assert_eq!(shop_health(&address)["version"], "1");
    assert_eq!(version(&address), "5");
    let items_back = cli::droplift_logged(
        home,
        &[
            "rollback",
            "--answers",
            items_answers,
            "--deploy-key",
            items_key.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(items_back.status.success(), "{}", said(&items_back));
    assert_eq!(version(&address), "4");
    assert_eq!(shop_health(&address)["version"], "1");

    // Every setup stage of the second site checks done, with erin's login.
    let status = cli::droplift_logged(
        home,
        &[
            "status",
            "--answers",
            &shop_answers,
            "--secrets-stdin",
            "--only",
        ]
        .into_iter()
        .chain(site_stages)
        .collect::<Vec<_>>(),
        &format!("{erin}db_password={SHOP_DB_PW}\n"),
    );
    let status_text = said(&status);
    assert!(status.status.success(), "{status_text}");
    assert!(status_text.contains("5 of 5 stages done"), "{status_text}");
    eprintln!(
        "the second site beside the first: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// A member's key pair made with OpenSSH's ssh-keygen (no passphrase): the private half's path.
fn member_key(dir: &Path, name: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let key = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C"])
        .arg(format!("{name}@laptop"))
        .arg("-f")
        .arg(&key)
        .output()
        .expect("ssh-keygen runs");
    assert!(out.status.success(), "{}", text(&out));
    key
}

/// GET /SQUAD/health through nginx on the first site's address: the version that serves.
fn squad_version(address: &str, squad: &str) -> String {
    let out = Command::new("curl")
        .args(["-sS", "-m", "15"])
        .arg(format!("http://{address}/{squad}/health"))
        .output()
        .expect("curl runs");
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .ok()
        .and_then(|v| v["version"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Issue 28, the squad's side: alice, on a laptop that never saw the droplet, starts the real
/// wizard (80×24, tmux), chooses "My class gave me an account on a shared droplet", gives the
/// squad file, her key (the usual path) and her app's folder, accepts the droplet's host key,
/// sees stages 1–7 as the instructor's, runs stages 8 and 9 from their previews, and reads where
/// her squad's API answers; it answers there through nginx with her code. `b` rolls back to
/// the release before, which answers again.
fn squad_member_in_the_wizard(address: &str, squad_file: &Path, key: &Path) {
    use std::os::unix::fs::PermissionsExt;
    use std::time::Duration;
    let started = std::time::Instant::now();
    let minute = Duration::from_secs(60);
    let before = squad_version(address, "avengers");
    let laptop = tempfile::tempdir().expect("alice's laptop");
    let home = laptop.path();
    std::fs::create_dir_all(home.join(".ssh")).expect(".ssh");
    std::fs::copy(key, home.join(".ssh/id_ed25519")).expect("her key");
    std::fs::set_permissions(
        home.join(".ssh/id_ed25519"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");
    std::fs::copy(squad_file, home.join("avengers.toml")).expect("the squad file");
    app_folder(&home.join("myapi"), "w1");
    let wizard = Tmux::start(home, &[], &[]);
    wizard.wait_for("Where is your droplet?", minute);
    wizard.keys(&["Down", "Down", "Enter"]);
    wizard.wait_for("Squad file", minute);
    // A folder that is not an app is refused at its field, nothing lost.
    wizard.type_text("~/avengers.toml");
    wizard.keys(&["Tab", "Tab"]);
    wizard.type_text("~/.ssh");
    wizard.keys(&["Enter"]);
    let screen = wizard.wait_for("has no requirements.txt", minute);
    assert!(screen.contains("› App folder   ~/.ssh"), "{screen}");
    for _ in 0.."~/.ssh".len() {
        wizard.keys(&["BSpace"]);
    }
    wizard.type_text("~/myapi");
    wizard.keys(&["Enter"]);
    let screen = wizard.wait_for("never connected to", minute);
    assert!(screen.contains("SHA256:"), "{screen}");
    assert!(screen.contains("ask your instructor"), "{screen}");
    wizard.keys(&["y"]);
    let screen = wizard.wait_for("Stage 8 of 10 · The app", minute);
    for stage in ["2 Update system", "5 PostgreSQL", "7 nginx site"] {
        assert!(
            screen.contains(&format!("–  {stage}")),
            "{stage} skipped:\n{screen}"
        );
    }
    assert!(screen.contains("as avengers"), "{screen}");
    wizard.keys(&["Enter"]);
    wizard.wait_for("Enter: run", 3 * minute);
    wizard.keys(&["Enter"]);
    wizard.wait_for("The app  ✓ done", 10 * minute);
    wizard.keys(&["Enter"]);
    wizard.wait_for("Stage 9 of 10 · uWSGI service", minute);
    wizard.keys(&["Enter"]);
    wizard.wait_for("Enter: run", 3 * minute);
    wizard.keys(&["Enter"]);
    let screen = wizard.wait_for("uWSGI service  ✓ done", 5 * minute);
    assert!(
        screen.contains(&format!("http://{address}/avengers/")),
        "{screen}"
    );
    assert!(screen.contains("r ship again"), "{screen}");
    // The server's real state: nginx serves her code at the squad's path.
    assert_eq!(squad_version(address, "avengers"), "w1");
    // b: the previous release serves again.
    wizard.keys(&["b"]);
    let limit = std::time::Instant::now() + 3 * minute;
    while squad_version(address, "avengers") != before {
        assert!(
            std::time::Instant::now() < limit,
            "the rollback did not bring {before} back; the screen:\n{}",
            wizard.screen()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    wizard.wait_for("uWSGI service  ✓ done", 3 * minute);
    // l: her squad's own logs, through the key's sealed logs step.
    wizard.keys(&["l"]);
    // (The popup opens at its end: uWSGI's own log of her requests.)
    let screen = wizard.wait_for("The logs of avengers", minute);
    assert!(screen.contains("GET /avengers/health"), "{screen}");
    wizard.keys(&["Escape"]);
    wizard.keys(&["q"]);
    assert!(wizard.wait_for_exit(minute), "{}", wizard.screen());
    // Nothing of the squad's session is kept as a server to resume as its owner.
    assert!(!home.join("data/progress.toml").exists());
    eprintln!(
        "squad member in the wizard: {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

/// A member ships their squad's site with their own key and the answers file `class apply`
/// wrote for the squad: no password anywhere.
fn member_deploys(home: &Path, answers: &Path, folder: &Path, key: &Path) -> Output {
    cli::droplift_logged(
        home,
        &[
            "deploy",
            "--answers",
            answers.to_str().expect("utf-8"),
            "--source",
            folder.to_str().expect("utf-8"),
            "--deploy-key",
            key.to_str().expect("utf-8"),
        ],
        "",
    )
}

/// Issue 28, the instructor's side, on the same droplet: a bad roster is refused at its line
/// with nothing applied; a roster of three squads under the first site (one with two members)
/// is applied in one run with erin's password; a member of each squad ships their own app with
/// their own key, the three at once, and each answers at /SQUAD/; a member of one squad reaches nothing of the other;
/// a key taken out of the roster leaves authorized_keys; `class remove` saves the squad's
/// database and code here (mode 600) and leaves no account, unit, role, database or nginx file
/// of it, while the other squad and the first site answer on.
fn classroom_beside_the_first(
    droplet: &TestDroplet,
    home: &Path,
    code: &Path,
    items_answers: &str,
) {
    use std::os::unix::fs::PermissionsExt;
    let started = std::time::Instant::now();
    let address = droplet.address.to_string();
    let erin = "user_password=".to_owned() + USER_PW + "\n";
    let class = home.join("class");
    let keys = class.join("keys");
    let (alice, amir, xena, hana) = (
        member_key(&keys, "alice"),
        member_key(&keys, "amir"),
        member_key(&keys, "xena"),
        member_key(&keys, "hana"),
    );
    let xena_pub = std::fs::read_to_string(keys.join("xena.pub")).expect("xena.pub");
    let roster = class.join("class.toml");
    let roster_text = roster.to_str().expect("utf-8");
    let first_site = version(&address);

    // A bad roster: refused at its lines, nothing reaches the server.
    std::fs::write(
        &roster,
        format!(
            "host = \"{items_answers}\"\n\n[[squad]]\nname = \"avengers\"\n\
             keys = [\"keys/alice.pub\", \"keys/amir\"]\n\n[[squad]]\nname = \"erin\"\n\
             keys = [\"keys/alice.pub\"]\n"
        ),
    )
    .expect("write");
    let refused = cli::droplift_logged(
        home,
        &["class", "apply", "--roster", roster_text, "--secrets-stdin"],
        &erin,
    );
    let refused_text = said(&refused);
    assert_eq!(refused.status.code(), Some(2), "{refused_text}");
    for line in [
        "line 5: `squad.keys`: keys/amir: this is a PRIVATE key",
        "line 8: `squad.name`: \"erin\" is already the class's own",
        "line 9: `squad.keys`: this key is already given on line 5",
    ] {
        assert!(refused_text.contains(line), "{line}:\n{refused_text}");
    }
    let amir_private = std::fs::read_to_string(&amir).expect("amir's key");
    let secret_line = amir_private.lines().nth(1).expect("a line of the key");
    assert!(!refused_text.contains(secret_line), "{refused_text}");
    assert_eq!(
        droplet
            .run(&["sh", "-c", "getent passwd avengers || echo none"])
            .trim(),
        "none"
    );

    // The roster: avengers with two members (key files), xmen with one (the key itself), hulk
    // with one (a key file).
    let good = |avengers_keys: &str| {
        format!(
            "host = \"{items_answers}\"\n\n[[squad]]\nname = \"avengers\"\nkeys = [{avengers_keys}]\n\
             memory_max = \"256M\"\n\n[[squad]]\nname = \"xmen\"\nkeys = [\"{}\"]\n\n\
             [[squad]]\nname = \"hulk\"\nkeys = [\"keys/hana.pub\"]\n",
            xena_pub.trim()
        )
    };
    std::fs::write(&roster, good("\"keys/alice.pub\", \"keys/amir.pub\"")).expect("write");
    let checked = cli::droplift_logged(home, &["class", "check", "--roster", roster_text], "");
    assert!(checked.status.success(), "{}", said(&checked));
    assert!(
        said(&checked).contains("3 squads, 4 members' keys"),
        "{}",
        said(&checked)
    );
    let applied = cli::droplift_logged(
        home,
        &["class", "apply", "--roster", roster_text, "--secrets-stdin"],
        &erin,
    );
    assert!(applied.status.success(), "{}", said(&applied));
    let squads = class.join("squads");
    let (avengers_answers, xmen_answers) = (squads.join("avengers.toml"), squads.join("xmen.toml"));
    let facts = droplet.run(&[
        "sh",
        "-c",
        "stat -c '%a %U:%G %n' /home/avengers /var/lib/droplift/app/xmen/app.env; \
         sudo -l -U xmen; sshd -T | grep '^allowusers'; cat /home/avengers/.ssh/authorized_keys",
    ]);
    for fact in [
        "700 avengers:avengers /home/avengers",
        "600 root:root /var/lib/droplift/app/xmen/app.env",
        "(root) NOPASSWD: /usr/local/lib/droplift/sealed xmen *",
        "allowusers avengers",
        "allowusers xmen",
    ] {
        assert!(facts.contains(fact), "{fact}:\n{facts}");
    }
    assert_eq!(
        facts
            .matches(
                "restrict,command=\"/usr/local/lib/droplift/deploy-gate-avengers\" ssh-ed25519 "
            )
            .count(),
        2,
        "{facts}"
    );

    // A member of each squad ships their own app with their own key, the three at once, each
    // from a computer of its own (its own HOME with the droplet's host key): the sites' own
    // locks and the shared PostgreSQL hold. Then a second member of avengers.
    let hulk_answers = squads.join("hulk.toml");
    let (a1, a2, x1, h1) = (
        code.join("avengers1"),
        code.join("avengers2"),
        code.join("xmen1"),
        code.join("hulk1"),
    );
    app_folder(&a1, "a1");
    app_folder(&a2, "a2");
    app_folder(&x1, "x1");
    app_folder(&h1, "h1");
    let computer = || {
        let home_dir = tempfile::tempdir().expect("a member's home");
        std::fs::create_dir_all(home_dir.path().join(".ssh")).expect(".ssh");
        std::fs::copy(
            home.join(".ssh/known_hosts"),
            home_dir.path().join(".ssh/known_hosts"),
        )
        .expect("the droplet's host key");
        home_dir
    };
    let (xena_home, hana_home) = (computer(), computer());
    let (shipped_a, shipped_x, shipped_h) = std::thread::scope(|scope| {
        let xmen = scope.spawn(|| member_deploys(xena_home.path(), &xmen_answers, &x1, &xena));
        let hulk = scope.spawn(|| member_deploys(hana_home.path(), &hulk_answers, &h1, &hana));
        let avengers = member_deploys(home, &avengers_answers, &a1, &alice);
        (
            avengers,
            xmen.join().expect("xena's deploy ran"),
            hulk.join().expect("hana's deploy ran"),
        )
    });
    assert!(shipped_a.status.success(), "{}", said(&shipped_a));
    assert!(shipped_x.status.success(), "{}", said(&shipped_x));
    assert!(shipped_h.status.success(), "{}", said(&shipped_h));
    assert_eq!(squad_version(&address, "avengers"), "a1");
    assert_eq!(squad_version(&address, "xmen"), "x1");
    assert_eq!(squad_version(&address, "hulk"), "h1");
    let shipped = member_deploys(home, &avengers_answers, &a2, &amir);
    assert!(shipped.status.success(), "{}", said(&shipped));
    assert_eq!(squad_version(&address, "avengers"), "a2");
    assert_eq!(version(&address), first_site, "the first site serves on");
    // The board, read-only: as a table, and as JSON alone on stdout for a grading script.
    let board = cli::droplift_logged(
        home,
        &[
            "class",
            "status",
            "--roster",
            roster_text,
            "--secrets-stdin",
        ],
        &erin,
    );
    let board_text = said(&board);
    assert!(board.status.success(), "{board_text}");
    assert!(board_text.contains("LAST ERROR"), "{board_text}");
    for squad in ["avengers", "xmen", "hulk"] {
        assert!(
            board_text
                .lines()
                .any(|l| l.starts_with(squad) && l.contains("ok 200")),
            "{squad}: {board_text}"
        );
    }
    let json = cli::droplift_logged(
        home,
        &[
            "class",
            "status",
            "--roster",
            roster_text,
            "--json",
            "--secrets-stdin",
        ],
        &erin,
    );
    assert!(json.status.success(), "{}", said(&json));
    let rows: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("JSON alone on stdout");
    assert_eq!(rows[0]["squad"], "avengers", "{rows}");
    assert_eq!(rows[1]["squad"], "xmen", "{rows}");
    assert_eq!(rows[2]["squad"], "hulk", "{rows}");
    for row in rows.as_array().expect("rows") {
        assert_eq!(row["healthy"], true, "{row}");
        assert_eq!(row["health"], 200, "{row}");
        assert_eq!(row["failed_releases"], 0, "{row}");
        assert!(
            row["release"].is_string() && row["deployed"].is_string(),
            "{row}"
        );
    }
    // --watch reads the board again over the same connection, for a projector.
    let (watched, refreshed) = cli::droplift_until(
        home,
        &[
            "class",
            "status",
            "--roster",
            roster_text,
            "--watch",
            "2",
            "--secrets-stdin",
        ],
        &erin,
        "(refresh 2,",
        std::time::Duration::from_secs(60),
    );
    assert!(refreshed, "{watched}");
    assert!(
        watched.contains("(refresh 1,")
            && watched
                .lines()
                .any(|l| l.starts_with("xmen") && l.contains("ok 200")),
        "{watched}"
    );
    // A member in the wizard, on a laptop of her own: the squad's path ships her folder, and
    // `b` puts the release before it back.
    squad_member_in_the_wizard(&address, &avengers_answers, &alice);
    // The key reads its squad's logs, and only its own (xmen's key cannot read avengers').
    let logs = cli::droplift_logged(
        home,
        &[
            "logs",
            "--answers",
            avengers_answers.to_str().expect("utf-8"),
            "--lines",
            "20",
            "--deploy-key",
            alice.to_str().expect("utf-8"),
        ],
        "",
    );
    let logs_text = said(&logs);
    assert!(logs.status.success(), "{logs_text}");
    assert!(
        logs_text.contains("journal of uwsgi-avengers@"),
        "{logs_text}"
    );
    let not_theirs = cli::droplift_logged(
        xena_home.path(),
        &[
            "logs",
            "--answers",
            avengers_answers.to_str().expect("utf-8"),
            "--deploy-key",
            xena.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(!not_theirs.status.success(), "{}", said(&not_theirs));

    let limits = droplet.run(&[
        "sh",
        "-c",
        "stat -c '%a %U:%G %n' /var/www/html/avengers; \
         systemctl show -p User -p MemoryMax uwsgi-avengers@$(cat /var/lib/droplift/app/avengers/slot)",
    ]);
    assert!(
        limits.contains("2750 avengers:avengers /var/www/html/avengers"),
        "{limits}"
    );
    assert!(
        limits.contains("User=avengers") && limits.contains("MemoryMax=268435456"),
        "{limits}"
    );

    // A member of avengers reaches nothing of xmen: no login, no step, no file, no shell.
    let as_xmen = key_ssh_as(droplet, home, &alice, "xmen", "true");
    assert_eq!(as_xmen.status.code(), Some(255), "{}", text(&as_xmen));
    let xmen_hash = droplet.run(&[
        "sh",
        "-c",
        "ls /var/lib/droplift/sealed/xmen | grep -v '^account$' | head -n 1",
    ]);
    let through_gate = key_ssh_as(
        droplet,
        home,
        &alice,
        "avengers",
        &format!("run {}", xmen_hash.trim()),
    );
    assert_eq!(
        through_gate.status.code(),
        Some(125),
        "{}",
        text(&through_gate)
    );
    let shell = key_ssh_as(droplet, home, &alice, "avengers", "cat /etc/passwd");
    assert_eq!(shell.status.code(), Some(126), "{}", text(&shell));
    for (what, script) in [
        (
            "xmen's environment file",
            "cat /var/lib/droplift/app/xmen/app.env",
        ),
        ("xmen's home", "ls /home/xmen"),
        ("xmen's site folder", "ls /var/www/html/xmen"),
        ("xmen's unit", "systemctl restart 'uwsgi-xmen@a'"),
        ("sudo", "sudo -n true"),
    ] {
        let (rc, out) = as_user(droplet, "avengers", script, b"");
        assert_ne!(rc, 0, "avengers reached {what}: {out}");
    }

    // amir leaves avengers and xmen leaves the roster: applied again, amir's key goes, alice's
    // stays, and xmen stays on the server (its code and data) until removed, which is said.
    let only_avengers = format!(
        "host = \"{items_answers}\"\n\n[[squad]]\nname = \"avengers\"\nkeys = [\"keys/alice.pub\"]\n\
         memory_max = \"256M\"\n"
    );
    std::fs::write(&roster, &only_avengers).expect("write");
    let again = cli::droplift_logged(
        home,
        &["class", "apply", "--roster", roster_text, "--secrets-stdin"],
        &erin,
    );
    let again_text = said(&again);
    assert!(again.status.success(), "{again_text}");
    assert!(
        again_text.contains("xmen             still on the server, no longer in the roster"),
        "{again_text}"
    );
    assert_eq!(squad_version(&address, "xmen"), "x1");
    let authorized = droplet.run(&["cat", "/home/avengers/.ssh/authorized_keys"]);
    let public = |key: &Path| {
        let text = std::fs::read_to_string(key.with_extension("pub")).expect("pub");
        text.split_whitespace().nth(1).expect("blob").to_owned()
    };
    assert!(authorized.contains(&public(&alice)), "{authorized}");
    assert!(!authorized.contains(&public(&amir)), "{authorized}");
    let refused = member_deploys(home, &avengers_answers, &a1, &amir);
    assert!(!refused.status.success(), "{}", said(&refused));
    assert_eq!(squad_version(&address, "avengers"), "a2");

    // The squads' database passwords were made for them and never kept on this computer.
    let url = droplet.run(&[
        "sh",
        "-c",
        "grep -h '^DATABASE_URL=' /var/lib/droplift/app/*/app.env",
    ]);
    for line in url
        .lines()
        .filter(|l| ["avengers", "xmen", "hulk"].iter().any(|s| l.contains(s)))
    {
        let password = line
            .split(':')
            .nth(2)
            .and_then(|p| p.split('@').next())
            .expect("password");
        assert_eq!(
            files_holding(home, password),
            Vec::<String>::new(),
            "{line}"
        );
    }

    // The end of term for xmen (by name: the roster no longer lists it): saved here first, then
    // nothing of it on the server.
    let removed = cli::droplift_logged(
        home,
        &[
            "class",
            "remove",
            "xmen",
            "--roster",
            roster_text,
            "--secrets-stdin",
        ],
        &erin,
    );
    assert!(removed.status.success(), "{}", said(&removed));
    let saved_dir = std::fs::read_dir(home.join("data/class").join(&address))
        .expect("the class's saved folder")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("xmen-"))
        })
        .expect("xmen's saved folder");
    let saved: Vec<std::path::PathBuf> = std::fs::read_dir(&saved_dir)
        .expect("read")
        .flatten()
        .map(|e| e.path())
        .collect();
    for ending in [".dump", ".tar"] {
        let file = saved
            .iter()
            .find(|p| p.to_string_lossy().ends_with(ending))
            .unwrap_or_else(|| panic!("a {ending} in {saved:?}"));
        let mode = std::fs::metadata(file).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
    let tar = saved
        .iter()
        .find(|p| p.to_string_lossy().ends_with(".tar"))
        .expect("tar");
    let listed = Command::new("tar")
        .arg("-tf")
        .arg(tar)
        .output()
        .expect("tar runs");
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("./app.py"),
        "{}",
        text(&listed)
    );
    let left = droplet.run(&[
        "sh",
        "-c",
        "id xmen 2>&1; \
         ls -d /home/xmen /var/www/html/xmen /var/lib/droplift/app/xmen /etc/droplift/xmen \
         /var/lib/droplift/sealed/xmen /etc/sudoers.d/zz-droplift-deploy-xmen \
         /etc/ssh/sshd_config.d/10-droplift-user-xmen.conf /etc/systemd/system/uwsgi-xmen@.service 2>&1; \
         sshd -T | grep '^allowusers'; \
         cd / && runuser -u postgres -- psql -X -At -c '\\du' -c '\\l'; nginx -T 2>/dev/null | grep -c xmen || true",
    ]);
    assert!(left.contains("no such user"), "{left}");
    let units = droplet.run(&[
        "systemctl",
        "list-units",
        "--all",
        "--plain",
        "--no-legend",
        "uwsgi-xmen*",
        "droplift-go-live-xmen*",
    ]);
    assert_eq!(units.trim(), "", "xmen's units are gone");
    assert_eq!(
        left.matches("No such file or directory").count(),
        8,
        "{left}"
    );
    assert!(!left.contains("allowusers xmen"), "{left}");
    assert!(left.contains("allowusers avengers"), "{left}");
    assert!(
        left.contains("avengers|"),
        "the other squad's role stays: {left}"
    );
    assert!(!left.lines().any(|l| l.starts_with("xmen")), "{left}");
    assert_eq!(
        left.lines().last().map(str::trim),
        Some("0"),
        "nginx -T names xmen: {left}"
    );
    assert_eq!(squad_version(&address, "avengers"), "a2");
    assert_eq!(squad_version(&address, "xmen"), "");
    assert_eq!(version(&address), first_site);

    // A squad named after an account droplift class did not make (bob, the second site's owner)
    // is refused, not taken over; and `class remove bob` removes nothing of his.
    std::fs::write(
        &roster,
        only_avengers + "\n[[squad]]\nname = \"bob\"\nkeys = [\"keys/amir.pub\"]\n",
    )
    .expect("write");
    let taken = cli::droplift_logged(
        home,
        &["class", "apply", "--roster", roster_text, "--secrets-stdin"],
        &erin,
    );
    assert_eq!(taken.status.code(), Some(1), "{}", said(&taken));
    assert!(
        said(&taken).contains("an account named bob exists and is not a squad"),
        "{}",
        said(&taken)
    );
    let kept = cli::droplift_logged(
        home,
        &[
            "class",
            "remove",
            "bob",
            "--roster",
            roster_text,
            "--secrets-stdin",
        ],
        &erin,
    );
    assert!(!kept.status.success(), "{}", said(&kept));
    assert!(
        said(&kept).contains("bob is not a squad droplift class set up"),
        "{}",
        said(&kept)
    );
    let bob = droplet.run(&[
        "sh",
        "-c",
        "id -u bob; cat /home/bob/.ssh/authorized_keys | grep -c droplift-deploy:shop",
    ]);
    assert_eq!(bob.lines().nth(1), Some("1"), "bob's own key only: {bob}");
    assert_eq!(shop_health(&address)["version"], "1");
    eprintln!(
        "the classroom beside the first site: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
