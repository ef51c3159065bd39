#![forbid(unsafe_code)]
//! `dun lsp`: the language server. Protocol glue over the compiler
//! (DESIGN.md): documents live on one thread that analyses off the async
//! executor; this crate only translates between LSP and the compiler.

pub mod diagnostics;
pub mod documents;
mod features;
mod flow_tests;
mod formatting;
pub mod position;
pub mod queries;
mod server;
mod templates;
pub mod transport;
mod workspace;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
pub use tower_lsp_server::ls_types;
use tower_lsp_server::{LspService, Server};

/// Serves the protocol on standard input and output until the client sends
/// `exit` (or closes the stream). `errors_page` is the URL diagnostic codes
/// link to; each code's anchor is appended. Returns whether the client
/// asked for `shutdown` first (the protocol's exit status 0, else 1).
pub fn serve_stdio(errors_page: &str) -> std::io::Result<bool> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let errors_page = errors_page.to_string();
    let result = runtime.block_on(async move {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let docs = documents::Documents::start(tx, errors_page.clone())?;
        let shut_down = Arc::new(AtomicBool::new(false));
        let flag = shut_down.clone();
        let (service, socket) =
            LspService::new(|client| server::Backend::new(client, docs, errors_page, rx, flag));
        // The library reads and writes pipes; `transport` stands between
        // them and the editor (see there why).
        let (library_in, input_end) = tokio::io::duplex(1 << 16);
        let (library_out, output_end) = tokio::io::duplex(1 << 16);
        let (frames, outgoing) = tokio::sync::mpsc::unbounded_channel();
        let reader = tokio::spawn(transport::forward_input(
            tokio::io::stdin(),
            input_end,
            frames.clone(),
        ));
        let relay = tokio::spawn(transport::forward_output(output_end, frames));
        let writer = tokio::spawn(transport::write_output(tokio::io::stdout(), outgoing));
        Server::new(library_in, library_out, socket)
            .serve(service)
            .await;
        // Everything the library answered goes out before the process ends.
        reader.abort();
        let _ = reader.await;
        let _ = relay.await;
        let _ = writer.await;
        Ok(shut_down.load(Ordering::SeqCst))
    });
    // Reading stdin blocks a runtime thread; a client that keeps stdin open
    // after `exit` must not keep us alive, so do not wait for it.
    runtime.shutdown_background();
    result
}
