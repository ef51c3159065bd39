//! The protocol side: maps LSP requests to the document thread and to
//! `compiler::ide`, nothing else.

use crate::documents::{Documents, Published};
use crate::position;
use crate::{features, flow_tests, formatting, queries, templates, workspace};
use dun_compiler::ide::Encoding;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tower_lsp_server::jsonrpc::Error;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

pub struct Backend {
    client: Client,
    docs: Documents,
    encoding: Mutex<Encoding>,
    errors_page: String,
    /// Set by `shutdown`: `exit` without it ends with status 1.
    shut_down: Arc<AtomicBool>,
    /// The client lists `plaintext` first among its hover formats.
    plain_hover: AtomicBool,
    /// The workspace's folders, for workspace symbols.
    roots: Arc<Mutex<Vec<PathBuf>>>,
    /// The client lets the server ask to watch files (template files).
    can_watch: AtomicBool,
}

impl Backend {
    pub fn new(
        client: Client,
        docs: Documents,
        errors_page: String,
        mut rx: tokio::sync::mpsc::UnboundedReceiver<Published>,
        shut_down: Arc<AtomicBool>,
    ) -> Self {
        let forward = client.clone();
        tokio::spawn(async move {
            while let Some(p) = rx.recv().await {
                forward
                    .publish_diagnostics(p.uri, p.diagnostics, p.version)
                    .await;
            }
        });
        Backend {
            client,
            docs,
            encoding: Mutex::new(Encoding::Utf16),
            errors_page,
            shut_down,
            plain_hover: AtomicBool::new(false),
            roots: Arc::new(Mutex::new(Vec::new())),
            can_watch: AtomicBool::new(false),
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        let encoding = position::negotiate(offered);
        if let Ok(mut e) = self.encoding.lock() {
            *e = encoding;
        }
        self.docs.configure(encoding);
        let plain = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
            .and_then(|formats| formats.first())
            == Some(&MarkupKind::PlainText);
        self.plain_hover.store(plain, Ordering::Relaxed);
        let can_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.can_watch.store(can_watch, Ordering::Relaxed);
        if let Some(ms) = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("requestBudgetMs"))
            .and_then(|v| v.as_u64())
        {
            self.docs.set_budget(ms);
        }
        #[allow(deprecated)] // `rootUri` is still what some clients send
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .map(|f| &f.uri)
            .chain(params.root_uri.as_ref())
            .filter_map(|u| u.to_file_path().map(|p| p.into_owned()))
            .collect();
        roots.dedup();
        self.docs.set_roots(roots.clone());
        if let Ok(mut r) = self.roots.lock() {
            *r = roots;
        }
        Ok(InitializeResult {
            capabilities: features::capabilities(encoding),
            server_info: Some(ServerInfo {
                name: "dun".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if !self.can_watch.load(Ordering::Relaxed) {
            return;
        }
        // Template files may have any name: every change is reported, and
        // only those that a flow reads cause a new check.
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*".into()),
                kind: None,
            }],
        };
        let registration = Registration {
            id: "dun-template-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        // Not awaited here: a client that never answers must not hold up
        // the session (nor its `exit`).
        let client = self.client.clone();
        tokio::spawn(async move {
            if let Err(e) = client.register_capability(vec![registration]).await {
                client
                    .log_message(
                        MessageType::WARNING,
                        format!("dun: template files will not be watched: {e}"),
                    )
                    .await;
            }
        });
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths = params
            .changes
            .iter()
            .filter_map(|c| c.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        self.docs.files_changed(paths);
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        self.docs
            .query(params.text_document.uri, templates::links)
            .await
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.docs.open(doc.uri, doc.version, doc.text);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let doc = params.text_document;
        self.docs
            .change(doc.uri, doc.version, params.content_changes);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.docs.saved(params.text_document.uri);
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.docs
            .query(params.text_document.uri, |s| {
                let lenses = flow_tests::lenses(s);
                (!lenses.is_empty()).then_some(lenses)
            })
            .await
    }

    async fn execute_command(
        &self,
        params: ExecuteCommandParams,
    ) -> Result<Option<serde_json::Value>> {
        let trace = match params.command.as_str() {
            flow_tests::RUN => false,
            flow_tests::TRACE => true,
            other => {
                return Err(Error::invalid_params(format!(
                    "dun lsp has no command `{other}`"
                )))
            }
        };
        let Some((uri, title)) = flow_tests::arguments(&params.arguments) else {
            return Err(Error::invalid_params(
                "the command takes one argument: { \"uri\": DOCUMENT, \"title\": TEST (optional) }",
            ));
        };
        if trace && title.is_none() {
            return Err(Error::invalid_params(
                "a trace is of one test: give its title",
            ));
        }
        let Some(run) = self.docs.run_tests(uri, title, trace).await? else {
            self.client
                .show_message(
                    MessageType::WARNING,
                    "dun test: the flow has errors (or is not open); fix them to run its tests",
                )
                .await;
            return Ok(None);
        };
        if let Some(trace) = &run.trace {
            self.client.log_message(MessageType::INFO, trace).await;
        }
        let kind = if run.failed > 0 {
            MessageType::WARNING
        } else {
            MessageType::INFO
        };
        self.client.show_message(kind, run.summary()).await;
        Ok(Some(run.to_json()))
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.docs.close(params.text_document.uri);
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let answer = self
            .docs
            .query(params.text_document.uri, |s| Some(formatting::format(s)))
            .await?;
        self.formatted(answer).await
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        let range = params.range;
        let answer = self
            .docs
            .query(params.text_document.uri, move |s| {
                Some(formatting::format_range(s, range))
            })
            .await?;
        self.formatted(answer).await
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let p = params.text_document_position_params;
        let at = p.position;
        self.docs
            .query(p.text_document.uri, move |s| {
                queries::document_highlights(s, at)
            })
            .await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let roots = self.roots.lock().map(|r| r.clone()).unwrap_or_default();
        let encoding = self.encoding.lock().map(|e| *e).unwrap_or(Encoding::Utf16);
        let query = params.query;
        self.docs
            .query_all(move |open| {
                let found = workspace::symbols(open, &roots, &query, encoding);
                Some(WorkspaceSymbolResponse::Flat(found))
            })
            .await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        let at = p.position;
        let plain = self.plain_hover.load(Ordering::Relaxed);
        self.docs
            .query(p.text_document.uri, move |s| queries::hover(s, at, plain))
            .await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        let at = p.position;
        self.docs
            .query(p.text_document.uri, move |s| queries::completion(s, at))
            .await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.docs
            .query(params.text_document.uri, queries::document_symbols)
            .await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.docs
            .query(params.text_document.uri, queries::folding_ranges)
            .await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.docs
            .query(params.text_document.uri, queries::semantic_tokens)
            .await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let range = params.range;
        self.docs
            .query(params.text_document.uri, move |s| {
                queries::inlay_hints(s, range)
            })
            .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let range = params.range;
        let page = self.errors_page.clone();
        self.docs
            .query(params.text_document.uri, move |s| {
                queries::code_actions(s, range, &page)
            })
            .await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        let at = p.position;
        let uri = p.text_document.uri;
        match self
            .docs
            .query(uri.clone(), move |s| queries::definition(s, at))
            .await?
        {
            Some(found) => Ok(Some(found)),
            None => {
                self.in_template_file(uri, at, move |s, found| {
                    queries::definition(s, found.declaration)
                })
                .await
            }
        }
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let (at, decl) = (p.position, params.context.include_declaration);
        let uri = p.text_document.uri;
        match self
            .docs
            .query(uri.clone(), move |s| queries::references(s, at, decl))
            .await?
        {
            Some(found) => Ok(Some(found)),
            None => {
                self.in_template_file(uri, at, move |s, found| {
                    queries::references(s, found.declaration, decl)
                })
                .await
            }
        }
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let at = params.position;
        let uri = params.text_document.uri;
        let mut answer = self
            .docs
            .query(uri.clone(), move |s| Some(queries::prepare_rename(s, at)))
            .await?;
        if answer.is_none() {
            // Inside a placeholder of a template file: the range there.
            answer = self
                .in_template_file(uri, at, move |s, found| {
                    Some(
                        queries::prepare_rename(s, found.declaration).map(|answer| match answer {
                            PrepareRenameResponse::RangeWithPlaceholder { placeholder, .. } => {
                                PrepareRenameResponse::RangeWithPlaceholder {
                                    range: found.range,
                                    placeholder,
                                }
                            }
                            other => other,
                        }),
                    )
                })
                .await?;
        }
        refused(answer)
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let p = params.text_document_position;
        let at = p.position;
        let uri = p.text_document.uri;
        let name = params.new_name.clone();
        let mut answer = self
            .docs
            .query(uri.clone(), move |s| Some(queries::rename(s, at, &name)))
            .await?;
        if answer.is_none() {
            let name = params.new_name;
            answer = self
                .in_template_file(uri, at, move |s, found| {
                    Some(queries::rename(s, found.declaration, &name))
                })
                .await?;
        }
        refused(answer)
    }
}

/// A refused rename is an error response: editors show its message to the
/// user ("`goto` is a keyword and cannot be renamed").
fn refused<T>(answer: Option<std::result::Result<T, String>>) -> Result<Option<T>> {
    match answer {
        Some(Ok(t)) => Ok(Some(t)),
        Some(Err(reason)) => Err(Error::invalid_params(reason)),
        None => Ok(None),
    }
}

impl Backend {
    /// A request made inside a template file, which is not a flow the
    /// server analyses: `f` answers it in the open flow that reads the
    /// file, at the declaration of the name under the cursor.
    async fn in_template_file<T, F>(&self, uri: Uri, at: Position, f: F) -> Result<Option<T>>
    where
        T: Send + 'static,
        F: FnOnce(&crate::documents::Snapshot, templates::InTemplateFile) -> Option<T>
            + Send
            + 'static,
    {
        self.docs
            .query_all(move |snapshots| {
                let found = templates::in_template_file(&snapshots, &uri, at)?;
                let flow = found.flow.clone();
                f(&flow, found)
            })
            .await
    }

    /// The answer to a formatting request: a refusal of `dun fmt` is shown
    /// as a warning; syntax errors are already on screen as diagnostics.
    async fn formatted(
        &self,
        answer: Option<std::result::Result<Vec<TextEdit>, Option<String>>>,
    ) -> Result<Option<Vec<TextEdit>>> {
        match answer {
            Some(Ok(edits)) => Ok(Some(edits)),
            Some(Err(Some(refused))) => {
                self.client
                    .show_message(MessageType::WARNING, refused)
                    .await;
                Ok(None)
            }
            Some(Err(None)) | None => Ok(None),
        }
    }
}
