//! The open documents, owned by one thread. The protocol side only sends
//! messages here; the thread applies edits in order, drops stale versions,
//! analyses off the async executor, publishes diagnostics and answers
//! queries on the latest analysis.
//!
//! Edits that arrive while an analysis runs queue up in the channel; the
//! next round applies them all and analyses once, so a burst of keystrokes
//! costs one analysis of the final text, not one per keystroke. Diagnostics
//! of a version that is already superseded by a queued edit are not
//! published at all.

use crate::diagnostics;
use crate::flow_tests;
use crate::imports;
use crate::position;
use crate::templates;
use dun_compiler::ide::{Document as Analysed, Encoding, LineMap};
use dun_compiler::syntax::ast::Span;
use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;
use tower_lsp_server::jsonrpc::{Error, ErrorCode};
use tower_lsp_server::ls_types::{self as lsp, TextDocumentContentChangeEvent, Uri};

/// One analysed version of a document. Queries read it; nothing mutates it.
pub struct Snapshot {
    pub uri: Uri,
    pub version: i32,
    pub encoding: Encoding,
    pub doc: Analysed,
    /// Set when the checker panicked on this text (it never should).
    pub internal_error: bool,
}

impl Snapshot {
    pub fn text(&self) -> &str {
        self.doc.text()
    }
    pub fn range(&self, span: Span) -> lsp::Range {
        position::range_to_lsp(self.doc.range(span, self.encoding))
    }
    pub fn offset(&self, p: lsp::Position) -> usize {
        self.doc.offset(position::from_lsp(p), self.encoding)
    }
    pub fn span(&self, r: lsp::Range) -> Span {
        self.doc.span(position::range_from_lsp(r), self.encoding)
    }
    /// Where a span is: in this document, or in a file it imports.
    pub fn location(&self, span: Span) -> lsp::Location {
        crate::imports::location(self, span)
            .unwrap_or_else(|| lsp::Location::new(self.uri.clone(), self.range(span)))
    }
}

/// Diagnostics ready to be sent to the client.
pub struct Published {
    pub uri: Uri,
    pub version: Option<i32>,
    pub diagnostics: Vec<lsp::Diagnostic>,
}

type Query = Box<dyn FnOnce(Option<&Arc<Snapshot>>) + Send>;
type QueryAll = Box<dyn FnOnce(Vec<Arc<Snapshot>>) + Send>;

enum Message {
    Configure(Encoding),
    Open {
        uri: Uri,
        version: i32,
        text: String,
    },
    Change {
        uri: Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    },
    Close(Uri),
    Query(Uri, Query),
    /// A question about every open document (workspace symbols).
    QueryAll(QueryAll),
    /// Run the flow tests of a document (all, or one by title).
    RunTests {
        uri: Uri,
        only: Option<String>,
        trace: bool,
        reply: tokio::sync::oneshot::Sender<Option<flow_tests::Run>>,
    },
    /// The editor saved a document: its tests run again.
    Saved(Uri),
    /// Files changed on disk: the flows whose templates they are are
    /// checked again.
    FilesChanged(Vec<PathBuf>),
    /// The workspace's folders, which imports may read.
    Roots(Vec<PathBuf>),
}

impl Message {
    /// Whether this message brings a newer text of `uri` than `version`.
    fn supersedes(&self, uri: &Uri, version: i32) -> bool {
        match self {
            Message::Open { uri: u, .. } | Message::Close(u) => u == uri,
            Message::Change {
                uri: u, version: v, ..
            } => u == uri && *v > version,
            Message::Configure(_) => true,
            Message::FilesChanged(_) | Message::Roots(_) => false,
            Message::Query(..)
            | Message::QueryAll(_)
            | Message::RunTests { .. }
            | Message::Saved(_) => false,
        }
    }
}

/// The protocol's `RequestFailed` error code.
const REQUEST_FAILED: i64 = -32803;

/// How long a request waits for its answer unless the client says
/// otherwise: far beyond any analysis of a real flow (docs/performance.md),
/// short enough that an editor is never stuck.
pub const DEFAULT_BUDGET_MS: u64 = 10_000;

/// The protocol side's handle on the document thread.
#[derive(Clone)]
pub struct Documents {
    tx: mpsc::Sender<Message>,
    budget: Arc<AtomicU64>,
}

impl Documents {
    /// Starts the document thread. Diagnostics go to `publish`; `errors_page`
    /// is the URL that diagnostic codes link to (an anchor is appended).
    pub fn start(
        publish: tokio::sync::mpsc::UnboundedSender<Published>,
        errors_page: String,
    ) -> std::io::Result<Self> {
        Ok(Documents::start_joinable(publish, errors_page)?.0)
    }

    /// [`Documents::start`], with the thread's handle: the thread ends once
    /// every `Documents` is dropped and the work in hand is done.
    pub fn start_joinable(
        publish: tokio::sync::mpsc::UnboundedSender<Published>,
        errors_page: String,
    ) -> std::io::Result<(Self, std::thread::JoinHandle<()>)> {
        let (tx, rx) = mpsc::channel();
        // A generous stack: the parser bounds nesting itself, but a deep
        // file should never be what stops the server.
        let thread = std::thread::Builder::new()
            .name("dun-documents".into())
            .stack_size(64 << 20)
            .spawn(move || Owner::new(publish, errors_page).run(rx))?;
        let docs = Documents {
            tx,
            budget: Arc::new(AtomicU64::new(DEFAULT_BUDGET_MS)),
        };
        Ok((docs, thread))
    }

    pub fn configure(&self, encoding: Encoding) {
        let _ = self.tx.send(Message::Configure(encoding));
    }

    pub fn open(&self, uri: Uri, version: i32, text: String) {
        let _ = self.tx.send(Message::Open { uri, version, text });
    }

    pub fn change(&self, uri: Uri, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        let _ = self.tx.send(Message::Change {
            uri,
            version,
            changes,
        });
    }

    pub fn close(&self, uri: Uri) {
        let _ = self.tx.send(Message::Close(uri));
    }

    /// Runs `f` on the latest analysis of every open document, under the
    /// same budget as [`Documents::query`].
    pub async fn query_all<T, F>(&self, f: F) -> Result<Option<T>, Error>
    where
        T: Send + 'static,
        F: FnOnce(Vec<Arc<Snapshot>>) -> Option<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let run: QueryAll = Box::new(move |snapshots| {
            if reply.is_closed() {
                return;
            }
            let result = catch_unwind(AssertUnwindSafe(|| f(snapshots)))
                .ok()
                .flatten();
            let _ = reply.send(result);
        });
        if self.tx.send(Message::QueryAll(run)).is_err() {
            return Ok(None);
        }
        self.within_budget(answer).await
    }

    /// Waits for `answer`, or fails with `RequestFailed` once the budget
    /// is spent.
    async fn within_budget<T>(
        &self,
        answer: tokio::sync::oneshot::Receiver<Option<T>>,
    ) -> Result<Option<T>, Error> {
        let budget = self.budget.load(Ordering::Relaxed);
        match tokio::time::timeout(Duration::from_millis(budget), answer).await {
            Ok(result) => Ok(result.ok().flatten()),
            Err(_) => Err(Error {
                code: ErrorCode::ServerError(REQUEST_FAILED),
                message: format!(
                    "dun lsp: no answer within the request budget of {budget} ms \
                     (initializationOptions.requestBudgetMs); the file may be very large"
                )
                .into(),
                data: None,
            }),
        }
    }

    /// Runs the flow tests of `uri` (the one titled `only`, or all) on its
    /// latest text; failures are published with the document's diagnostics
    /// until its text changes. `Ok(None)` when the document is not open or
    /// has errors.
    pub async fn run_tests(
        &self,
        uri: Uri,
        only: Option<String>,
        trace: bool,
    ) -> Result<Option<flow_tests::Run>, Error> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let message = Message::RunTests {
            uri,
            only,
            trace,
            reply,
        };
        if self.tx.send(message).is_err() {
            return Ok(None);
        }
        self.within_budget(answer).await
    }

    pub fn files_changed(&self, paths: Vec<PathBuf>) {
        let _ = self.tx.send(Message::FilesChanged(paths));
    }

    /// The workspace's folders: a flow may import from anywhere in them.
    pub fn set_roots(&self, roots: Vec<PathBuf>) {
        let _ = self.tx.send(Message::Roots(roots));
    }

    pub fn saved(&self, uri: Uri) {
        let _ = self.tx.send(Message::Saved(uri));
    }

    /// How long a request may wait for its answer, in milliseconds.
    pub fn set_budget(&self, milliseconds: u64) {
        self.budget.store(milliseconds.max(1), Ordering::Relaxed);
    }

    /// Runs `f` on the latest analysis of `uri`, on the document thread.
    /// `Ok(None)` when the document is not open, or when `f` panicked (the
    /// panic is contained: one bad query must not end the session).
    ///
    /// A request the client cancels (`$/cancelRequest`, answered by the
    /// protocol library) or that outlives its time budget is not run if it
    /// has not started; a budget exceeded is answered with the protocol's
    /// `RequestFailed` error naming the budget, so the editor is never left
    /// waiting on a busy document thread.
    pub async fn query<T, F>(&self, uri: Uri, f: F) -> Result<Option<T>, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Snapshot) -> Option<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let run: Query = Box::new(move |snapshot| {
            // Dropped by a cancellation or a timeout: nobody wants it.
            if reply.is_closed() {
                return;
            }
            let result =
                snapshot.and_then(|s| catch_unwind(AssertUnwindSafe(|| f(s))).ok().flatten());
            let _ = reply.send(result);
        });
        if self.tx.send(Message::Query(uri, run)).is_err() {
            return Ok(None);
        }
        self.within_budget(answer).await
    }
}

struct Document {
    version: i32,
    text: String,
    /// Failures of the last test run on this text, published with the
    /// diagnostics; cleared when the text changes (their lines may move).
    tests: Vec<lsp::Diagnostic>,
    /// `None` while the text has changed since the last analysis.
    snapshot: Option<Arc<Snapshot>>,
}

struct Owner {
    publish: tokio::sync::mpsc::UnboundedSender<Published>,
    errors_page: String,
    encoding: Encoding,
    docs: HashMap<Uri, Document>,
    backlog: VecDeque<Message>,
    /// Analyses replaced in this round, freed after it.
    retired: Vec<Arc<Snapshot>>,
    /// The workspace's folders (every link followed): imports may read
    /// them.
    roots: Vec<PathBuf>,
}

impl Owner {
    fn new(publish: tokio::sync::mpsc::UnboundedSender<Published>, errors_page: String) -> Self {
        Owner {
            publish,
            errors_page,
            encoding: Encoding::Utf16,
            docs: HashMap::new(),
            backlog: VecDeque::new(),
            retired: Vec::new(),
            roots: Vec::new(),
        }
    }

    fn run(mut self, rx: mpsc::Receiver<Message>) {
        loop {
            if self.backlog.is_empty() {
                match rx.recv() {
                    Ok(m) => self.backlog.push_back(m),
                    // The server has gone: end the thread.
                    Err(_) => return,
                }
            }
            self.backlog.extend(rx.try_iter());
            let mut queries = Vec::new();
            let mut every: Vec<QueryAll> = Vec::new();
            let mut runs = Vec::new();
            while let Some(message) = self.backlog.pop_front() {
                match message {
                    Message::Query(uri, run) => queries.push((uri, run)),
                    Message::QueryAll(run) => every.push(run),
                    Message::RunTests {
                        uri,
                        only,
                        trace,
                        reply,
                    } => runs.push((uri, only, trace, Some(reply))),
                    Message::Saved(uri) => runs.push((uri, None, false, None)),
                    other => self.apply(other),
                }
            }
            self.analyse_changed(&rx);
            for (uri, run) in queries {
                run(self.docs.get(&uri).and_then(|d| d.snapshot.as_ref()));
            }
            for run in every {
                run(self
                    .docs
                    .values()
                    .filter_map(|d| d.snapshot.clone())
                    .collect());
            }
            for (uri, only, trace, reply) in runs {
                if reply.as_ref().is_some_and(|r| r.is_closed()) {
                    continue;
                }
                let result = self.run_tests(&uri, only.as_deref(), trace);
                if let Some(reply) = reply {
                    let _ = reply.send(result);
                }
            }
            // Freeing a large analysis takes time too: only once the new
            // diagnostics are out.
            self.retired.clear();
        }
    }

    fn apply(&mut self, message: Message) {
        match message {
            Message::Configure(encoding) => {
                self.encoding = encoding;
                for doc in self.docs.values_mut() {
                    self.retired.extend(doc.snapshot.take());
                }
            }
            Message::Open { uri, version, text } => {
                let old = self.docs.insert(
                    uri.clone(),
                    Document {
                        version,
                        text,
                        tests: Vec::new(),
                        snapshot: None,
                    },
                );
                self.retired.extend(old.and_then(|d| d.snapshot));
                self.importers_stale(&uri);
            }
            Message::Change {
                uri,
                version,
                changes,
            } => {
                let encoding = self.encoding;
                let Some(doc) = self.docs.get_mut(&uri) else {
                    return;
                };
                // An edit older than what we have is stale: drop it.
                if version <= doc.version {
                    return;
                }
                for change in changes {
                    apply_change(&mut doc.text, change, encoding);
                }
                doc.version = version;
                doc.tests.clear();
                self.retired.extend(doc.snapshot.take());
                self.importers_stale(&uri);
            }
            Message::Close(uri) => {
                // The importers read the file from the disk again.
                self.importers_stale(&uri);
                if self.docs.remove(&uri).is_some() {
                    let _ = self.publish.send(Published {
                        uri,
                        version: None,
                        diagnostics: Vec::new(),
                    });
                }
            }
            Message::Roots(roots) => {
                self.roots = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
                for doc in self.docs.values_mut() {
                    self.retired.extend(doc.snapshot.take());
                }
            }
            Message::FilesChanged(paths) => {
                let real: Vec<PathBuf> =
                    paths.iter().filter_map(|p| p.canonicalize().ok()).collect();
                for doc in self.docs.values_mut() {
                    let stale = doc.snapshot.as_ref().is_some_and(|s| {
                        paths.iter().any(|p| templates::uses(s, p))
                            || real.iter().any(|p| imports::imports(s, p))
                    });
                    if stale {
                        doc.tests.clear();
                        self.retired.extend(doc.snapshot.take());
                    }
                }
            }
            Message::Query(..)
            | Message::QueryAll(_)
            | Message::RunTests { .. }
            | Message::Saved(_) => {}
        }
    }

    fn analyse_changed(&mut self, rx: &mpsc::Receiver<Message>) {
        let changed: Vec<Uri> = self
            .docs
            .iter()
            .filter(|(_, d)| d.snapshot.is_none())
            .map(|(u, _)| u.clone())
            .collect();
        if changed.is_empty() {
            return;
        }
        // Imports read the open buffers as edited.
        let open: HashMap<PathBuf, String> = self
            .docs
            .iter()
            .filter_map(|(u, d)| Some((imports::real_path(u)?, d.text.clone())))
            .collect();
        let loader = imports::OpenBuffers(&open);
        let roots = self.roots.clone();
        let mut own = Vec::new();
        let options = dun_compiler::modules::Options {
            allowed: &roots,
            loader: &loader,
        };
        for uri in changed {
            let Some(doc) = self.docs.get_mut(&uri) else {
                continue;
            };
            let snapshot = Arc::new(analyse_in(
                &uri,
                doc.version,
                &doc.text,
                self.encoding,
                options,
            ));
            doc.snapshot = Some(snapshot.clone());
            self.backlog.extend(rx.try_iter());
            if self
                .backlog
                .iter()
                .any(|m| m.supersedes(&uri, snapshot.version))
            {
                continue;
            }
            let mut diagnostics = diagnostics::to_lsp(&snapshot, &self.errors_page);
            diagnostics.extend(doc.tests.iter().cloned());
            own.push((
                Published {
                    uri,
                    version: Some(snapshot.version),
                    diagnostics,
                },
                snapshot,
            ));
        }
        // Published once every changed document is analysed, whatever the
        // order: a file an open flow imports shows what that flow's
        // analysis finds in it, not what it says on its own (where the
        // names the flow gives it are missing). Each document's own
        // diagnostics go first, then those of its template and imported
        // files.
        for (published, snapshot) in own {
            let imported = imports::real_path(&published.uri).is_some_and(|real| {
                self.docs.iter().any(|(u, d)| {
                    *u != published.uri
                        && d.snapshot
                            .as_ref()
                            .is_some_and(|s| imports::imports(s, &real))
                })
            });
            if !imported {
                let _ = self.publish.send(published);
            }
            for published in templates::diagnostics(&snapshot, &self.errors_page) {
                let _ = self.publish.send(published);
            }
            for published in imports::diagnostics(&snapshot, &self.errors_page) {
                let _ = self.publish.send(published);
            }
        }
    }

    /// The open flows that import the file of `uri` are checked again.
    fn importers_stale(&mut self, uri: &Uri) {
        let Some(real) = imports::real_path(uri) else {
            return;
        };
        for (u, doc) in self.docs.iter_mut() {
            if u != uri
                && doc
                    .snapshot
                    .as_ref()
                    .is_some_and(|s| imports::imports(s, &real))
            {
                doc.tests.clear();
                self.retired.extend(doc.snapshot.take());
            }
        }
    }
}

impl Owner {
    /// Runs tests on the latest analysis of `uri` and publishes their
    /// failures with its diagnostics. A save of a file without tests, or
    /// with errors, changes nothing.
    fn run_tests(&mut self, uri: &Uri, only: Option<&str>, trace: bool) -> Option<flow_tests::Run> {
        let doc = self.docs.get_mut(uri)?;
        let snapshot = doc.snapshot.clone()?;
        let caught = catch_unwind(AssertUnwindSafe(|| {
            flow_tests::run(&snapshot, only, trace, &self.errors_page)
        }));
        let run = caught.ok().flatten()?;
        if run.passed + run.failed == 0 && run.diagnostics.is_empty() && doc.tests.is_empty() {
            return Some(run);
        }
        // One test's run replaces that test's results only.
        match only {
            Some(title) => {
                let mark = format!("test \"{title}\" failed: ");
                doc.tests.retain(|d| !d.message.starts_with(&mark));
                doc.tests.extend(run.diagnostics.iter().cloned());
            }
            None => doc.tests = run.diagnostics.clone(),
        }
        let mut diagnostics = diagnostics::to_lsp(&snapshot, &self.errors_page);
        diagnostics.extend(doc.tests.iter().cloned());
        let _ = self.publish.send(Published {
            uri: uri.clone(),
            version: Some(snapshot.version),
            diagnostics,
        });
        Some(run)
    }
}

/// Analyses one version. The compiler must never panic, but if it does the
/// user gets a diagnostic saying so rather than a dead server.
pub fn analyse(uri: &Uri, version: i32, text: &str, encoding: Encoding) -> Snapshot {
    analyse_in(
        uri,
        version,
        text,
        encoding,
        dun_compiler::modules::Options::default(),
    )
}

/// [`analyse`] with imports read as `options` say.
pub fn analyse_in(
    uri: &Uri,
    version: i32,
    text: &str,
    encoding: Encoding,
    options: dun_compiler::modules::Options<'_>,
) -> Snapshot {
    let path: Option<PathBuf> = uri.to_file_path().map(|p| p.into_owned());
    let analysed = catch_unwind(AssertUnwindSafe(|| {
        Analysed::new_in(path.as_deref(), text, options)
    }));
    let (doc, internal_error) = match analysed {
        Ok(doc) => (doc, false),
        Err(_) => (Analysed::new(None, ""), true),
    };
    Snapshot {
        uri: uri.clone(),
        version,
        encoding,
        doc,
        internal_error,
    }
}

/// Applies one change: a whole new text, or (from a client that sends
/// ranges although we asked for full sync) a replaced range.
fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent, encoding: Encoding) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let span = LineMap::new(text).span(text, position::range_from_lsp(range), encoding);
            text.replace_range(span.range(), &change.text);
        }
    }
}
