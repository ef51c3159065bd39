//! `dun lsp`: the language server for editors, over standard input and
//! output (docs/editors.md).

use crate::exit;

#[derive(clap::Args)]
pub struct Args {
    /// Accepted for editors that pass it (VS Code's client does); stdio is
    /// the only transport.
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: &Args) -> u8 {
    match dun_lsp::serve_stdio(crate::ERRORS_PAGE) {
        Ok(true) => exit::CLEAN,
        // The protocol's rule for `exit` without `shutdown`.
        Ok(false) => exit::FINDINGS,
        Err(e) => {
            eprintln!("error: the language server could not start: {e}");
            exit::TROUBLE
        }
    }
}
