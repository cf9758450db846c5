//! The release bookkeeping of stages 8 and 9 (marks, the current and next records, which
//! release a rollback picks, which old ones go, a server from before root kept the marks), run
//! by bash on this computer in a temporary folder: fast checks of what the end-to-end test
//! relies on. Here the site's user is whoever runs the test, so `as_owner` runs commands as
//! they are; tests/e2e_app.rs checks on a droplet that root's part never touches the site's
//! folder.

use std::path::Path;
use std::process::Command;

const LIB: &str = include_str!("../src/course/stages/app/lib.sh");
const TARGET: &str = include_str!("../src/course/stages/service/target.sh");
const FINISH: &str = include_str!("../src/course/stages/app/finish.sh");
const LINK_SHARED: &str = include_str!("../src/course/stages/app/link_shared.sh");
const SHARED: &str = include_str!("../src/course/stages/app/shared.sh");

/// Runs `body` after the shared functions with the site's folder in `dir/site` and root's
/// folder in `dir/state`; (status, stdout).
fn bash(dir: &Path, files: &[&str], body: &str) -> (bool, String) {
    let d = dir.display();
    let script = format!(
        "u=$(id -un)\nbase='{d}/site'\nreleases='{d}/site/releases'\nstaging='{d}/state'\nstatic_lines=''\n{}\n{body}",
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

/// A release folder with root's mark for it.
fn release(dir: &Path, name: &str, built: u64, status: &str) {
    std::fs::create_dir_all(dir.join("site/releases").join(name)).expect("mkdir");
    std::fs::create_dir_all(dir.join("state/marks")).expect("marks");
    std::fs::write(
        dir.join("state/marks").join(name),
        format!("status={status}\nbuilt={built}\ndigest=d-{name}\n"),
    )
    .expect("mark");
}

/// Root's record that `which` (current or next) is release `to`.
fn record(dir: &Path, which: &str, to: &str) {
    std::fs::write(dir.join("state").join(which), format!("{to}\n")).expect("record");
}

fn names(dir: &Path) -> Vec<String> {
    let mut left: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    left
}

#[test]
fn a_rollback_picks_the_newest_good_release_older_than_current() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    release(d, "r1", 100, "good");
    release(d, "r2", 200, "failed");
    release(d, "r3", 300, "good");
    release(d, "v1.0.0", 400, "good");
    release(d, "r5", 500, "built");
    record(d, "current", "v1.0.0");
    record(d, "next", "r5");
    let resolve = |target: &str| bash(d, &[LIB, TARGET], &format!("resolve_target {target}"));
    assert_eq!(resolve("previous"), (true, "r3".into()));
    assert_eq!(resolve("next"), (true, "r5".into()));
    assert_eq!(resolve("r1"), (true, "r1".into()));
    let (ok, why) = resolve("r2");
    assert!(!ok && why.contains("marked failed"), "{why}");
    let (ok, why) = resolve("nope");
    assert!(!ok && why.contains("no release named nope"), "{why}");
    let (ok, why) = resolve("../r1");
    assert!(!ok && why.contains("no release named"), "{why}");
    // The digest finds the release built from the same code, good or built only, and only
    // while its folder is there.
    assert_eq!(
        bash(d, &[LIB], "release_with_digest d-r3").1,
        "r3".to_owned()
    );
    assert_eq!(bash(d, &[LIB], "release_with_digest d-r2").1, "");
    std::fs::remove_dir(d.join("site/releases/r3")).expect("rmdir");
    assert_eq!(bash(d, &[LIB], "release_with_digest d-r3").1, "");
}

#[test]
fn switching_current_makes_the_record_and_replaces_the_link_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    release(d, "a", 1, "good");
    release(d, "b", 2, "good");
    let (ok, out) = bash(
        d,
        &[LIB],
        "switch_link current a; switch_link current b; switch_link next a; link_target current; link_target next",
    );
    assert_eq!((ok, out.as_str()), (true, "b\na"));
    assert_eq!(
        std::fs::read_link(d.join("site/current")).expect("a link"),
        Path::new("releases/b")
    );
    assert!(
        !d.join("site/next").exists(),
        "next is root's record only, not a link in the site's folder"
    );
    assert_eq!(names(&d.join("site")), ["current", "releases"]);
    assert_eq!(
        bash(d, &[LIB], "mark_set b status failed; mark_get b status").1,
        "failed"
    );
    assert!(
        !d.join("site/releases/b/.droplift-release").exists(),
        "the mark is root's, never in the release"
    );
    let (ok, out) = bash(
        d,
        &[LIB],
        "drop_link current; drop_link next; echo \"[$(link_target current)][$(link_target next)]\"",
    );
    assert_eq!((ok, out.as_str()), (true, "[][]"));
    assert!(!d.join("site/current").exists());
}

#[test]
fn the_static_folders_get_nginx_s_group_bits_and_a_missing_one_is_said() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    release(d, "r1", 100, "building");
    record(d, "next", "r1");
    let css = d.join("site/releases/r1/staticfiles/admin/css");
    std::fs::create_dir_all(&css).expect("mkdir");
    std::fs::write(css.join("base.css"), "body {}").expect("css");
    std::fs::set_permissions(css.join("base.css"), std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    std::fs::set_permissions(&css, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let (ok, out) = bash(d, &[LIB, LOCK, FINISH], "");
    assert!(ok, "{out}");
    let (ok, out) = bash(
        d,
        &[LIB, LOCK],
        &format!("static_lines=$'/static/ staticfiles\\n/media/ media'\n{FINISH}"),
    );
    assert!(ok, "{out}");
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&css.join("base.css")), 0o640, "{out}");
    assert_eq!(mode(&css), 0o750, "{out}");
    assert!(
        out.contains("static folder staticfiles (/static/): 1 files nginx's group can read"),
        "{out}"
    );
    assert!(
        out.contains("release r1 has no folder media: /media/ will answer 404"),
        "{out}"
    );
}

#[test]
fn shared_folders_are_seeded_once_and_linked_into_every_release() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // The first release ships instance/seed.db and data/a/b with nothing in it.
    release(d, "r1", 100, "building");
    record(d, "next", "r1");
    let r1 = d.join("site/releases/r1");
    std::fs::create_dir_all(r1.join("instance")).expect("mkdir");
    std::fs::write(r1.join("instance/seed.db"), "seed").expect("seed");
    let run = || {
        bash(
            d,
            &[LIB, LOCK, LINK_SHARED],
            &format!("shared_dirs='instance data/a'\n{SHARED}"),
        )
    };
    let (ok, out) = run();
    assert!(ok, "{out}");
    assert!(out.contains("shared folder instance: made in"), "{out}");
    assert!(
        out.contains("with the files your code has in instance"),
        "{out}"
    );
    assert!(out.contains("shared folder data/a: made in"), "{out}");
    let shared = d.join("site/shared");
    assert_eq!(
        std::fs::read_link(r1.join("instance")).expect("a link"),
        shared.join("instance")
    );
    assert_eq!(
        std::fs::read_link(r1.join("data/a")).expect("a link"),
        shared.join("data/a")
    );
    assert_eq!(
        std::fs::read_to_string(shared.join("instance/seed.db")).expect("seeded"),
        "seed"
    );
    // The app writes there; the next release's own copy is left out, the shared one kept.
    std::fs::write(shared.join("instance/seed.db"), "written by the app").expect("write");
    release(d, "r2", 200, "building");
    record(d, "next", "r2");
    let r2 = d.join("site/releases/r2");
    std::fs::create_dir_all(r2.join("instance")).expect("mkdir");
    std::fs::write(r2.join("instance/seed.db"), "seed").expect("seed");
    let (ok, out) = run();
    assert!(ok, "{out}");
    assert!(
        out.contains("release r2's own instance is left out"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(r2.join("instance/seed.db")).expect("through the link"),
        "written by the app"
    );
    // Run again (a release used again): the link is renewed, nothing else changes.
    let (ok, out) = run();
    assert!(ok && !out.contains("left out"), "{out}");
    assert_eq!(
        std::fs::read_link(r2.join("instance")).expect("a link"),
        shared.join("instance")
    );
}

#[test]
fn the_five_newest_stay_and_current_and_next_always() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for n in 1..=8 {
        release(d, &format!("r{n}"), n * 100, "good");
    }
    record(d, "current", "r1");
    record(d, "next", "r8");
    std::fs::write(d.join("state/marks/r8"), "status=building\nbuilt=800\n").expect("mark");
    let (ok, out) = bash(d, &[LIB, LOCK, FINISH], "");
    assert!(ok, "{out}");
    let kept = ["r1", "r4", "r5", "r6", "r7", "r8"];
    assert_eq!(names(&d.join("site/releases")), kept, "{out}");
    assert_eq!(
        names(&d.join("state/marks")),
        kept,
        "a removed release's mark goes too"
    );
    assert!(out.contains("release r8 is built: built"), "{out}");
}

#[test]
fn a_server_from_before_keeps_its_releases_and_links() {
    // droplift before this change kept each mark in its release (.droplift-release) and made `next` a
    // link in the site's folder.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let releases = d.join("site/releases");
    for (name, built, status) in [("old", 100, "good"), ("new", 200, "built")] {
        std::fs::create_dir_all(releases.join(name)).expect("mkdir");
        std::fs::write(
            releases.join(name).join(".droplift-release"),
            format!("status={status}\nbuilt={built}\ndigest=d-{name}\nsource=a \u{1b}[31mfolder\n"),
        )
        .expect("mark");
    }
    std::os::unix::fs::symlink("releases/old", d.join("site/current")).expect("link");
    std::os::unix::fs::symlink("releases/new", d.join("site/next")).expect("link");
    // Before anything changes, everything reads as it was.
    let (ok, out) = bash(
        d,
        &[LIB],
        "link_target current; link_target next; mark_get old status; mark_get new source; list_releases",
    );
    assert!(ok, "{out}");
    assert_eq!(
        out, "old\nnew\ngood\na [31mfolder\n200 new built\n100 old good",
        "the escape character of a mark is not printed"
    );
    assert!(!d.join("state/marks").exists(), "reading changes nothing");
    // The first change copies the marks and links into root's folder, once.
    let (ok, out) = bash(
        d,
        &[LIB],
        "mark_set new status good; link_target current; link_target next; mark_get old status",
    );
    assert_eq!((ok, out.as_str()), (true, "old\nnew\ngood"));
    assert_eq!(names(&d.join("state/marks")), ["new", "old"]);
    assert!(
        std::fs::read_to_string(d.join("state/marks/new"))
            .expect("mark")
            .contains("status=good\n")
    );
    assert!(!d.join("site/next").exists(), "the old next link goes");
    assert_eq!(
        std::fs::read_link(d.join("site/current")).expect("current stays"),
        Path::new("releases/old")
    );
}

const LOCK: &str = include_str!("../src/course/stages/app/lock.sh");

/// The preamble and shared files for a lock test; `holder` stands in for the SSH connection a
/// run came in on (here: a process of the test's choosing, `$$` when empty).
fn lock_script(dir: &Path, holder: &str, body: &str) -> String {
    let d = dir.display();
    let holder = if holder.is_empty() { "$$" } else { holder };
    format!(
        "u=$(id -un)\nbase='{d}/site'\nreleases='{d}/site/releases'\nstaging='{d}/state'\n\
         {LIB}\n{LOCK}\nconnection_pid() {{ connection={holder}; }}\n{body}"
    )
}

/// Runs a lock script to its end: (status, stdout and stderr).
fn lock_run(dir: &Path, holder: &str, body: &str) -> (bool, String) {
    let out = Command::new("bash")
        .args(["-c", &lock_script(dir, holder, body)])
        .output()
        .expect("bash runs");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// A run that takes the lock and then waits (as a run between or inside steps); it is killed
/// when dropped.
struct Holder(std::process::Child);

impl Holder {
    fn start(dir: &Path, body: &str) -> Self {
        use std::io::BufRead;
        let mut child = Command::new("bash")
            .args([
                "-c",
                &lock_script(
                    dir,
                    "",
                    &format!("site_lock\n{body}\necho locked\nsleep 60"),
                ),
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("bash runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read");
        assert_eq!(line.trim(), "locked");
        Self(child)
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_second_run_waits_for_a_running_step_and_then_gives_up_saying_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let holder = Holder::start(d, "");
    // Its step is still running: never taken over, however long it runs.
    let (ok, said) = lock_run(d, "", "lock_wait=3 lock_idle=1 site_lock; echo got it");
    assert!(!ok, "{said}");
    assert!(
        said.contains("is changing this site: waiting for it to end"),
        "{said}"
    );
    assert!(
        said.contains("is still changing this site after 3 s: nothing was changed"),
        "{said}"
    );
    assert!(!said.contains("got it"));
    drop(holder);
    // Its run is gone (a killed terminal, a closed laptop): the lock is free at once.
    let (ok, said) = lock_run(d, "", "lock_wait=0 site_lock; echo got it; site_unlock");
    assert!(ok && said.contains("got it"), "{said}");
    assert!(!d.join("state/lock").exists(), "given back");
}

#[test]
fn an_idle_holder_is_taken_over_and_its_next_step_stops() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // Between two steps: the lock is held, no step runs.
    let holder = Holder::start(d, "exec 9>&-");
    let (ok, said) = lock_run(d, "", "lock_wait=10 lock_idle=2 site_lock; echo got it");
    assert!(ok, "{said}");
    assert!(said.contains("took the site over from"), "{said}");
    let (ok, said) = lock_run(d, &holder.pid().to_string(), "site_lock; echo went on");
    assert!(!ok, "{said}");
    assert!(
        said.contains("took this site over while yours waited"),
        "{said}"
    );
    assert!(!said.contains("went on"));
}

#[test]
fn a_run_gives_back_only_its_own_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let holder = Holder::start(d, "exec 9>&-");
    let (ok, said) = lock_run(d, "", "site_unlock; echo done");
    assert!(ok, "{said}");
    assert!(d.join("state/lock").exists(), "another run's lock stays");
    let (ok, said) = lock_run(
        d,
        &holder.pid().to_string(),
        "site_lock; site_lock; echo twice; site_unlock",
    );
    assert!(
        ok && said.contains("twice"),
        "a run takes its own lock again at once: {said}"
    );
    assert!(!d.join("state/lock").exists());
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
const DBLOGIN: &str = include_str!("../src/course/stages/app/dblogin.sh");
const CHECK_APP: &str = include_str!("../src/course/stages/app/check_app.sh");
const APPENV: &str = include_str!("../src/course/stages/app/appenv.sh");
const RELEASE: &str = include_str!("../src/course/stages/app/release.sh");
const DUMP: &str = include_str!("../src/course/backup/dump.sh");
const ENV_FILE: &str = include_str!("../src/course/stages/app/env_file.sh");

/// A release `next` points at, holding `files` and a "virtualenv" whose python is this
/// computer's python3 (the test apps are plain WSGI, no libraries needed).
fn app_release(base: &Path, files: &[(&str, &str)]) {
    release(base, "r1", 100, "building");
    record(base, "next", "r1");
    let dir = base.join("site/releases/r1");
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
    // The environment file is root's, in root's folder for the site; check_app.sh hands it to
    // the app on stdin.
    std::fs::write(base.join("state/app.env"), env).expect("env file");
    let script = format!(
        "base='{b}/site'\nreleases='{b}/site/releases'\nstaging='{b}/state'\n\
         env_file='{b}/state/app.env'\nu=root\nunit=uwsgi-t\nrelease_cmds=''\nmodule='{module}'\n{LIB}\n{LOCK}\n{DBLOGIN}\n{APPENV}\n{CHECK_APP}",
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
            &[LIB],
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

/// Runs `script` with `stdin`; (status, stdout, stderr).
fn bash_with_stdin(script: &str, stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new("bash")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    let out = child.wait_with_output().expect("ends");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The values of environment file `file` as the app gets them (appenv.sh's reader), as
/// `NAME=value` lines in the file's order.
fn read_env(file: &Path) -> Vec<(String, String)> {
    let script = format!(
        "{APPENV}\npython3 -I -c \"$read_env_py\"'\nimport sys\nfor k, v in read_env(open(sys.argv[1])).items():\n    print(k + \"\\0\" + v + \"\\0\", end=\"\")' '{}'",
        file.display()
    );
    let (ok, out, err) = bash_with_stdin(&script, "");
    assert!(ok, "{err}");
    out.split('\0')
        .collect::<Vec<_>>()
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| (c[0].to_owned(), c[1].to_owned()))
        .collect()
}

/// env_file.sh with `settings` and `names`, the password and typed secret lines on stdin; no
/// PostgreSQL here, so the URL and the login are stand-ins (defined after the real ones).
fn env_file(base: &Path, settings: &str, names: &str, stdin: &str) -> (bool, String) {
    let b = base.display();
    let script = format!(
        "u=$(id -un)\nbase='{b}/site'\nreleases='{b}/site/releases'\nstaging='{b}/state'\n\
         env_file='{b}/state/app.env'\nrole=r\ndb=d\nsettings='{settings}'\nsecret_names='{names}'\n\
         {LIB}\n{LOCK}\n{DBURL}\n{DBLOGIN}\n\
         database_url() {{ read -r pw; echo \"postgresql://r:${{pw}}@127.0.0.1:5432/d\"; }}\n\
         url_login() {{ echo 'r in d'; }}\n{APPENV}\n{ENV_FILE}"
    );
    let (ok, out, err) = bash_with_stdin(&script, stdin);
    (ok, format!("{out}{err}"))
}

#[test]
fn the_environment_file_gets_the_settings_and_keeps_or_makes_the_secret_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    std::fs::create_dir_all(base.join("site")).expect("site");
    std::fs::create_dir_all(base.join("state")).expect("state");
    let live = base.join("state/app.env");
    let next = base.join("state/app.env.next");
    std::fs::write(
        &live,
        "# mine\nHAND=kept by hand\nDATABASE_URL=postgresql://old\nJWT=old-jwt-value\n",
    )
    .expect("live");
    let typed = "a\"b$c`d\\e 'f' #g";
    let (ok, said) = env_file(
        base,
        "FLASK_DEBUG=0\nGREETING=hello, \"world\" $HOME",
        "SECRET_KEY JWT",
        &format!("db-pw-1\nJWT={typed}\n"),
    );
    assert!(ok, "{said}");
    assert!(!said.contains("db-pw-1") && !said.contains(typed), "{said}");
    assert!(
        said.contains("secret setting SECRET_KEY: a new random value"),
        "{said}"
    );
    assert!(
        said.contains("secret setting JWT: the value you typed"),
        "{said}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&next).expect("next").permissions().mode() & 0o777,
        0o600
    );
    let values = read_env(&next);
    let get = |values: &[(String, String)], name: &str| {
        values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get(&values, "HAND").as_deref(), Some("kept by hand"));
    assert_eq!(get(&values, "FLASK_DEBUG").as_deref(), Some("0"));
    assert_eq!(
        get(&values, "GREETING").as_deref(),
        Some("hello, \"world\" $HOME")
    );
    assert_eq!(get(&values, "JWT").as_deref(), Some(typed));
    let made = get(&values, "SECRET_KEY").expect("made");
    assert_eq!(made.len(), 50, "{made}");
    assert!(!said.contains(&made));
    assert_eq!(
        values.last().map(|(n, v)| (n.as_str(), v.as_str())),
        Some(("DATABASE_URL", "postgresql://r:db-pw-1@127.0.0.1:5432/d"))
    );
    assert_eq!(
        values.iter().filter(|(n, _)| n == "DATABASE_URL").count(),
        1
    );

    // It went live; the next release, with nothing typed and GREETING gone from [app.env]:
    // the secrets are the server's, the setting droplift wrote goes, the hand-made line stays.
    std::fs::rename(&next, &live).expect("go live");
    let (ok, said) = env_file(base, "FLASK_DEBUG=1", "SECRET_KEY JWT", "db-pw-1\n");
    assert!(ok, "{said}");
    assert!(
        said.contains("secret setting SECRET_KEY: kept from the live file"),
        "{said}"
    );
    assert!(
        said.contains("no longer in [app.env] are left out: GREETING"),
        "{said}"
    );
    let values = read_env(&next);
    assert_eq!(get(&values, "SECRET_KEY"), Some(made));
    assert_eq!(get(&values, "JWT").as_deref(), Some(typed));
    assert_eq!(get(&values, "GREETING"), None);
    assert_eq!(get(&values, "FLASK_DEBUG").as_deref(), Some("1"));
    assert_eq!(get(&values, "HAND").as_deref(), Some("kept by hand"));
    // The same again: the live file holds it all, nothing waits to go live.
    std::fs::rename(&next, &live).expect("go live");
    let (ok, said) = env_file(base, "FLASK_DEBUG=1", "SECRET_KEY JWT", "db-pw-1\n");
    assert!(
        ok && said.contains("holds these settings already"),
        "{said}"
    );
    assert!(!next.exists());
}

/// release.sh with `commands` for release r1 (`next`), the environment file `env`.
fn release_commands(base: &Path, commands: &str, env: &str) -> (bool, String) {
    std::fs::write(base.join("state/app.env"), env).expect("env file");
    let b = base.display();
    let script = format!(
        "u=$(id -un)\nbase='{b}/site'\nreleases='{b}/site/releases'\nstaging='{b}/state'\n\
         env_file='{b}/state/app.env'\nrelease_cmds='{commands}'\nrelease_timeout=5\n\
         site=s\ndb=d\n{LIB}\n{LOCK}\n{DBLOGIN}\n{APPENV}\n{DUMP}\n{RELEASE}"
    );
    let (ok, out, err) = bash_with_stdin(&script, "");
    (ok, format!("{out}{err}"))
}

#[test]
fn release_commands_run_in_the_release_with_its_venv_and_settings_and_a_failure_stops_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    app_release(base, &[("manage.py", "print('migrated')\n")]);
    let commands = "python manage.py\necho \"$PWD $GREETING ${PATH%%:*}\"";
    let (ok, said) = release_commands(base, commands, "GREETING=\"hi there\"\n");
    assert!(ok, "{said}");
    let r1 = base.join("site/releases/r1");
    assert!(said.contains("migrated"), "{said}");
    assert!(
        said.contains(&format!(
            "{} hi there {}/venv/bin",
            r1.display(),
            r1.display()
        )),
        "{said}"
    );
    let mark = std::fs::read_to_string(base.join("state/marks/r1")).expect("mark");
    assert!(mark.contains("release_cmds="), "{mark}");
    // Passed once: not again for the same commands.
    let (ok, said) = release_commands(base, commands, "");
    assert!(
        ok && said.contains("ran these release commands already"),
        "{said}"
    );
    // A failing one: its last lines, the release marked failed, and a non-zero exit.
    let (ok, said) = release_commands(
        base,
        "echo first line; echo \"no such table\" >&2; exit 3\necho never",
        "",
    );
    assert!(!ok, "{said}");
    assert!(said.contains("failed (exit status 3)"), "{said}");
    assert!(said.contains("  | no such table"), "{said}");
    assert!(!said.contains("\nnever"), "{said}");
    let mark = std::fs::read_to_string(base.join("state/marks/r1")).expect("mark");
    assert!(mark.contains("status=failed"), "{mark}");
    // One that runs too long is stopped.
    std::fs::write(base.join("state/marks/r1"), "status=building\n").expect("mark");
    let (ok, said) = release_commands(base, "sleep 30", "");
    assert!(
        !ok && said.contains("ran longer than 5 s and was stopped"),
        "{said}"
    );
}

/// supervisor's programs, as seed 004's classroom droplet has them: one running from the site's
/// folder stops stage 9 (its check names it), others are only said; none at all, nothing.
#[test]
fn supervisor_s_programs_are_said_and_one_in_the_site_s_folder_stops_the_stage() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("root");
    let confd = root.join("etc/supervisor/conf.d");
    std::fs::create_dir_all(&confd).expect("conf.d");
    let lib = droplift::course::stages::service::SUPERVISOR;
    let verdict = |site: &str| -> String {
        let (ok, out) = bash(
            dir.path(),
            &[lib],
            &format!(
                "supervisor_verdict '/var/www/html/{site}' '{}'",
                root.display()
            ),
        );
        assert!(ok, "{out}");
        out
    };
    assert_eq!(verdict("items"), "", "no supervisor: nothing");
    std::fs::write(
        root.join("etc/supervisor/supervisord.conf"),
        "[unix_http_server]\nfile=/var/run/supervisor.sock\n\n[supervisord]\nlogfile=/x\n\n\
         [include]\nfiles = /etc/supervisor/conf.d/*.conf\n",
    )
    .expect("main file");
    assert_eq!(verdict("items"), "", "supervisor with no program: nothing");
    std::fs::write(
        confd.join("avengers.conf"),
        "[program:avengers]\ncommand=/home/avengers/current/venv/bin/gunicorn -b :8001 app:app\n\
         directory=/home/avengers/current\nuser=avengers\n",
    )
    .expect("a squad's program");
    std::fs::write(
        confd.join("items.conf"),
        "[program:items-api]\n  command = /var/www/html/items/current/venv/bin/uwsgi --ini x.ini\n\
         autorestart=true\n\n[group:web]\nprograms=items-api\n",
    )
    .expect("a program in the site's folder");
    assert_eq!(verdict("items"), "conflict items-api");
    assert_eq!(verdict("shop"), "note 2 avengers, items-api");
}

const ENV_SET: &str = include_str!("../src/course/env/set.sh");
const ENV_LIST: &str = include_str!("../src/course/env/list.sh");
const SLOTS: &str = include_str!("../src/course/stages/service/slots.sh");

/// `droplift env set|unset NAME` (course/env/set.sh) on root's folder `base/state`, the value's
/// line on stdin: (status, stdout and stderr).
fn env_change(base: &Path, mode: &str, name: &str, restart: bool, stdin: &str) -> (bool, String) {
    let b = base.display();
    let restart = if restart { "yes" } else { "no" };
    let script = format!(
        "u=$(id -un)\nbase='{b}/site'\nreleases='{b}/site/releases'\nstaging='{b}/state'\n\
         env_file='{b}/state/app.env'\nname='{name}'\nmode='{mode}'\nrestart='{restart}'\n\
         {LIB}\n{LOCK}\n{APPENV}\n{ENV_SET}"
    );
    let (ok, out, err) = bash_with_stdin(&script, stdin);
    (ok, format!("{out}{err}"))
}

/// `droplift env list` (course/env/list.sh) with the answers' `settings` and secret `names`.
fn env_list(base: &Path, settings: &str, names: &str) -> (bool, String) {
    let b = base.display();
    let script = format!(
        "u=$(id -un)\nbase='{b}/site'\nreleases='{b}/site/releases'\nstaging='{b}/state'\n\
         env_file='{b}/state/app.env'\nunit=uwsgi-droplift-test-none\nini='{b}/etc/uwsgi.ini'\n\
         settings='{settings}'\nsecret_names='{names}'\n{LIB}\n{APPENV}\n{SLOTS}\n{ENV_LIST}"
    );
    let (ok, out, err) = bash_with_stdin(&script, "");
    (ok, format!("{out}{err}"))
}

#[test]
fn env_set_changes_one_line_of_root_s_file_which_the_next_deploy_keeps() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    std::fs::create_dir_all(base.join("site")).expect("site");
    std::fs::create_dir_all(base.join("state")).expect("state");
    let live = base.join("state/app.env");
    let get = |file: &Path, name: &str| {
        read_env(file)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    };
    // No file yet: nothing to change, said.
    let (ok, said) = env_change(base, "set", "API_TOKEN", false, "API_TOKEN=v\n");
    assert!(!ok && said.contains("no environment file yet"), "{said}");
    std::fs::write(
        &live,
        "# droplift settings: GREETING OLD\nGREETING=\"hi\"\nOLD=\"x\"\nSECRET_KEY=\"first-secret\"\n\
         DATABASE_URL=postgresql://r:pw@127.0.0.1:5432/d\n",
    )
    .expect("live");
    std::fs::set_permissions(&live, std::fs::Permissions::from_mode(0o600)).expect("600");

    // A new name, a value with every character systemd's file escapes: the app gets it exactly.
    let value = "a\"b$c`d\\e 'f' #g";
    let (ok, said) = env_change(
        base,
        "set",
        "API_TOKEN",
        false,
        &format!("API_TOKEN={value}\n"),
    );
    assert!(ok, "{said}");
    assert!(!said.contains(value) && !said.contains("$c"), "{said}");
    assert!(said.contains("API_TOKEN is set in"), "{said}");
    assert!(said.contains("keeps the values it started with"), "{said}");
    assert_eq!(get(&live, "API_TOKEN").as_deref(), Some(value));
    assert_eq!(
        read_env(&live).last().map(|(n, _)| n.clone()).as_deref(),
        Some("DATABASE_URL"),
        "added before droplift's own last line"
    );
    assert_eq!(
        std::fs::metadata(&live).expect("live").permissions().mode() & 0o777,
        0o600
    );
    assert!(base.join("state/app.env.old").exists());
    // The lock is given back when no restart follows.
    assert!(!base.join("state/lock").exists());

    // A setting droplift wrote from [app.env] before and set here: no longer droplift's.
    let (ok, said) = env_change(base, "set", "OLD", false, "OLD=mine now\n");
    assert!(ok && said.contains("OLD has a new value"), "{said}");
    let text = std::fs::read_to_string(&live).expect("live");
    assert!(
        text.starts_with("# droplift settings: GREETING\n"),
        "{text}"
    );

    // Stdin naming another setting: refused, nothing written.
    let before = std::fs::read_to_string(&live).expect("live");
    let (ok, said) = env_change(base, "set", "API_TOKEN", false, "OTHER=value-1\n");
    assert!(
        !ok && said.contains("no value for API_TOKEN came on stdin"),
        "{said}"
    );
    assert!(!said.contains("value-1"), "{said}");
    assert_eq!(std::fs::read_to_string(&live).expect("live"), before);

    // With a restart: the live file stays; app.env.restart holds the change for the go-live,
    // which takes the lock over from here. A release waiting to go live gets it too.
    std::fs::write(base.join("state/app.env.next"), &before).expect("next");
    let (ok, said) = env_change(
        base,
        "set",
        "SECRET_KEY",
        true,
        "SECRET_KEY=rotated-secret\n",
    );
    assert!(ok, "{said}");
    assert!(said.contains("the restart below makes it live"), "{said}");
    assert!(said.contains("gets the change too"), "{said}");
    assert_eq!(get(&live, "SECRET_KEY").as_deref(), Some("first-secret"));
    assert_eq!(
        get(&base.join("state/app.env.restart"), "SECRET_KEY").as_deref(),
        Some("rotated-secret")
    );
    assert_eq!(
        get(&base.join("state/app.env.next"), "SECRET_KEY").as_deref(),
        Some("rotated-secret")
    );
    assert!(base.join("state/lock").exists(), "held for the go-live");
    std::fs::remove_file(base.join("state/lock")).expect("unlock");
    std::fs::remove_file(base.join("state/app.env.next")).expect("next");

    // The next deploy's environment file keeps the lines set here (the secret's too).
    let (ok, said) = env_file(base, "GREETING=hi", "SECRET_KEY", "db-pw-1\n");
    assert!(ok, "{said}");
    let next = base.join("state/app.env.next");
    assert_eq!(get(&next, "API_TOKEN").as_deref(), Some(value));
    assert_eq!(get(&next, "OLD").as_deref(), Some("mine now"));
    assert_eq!(get(&next, "SECRET_KEY").as_deref(), Some("first-secret"));
    std::fs::remove_file(&next).expect("next");

    // The list: names and where they come from, no value.
    let (ok, said) = env_list(base, "GREETING=hello\nNEW=1", "SECRET_KEY JWT");
    assert!(ok, "{said}");
    for (name, from) in [
        (
            "GREETING",
            "answers ([app.env]); the server's value differs",
        ),
        ("OLD", "set by hand"),
        ("SECRET_KEY", "secret ([app] secrets)"),
        ("API_TOKEN", "set by hand"),
        ("DATABASE_URL", "droplift"),
    ] {
        assert!(
            said.lines()
                .any(|l| l.trim_start().starts_with(name) && l.contains(from)),
            "{name}: {said}"
        );
    }
    assert!(
        said.contains("not on the server yet (the next deploy writes them): NEW JWT"),
        "{said}"
    );
    for secret in [value, "first-secret", "mine now", "pw@", "\"hi\""] {
        assert!(!said.contains(secret), "{secret}: {said}");
    }
    assert!(said.trim_end().ends_with("droplift-state: done"), "{said}");

    // Unset: the line goes; a name not there is said, nothing changed.
    let (ok, said) = env_change(base, "unset", "API_TOKEN", false, "");
    assert!(ok && said.contains("API_TOKEN is removed"), "{said}");
    assert_eq!(get(&live, "API_TOKEN"), None);
    let (ok, said) = env_change(base, "unset", "API_TOKEN", false, "");
    assert!(ok && said.contains("nothing to remove"), "{said}");
}
