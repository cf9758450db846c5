//! The practice cloud's HTTP side: authentication first (as the API does), then the faults that
//! are switched on, then the route; every answer carries the API's JSON and rate-limit headers.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::json;
use tiny_http::{Header, Method, Request, Response};

use super::Shared;
use super::catalogue::{images, regions, sizes};
use super::droplets::{add_firewall, add_key, create, destroy};
use crate::cloud::api::*;

pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Option<String>,
}

pub(super) fn json_answer(status: u16, value: &impl Serialize) -> Answer {
    Answer {
        status,
        body: Some(serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())),
    }
}

pub(super) fn error(status: u16, id: &str, message: &str) -> Answer {
    json_answer(
        status,
        &ErrorBody {
            id: id.to_owned(),
            message: message.to_owned(),
            request_id: None,
        },
    )
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn send(request: Request, answer: Answer, remaining: u32, reset: u64) {
    let mut response =
        Response::from_string(answer.body.unwrap_or_default()).with_status_code(answer.status);
    for h in [
        header("Content-Type", "application/json; charset=utf-8"),
        header("ratelimit-limit", "5000"),
        header("ratelimit-remaining", &remaining.to_string()),
        header("ratelimit-reset", &reset.to_string()),
    ]
    .into_iter()
    .flatten()
    {
        response.add_header(h);
    }
    let _ = request.respond(response);
}

/// Too many requests at once: 503 now, on the accepting thread, with a second to wait.
pub(super) fn busy(request: Request) {
    let answer = error(
        503,
        "service_unavailable",
        "The practice cloud is answering as many requests as it takes at once; try again in a second.",
    );
    let mut response =
        Response::from_string(answer.body.unwrap_or_default()).with_status_code(answer.status);
    for h in [
        header("Content-Type", "application/json; charset=utf-8"),
        header("Retry-After", "1"),
    ]
    .into_iter()
    .flatten()
    {
        response.add_header(h);
    }
    let _ = request.respond(response);
}

fn query(url: &str) -> (String, BTreeMap<String, String>) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let params = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), percent_decoded(v)))
        .collect();
    (path.trim_end_matches('/').to_owned(), params)
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 3 <= bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn handle(shared: &Arc<Shared>, mut request: Request) {
    let method = request.method().clone();
    let url = request.url().to_owned();
    let (path, params) = query(&url);
    let reset = now_secs() + 2;
    // Authentication first, as the API does.
    let bearer = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_owned())
        .unwrap_or_default();
    let given = bearer.strip_prefix("Bearer ").unwrap_or("").trim();
    let full = given == shared.token.expose();
    let read_only = given == shared.read_only.expose();
    let answer = if !full && !read_only {
        error(401, "unauthorized", "Unable to authenticate you.")
    } else {
        let fault = {
            let mut state = shared.state();
            if state.rate_limited > 0 {
                state.rate_limited -= 1;
                Some(error(429, "too_many_requests", "API rate limit exceeded."))
            } else if state.server_errors > 0 {
                state.server_errors -= 1;
                Some(error(500, "server_error", "Unexpected server-side error"))
            } else {
                None
            }
        };
        if let Some(answer) = fault {
            (shared.log)(&format!("{method} {path} → {} (fault)", answer.status));
            send(request, answer, 0, reset);
            return;
        }
        let writes = matches!(method, Method::Post | Method::Delete | Method::Put);
        if writes && read_only {
            error(
                403,
                "forbidden",
                "You do not have access for the attempted action.",
            )
        } else {
            let mut body = String::new();
            let _ = request
                .as_reader()
                .take(1024 * 1024)
                .read_to_string(&mut body);
            match route(shared, &method, &path, &params, &body) {
                Routed::Answer(answer) => answer,
                Routed::Hold(answer, hold) => {
                    (shared.log)(&format!(
                        "{method} {path} → {} held back for {} s, then dropped (fault)",
                        answer.status,
                        hold.as_secs()
                    ));
                    std::thread::sleep(hold);
                    drop(request);
                    return;
                }
            }
        }
    };
    (shared.log)(&format!("{method} {path} → {}", answer.status));
    send(request, answer, 4999, reset);
}

pub(super) enum Routed {
    Answer(Answer),
    /// Carried out, but the answer is held back this long and then dropped (a fault).
    Hold(Answer, Duration),
}

fn page<T: Serialize>(key: &str, items: Vec<T>) -> Answer {
    let total = items.len();
    json_answer(
        200,
        &json!({ key: items, "links": {"pages": {}}, "meta": {"total": total} }),
    )
}

fn route(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    params: &BTreeMap<String, String>,
    body: &str,
) -> Routed {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let answer = match (method, segments.as_slice()) {
        (Method::Get, ["v2", "account"]) => json_answer(
            200,
            &AccountResponse {
                account: Account {
                    droplet_limit: 10,
                    floating_ip_limit: 3,
                    email: "student@practice.invalid".to_owned(),
                    name: Some("Practice Student".to_owned()),
                    uuid: "00000000000000000000000000000000practice".to_owned(),
                    email_verified: true,
                    status: "active".to_owned(),
                    status_message: String::new(),
                    team: None,
                },
            },
        ),
        (Method::Get, ["v2", "regions"]) => page("regions", regions()),
        (Method::Get, ["v2", "sizes"]) => page("sizes", sizes()),
        (Method::Get, ["v2", "images"]) => page("images", images()),
        (Method::Get, ["v2", "account", "keys"]) => page("ssh_keys", shared.state().keys.clone()),
        (Method::Post, ["v2", "account", "keys"]) => add_key(shared, body),
        (Method::Get, ["v2", "droplets"]) => {
            let state = shared.state();
            let droplets: Vec<Droplet> = state
                .droplets
                .values()
                .filter(|m| m.listed_from <= std::time::Instant::now())
                .map(|m| m.droplet.clone())
                .filter(|d| params.get("tag_name").is_none_or(|t| d.tags.contains(t)))
                .filter(|d| {
                    params
                        .get("name")
                        .is_none_or(|n| d.name.eq_ignore_ascii_case(n))
                })
                .collect();
            page("droplets", droplets)
        }
        (Method::Post, ["v2", "droplets"]) => return create(shared, body),
        (Method::Get, ["v2", "firewalls"]) => page("firewalls", shared.state().firewalls.clone()),
        (Method::Post, ["v2", "firewalls"]) => add_firewall(shared, body),
        (Method::Get, ["v2", "droplets", id]) => match id
            .parse::<u64>()
            .ok()
            .and_then(|id| shared.state().droplets.get(&id).map(|m| m.droplet.clone()))
        {
            Some(droplet) => json_answer(200, &DropletResponse { droplet }),
            None => not_found(),
        },
        (Method::Delete, ["v2", "droplets", id]) => destroy(shared, id),
        (Method::Get, ["v2", "actions", id]) => {
            let state = shared.state();
            let found = id
                .parse::<u64>()
                .ok()
                .and_then(|a| state.actions.get(&a))
                .and_then(|d| state.droplets.get(d))
                .map(|m| m.action.clone());
            match found {
                Some(action) => json_answer(200, &ActionResponse { action }),
                None => not_found(),
            }
        }
        _ => not_found(),
    };
    Routed::Answer(answer)
}

pub(super) fn not_found() -> Answer {
    error(
        404,
        "not_found",
        "The resource you requested could not be found.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded() {
        let (path, params) = query("/v2/droplets/?tag_name=droplift&name=a%20b");
        assert_eq!(path, "/v2/droplets");
        assert_eq!(params.get("name").map(String::as_str), Some("a b"));
    }
}
