#![forbid(unsafe_code)]
//! `dun lsp`: the language server. Protocol glue over the compiler:
//! documents live on one thread that analyses off the async
//! executor; this crate only translates between LSP and the compiler.

pub mod diagnostics;
pub mod documents;
mod features;
mod flow_tests;
mod formatting;
mod imports;
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
///
/// For `dun lsp` only, whose process ends when this returns: reading stdin
/// blocks a runtime thread, and a client that keeps stdin open after `exit`
/// must not keep the server alive, so the runtime's threads are left to
/// the end of the process rather than waited for.
pub fn serve_stdio(errors_page: &str) -> std::io::Result<bool> {
    let runtime = runtime()?;
    let result = runtime.block_on(session_with(
        tokio::io::stdin(),
        tokio::io::stdout(),
        errors_page,
        false,
    ));
    runtime.shutdown_background();
    result
}

/// [`serve_stdio`] over any byte streams: the protocol read from `input`
/// until `exit` or its end, answers written to `output`. Returns once every
/// thread of the session has ended (the runtime's and the document
/// thread): a process that goes on after a session (a test, a fuzz target)
/// must not have them running on beside it. Leaving the runtime's threads
/// behind (`Runtime::shutdown_background`), one session after another in
/// one process, crashed that process now and then with a SIGSEGV in
/// `pthread_detach` (docs/reliability.md).
pub fn serve<I, O>(input: I, output: O, errors_page: &str) -> std::io::Result<bool>
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite + Unpin,
{
    let runtime = runtime()?;
    let result = runtime.block_on(session(input, output, errors_page));
    drop(runtime);
    result
}

/// The server's runtime: two worker threads beside the document thread.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// One session of [`serve`] on a runtime the caller owns (one built per
/// session costs more than a short session itself: the fuzz target runs
/// many on one runtime). Returns once the document thread has ended; an
/// error if it panicked.
pub async fn session<I, O>(input: I, output: O, errors_page: &str) -> std::io::Result<bool>
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite + Unpin,
{
    session_with(input, output, errors_page, true).await
}

/// A session; `join` waits for the document thread to finish the work in
/// hand once the session is over.
async fn session_with<I, O>(
    input: I,
    output: O,
    errors_page: &str,
    join: bool,
) -> std::io::Result<bool>
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite + Unpin,
{
    let errors_page = errors_page.to_string();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (docs, documents_thread) = documents::Documents::start_joinable(tx, errors_page.clone())?;
    let shut_down = Arc::new(AtomicBool::new(false));
    let flag = shut_down.clone();
    let (service, socket) =
        LspService::new(|client| server::Backend::new(client, docs, errors_page, rx, flag));
    // The library reads and writes pipes; `transport` stands between
    // them and the editor (see there why). All of it runs on this task,
    // so the streams need not outlive the call.
    let (library_in, input_end) = tokio::io::duplex(1 << 16);
    let (library_out, output_end) = tokio::io::duplex(1 << 16);
    let (frames, outgoing) = tokio::sync::mpsc::unbounded_channel();
    let reader = transport::forward_input(input, input_end, frames.clone());
    let relay = transport::forward_output(output_end, frames);
    let writer = transport::write_output(output, outgoing);
    let serving = async {
        let mut serve = std::pin::pin!(Server::new(library_in, library_out, socket).serve(service));
        let mut reader = std::pin::pin!(reader);
        let mut reading = true;
        // The input ends, or the client asks to exit: either ends the
        // library's service; an input still open after `exit` is
        // dropped unread.
        loop {
            tokio::select! {
                () = &mut serve => break,
                () = &mut reader, if reading => reading = false,
            }
        }
    };
    // Everything the library answered goes out before the call returns.
    tokio::join!(serving, relay, writer);
    // The service, and with it the last handle on the document thread, is
    // gone: the thread ends after the work in hand.
    if join {
        // A panic there is contained for the session (its queries answer
        // nothing), but it is a bug: the caller hears of it.
        if let Ok(Err(panic)) = tokio::task::spawn_blocking(move || documents_thread.join()).await {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            return Err(std::io::Error::other(format!(
                "the document thread failed: {what}"
            )));
        }
    }
    Ok(shut_down.load(Ordering::SeqCst))
}
