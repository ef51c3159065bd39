"""pytest-lsp drives `dun lsp` as a client none of us wrote would.

The binary comes from DUN_BIN (set by tests/lsp_client.rs, which runs this
suite from `cargo test`); `dun` on PATH otherwise.
"""
