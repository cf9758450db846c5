//! What `droplift cloud create` says when the API misbehaves, run as the real binary against a
//! practice cloud in this process (its faults switched on; no droplet is booted, so no root is
//! needed): a wrong token, a read-only token, a size not sold in the region, a rate limit, a
//! create whose answer never comes (no second droplet), a droplet that never becomes active.
//! The token never reaches the output.

mod common;

use std::time::Duration;

use common::cli::{answers_file, droplift};
use droplift::practice::cloud::{Fault, Options, PracticeCloud};

fn cloud(faults: Vec<Fault>) -> PracticeCloud {
    droplift::practice::cloud::start(
        Options {
            boot: false,
            faults,
            ..Options::default()
        },
        |line| eprintln!("[cloud] {line}"),
    )
    .expect("practice cloud starts")
}

const ANSWERS: &str = r#"
[user]
name = "carol"

[droplet]
name = "items-api"
region = "fra1"
size = "s-1vcpu-1gb"
image = "debian-12-x64"
backups = true
"#;

struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// `droplift cloud create --yes` with `answers`, the token on stdin, extra flags after.
fn create(cloud: &PracticeCloud, answers: &str, token: &str, extra: &[&str]) -> Run {
    let home = tempfile::tempdir().expect("home");
    let file = answers_file(home.path(), answers);
    let mut args = vec![
        "cloud",
        "create",
        "--answers",
        &file,
        "--yes",
        "--secrets-stdin",
        "--api-url",
        &cloud.url,
    ];
    args.extend_from_slice(extra);
    let out = droplift(home.path(), &args, &format!("do_token={token}\n"));
    let run = Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    };
    assert!(
        !run.all().contains(token),
        "the token reached the output:\n{}",
        run.all()
    );
    eprintln!("--- droplift said:\n{}", run.all());
    run
}

#[test]
fn a_wrong_token_is_named_as_the_token() {
    let cloud = cloud(vec![]);
    let run = create(&cloud, ANSWERS, "dop_v1_not_a_real_token", &[]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("DigitalOcean did not accept the token (Unable to authenticate you.)"),
        "{}",
        run.stderr
    );
    assert_eq!(cloud.droplets_made(), 0);
}

#[test]
fn a_read_only_token_is_told_to_get_write_access() {
    let cloud = cloud(vec![]);
    let token = cloud.read_only_token.expose().to_owned();
    let run = create(&cloud, ANSWERS, &token, &[]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("probably a read-only token")
            && run
                .stderr
                .contains("You do not have access for the attempted action."),
        "{}",
        run.stderr
    );
    assert_eq!(cloud.droplets_made(), 0);
}

#[test]
fn a_size_not_in_the_region_is_said_at_the_size() {
    let cloud = cloud(vec![]);
    let token = cloud.token.expose().to_owned();
    // The practice cloud does not sell s-2vcpu-4gb in New York 3, as the real one sometimes
    // does not; its lists of sizes and regions say so, so droplift refuses before it sends
    // anything, at the answers file's line, with the sizes that region sells.
    let answers = ANSWERS
        .replace("fra1", "nyc3")
        .replace("s-1vcpu-1gb", "s-2vcpu-4gb");
    let run = create(&cloud, &answers, &token, &[]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains(
            "droplift: line 8: `droplet.size`: s-2vcpu-4gb is not sold in nyc3 (New York 3); \
             the sizes nyc3 sells are s-1vcpu-512mb-10gb ($4.00/month), s-1vcpu-1gb \
             ($6.00/month), s-1vcpu-2gb ($12.00/month), s-2vcpu-2gb ($18.00/month). Nothing \
             was sent."
        ),
        "{}",
        run.stderr
    );
    // Nothing was sent: no key uploaded, no droplet made, and no price to confirm.
    assert_eq!(cloud.droplets_made(), 0);
    assert!(!run.stdout.contains("SSH key"), "{}", run.stdout);
    assert!(!run.stdout.contains("costs:"), "{}", run.stdout);
}

#[test]
fn a_rate_limit_is_waited_out_visibly() {
    let cloud = cloud(vec![Fault::RateLimit(1)]);
    let token = cloud.token.expose().to_owned();
    let run = create(&cloud, ANSWERS, &token, &["--active-timeout", "1"]);
    assert!(
        run.stdout
            .contains("DigitalOcean's rate limit is reached: waiting")
            && run.stdout.contains("as its RateLimit-Reset says"),
        "{}",
        run.stdout
    );
    // After the wait it went on: the account was read and the droplet was asked for.
    assert!(
        run.stdout.contains("DigitalOcean account:"),
        "{}",
        run.stdout
    );
    assert_eq!(cloud.droplets_made(), 1);
}

/// A client that gives up on an answer after 2 s and looks every second: a create whose answer
/// is held back is lost to it.
const LOST_ANSWER: [&str; 6] = [
    "--api-timeout",
    "2",
    "--active-timeout",
    "2",
    "--poll-every",
    "1",
];

#[test]
fn a_create_whose_answer_never_came_is_found_not_made_twice() {
    // The create is carried out but its answer held back past the client's 2 s.
    let cloud = cloud(vec![Fault::DropCreate(Duration::from_secs(20))]);
    let token = cloud.token.expose().to_owned();
    let run = create(&cloud, ANSWERS, &token, &LOST_ANSWER);
    assert!(
        run.stdout
            .contains("DigitalOcean did not answer within 2 s.")
            && run
                .stdout
                .contains("looking for items-api before anything is sent again"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("the create did arrive; no second droplet is made"),
        "{}",
        run.stdout
    );
    assert_eq!(cloud.droplets_made(), 1, "exactly one droplet");
}

#[test]
fn a_create_whose_answer_never_came_is_waited_for_while_the_list_lags() {
    // The answer never comes, and the account's list shows the new droplet only 5 s later:
    // looking once or twice would send the create again (a second droplet, billed hourly).
    let cloud = cloud(vec![
        Fault::DropCreate(Duration::from_secs(20)),
        Fault::ListLag(Duration::from_secs(5)),
    ]);
    let token = cloud.token.expose().to_owned();
    let run = create(
        &cloud,
        ANSWERS,
        &token,
        &[&LOST_ANSWER[..], &["--listed-within", "15"]].concat(),
    );
    assert!(
        run.stdout.contains("items-api is not listed yet")
            && run
                .stdout
                .contains("the create did arrive; no second droplet is made"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("sending it again"), "{}", run.stdout);
    assert_eq!(cloud.droplets_made(), 1, "exactly one droplet");
}

#[test]
fn a_droplet_that_never_becomes_active_times_out_with_what_to_check() {
    let cloud = cloud(vec![Fault::NeverActive]);
    let token = cloud.token.expose().to_owned();
    let run = create(
        &cloud,
        ANSWERS,
        &token,
        &["--active-timeout", "3", "--poll-every", "1"],
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stdout
            .contains("Waiting for items-api to become active: 0:0")
            && run.stdout.contains("status new (create in-progress)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("is still \"new\" after 3 s")
            && run.stderr.contains("web page (Droplets → items-api)")
            && run.stderr.contains("it never makes a second one"),
        "{}",
        run.stderr
    );
    // Running it again finds the droplet instead of making another.
    let again = create(
        &cloud,
        ANSWERS,
        &token,
        &["--active-timeout", "1", "--poll-every", "1"],
    );
    assert!(
        again
            .stdout
            .contains("items-api is there already (made by droplift earlier"),
        "{}",
        again.stdout
    );
    assert_eq!(cloud.droplets_made(), 1);
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let cloud = cloud(vec![Fault::ServerErrors(2)]);
    let token = cloud.token.expose().to_owned();
    let run = create(&cloud, ANSWERS, &token, &["--active-timeout", "1"]);
    assert!(
        run.stdout
            .contains("DigitalOcean answered 500: trying again in 1 s (attempt 1 of 3)")
            && run.stdout.contains("trying again in 2 s (attempt 2 of 3)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("DigitalOcean account:"),
        "{}",
        run.stdout
    );
}

/// One request more than the practice cloud answers at once gets 503 with Retry-After at once,
/// not a thread of its own; once the first is answered, the next is served again.
#[test]
fn one_request_too_many_at_once_is_answered_503_to_wait() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    let cloud = droplift::practice::cloud::start(
        Options {
            boot: false,
            max_in_flight: 1,
            ..Options::default()
        },
        |line| eprintln!("[cloud] {line}"),
    )
    .expect("practice cloud starts");
    let address = cloud.url.trim_start_matches("http://").to_owned();
    let token = cloud.token.expose().to_owned();
    let ask = |request: &str| {
        let mut stream = TcpStream::connect(&address).expect("connect");
        // A cloud that stops answering fails the test here instead of hanging it.
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .expect("a read time-out");
        stream.write_all(request.as_bytes()).expect("send");
        stream
    };
    let answer = |mut stream: TcpStream| {
        let mut text = String::new();
        let _ = stream.read_to_string(&mut text);
        text
    };
    // A create whose body is still on its way keeps one request in flight (a body this long is
    // read by the handler, not by tiny_http before it hands the request over).
    let half_a_create = format!(
        "POST /v2/droplets HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{{"
    );
    let slow = ask(&half_a_create);
    let account = format!(
        "GET /v2/account HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    );
    // Taken up, not refused (requests reach the cloud in the order their connections are read,
    // so one sent later may come first).
    let until = |what: &str, open: &dyn Fn((usize, usize)) -> bool| {
        for _ in 0..200 {
            if open(cloud.requests_open()) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("{what}: {:?} (answering, refusing)", cloud.requests_open());
    };
    until("the slow create is taken up", &|(answering, _)| {
        answering == 1
    });
    let busy = answer(ask(&account));
    assert!(busy.starts_with("HTTP/1.1 503"), "{busy}");
    assert!(
        busy.to_ascii_lowercase().contains("retry-after: 1"),
        "{busy}"
    );
    // A second slow one is refused, and refusing it waits for its body: the cloud answers the
    // others meanwhile (it once waited on the thread that takes every request, and hung CI).
    let slower = ask(&half_a_create);
    until("the second slow create is refused", &|(_, refusing)| {
        refusing == 1
    });
    let still = answer(ask(&account));
    assert!(still.starts_with("HTTP/1.1 503"), "{still:?}");
    drop(slow);
    drop(slower);
    // The slow one ends with its connection; then a request is answered again.
    let mut served = String::new();
    for _ in 0..50 {
        served = answer(ask(&account));
        if served.starts_with("HTTP/1.1 200") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
}
