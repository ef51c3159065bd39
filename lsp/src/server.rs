//! The protocol side: maps LSP requests to the document thread and to
//! `compiler::ide`, nothing else.

use crate::documents::{Documents, Published};
use crate::position::Encoding;
use crate::{features, formatting};
use std::sync::Mutex;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

pub struct Backend {
    client: Client,
    docs: Documents,
    encoding: Mutex<Encoding>,
}

impl Backend {
    pub fn new(
        client: Client,
        docs: Documents,
        mut rx: tokio::sync::mpsc::UnboundedReceiver<Published>,
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
        let encoding = Encoding::negotiate(offered);
        if let Ok(mut e) = self.encoding.lock() {
            *e = encoding;
        }
        self.docs.configure(encoding);
        Ok(InitializeResult {
            capabilities: features::capabilities(encoding),
            server_info: Some(ServerInfo {
                name: "dun".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.docs.open(doc.uri, doc.version, doc.text);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let doc = params.text_document;
        self.docs.change(doc.uri, doc.version, params.content_changes);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.docs.close(params.text_document.uri);
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let answer = self
            .docs
            .query(params.text_document.uri, |s| Some(formatting::format(s)))
            .await;
        match answer {
            Some(Ok(edits)) => Ok(Some(edits)),
            Some(Err(Some(refused))) => {
                self.client.show_message(MessageType::WARNING, refused).await;
                Ok(None)
            }
            // Syntax errors are already on screen as diagnostics.
            Some(Err(None)) | None => Ok(None),
        }
    }
}
