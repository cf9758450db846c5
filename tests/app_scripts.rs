//! The release bookkeeping of stages 8 and 9 (marks, the current and next links, which release a
//! rollback picks, which old ones go), run by bash on this computer in a temporary folder: fast
//! checks of what the end-to-end test relies on.

use std::path::Path;
use std::process::Command;

const LIB: &str = include_str!("../src/course/stages/app/lib.sh");
const TARGET: &str = include_str!("../src/course/stages/service/target.sh");
const FINISH: &str = include_str!("../src/course/stages/app/finish.sh");

/// Runs `body` after the shared functions with the site's folders in `base`; (status, stdout).
fn bash(base: &Path, files: &[&str], body: &str) -> (bool, String) {
    let base = base.display();
    let script = format!(
        "base='{base}'\nreleases='{base}/releases'\n{}\n{body}",
        files.join("\n")
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
    )
}

/// A release folder with its mark.
fn release(base: &Path, name: &str, built: u64, status: &str) {
    let dir = base.join("releases").join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join(".droplift-release"),
        format!("status={status}\nbuilt={built}\ndigest=d-{name}\n"),
    )
    .expect("mark");
}

fn link(base: &Path, name: &str, to: &str) {
    std::os::unix::fs::symlink(format!("releases/{to}"), base.join(name)).expect("link");
}

#[test]
fn a_rollback_picks_the_newest_good_release_older_than_current() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    release(base, "r1", 100, "good");
    release(base, "r2", 200, "failed");
    release(base, "r3", 300, "good");
    release(base, "v1.0.0", 400, "good");
    release(base, "r5", 500, "built");
    link(base, "current", "v1.0.0");
    link(base, "next", "r5");
    let resolve = |target: &str| bash(base, &[LIB, TARGET], &format!("resolve_target {target}"));
    assert_eq!(resolve("previous"), (true, "r3".into()));
    assert_eq!(resolve("next"), (true, "r5".into()));
    assert_eq!(resolve("r1"), (true, "r1".into()));
    let (ok, why) = resolve("r2");
    assert!(!ok && why.contains("marked failed"), "{why}");
    let (ok, why) = resolve("nope");
    assert!(!ok && why.contains("no release named nope"), "{why}");
    // The digest finds the release built from the same code, good or built only.
    assert_eq!(
        bash(base, &[LIB], "release_with_digest d-r3").1,
        "r3".to_owned()
    );
    assert_eq!(bash(base, &[LIB], "release_with_digest d-r2").1, "");
}

#[test]
fn switching_a_link_replaces_it_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    release(base, "a", 1, "good");
    release(base, "b", 2, "good");
    link(base, "current", "a");
    let (ok, out) = bash(base, &[LIB], "switch_link current b; link_target current");
    assert_eq!((ok, out.as_str()), (true, "b"));
    assert!(
        !base.join(".current.new").exists(),
        "no temporary link is left"
    );
    assert_eq!(
        bash(base, &[LIB], "mark_set b status failed; mark_get b status").1,
        "failed"
    );
}

#[test]
fn the_five_newest_stay_and_current_and_next_always() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    for n in 1..=8 {
        release(base, &format!("r{n}"), n * 100, "good");
    }
    link(base, "current", "r1");
    link(base, "next", "r8");
    std::fs::write(
        base.join("releases/r8/.droplift-release"),
        "status=building\nbuilt=800\n",
    )
    .expect("mark");
    let (ok, out) = bash(base, &[LIB, FINISH], "");
    assert!(ok, "{out}");
    let mut left: Vec<String> = std::fs::read_dir(base.join("releases"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["r1", "r4", "r5", "r6", "r7", "r8"], "{out}");
    assert!(out.contains("release r8 is built: built"), "{out}");
}

const DBURL: &str = include_str!("../src/course/stages/app/dburl.sh");

#[test]
fn database_url_is_the_standard_form_with_every_part_encoded() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No PostgreSQL here: the port falls back to 5432, as on a server where psql cannot answer.
    let script = format!("role='items app'\ndb='items-db'\n{DBURL}\ndatabase_url");
    let mut child = Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("bash runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"p@ss:/w?#%rd\n")
        .expect("password");
    let out = child.wait_with_output().expect("ends");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "postgresql://items%20app:p%40ss%3A%2Fw%3F%23%25rd@127.0.0.1:5432/items-db"
    );
}

const CHECKS: &str = include_str!("../src/course/stages/app/checks.sh");
const CHECK_APP: &str = include_str!("../src/course/stages/app/check_app.sh");

/// A release `next` points at, holding `files` and a "virtualenv" whose python is this
/// computer's python3 (the test apps are plain WSGI, no libraries needed).
fn app_release(base: &Path, files: &[(&str, &str)]) {
    release(base, "r1", 100, "building");
    link(base, "next", "r1");
    let dir = base.join("releases/r1");
    for (path, text) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }
    std::fs::create_dir_all(dir.join("venv/bin")).expect("venv");
    std::os::unix::fs::symlink("/usr/bin/python3", dir.join("venv/bin/python")).expect("python");
}

/// check_app.sh for `module` with `env` as the environment file; (status, stdout + stderr).
/// It runs the app as its user with runuser, so only root can run it (None otherwise).
fn check_app(base: &Path, module: &str, env: &str) -> Option<(bool, String)> {
    let root = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&root.stdout).trim() != "0" {
        eprintln!("SKIP: check_app.sh runs the app with runuser, which needs root");
        return None;
    }
    std::fs::write(base.join("app.env"), env).expect("env file");
    let script = format!(
        "base='{b}'\nreleases='{b}/releases'\nenv_file='{b}/app.env'\nu=root\nmodule='{module}'\n{LIB}\n{CHECK_APP}",
        b = base.display()
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash runs");
    Some((
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

const WSGI_APP: &str =
    "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'ok']\n";

#[test]
fn the_import_check_calls_a_factory_and_wants_an_app_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    let factory = format!(
        "import os\n\ndef create_app(test_config=None):\n    assert os.environ['GREETING'] == 'hello'\n{}    return app\n\ndef broken():\n    return None\n\ndef needs(config_name):\n    return None\n",
        WSGI_APP
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    app_release(base, &[("shop/__init__.py", &factory)]);
    let Some((ok, said)) = check_app(base, "shop:create_app()", "GREETING=hello\n") else {
        return;
    };
    assert!(ok, "{said}");
    assert!(
        said.contains("shop:create_app() imports and is a WSGI app"),
        "{said}"
    );
    let (ok, said) = check_app(base, "shop:broken()", "").expect("root");
    assert!(
        !ok && said.contains("returned NoneType, not a WSGI app"),
        "{said}"
    );
    let (ok, said) = check_app(base, "shop:needs()", "").expect("root");
    assert!(
        !ok && said.contains("missing 1 required positional argument"),
        "{said}"
    );
    let (ok, said) = check_app(base, "shop:create_app", "").expect("root");
    assert!(
        ok,
        "a factory named without () is callable too, as uWSGI sees it: {said}"
    );
    let (ok, said) = check_app(base, "shop:nothing()", "").expect("root");
    assert!(!ok && said.contains("shop has no nothing"), "{said}");
}

#[test]
fn the_import_check_loads_a_django_style_wsgi_module_with_its_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    // As Django's startproject writes wsgi.py: the settings module from the environment, else
    // its own default; importing the settings is what fails when they are wrong.
    let wsgi = format!(
        "import importlib, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\nimportlib.import_module(os.environ['DJANGO_SETTINGS_MODULE'])\n{}application = app\n",
        WSGI_APP
    );
    app_release(
        base,
        &[
            ("site_cfg/__init__.py", ""),
            ("site_cfg/settings.py", "DEBUG = False\n"),
            ("site_cfg/wsgi.py", &wsgi),
            ("manage.py", "# a Django project\n"),
        ],
    );
    let Some((ok, said)) = check_app(base, "site_cfg.wsgi:application", "") else {
        return;
    };
    assert!(ok, "the module's own default settings: {said}");
    let (ok, said) = check_app(
        base,
        "site_cfg.wsgi:application",
        "DJANGO_SETTINGS_MODULE=site_cfg.production\n",
    )
    .expect("root");
    assert!(
        !ok && said.contains("No module named 'site_cfg.production'"),
        "the environment file's settings come first: {said}"
    );
    let (ok, _) = check_app(base, "site_cfg.wsgi", "").expect("root");
    assert!(ok, "without a callable uWSGI looks for application");
}

#[test]
fn the_release_folder_holds_the_module_of_every_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    let tree = base.join("tree");
    for path in [
        "requirements.txt",
        "shop/__init__.py",
        "site_cfg/wsgi.py",
        "app.py",
    ] {
        let full = tree.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, "").expect("write");
    }
    let check = |module: &str| {
        bash(
            base,
            &[],
            &format!(
                "module='{module}'\n{CHECKS}\ncheck_tree '{}' 2>&1 && echo fine",
                tree.display()
            ),
        )
    };
    for good in [
        "app:app",
        "shop:create_app()",
        "site_cfg.wsgi:application",
        "app",
    ] {
        assert_eq!(check(good), (true, "fine".to_owned()), "{good}");
    }
    let (_, said) = check("store:create_app()");
    assert!(
        said.contains("no store.py (or store/__init__.py)"),
        "{said}"
    );
}
