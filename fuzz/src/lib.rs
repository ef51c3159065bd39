//! What each fuzz target checks, one function per target. The cargo-fuzz
//! binaries in `fuzz_targets/` call these on every input; the stable test
//! `tests/fuzz_smoke.rs` runs them over the seeds, the regressions and
//! random mutations of both, so a crash found once stays fixed without a
//! nightly toolchain. A function returns normally for any input dun handles: an
//! error reported to the user is a pass, a panic is a finding.

use dun_runtime::data::{parse_account, parse_event, read_csv, read_jsonl};
use dun_runtime::format::{self, Machine, HEADER_LEN};
use dun_runtime::{step, Account, Input, Instance, Value};
use std::sync::OnceLock;

/// Parser, names, types, checks, lowering and verification of one flow.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = dun_compiler::analyze(None, text);
}

/// The formatter: what it accepts, it formats again to the same text, and
/// the formatted flow compiles to the same machine (source spans aside).
pub fn fmt(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(once) = dun_compiler::fmt::format(text) else {
        return;
    };
    match dun_compiler::fmt::format(&once) {
        Ok(twice) => assert_eq!(twice, once, "formatting the output again changes it"),
        Err(d) => panic!("the formatter refuses its own output: {d:?}"),
    }
    let before = dun_compiler::analyze(None, text);
    let after = dun_compiler::analyze(None, &once);
    assert_eq!(
        before.has_errors(),
        after.has_errors(),
        "formatting changed whether the flow has errors"
    );
    assert_eq!(
        before.machine.as_ref().map(without_spans),
        after.machine.as_ref().map(without_spans),
        "formatting changed the compiled machine"
    );
}

/// The machine as JSON with every source span removed: formatting moves
/// code, and only the spans may differ.
fn without_spans(m: &Machine) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.remove("span");
                map.remove("spans");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(m).unwrap_or_default();
    strip(&mut v);
    v
}

/// The `.dunc` loader. The input is a payload put under a valid header (a
/// mutated payload would otherwise stop at the checksum, as a damaged file
/// with a recomputed checksum does not), and also read as a whole file.
/// A machine the loader accepts must be safe to run: an account enrols and
/// its timers run without a panic.
pub fn dunc(data: &[u8]) {
    let _ = format::decode(data);
    let file = with_header(data);
    let Ok(m) = format::decode(&file) else {
        return;
    };
    let _ = m.to_json();
    let account = Account {
        id: "A1".into(),
        fields: vec![Value::Unset; m.account.len()],
    };
    let mut inst = Instance::new();
    let start = chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default();
    let _ = step(&m, &mut inst, &account, Input::Enrol, start);
    for _ in 0..64 {
        let Some(due) = inst.next_due() else { break };
        let _ = step(&m, &mut inst, &account, Input::Timer, due);
    }
    for event in 0..m.events.len().min(4) as u16 {
        let payload = vec![Value::Unset; m.events[event as usize].fields.len()];
        let _ = step(
            &m,
            &mut inst,
            &account,
            Input::Event { event, payload },
            start,
        );
    }
}

/// A `.dunc` file holding `payload`, with the header and checksum a build
/// writes.
pub fn with_header(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&format::MAGIC);
    out.extend_from_slice(&format::FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// CRC-32 (IEEE), as the `.dunc` header holds it; written out here so the
/// targets need no crate the project's tests do not already have.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The account and event readers: CSV and JSON Lines, each row then read
/// as an account and as an event of the `bnpl` example.
pub fn data(data: &[u8]) {
    let m = bnpl();
    let mut rows = Vec::new();
    if let Ok((good, _)) = read_csv(data) {
        rows.extend(good);
    }
    rows.extend(read_jsonl(data).0);
    for row in &rows {
        let _ = parse_account(m, row);
        let _ = parse_event(m, row);
    }
}

/// The `bnpl` example compiled once: money, dates, numbers, texts, choices
/// and optional fields, with no template files to find.
fn bnpl() -> &'static Machine {
    static M: OnceLock<Machine> = OnceLock::new();
    M.get_or_init(|| {
        let text = include_str!("../../examples/bnpl/bnpl.dun");
        let analysis = dun_compiler::analyze(None, text);
        match analysis.machine {
            Some(m) => m,
            None => panic!(
                "the bnpl example does not compile: {:?}",
                analysis.diagnostics
            ),
        }
    })
}

/// The language server's message loop: an `initialize` request, then the
/// input as the rest of the stream (headers, bodies, anything). The server
/// ends at the end of its input, answering what it can, without a panic
/// (on the document thread too). Sessions run one after the other on one runtime, as `dun lsp` runs its
/// one session on its own: a runtime built per input cost more than most
/// sessions.
pub fn lsp(data: &[u8]) {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => panic!("the fuzz target cannot start a runtime: {e}"),
        }
    });
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#;
    let mut input = format!("Content-Length: {}\r\n\r\n{init}", init.len()).into_bytes();
    input.extend_from_slice(data);
    let session = runtime.block_on(dun_lsp::session(
        &input[..],
        Vec::new(),
        "https://example.invalid/errors",
    ));
    if let Err(e) = session {
        panic!("the language server failed: {e}");
    }
}
