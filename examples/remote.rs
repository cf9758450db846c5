//! The SSH worker without a terminal UI: connect, run each argument as a command, print every
//! event. Shows the worker needs nothing from the screen; handy for poking at a real server.
//!
//! cargo run --example remote -- [-p PORT] [-l USER] [--accept-new] [--password-stdin] HOST CMD…

use std::io::BufRead;
use std::sync::mpsc::channel;
use std::time::Duration;

use droplift::remote::worker::spawn;
use droplift::remote::{Credentials, HostKeyPolicy, Job, RemoteCommand, Target, WorkerEvent};
use droplift::secret::{Redactor, Secret};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut target = Target {
        host: String::new(),
        port: None,
        user: None,
    };
    let mut policy = HostKeyPolicy::Strict;
    let mut credentials = Credentials {
        use_agent: true,
        ..Credentials::default()
    };
    let mut commands = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-p" => target.port = args.next().and_then(|p| p.parse().ok()),
            "-l" => target.user = args.next(),
            "--accept-new" => policy = HostKeyPolicy::AcceptNew,
            "--password-stdin" => {
                let mut line = String::new();
                let _ = std::io::stdin().lock().read_line(&mut line);
                credentials.password = Some(Secret::new(line.trim_end_matches(['\r', '\n'])));
            }
            _ if target.host.is_empty() => target.host = arg,
            _ => commands.push(arg),
        }
    }
    if target.host.is_empty() {
        eprintln!("usage: remote [-p PORT] [-l USER] [--accept-new] [--password-stdin] HOST CMD…");
        std::process::exit(2);
    }

    let (tx, rx) = channel();
    let worker = spawn(
        move |ev| {
            let _ = tx.send(ev);
        },
        Redactor::new(),
    );
    worker.send(Job::Connect {
        target,
        credentials,
        host_keys: policy,
    });
    let mut next = 0usize;
    let mut status = 0;
    while let Ok(ev) = rx.recv() {
        match &ev {
            WorkerEvent::Output { stream, line, .. } => println!("{stream:?}: {line}"),
            other => eprintln!("{other:?}"),
        }
        let start_next = match ev {
            WorkerEvent::Connected { .. } => true,
            WorkerEvent::Finished { exit_code, .. } => {
                status = exit_code;
                true
            }
            WorkerEvent::TimedOut { .. } | WorkerEvent::Interrupted { .. } => {
                status = 1;
                true
            }
            WorkerEvent::ConnectFailed { .. } | WorkerEvent::PasswordChangeRequired => {
                std::process::exit(1)
            }
            WorkerEvent::HostKeyUnknown(_) | WorkerEvent::HostKeyChanged(_) => {
                worker.send(Job::HostKey(droplift::remote::HostKeyDecision::Reject));
                false
            }
            _ => false,
        };
        if start_next {
            let Some(script) = commands.get(next) else {
                break;
            };
            next += 1;
            worker.send(Job::Run {
                id: next as u64,
                command: RemoteCommand {
                    script: script.clone(),
                    sudo: false,
                    stdin: None,
                    timeout: Duration::from_secs(600),
                    runtime: None,
                },
            });
        }
    }
    std::process::exit(status);
}
