//! A droplet of a system the course was not made for (its os-release says CentOS) stops at
//! stage 1 with a card naming the supported systems, before anything on it changes.

mod common;

use common::cli;
use common::droplet::TestDroplet;
use droplift::practice::UpOptions;

#[test]
fn a_centos_droplet_is_refused_before_any_change() {
    let Some(droplet) = TestDroplet::boot(UpOptions::default()) else {
        return;
    };
    let os_release = droplet.rootfs().join("etc/os-release");
    let _ = std::fs::remove_file(&os_release); // a link to ../usr/lib/os-release
    std::fs::write(
        &os_release,
        "NAME=\"CentOS Stream\"\nVERSION=\"9\"\nID=\"centos\"\nVERSION_ID=\"9\"\n\
         PRETTY_NAME=\"CentOS Stream 9\"\n",
    )
    .expect("os-release");
    let home = tempfile::tempdir().expect("temp home");
    let answers = cli::answers_file(
        home.path(),
        &format!(
            "[server]\nhost = \"{}\"\n\n[user]\nname = \"erin\"\n",
            droplet.address
        ),
    );
    let out = cli::apply(
        home.path(),
        &answers,
        &[],
        &format!(
            "root_password={}\nnew_root_password=centos root pw 3\nuser_password=erin pw 1234\n\
             db_password=database pw 1\n",
            droplet.root_password.expose()
        ),
    );
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains(
            "FAILED: stage connect (Connect): droplift supports Ubuntu 22.04/24.04 and Debian 12; \
             this server runs CentOS Stream 9. Nothing was changed."
        ),
        "{said}"
    );
    assert!(
        said.contains("What to do: In your provider's page, rebuild the droplet"),
        "{said}"
    );
    assert!(!said.contains("== Stage 2"), "no later stage ran:\n{said}");
    // Nothing changed: no update stamp, no user, sshd as it was.
    assert!(!droplet.rootfs().join("var/lib/droplift/updated").exists());
    let user = droplet.exec(&["id", "erin"], None).expect("id runs");
    assert!(!user.status.success(), "no user was made");
    assert!(
        droplet
            .run(&["sshd", "-T"])
            .contains("\npermitrootlogin yes\n")
    );
}
