//! A visitor asking GET /items every 50 ms while something runs: the zero-downtime checks.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// GET /items from this computer, as a visitor: the status code, or 0 when no answer came.
pub fn status_of_get(address: &str) -> u16 {
    let Ok(to) = format!("{address}:80").parse() else {
        return 0;
    };
    let Ok(mut stream) = TcpStream::connect_timeout(&to, Duration::from_secs(5)) else {
        return 0;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(15)));
    let request = format!("GET /items HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    let mut response = String::new();
    if stream.write_all(request.as_bytes()).is_err()
        || stream.read_to_string(&mut response).is_err()
    {
        return 0;
    }
    response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Runs `during` while a visitor asks GET /items every 50 ms: what `during` returned, how many
/// requests were asked, and every answer that was not 200 (0: no answer).
pub fn under_load<T>(address: &str, during: impl FnOnce() -> T) -> (T, usize, Vec<u16>) {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let client = scope.spawn(|| {
            let (mut asked, mut failed) = (0, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                asked += 1;
                let code = status_of_get(address);
                if code != 200 {
                    failed.push(code);
                }
                if let Some(rest) = Duration::from_millis(50).checked_sub(started.elapsed()) {
                    std::thread::sleep(rest);
                }
            }
            (asked, failed)
        });
        let out = during();
        stop.store(true, Ordering::Relaxed);
        let (asked, failed) = client.join().expect("the client ran");
        (out, asked, failed)
    })
}
