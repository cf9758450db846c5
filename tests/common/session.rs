//! A headless session on a practice droplet for the guard tests: logged in with the expired root
//! password changed, the student's user made; and the fault they inject into stage 4's plan.

use std::path::Path;

use droplift::course::plan::{Action, Expect, LoginAuth, StagePlans};
use droplift::course::{StageId, answers::Answers};
use droplift::headless::session::{ConnectOptions, Session};
use droplift::remote::HostKeyPolicy;
use droplift::runner::Outcome;
use droplift::secret::{Redactor, Secret, SecretName, Secrets};

use super::droplet::TestDroplet;

/// Logs in as root (changing the expired password to `new_root`) and applies the user stage for
/// `user` with `user_password`. Returns the session and its answers.
pub fn with_user(
    droplet: &TestDroplet,
    home: &Path,
    user: &str,
    new_root: &str,
    user_password: &str,
) -> (Session, Answers) {
    let redactor = Redactor::new();
    let mut secrets = Secrets::new();
    secrets.set(
        SecretName::RootPassword,
        droplet.root_password.clone(),
        &redactor,
    );
    secrets.set(
        SecretName::NewRootPassword,
        Secret::new(new_root),
        &redactor,
    );
    secrets.set(
        SecretName::UserPassword,
        Secret::new(user_password),
        &redactor,
    );
    let answers = Answers::new(&droplet.address.to_string(), user);
    let mut session = Session::connect(
        answers.clone(),
        secrets,
        redactor,
        ConnectOptions {
            host_keys: HostKeyPolicy::AcceptNew,
            interactive: false,
            home: home.to_path_buf(),
            change_password: true,
            learn_new_host_key: false,
            deploy_key: None,
        },
    )
    .expect("login with the expired root password");
    assert_eq!(
        session.run_stage(StageId::User, false).expect("user stage"),
        Outcome::Applied
    );
    (session, answers)
}

/// Stage 4's real plan with the fresh login after the reload made to fail: it proves access
/// with `wrong_key`, a key the server has never seen.
pub fn with_failing_login(plans: &StagePlans, wrong_key: &Path) -> StagePlans {
    let mut plans = plans.clone();
    let reload = plans
        .apply
        .steps
        .iter()
        .position(|s| s.title.starts_with("Reload sshd"))
        .expect("reload step");
    let step = plans.apply.steps[reload + 1..]
        .iter_mut()
        .find(|s| {
            matches!(
                &s.action,
                Action::FreshLogin {
                    expect: Expect::Success,
                    ..
                }
            )
        })
        .expect("the login after the reload");
    if let Action::FreshLogin { auth, .. } = &mut step.action {
        *auth = LoginAuth::Key(wrong_key.to_path_buf());
    }
    plans
}
