//! End-to-end tests of `dun lsp`: the real binary over stdio, spoken to as
//! an editor does. `tests/lsp/fixtures/*.lsp` are transcripts to replay:
//! each `--- STEP` line is one editor action (open or change a document
//! with the text below it, or a request at a 0-based `line:column`), and
//! the snapshot records what the server answered, with the text each range
//! covers written next to it.

#[path = "lsp/harness.rs"]
mod harness;

use harness::Server;
use serde_json::{json, Value};
use std::path::Path;

const URI: &str = "file:///fixtures/flow.dun";

#[test]
fn fixtures() {
    insta::glob!("lsp/fixtures/*.lsp", |path| {
        let transcript = replay(path);
        insta::assert_snapshot!(transcript);
    });
}

struct Step {
    command: String,
    body: String,
}

fn steps(fixture: &str) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    for line in fixture.split_inclusive('\n') {
        if let Some(command) = line.strip_prefix("--- ") {
            out.push(Step {
                command: command.trim().to_string(),
                body: String::new(),
            });
        } else if let Some(step) = out.last_mut() {
            step.body.push_str(line);
        }
    }
    out
}

fn replay(path: &Path) -> String {
    let fixture = std::fs::read_to_string(path).expect("fixture");
    let steps = steps(&fixture);
    let utf8 = steps
        .first()
        .is_some_and(|s| s.command == "initialize utf-8");
    let encodings: &[&str] = if utf8 {
        &["utf-8", "utf-16"]
    } else {
        &["utf-16"]
    };
    let (mut server, init) = Server::initialized(encodings);
    let mut out = format!(
        "positionEncoding: {}\n",
        init["capabilities"]["positionEncoding"]
    );
    let mut text = String::new();
    let mut version = 0;
    for step in &steps {
        let words: Vec<&str> = step.command.split_whitespace().collect();
        let answer = match words.as_slice() {
            ["initialize", ..] => continue,
            ["open"] | ["change"] => {
                text = step.body.clone();
                version += 1;
                if words[0] == "open" {
                    server.open(URI, version, &text);
                } else {
                    server.change(URI, version, &text);
                }
                server.diagnostics(URI, version)
            }
            ["semantic_tokens"] => {
                let (method, params) = request("semantic_tokens", &[]);
                let legend = &init["capabilities"]["semanticTokensProvider"]["legend"];
                decode_tokens(&server.request(method, params), legend, &text, utf8)
            }
            [method, rest @ ..] => {
                let (method, params) = request(method, rest);
                server.request(method, params)
            }
            [] => continue,
        };
        let answer = annotate(answer, &text, utf8);
        out.push_str(&format!(
            "--- {}\n{}\n",
            step.command,
            serde_json::to_string_pretty(&answer).expect("json")
        ));
    }
    let status = server.shut_down();
    assert!(status.success(), "dun lsp exits cleanly: {status}");
    out
}

/// Semantic tokens as `line:column text: type+modifiers`, one a line,
/// decoded from the protocol's relative encoding with the server's legend.
fn decode_tokens(answer: &Value, legend: &Value, text: &str, utf8: bool) -> Value {
    let data: Vec<u64> = answer["data"]
        .as_array()
        .expect("token data")
        .iter()
        .map(|n| n.as_u64().expect("a number"))
        .collect();
    assert_eq!(data.len() % 5, 0, "tokens come in fives");
    let (mut line, mut col) = (0, 0);
    let mut out = Vec::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            line += t[0];
            col = t[1];
        } else {
            col += t[1];
        }
        let range = json!({
            "start": { "line": line, "character": col },
            "end": { "line": line, "character": col + t[2] },
        });
        let mut kind = legend["tokenTypes"][t[3] as usize]
            .as_str()
            .expect("type")
            .to_string();
        for (bit, name) in legend["tokenModifiers"]
            .as_array()
            .expect("modifiers")
            .iter()
            .enumerate()
        {
            if t[4] & (1 << bit) != 0 {
                kind.push('+');
                kind.push_str(name.as_str().expect("modifier"));
            }
        }
        let covers = covered(&range, text, utf8).expect("the token is inside the text");
        out.push(Value::String(format!("{line}:{col} {covers:?}: {kind}")));
    }
    Value::Array(out)
}

fn position(at: &str) -> Value {
    let (line, character) = at.split_once(':').expect("line:column");
    json!({ "line": line.parse::<u32>().expect("line"), "character": character.parse::<u32>().expect("column") })
}

fn doc_at(at: &str) -> Value {
    json!({ "textDocument": { "uri": URI }, "position": position(at) })
}

fn request(method: &str, args: &[&str]) -> (&'static str, Value) {
    let doc = json!({ "textDocument": { "uri": URI } });
    let at = || doc_at(args.first().copied().expect("a position"));
    match method {
        "hover" => ("textDocument/hover", at()),
        "definition" => ("textDocument/definition", at()),
        "references" => {
            let mut p = at();
            p["context"] = json!({ "includeDeclaration": true });
            ("textDocument/references", p)
        }
        "prepare_rename" => ("textDocument/prepareRename", at()),
        "rename" => {
            let mut p = at();
            p["newName"] = json!(args.get(1).copied().unwrap_or(""));
            ("textDocument/rename", p)
        }
        "completion" => ("textDocument/completion", at()),
        "highlight" => ("textDocument/documentHighlight", at()),
        "workspace_symbols" => (
            "workspace/symbol",
            json!({ "query": args.first().copied().unwrap_or("") }),
        ),
        "format_range" => {
            let (a, b) = args
                .first()
                .and_then(|r| r.split_once('-'))
                .expect("format_range L:C-L:C");
            let mut p = doc;
            p["range"] = json!({ "start": position(a), "end": position(b) });
            p["options"] = json!({ "tabSize": 2, "insertSpaces": true });
            ("textDocument/rangeFormatting", p)
        }
        "format" => {
            let mut p = doc;
            p["options"] = json!({ "tabSize": 2, "insertSpaces": true });
            ("textDocument/formatting", p)
        }
        "symbols" => ("textDocument/documentSymbol", doc),
        "folding" => ("textDocument/foldingRange", doc),
        "semantic_tokens" => ("textDocument/semanticTokens/full", doc),
        "inlay_hints" => {
            let mut p = doc;
            p["range"] = json!({ "start": position("0:0"), "end": position("9999:0") });
            ("textDocument/inlayHint", p)
        }
        "code_actions" => {
            let (a, b) = args
                .first()
                .and_then(|r| r.split_once('-'))
                .expect("code_actions L:C-L:C");
            let mut p = doc;
            p["range"] = json!({ "start": position(a), "end": position(b) });
            p["context"] = json!({ "diagnostics": [] });
            ("textDocument/codeAction", p)
        }
        other => panic!("unknown fixture step `{other}`"),
    }
}

/// Writes ranges as `line:col-line:col`, with `"covers": "..."` (the text
/// the range spans) next to each, so a snapshot reads like the editor.
fn annotate(mut value: Value, text: &str, utf8: bool) -> Value {
    fn walk(v: &mut Value, text: &str, utf8: bool) {
        match v {
            Value::Object(map) => {
                for (_, child) in map.iter_mut() {
                    walk(child, text, utf8);
                }
                for key in ["range", "selectionRange"] {
                    let Some(range) = map.get(key).cloned() else {
                        continue;
                    };
                    let Some(short) = short_range(&range) else {
                        continue;
                    };
                    if let Some(c) = covered(&range, text, utf8) {
                        let name = if key == "range" {
                            "covers".to_string()
                        } else {
                            format!("{key}Covers")
                        };
                        map.insert(name, Value::String(c));
                    }
                    map.insert(key.into(), Value::String(short));
                }
                if let Some(p) = map.get("position").and_then(short_position) {
                    map.insert("position".into(), Value::String(p));
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, text, utf8)),
            _ => {}
        }
    }
    walk(&mut value, text, utf8);
    value
}

fn short_position(p: &Value) -> Option<String> {
    Some(format!(
        "{}:{}",
        p["line"].as_u64()?,
        p["character"].as_u64()?
    ))
}

fn short_range(r: &Value) -> Option<String> {
    Some(format!(
        "{}-{}",
        short_position(&r["start"])?,
        short_position(&r["end"])?
    ))
}

fn covered(range: &Value, text: &str, utf8: bool) -> Option<String> {
    let at = |p: &Value| -> Option<usize> {
        let line = p["line"].as_u64()? as usize;
        let col = p["character"].as_u64()? as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let rest = text.get(start..)?;
        if utf8 {
            return Some(start + col.min(rest.len()));
        }
        let mut units = 0;
        for (i, c) in rest.char_indices() {
            if units >= col || c == '\n' {
                return Some(start + i);
            }
            units += c.len_utf16();
        }
        Some(text.len())
    };
    let (a, b) = (at(&range["start"])?, at(&range["end"])?);
    text.get(a..b).map(str::to_string)
}

/// A burst of edits, faster than the server can analyse them: every
/// publication is for a version the editor sent, versions never go back,
/// and the last diagnostics are exactly `dun check`'s on the final text.
#[test]
fn rapid_edits_end_with_the_diagnostics_of_the_final_text() {
    let (mut server, _) = Server::initialized(&["utf-16"]);
    // The real file, so that its template file is found.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/valid/reference.dun");
    let uri = &format!("file://{}", path.display());
    let good = std::fs::read_to_string(&path).expect("reference flow");
    server.open(uri, 1, &good);
    let first = server.diagnostics(uri, 1);
    assert_eq!(first, json!([]), "the reference flow checks clean");
    let mut last = String::new();
    let edits = 40;
    for v in 2..=edits {
        // Type `goto nowhere` character by character at the end of a stage.
        let step = "  goto nowhere_stage";
        let typed = &step[..(v as usize - 1).min(step.len())];
        last = good.replacen("\n}\n\nstage ", &format!("\n{typed}\n}}\n\nstage "), 1);
        server.change(uri, v, &last);
    }
    // A stale edit (an older version arriving late) is ignored.
    server.change(uri, 3, "this text must never be analysed");
    let final_diagnostics = server.diagnostics(uri, edits);
    let expected = dun_compiler::analyze(Some(&path), &last);
    let codes: Vec<&str> = final_diagnostics
        .as_array()
        .expect("array")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or(""))
        .collect();
    let wanted: Vec<&str> = expected.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, wanted);
    assert!(!codes.is_empty(), "the half-typed step is reported");

    // Everything published in between was for a version we sent, in order.
    let mut versions = Vec::new();
    for n in &server.notifications {
        // The flow's own; its template file's have no version.
        if n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri.as_str() {
            versions.push(n["params"]["version"].as_i64().expect("version"));
        }
    }
    assert!(versions.windows(2).all(|w| w[0] <= w[1]), "{versions:?}");
    assert!(
        versions.iter().all(|v| (2..=edits).contains(v)),
        "{versions:?}"
    );
    // The stale edit was dropped: the document still holds the final text.
    let symbols = server.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_ne!(
        symbols,
        Value::Null,
        "the final text still parses and formats"
    );
    assert!(
        server
            .notifications
            .iter()
            .all(|n| n["method"] != "textDocument/publishDiagnostics"
                || n["params"]["uri"] != uri.as_str()
                || n["params"]["version"].as_i64() <= Some(edits)),
        "nothing after the final version"
    );
    assert!(server.shut_down().success());
}

/// Garbage, truncations and deep nesting never take the server down, and
/// every request still gets an answer.
#[test]
fn never_crashes_on_any_text() {
    let (mut server, _) = Server::initialized(&["utf-16"]);
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/valid/reference.dun"),
    )
    .expect("reference flow");
    let mut texts: Vec<String> = vec![
        String::new(),
        "\u{feff}".into(),
        "😀\r\n\r\n\t\u{0}".into(),
        "stage { { { {".into(),
        format!(
            "flow f\nstage s {{\n  if {} true {} {{\n  }}\n}}\n",
            "(".repeat(5000),
            ")".repeat(5000)
        ),
        "flow f\n".to_string() + &"stage s {\n".repeat(3000),
        good.replace('}', ""),
        good.replace('\n', "\r\n"),
        good.chars().rev().collect(),
    ];
    for cut in (0..good.len()).step_by(good.len() / 25 + 1) {
        let mut cut = cut;
        while !good.is_char_boundary(cut) {
            cut -= 1;
        }
        texts.push(good[..cut].to_string());
    }
    server.open(URI, 1, "");
    server.diagnostics(URI, 1);
    for (i, text) in texts.iter().enumerate() {
        let version = i as i64 + 2;
        server.change(URI, version, text);
        let diagnostics = server.diagnostics(URI, version);
        assert!(diagnostics.is_array());
        for method in [
            "hover",
            "definition",
            "references",
            "prepare_rename",
            "completion",
            "symbols",
            "folding",
            "semantic_tokens",
            "inlay_hints",
            "format",
        ] {
            for at in ["0:0", "1:3", "3:200", "999:999"] {
                let (m, params) = request(method, &[at, "renamed"]);
                let _ = server.request(m, params);
            }
        }
        let (m, params) = request("code_actions", &["0:0-999:0"]);
        let _ = server.request(m, params);
        assert!(server.is_running(), "still running after text {i}");
    }
    assert!(server.shut_down().success());
}

/// Editors may keep stdin open after `exit`; the server exits anyway.
#[test]
fn exits_at_once_after_shutdown_and_exit() {
    let (server, init) = Server::initialized(&["utf-16"]);
    assert_eq!(init["serverInfo"]["name"], "dun");
    assert!(server.shut_down().success());
}

/// `exit` without `shutdown` ends the server with status 1, as the
/// protocol requires; so does an editor that vanishes (end of input).
#[test]
fn exit_without_shutdown_is_status_1() {
    let (mut server, _) = Server::initialized(&["utf-16"]);
    server.notify("exit", Value::Null);
    assert_eq!(server.wait_exit().code(), Some(1));

    let (server, _) = Server::initialized(&["utf-16"]);
    assert_eq!(server.close_input().code(), Some(1));
}

/// A body that is not JSON, not UTF-8 or not a JSON-RPC message is
/// answered with the protocol's error and the session goes on (issue 20,
/// finding 13: one such message used to end `dun lsp`).
#[test]
fn a_message_that_is_not_json_is_refused_and_the_session_goes_on() {
    let (mut server, _) = Server::initialized(&["utf-16"]);
    for (body, code) in [
        (&b"hello"[..], -32700),
        (&[0xff, 0xfe, 0x00][..], -32700),
        (&br#"{"jsonrpc":"2.0","id":true,"method":"x"}"#[..], -32600),
        (&b"[1, 2, 3]"[..], -32600),
    ] {
        server.send_raw(body);
        let reply = server.wait_for(|m| m["id"].is_null() && m.get("error").is_some());
        assert_eq!(reply["error"]["code"], code, "{reply}");
    }
    // A header without a length, then a real message.
    server.write_unframed(b"Content-Type: text/plain\r\n\r\nnot a message");
    let reply = server.wait_for(|m| m["id"].is_null() && m.get("error").is_some());
    assert_eq!(reply["error"]["code"], -32700, "{reply}");
    server.open(URI, 1, "flow f\nstart s\nstage s {\n  goto nowhere\n}\n");
    let diagnostics = server.diagnostics(URI, 1);
    assert_eq!(
        diagnostics.as_array().map(Vec::len),
        Some(1),
        "{diagnostics}"
    );
    assert!(server.is_running());
    assert!(server.shut_down().success());
}

/// A client that lists `plaintext` first gets hover without Markdown marks.
#[test]
fn hover_is_plain_text_for_a_client_that_prefers_it() {
    let text = "## The first week.\nflow f\nstart calls\nstage calls {\n  goto calls\n}\n";
    let hover_at = |server: &mut Server| {
        server.open(URI, 1, text);
        server.diagnostics(URI, 1);
        server.request("textDocument/hover", doc_at("4:8"))
    };
    let (mut server, _) = Server::initialized_with(json!({
        "processId": null, "rootUri": null,
        "capabilities": { "textDocument": { "hover": { "contentFormat": ["plaintext", "markdown"] } } }
    }));
    let plain = hover_at(&mut server);
    assert_eq!(plain["contents"]["kind"], "plaintext", "{plain}");
    let value = plain["contents"]["value"].as_str().expect("text");
    assert!(value.contains("stage calls"), "{value}");
    assert!(!value.contains("```") && !value.contains('`'), "{value}");
    assert!(server.shut_down().success());

    let (mut server, _) = Server::initialized(&["utf-16"]);
    let markdown = hover_at(&mut server);
    assert_eq!(markdown["contents"]["kind"], "markdown", "{markdown}");
    assert!(server.shut_down().success());
}

/// A request that cannot be answered within the client's budget
/// (`initializationOptions.requestBudgetMs`) fails with `RequestFailed`
/// and a message naming the budget; a cancelled one is answered with
/// `RequestCancelled`; the server goes on answering either way.
#[test]
fn requests_have_a_time_budget_and_can_be_cancelled() {
    let (mut server, _) = Server::initialized_with(json!({
        "processId": null, "rootUri": null, "capabilities": {},
        "initializationOptions": { "requestBudgetMs": 1 }
    }));
    // A large flow keeps the document thread busy well beyond 1 ms.
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/valid/reference.dun"),
    )
    .expect("reference flow");
    let big = good.repeat(40);
    server.open(URI, 1, &big);
    let answer = server.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_eq!(answer["error"]["code"], -32803, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("1 ms"), "{message}");
    server.diagnostics(URI, 1);
    assert!(server.is_running());
    assert!(server.shut_down().success());

    let (mut server, _) = Server::initialized(&["utf-16"]);
    server.open(URI, 1, &big);
    server.send(
        &json!({ "jsonrpc": "2.0", "id": 99, "method": "textDocument/documentSymbol",
        "params": { "textDocument": { "uri": URI } } }),
    );
    server.notify("$/cancelRequest", json!({ "id": 99 }));
    let reply = server.wait_for(|m| m["id"] == 99);
    assert_eq!(reply["error"]["code"], -32800, "{reply}");
    server.diagnostics(URI, 1);
    let answer = server.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert!(answer.is_array(), "answers after a cancellation: {answer}");
    assert!(server.shut_down().success());
}

/// Workspace symbols cover the flows of the workspace's folders that are
/// not open, read from disk, as well as the open ones as edited.
#[test]
fn workspace_symbols_find_stages_in_every_flow_of_the_folder() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let (mut server, _) = Server::initialized_with(json!({
        "processId": null,
        "rootUri": format!("file://{}", examples.display()),
        "capabilities": {}
    }));
    server.open(
        URI,
        1,
        "flow f\nstart plan_offered\nstage plan_offered {\n  end done\n}\n",
    );
    server.diagnostics(URI, 1);
    let found = server.request("workspace/symbol", json!({ "query": "plan_offer" }));
    let places: Vec<String> = found
        .as_array()
        .expect("symbols")
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["name"].as_str().unwrap_or(""),
                s["location"]["uri"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        places
            .iter()
            .any(|p| p.starts_with("plan_offer ") && p.ends_with("examples/bnpl/bnpl.dun")),
        "{places:?}"
    );
    assert!(
        places.iter().any(|p| p == &format!("plan_offered {URI}")),
        "{places:?}"
    );
    assert!(server.shut_down().success());
}

/// Flow tests from the editor: lenses on the flow and on every `test`
/// block; running them publishes each failed expectation on its line with
/// the explanation `dun test` prints; a save runs them again.
#[test]
fn flow_tests_run_from_code_lenses_and_fail_where_the_expectation_is() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let good = std::fs::read_to_string(root.join("examples/bnpl/bnpl.dun")).expect("example");
    let broken = good.replace(
        "  on day 1 expect sent sms missed_sms",
        "  on day 0 expect sent sms missed_sms",
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsp_flow_tests");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let path = dir.join("bnpl.dun");
    std::fs::write(&path, &broken).expect("write the flow");
    let uri = &format!("file://{}", path.display());

    // What `dun test` says about this file, line by line.
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_dun"))
        .arg("test")
        .arg(&path)
        .output()
        .expect("dun test");
    let printed = String::from_utf8_lossy(&cli.stdout).to_string();
    let explained: Vec<(u64, String)> = printed
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("     ")?;
            let (place, message) = rest.split_once(": ")?;
            let line = place.rsplit(':').next()?.parse::<u64>().ok()?;
            Some((line - 1, message.to_string()))
        })
        .collect();
    assert_eq!(explained.len(), 2, "{printed}");

    let (mut server, init) = Server::initialized(&["utf-16"]);
    let commands = &init["capabilities"]["executeCommandProvider"]["commands"];
    assert_eq!(commands, &json!(["dun.runTests", "dun.traceTest"]));
    server.open(uri, 1, &broken);
    assert_eq!(
        server.diagnostics(uri, 1),
        json!([]),
        "the flow checks clean"
    );

    let lenses = server.request(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": uri } }),
    );
    let lenses = lenses.as_array().expect("lenses");
    assert_eq!(lenses.len(), 1 + 2 * 8, "{lenses:?}");
    assert_eq!(lenses[0]["command"]["title"], "Run all tests (8)");
    assert_eq!(lenses[0]["range"]["start"]["line"], 6, "on the `flow` line");
    let first_test = good
        .lines()
        .position(|l| l.starts_with("test "))
        .expect("a test") as u64;
    assert_eq!(lenses[1]["range"]["start"]["line"], first_test);
    assert_eq!(lenses[1]["command"]["title"], "Run test");
    assert_eq!(lenses[2]["command"]["title"], "Trace");
    assert_eq!(
        lenses[1]["command"]["arguments"][0]["title"],
        "a customer who pays after the first nudges is cured"
    );

    let ran = server.request(
        "workspace/executeCommand",
        json!({ "command": "dun.runTests", "arguments": [{ "uri": uri }] }),
    );
    assert_eq!(
        (ran["passed"].clone(), ran["failed"].clone()),
        (json!(6), json!(2)),
        "{ran}"
    );
    let published = server.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["diagnostics"]
                .as_array()
                .is_some_and(|d| !d.is_empty())
    });
    let found = published["params"]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .clone();
    assert_eq!(found.len(), 2, "{found:?}");
    for (d, (line, message)) in found.iter().zip(&explained) {
        assert_eq!(d["code"], "dun::test::failed");
        assert_eq!(d["range"]["start"]["line"], *line, "{d}");
        let text = d["message"].as_str().unwrap_or("");
        assert!(
            text.ends_with(message.as_str()),
            "{text}\nvs dun test: {message}"
        );
    }
    let shown = server.wait_for(|m| m["method"] == "window/showMessage");
    assert_eq!(
        shown["params"]["message"],
        "dun test: 8 tests run, 6 passed, 2 failed"
    );

    let traced = server.request(
        "workspace/executeCommand",
        json!({ "command": "dun.traceTest", "arguments": [{ "uri": uri,
            "title": "a customer who pays after the first nudges is cured" }] }),
    );
    let trace = traced["trace"].as_str().unwrap_or("");
    assert!(
        trace.starts_with("trace of \"a customer who pays"),
        "{traced}"
    );
    assert!(trace.contains("missed_sms"), "{trace}");

    // The fix, saved: the tests run again and the failures go.
    std::fs::write(&path, &good).expect("write the fix");
    server.change(uri, 2, &good);
    server.diagnostics(uri, 2);
    server.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri } }),
    );
    let after = server.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 2
    });
    assert_eq!(after["params"]["diagnostics"], json!([]), "{after}");

    // Broken again and saved: the failures come back without a command.
    std::fs::write(&path, &broken).expect("write the flow");
    server.change(uri, 3, &broken);
    assert_eq!(
        server.diagnostics(uri, 3),
        json!([]),
        "an edit clears old results"
    );
    server.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri } }),
    );
    let again = server.diagnostics(uri, 3);
    assert_eq!(again.as_array().map(Vec::len), Some(2), "{again}");
    assert!(server.shut_down().success());
}

/// Template files: `file "..."` links to the file; a misspelt placeholder
/// is published on its line of the template file; when the file is fixed
/// on disk, the flow that reads it is checked again.
#[test]
fn template_files_are_linked_checked_and_watched() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsp_template_files");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("templates")).expect("scratch folder");
    let template = dir.join("templates/notice.txt");
    std::fs::write(
        &template,
        "Dear {account.name},\n\nYou owe {account.balnce}.\n",
    )
    .expect("template");
    let flow = dir.join("flow.dun");
    let text = "flow f\ncurrency USD\naccount { name: text\n balance: money\n address: address }\n\
                template notice for letter file \"templates/notice.txt\"\n\
                start s\nstage s {\n  send letter notice\n  end done\n}\n";
    std::fs::write(&flow, text).expect("flow");
    let uri = &format!("file://{}", flow.display());
    let template_uri = format!("file://{}", template.display());

    let (mut server, init) = Server::initialized_with(json!({
        "processId": null, "rootUri": null,
        "capabilities": { "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } }
    }));
    assert!(init["capabilities"]["documentLinkProvider"].is_object());
    let registration = server.wait_for(|m| m["method"] == "client/registerCapability");
    assert_eq!(
        registration["params"]["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    server.send(&json!({ "jsonrpc": "2.0", "id": registration["id"], "result": null }));
    server.open(uri, 1, text);
    let in_flow = server.diagnostics(uri, 1);
    assert_eq!(in_flow.as_array().map(Vec::len), Some(1), "{in_flow}");
    let in_file = server.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == template_uri
    });
    let found = &in_file["params"]["diagnostics"];
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{in_file}");
    assert_eq!(found[0]["range"]["start"]["line"], 2, "{found}");
    assert_eq!(
        found[0]["range"]["end"]["character"], 25,
        "the line {found}"
    );
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("balnce"),
        "{found}"
    );

    let links = server.request(
        "textDocument/documentLink",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(links[0]["target"], json!(template_uri), "{links}");
    assert_eq!(links[0]["range"]["start"]["line"], 5, "{links}");

    // Fixed on disk: the watcher's notice checks the flow again.
    std::fs::write(
        &template,
        "Dear {account.name},\n\nYou owe {account.balance}.\n",
    )
    .expect("fix");
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": template_uri, "type": 2 }] }),
    );
    assert_eq!(
        server.diagnostics(uri, 1),
        json!([]),
        "the flow is clean again"
    );
    let cleared = server.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == template_uri
    });
    assert_eq!(cleared["params"]["diagnostics"], json!([]), "{cleared}");
    assert!(server.shut_down().success());
}

/// Names in template files: find-references from a variable lists its
/// placeholders in the file, a rename rewrites them with the flow in one
/// workspace edit, and a rename or references asked from inside a
/// placeholder of the file answer for the variable.
#[test]
fn references_and_rename_reach_the_placeholders_of_template_files() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsp_template_refs");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("templates")).expect("scratch folder");
    let template = dir.join("templates/promise.txt");
    let file_text =
        "Dear {account.name},\n\nYou promised {promised_amount} of {account.balance}.\n";
    std::fs::write(&template, file_text).expect("template");
    let flow = dir.join("flow.dun");
    let text = "flow f\ncurrency USD\naccount { name: text\n balance: money\n address: address }\n\
                var promised_amount: money = 0 USD\n\
                template promise for letter file \"templates/promise.txt\"\n\
                start s\nstage s {\n  set promised_amount = account.balance\n  send letter promise\n  end done\n}\n";
    std::fs::write(&flow, text).expect("flow");
    let uri = &format!("file://{}", flow.display());
    let template_uri = format!("file://{}", template.display());

    let (mut server, _) = Server::initialized(&[]);
    server.open(uri, 1, text);
    assert_eq!(server.diagnostics(uri, 1), json!([]));
    // The variable's declaration: line 5, `var promised_amount`.
    let at_var = json!({ "line": 5, "character": 6 });
    let refs = server.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri }, "position": at_var,
                "context": { "includeDeclaration": false } }),
    );
    let places: Vec<(String, u64, u64, u64)> = refs
        .as_array()
        .map(|all| {
            all.iter()
                .map(|l| {
                    let file = if l["uri"] == json!(template_uri) {
                        "template"
                    } else {
                        "flow"
                    };
                    let r = &l["range"];
                    (
                        file.to_string(),
                        r["start"]["line"].as_u64().unwrap_or(99),
                        r["start"]["character"].as_u64().unwrap_or(99),
                        r["end"]["character"].as_u64().unwrap_or(99),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        places,
        [("flow".into(), 9, 6, 21), ("template".into(), 2, 14, 29)],
        "{refs}"
    );

    // Rename from the flow: the flow and the file, in one edit.
    let edit = server.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": at_var, "newName": "promised" }),
    );
    let in_file = &edit["changes"][template_uri.as_str()];
    assert_eq!(in_file.as_array().map(Vec::len), Some(1), "{edit}");
    assert_eq!(in_file[0]["newText"], "promised", "{edit}");
    assert_eq!(
        in_file[0]["range"]["start"],
        json!({ "line": 2, "character": 14 }),
        "{edit}"
    );
    assert_eq!(
        edit["changes"][uri.as_str()].as_array().map(Vec::len),
        Some(2),
        "{edit}"
    );

    // From inside the placeholder of the file (`{promised_a|mount}`).
    let in_placeholder = json!({ "line": 2, "character": 20 });
    let prepared = server.request(
        "textDocument/prepareRename",
        json!({ "textDocument": { "uri": template_uri }, "position": in_placeholder }),
    );
    assert_eq!(prepared["placeholder"], "promised_amount", "{prepared}");
    assert_eq!(
        prepared["range"]["start"],
        json!({ "line": 2, "character": 14 }),
        "{prepared}"
    );
    let again = server.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": template_uri }, "position": in_placeholder,
                "newName": "promised" }),
    );
    assert_eq!(again, edit, "the same rename from the file");
    let from_file = server.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": template_uri }, "position": in_placeholder,
                "context": { "includeDeclaration": true } }),
    );
    assert_eq!(from_file.as_array().map(Vec::len), Some(3), "{from_file}");
    let definition = server.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": template_uri }, "position": in_placeholder }),
    );
    assert_eq!(definition["uri"], json!(uri), "{definition}");
    assert_eq!(definition["range"]["start"]["line"], 5, "{definition}");
    // Literal text of the file names nothing.
    let nothing = server.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": template_uri }, "position": { "line": 0, "character": 1 },
                "context": { "includeDeclaration": true } }),
    );
    assert_eq!(nothing, json!(null), "{nothing}");
    assert!(server.shut_down().success());
}

/// A flow that imports a shared file: a mistake in the shared file is
/// published in that file (not in the flow, and not the file's own
/// complaints of names it leaves to the flow); go-to-definition and
/// references lead into it; hover shows an imported template; and editing
/// the shared file in the editor checks the flow that imports it again.
#[test]
fn imports_are_followed_across_files_and_rechecked_when_the_shared_file_changes() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsp_imports");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).expect("scratch folder");
    let shared = dir.join("policies/house.dun");
    let broken = "event cease_contact\npolicy {\n  stop contact on cease_contact\n}\ntemplate nudge for sms \"You owe {account.balnce}\"\n";
    std::fs::write(&shared, broken).expect("shared file");
    let flow = dir.join("flow.dun");
    let text = "flow f\ncurrency USD\nimport \"policies/house.dun\"\naccount {\n  balance: money\n  mobile: phone\n}\nstart s\nstage s {\n  send sms nudge\n  end done\n}\n";
    std::fs::write(&flow, text).expect("flow");
    let uri = &format!("file://{}", flow.display());
    let shared_uri = format!("file://{}", shared.display());

    let (mut server, _) = Server::initialized_with(json!({
        "processId": null,
        "rootUri": format!("file://{}", dir.display()),
        "capabilities": {}
    }));
    server.open(uri, 1, text);
    assert_eq!(
        server.diagnostics(uri, 1),
        json!([]),
        "the flow itself is clean"
    );
    let in_shared = server.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == shared_uri
    });
    let found = &in_shared["params"]["diagnostics"];
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{in_shared}");
    assert_eq!(found[0]["range"]["start"]["line"], 4, "{found}");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("balnce"),
        "{found}"
    );

    // `nudge` in `send sms nudge` (line 9).
    let at = json!({ "textDocument": { "uri": uri }, "position": { "line": 9, "character": 12 } });
    let definition = server.request("textDocument/definition", at.clone());
    assert_eq!(definition["uri"], json!(shared_uri), "{definition}");
    assert_eq!(definition["range"]["start"]["line"], 4, "{definition}");
    let mut with_declaration = at.clone();
    with_declaration["context"] = json!({ "includeDeclaration": true });
    let references = server.request("textDocument/references", with_declaration);
    let uris: Vec<&Value> = references
        .as_array()
        .map(|r| r.iter().map(|l| &l["uri"]).collect())
        .unwrap_or_default();
    assert!(uris.contains(&&json!(shared_uri)), "{references}");
    assert!(uris.contains(&&json!(uri)), "{references}");
    let hover = server.request("textDocument/hover", at.clone());
    assert!(hover.to_string().contains("nudge"), "{hover}");
    let mut rename = at.clone();
    rename["newName"] = json!("reminder");
    let edit = server.request("textDocument/rename", rename);
    let changes = &edit["changes"];
    assert_eq!(changes[uri].as_array().map(Vec::len), Some(1), "{edit}");
    assert_eq!(
        changes[&shared_uri].as_array().map(Vec::len),
        Some(1),
        "{edit}"
    );
    assert_eq!(
        changes[&shared_uri][0]["range"]["start"]["line"], 4,
        "{edit}"
    );

    // The shared file opened and fixed in the editor, unsaved: the flow is
    // checked again with the buffer's text and the mistake disappears.
    server.open(&shared_uri, 1, broken);
    server.change(&shared_uri, 2, &broken.replace("balnce", "balance"));
    let cleared = server.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == shared_uri
            && m["params"]["diagnostics"] == json!([])
    });
    assert_eq!(
        cleared["params"]["version"],
        Value::Null,
        "published by the flow's analysis"
    );
    assert!(server.shut_down().success());
}
