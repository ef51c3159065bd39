//! The HTTP endpoints (docs/openapi.json describes each).

use super::auth::{Refusal, Scope, Tokens};
use super::clock::Clock;
use super::engine::{Job, Msg};
use super::metrics::Metrics;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dun_runtime::data::{parse_account_as_of, parse_event, read_jsonl, Row};
use dun_runtime::store::serve::Verdict;
use dun_runtime::store::Store;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The OpenAPI document, kept in the repository and served as is.
pub const OPENAPI: &str = include_str!("../../docs/openapi.json");

/// Items in one request: a bound on the work one request asks.
const MAX_ITEMS: usize = 10_000;
/// The longest a feed request waits for new actions.
const MAX_WAIT: u64 = 60;
/// Outbox rows per feed answer.
const MAX_ROWS: usize = 1_000;

pub struct State {
    /// `None` once the server is stopping.
    pub jobs: Mutex<Option<std::sync::mpsc::Sender<Msg>>>,
    pub reader: Mutex<Store>,
    pub tokens: Tokens,
    pub metrics: Arc<Metrics>,
    pub clock: Arc<Clock>,
    pub outbox: tokio::sync::watch::Receiver<i64>,
    pub machine: Arc<dun_runtime::Machine>,
}

impl State {
    pub fn close(&self) {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    fn send(&self, msg: Msg) -> Result<(), Refused> {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        match jobs.as_ref().map(|tx| tx.send(msg)) {
            Some(Ok(())) => Ok(()),
            _ => Err(refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is stopping",
            )),
        }
    }

    /// Runs `f` on the read connection, off the async threads.
    async fn read<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Store) -> Result<T, String> + Send + 'static,
    ) -> Result<T, Refused> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let store = me.reader.lock().unwrap_or_else(|p| p.into_inner());
            f(&store)
        })
        .await
        .map_err(|e| {
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("a read failed: {e}"),
            )
        })?
        .map_err(|e| {
            super::log::error("a read failed", json!({"error": e}));
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the store could not be read; see the server's log",
            )
        })
    }

    /// The token's name when the request may act with `scope`.
    async fn allow(self: &Arc<Self>, headers: &HeaderMap, scope: Scope) -> Result<String, Refused> {
        let auth = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let me = self.clone();
        let checked = tokio::task::spawn_blocking(move || {
            me.tokens.check(auth.as_deref(), scope, || {
                let store = me.reader.lock().unwrap_or_else(|p| p.into_inner());
                match store.tokens() {
                    Ok(t) => Some(t),
                    Err(e) => {
                        super::log::error(
                            "cannot read the tokens",
                            json!({"error": e.to_string()}),
                        );
                        None
                    }
                }
            })
        })
        .await
        .map_err(|_| refuse(StatusCode::INTERNAL_SERVER_ERROR, "the token check failed"))?;
        checked.map_err(|r| {
            Box::new(match r {
                Refusal::Unauthenticated(why) => {
                    let mut resp = error(StatusCode::UNAUTHORIZED, why);
                    resp.headers_mut()
                        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                    resp
                }
                Refusal::Forbidden(s) => error(
                    StatusCode::FORBIDDEN,
                    &format!("this token lacks the `{}` scope", s.name()),
                ),
            })
        })
    }
}

/// A refusal, boxed: a response is large to carry in every `Result`.
type Refused = Box<Response>;

fn refuse(status: StatusCode, message: &str) -> Refused {
    Box::new(error(status, message))
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

pub async fn serve(state: Arc<State>, listen: &str, max_body: usize) -> Result<(), String> {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/events", post(events))
        .route("/v1/accounts", post(accounts))
        .route("/v1/accounts/{id}", get(account))
        .route("/v1/portfolio", get(portfolio))
        .route("/v1/actions", get(actions))
        .route("/v1/clock", post(set_clock))
        .fallback(|| async {
            error(
                StatusCode::NOT_FOUND,
                "no such endpoint; see /v1/openapi.json",
            )
        })
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("--listen {listen}: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("--listen {listen}: {e}"))?;
    super::log::info("listening", json!({"addr": addr.to_string()}));
    axum::serve(listener, app)
        .with_graceful_shutdown(stopped())
        .await
        .map_err(|e| format!("the server stopped: {e}"))
}

/// SIGTERM or Ctrl-C: stop taking connections, finish the requests in hand.
async fn stopped() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    super::log::info("stopping: finishing the requests in hand", json!({}));
}

/// Times every request and logs it (method, route, status, milliseconds:
/// never a header or a body).
async fn observe(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    req: Request,
    next: Next,
) -> Response {
    let began = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let resp = next.run(req).await;
    let took = began.elapsed();
    let status = resp.status().as_u16();
    state.metrics.request(&route, status, took);
    if status >= 400 || route.starts_with("/v1/") && route != "/v1/actions" {
        super::log::info(
            "request",
            json!({"method": method, "route": route, "status": status, "ms": took.as_secs_f64() * 1000.0}),
        );
    }
    resp
}

async fn readyz(axum::extract::State(state): axum::extract::State<Arc<State>>) -> Response {
    let open = state
        .jobs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .is_some();
    let reachable = state
        .read(|s| s.settled().map_err(|e| e.to_string()))
        .await
        .is_ok();
    if open && reachable {
        "ready\n".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n").into_response()
    }
}

async fn metrics(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = state.allow(&headers, Scope::Read).await {
        return *r;
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

async fn openapi(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = state.allow(&headers, Scope::Read).await {
        return *r;
    }
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// The rows of a body: one JSON object (even over several lines), or JSON
/// Lines, each line an item numbered from 1; an unreadable line is
/// rejected with `dun run`'s reason.
fn rows(body: &[u8]) -> Result<(Vec<Row>, Vec<dun_runtime::data::Reject>), Refused> {
    let text = std::str::from_utf8(body).map_err(|_| {
        refuse(
            StatusCode::BAD_REQUEST,
            "the body is not UTF-8 text; send JSON or JSON Lines",
        )
    })?;
    if text.trim().is_empty() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "the body is empty; send one JSON object or JSON Lines",
        ));
    }
    // One object written over several lines is one item.
    let one;
    let text = match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) if text.trim().contains('\n') => {
            one = v.to_string();
            one.as_str()
        }
        _ => text,
    };
    let (rows, bad) = read_jsonl(text.as_bytes());
    if rows.len() + bad.len() > MAX_ITEMS {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("more than {MAX_ITEMS} items in one request; send them in several"),
        ));
    }
    Ok((rows, bad))
}

/// One item's answer.
fn item(line: u64, id: Option<&str>, v: &Verdict) -> Value {
    match v {
        Verdict::Accepted => json!({"line": line, "id": id, "status": "accepted"}),
        Verdict::Duplicate => json!({"line": line, "id": id, "status": "duplicate"}),
        Verdict::Rejected(reason) => {
            json!({"line": line, "id": id, "status": "rejected", "reason": reason})
        }
    }
}

/// 200 when every item was taken (accepted or duplicate), 422 when any
/// was rejected; the body answers item by item either way.
fn answer(items: Vec<(u64, Value)>) -> Response {
    let mut items = items;
    items.sort_by_key(|(l, _)| *l);
    let rejected = items
        .iter()
        .filter(|(_, v)| v["status"] == "rejected")
        .count();
    let accepted = items
        .iter()
        .filter(|(_, v)| v["status"] == "accepted")
        .count();
    let duplicate = items
        .iter()
        .filter(|(_, v)| v["status"] == "duplicate")
        .count();
    let status = if rejected == 0 {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let items: Vec<Value> = items.into_iter().map(|(_, v)| v).collect();
    (
        status,
        Json(json!({"accepted": accepted, "duplicate": duplicate, "rejected": rejected, "items": items})),
    )
        .into_response()
}

async fn take(state: &Arc<State>, accounts: bool, body: &[u8]) -> Response {
    let (rows, bad) = match rows(body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let m = state.machine.clone();
    let mut out: Vec<(u64, Value)> = bad
        .iter()
        .map(|r| {
            (
                r.line,
                item(r.line, None, &Verdict::Rejected(r.reason.clone())),
            )
        })
        .collect();
    let mut job_accounts = Vec::new();
    let mut job_events = Vec::new();
    let mut lines = Vec::new();
    for row in &rows {
        let parsed = if accounts {
            parse_account_as_of(&m, row).and_then(|(a, as_of)| match as_of {
                // A posted row is true when it is posted; `dun run` orders
                // `as_of` rows of a file, a service takes them as they come.
                Some(_) => Err("`as_of` is for files given to `dun run`; post a row to `dun serve` when its values become true, without `as_of`".to_string()),
                None => {
                    lines.push((row.line, a.id.clone()));
                    job_accounts.push(a);
                    Ok(())
                }
            })
        } else {
            parse_event(&m, row).map(|e| {
                lines.push((row.line, e.id.clone()));
                job_events.push(e);
            })
        };
        if let Err(reason) = parsed {
            let id = row
                .cells
                .iter()
                .find(|(k, _)| k == "id")
                .and_then(|(_, c)| match c {
                    dun_runtime::data::Cell::Str(s) | dun_runtime::data::Cell::Num(s) => {
                        Some(s.clone())
                    }
                    _ => None,
                });
            out.push((
                row.line,
                item(row.line, id.as_deref(), &Verdict::Rejected(reason)),
            ));
        }
    }
    if !lines.is_empty() {
        let (reply, wait) = tokio::sync::oneshot::channel();
        let job = Job {
            accounts: job_accounts,
            events: job_events,
            reply,
        };
        if let Err(r) = state.send(Msg::Items(job)) {
            return *r;
        }
        let verdicts = match wait.await {
            Ok(Ok((a, e))) => if accounts { a } else { e },
            Ok(Err(_)) => {
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the store refused the transaction; nothing of this request was taken, send it again",
                )
            }
            Err(_) => return error(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping"),
        };
        for ((line, id), v) in lines.into_iter().zip(verdicts) {
            out.push((line, item(line, Some(&id), &v)));
        }
    }
    let count = |s: &str| out.iter().filter(|(_, v)| v["status"] == s).count() as u64;
    use std::sync::atomic::Ordering::Relaxed;
    if accounts {
        state
            .metrics
            .accounts_accepted
            .fetch_add(count("accepted") + count("duplicate"), Relaxed);
        state
            .metrics
            .accounts_rejected
            .fetch_add(count("rejected"), Relaxed);
    } else {
        state
            .metrics
            .events_accepted
            .fetch_add(count("accepted"), Relaxed);
        state
            .metrics
            .events_duplicate
            .fetch_add(count("duplicate"), Relaxed);
        state
            .metrics
            .events_rejected
            .fetch_add(count("rejected"), Relaxed);
    }
    answer(out)
}

async fn events(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = state.allow(&headers, Scope::Ingest).await {
        return *r;
    }
    take(&state, false, &body).await
}

async fn accounts(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = state.allow(&headers, Scope::Ingest).await {
        return *r;
    }
    take(&state, true, &body).await
}

async fn account(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = state.allow(&headers, Scope::Read).await {
        return *r;
    }
    let shown = id.clone();
    match state
        .read(move |s| crate::status::account_json(s, &id).map_err(|e| e.to_string()))
        .await
    {
        Ok(Some(text)) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            &format!("no account `{shown}` in the store"),
        ),
        Err(r) => *r,
    }
}

async fn portfolio(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = state.allow(&headers, Scope::Read).await {
        return *r;
    }
    match state
        .read(|s| crate::status::summary_json(s).map_err(|e| e.to_string()))
        .await
    {
        Ok(Some(text)) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "the store has no summary"),
        Err(r) => *r,
    }
}

#[derive(serde::Deserialize)]
struct FeedQuery {
    after: Option<i64>,
    wait: Option<u64>,
    limit: Option<usize>,
}

/// Actions after a cursor, oldest first; with `wait`, an empty answer
/// waits up to that many seconds for new ones.
async fn actions(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    headers: HeaderMap,
    q: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(r) = state.allow(&headers, Scope::Read).await {
        return *r;
    }
    let Ok(Query(q)) = q else {
        return error(
            StatusCode::BAD_REQUEST,
            "the query should be `after=CURSOR` (an integer), optional `wait=SECONDS` and `limit=ROWS`",
        );
    };
    let after = q.after.unwrap_or(0).max(0);
    let limit = q.limit.unwrap_or(MAX_ROWS).clamp(1, MAX_ROWS);
    let deadline = Instant::now() + Duration::from_secs(q.wait.unwrap_or(0).min(MAX_WAIT));
    let mut watch = state.outbox.clone();
    loop {
        // Marked seen before reading, so a commit between the read and the
        // wait still wakes the wait.
        watch.borrow_and_update();
        let rows = match state
            .read(move |s| s.outbox_after(after, limit).map_err(|e| e.to_string()))
            .await
        {
            Ok(r) => r,
            Err(r) => return *r,
        };
        let now = Instant::now();
        if !rows.is_empty() || now >= deadline {
            let cursor = rows.last().map(|r| r.seq).unwrap_or(after);
            let mut list = Vec::new();
            for r in &rows {
                for line in r.body.lines() {
                    list.push(
                        serde_json::from_str::<Value>(line)
                            .unwrap_or(Value::String(line.to_string())),
                    );
                }
            }
            return Json(json!({"cursor": cursor, "actions": list})).into_response();
        }
        if tokio::time::timeout(deadline - now, watch.changed())
            .await
            .is_err()
        {
            continue;
        }
    }
}

#[derive(serde::Deserialize)]
struct ClockBody {
    now: String,
}

/// Moves the `--clock` clock forward and answers once what fell due by
/// then has been committed.
async fn set_clock(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = state.allow(&headers, Scope::Admin).await {
        return *r;
    }
    let Ok(ClockBody { now }) = serde_json::from_slice::<ClockBody>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "send {\"now\": \"2026-03-02T09:00:00Z\"}",
        );
    };
    let Some(to) = dun_runtime::data::datetime(&now) else {
        return error(
            StatusCode::BAD_REQUEST,
            "`now` should be RFC 3339, such as 2026-03-02T09:00:00Z",
        );
    };
    if let Err(e) = state.clock.advance(to) {
        return error(StatusCode::CONFLICT, &e);
    }
    let (reply, wait) = tokio::sync::oneshot::channel();
    if let Err(r) = state.send(Msg::Tick(reply)) {
        return *r;
    }
    let _ = wait.await;
    Json(json!({"now": to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)})).into_response()
}
