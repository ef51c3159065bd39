//! Framing between the editor and the protocol library. tower-lsp-server
//! stops reading for good after one message it cannot decode (a body that
//! is not JSON, not UTF-8, or not a JSON-RPC message), which would end the
//! session; so every message is read and checked here first. A message the
//! library would choke on is answered here with the JSON-RPC error it
//! deserves (`Parse error` or `Invalid request`), and the session goes on.
//!
//! Input: standard input → [`forward_input`] → a pipe the library reads.
//! Output: the library's pipe → [`forward_output`] → one channel, with the
//! errors answered here → [`write_output`] → standard output. Whole frames
//! only go through the channel, so the two sources never interleave.

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::UnboundedSender;
use tower_lsp_server::jsonrpc::{Request, Response};

/// The largest message body accepted; a larger one is skipped unread (and
/// answered with an error) so that no message makes memory grow unbounded.
pub const MAX_BODY: usize = 64 << 20;

/// The largest header block: beyond it, the bytes are not a header and are
/// skipped up to the next `Content-Length`.
const MAX_HEADER: usize = 8 << 10;

/// One framed message: `Content-Length` header and body.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// What one frame of input holds.
#[derive(Debug, PartialEq)]
pub enum Input {
    /// A JSON-RPC message the library can decode: passed on as it is.
    Message(Vec<u8>),
    /// Anything else: the error response to send back instead.
    Refused(Vec<u8>),
}

/// Checks one body: a request, notification or response the library's own
/// types accept, else the error to answer with (JSON-RPC 2.0 §5.1).
pub fn check(body: &[u8]) -> Input {
    let value: Value = match std::str::from_utf8(body)
        .ok()
        .and_then(|s| serde_json::from_str(s).ok())
    {
        Some(v) => v,
        None => {
            return Input::Refused(error(
                Value::Null,
                -32700,
                "Parse error: the message body is not UTF-8 JSON",
            ))
        }
    };
    let is_request = serde_json::from_value::<Request>(value.clone()).is_ok();
    if is_request || serde_json::from_value::<Response>(value.clone()).is_ok() {
        return Input::Message(body.to_vec());
    }
    // Answer with the request's id when it has a usable one.
    let id = match value.get("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) if value.get("method").is_some() => {
            id.clone()
        }
        _ => Value::Null,
    };
    Input::Refused(error(
        id,
        -32600,
        "Invalid request: not a JSON-RPC 2.0 request, notification or response",
    ))
}

fn error(id: Value, code: i64, message: &str) -> Vec<u8> {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
        .to_string()
        .into_bytes()
}

/// Splits a byte stream into frames. Bytes that are not a valid header are
/// skipped up to the next `Content-Length`, as the library itself does.
#[derive(Default)]
pub struct Framer {
    buffer: Vec<u8>,
    /// Bytes of an oversized body still to be skipped.
    skipping: usize,
}

/// What the framer found.
#[derive(Debug, PartialEq)]
pub enum Frame {
    Body(Vec<u8>),
    /// A header block without a usable `Content-Length`, or a body larger
    /// than [`MAX_BODY`]: answered with this error.
    Bad(Vec<u8>),
}

impl Framer {
    pub fn push(&mut self, bytes: &[u8]) {
        let skipped = self.skipping.min(bytes.len());
        self.skipping -= skipped;
        self.buffer.extend_from_slice(&bytes[skipped..]);
    }

    /// The next complete frame in what was pushed, if any.
    pub fn next_frame(&mut self) -> Option<Frame> {
        loop {
            if self.skipping > 0 {
                return None;
            }
            let Some(end) = find(&self.buffer, b"\r\n\r\n") else {
                if self.buffer.len() > MAX_HEADER {
                    self.resync(1);
                    continue;
                }
                return None;
            };
            let length = content_length(&self.buffer[..end]);
            let Some(length) = length else {
                // Leftovers of a refused message before a real header.
                if let Some(i) = self
                    .buffer
                    .get(1..end)
                    .and_then(|head| find(head, b"Content-Length"))
                {
                    self.buffer.drain(..1 + i);
                    continue;
                }
                self.buffer.drain(..end + 4);
                self.resync(0);
                return Some(Frame::Bad(error(
                    Value::Null,
                    -32700,
                    "Parse error: a message header without a valid Content-Length",
                )));
            };
            if length > MAX_BODY {
                self.buffer.drain(..end + 4);
                let here = length.min(self.buffer.len());
                self.buffer.drain(..here);
                self.skipping = length - here;
                return Some(Frame::Bad(error(
                    Value::Null,
                    -32700,
                    &format!(
                        "Parse error: a message of {length} bytes, over the limit of {MAX_BODY}"
                    ),
                )));
            }
            if self.buffer.len() < end + 4 + length {
                return None;
            }
            let body = self.buffer[end + 4..end + 4 + length].to_vec();
            self.buffer.drain(..end + 4 + length);
            return Some(Frame::Body(body));
        }
    }

    /// Drops bytes up to the next `Content-Length` at or after `from`
    /// (keeping a tail that may be the start of one).
    fn resync(&mut self, from: usize) {
        let from = from.min(self.buffer.len());
        match find(&self.buffer[from..], b"Content-Length") {
            Some(i) => {
                self.buffer.drain(..from + i);
            }
            None => {
                let keep = self.buffer.len().min(b"Content-Length".len());
                self.buffer.drain(..self.buffer.len() - keep);
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The `Content-Length` of a header block; `None` when it is missing,
/// not a number, or the block is not a header (some line without `:`).
fn content_length(header: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(header).ok()?;
    let mut length = None;
    for line in text.split("\r\n") {
        let (name, value) = line.split_once(':')?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().parse().ok()?);
        }
    }
    length
}

/// Reads the editor's messages and passes on those the library can decode;
/// the others are answered through `replies`. Ends at the end of input.
pub async fn forward_input(
    mut input: impl AsyncRead + Unpin,
    mut library: impl AsyncWrite + Unpin,
    replies: UnboundedSender<Vec<u8>>,
) {
    let mut framer = Framer::default();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let n = match input.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        framer.push(&chunk[..n]);
        while let Some(found) = framer.next_frame() {
            let refused = match found {
                Frame::Bad(reply) => reply,
                Frame::Body(body) => match check(&body) {
                    Input::Message(body) => {
                        if library.write_all(&frame(&body)).await.is_err()
                            || library.flush().await.is_err()
                        {
                            return;
                        }
                        continue;
                    }
                    Input::Refused(reply) => reply,
                },
            };
            eprintln!(
                "dun lsp: refused a message: {}",
                String::from_utf8_lossy(&refused)
            );
            let _ = replies.send(frame(&refused));
        }
    }
    let _ = library.shutdown().await;
}

/// Passes the library's framed output on, one whole frame at a time.
pub async fn forward_output(mut library: impl AsyncRead + Unpin, out: UnboundedSender<Vec<u8>>) {
    let mut framer = Framer::default();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let n = match library.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        framer.push(&chunk[..n]);
        while let Some(found) = framer.next_frame() {
            if let Frame::Body(body) = found {
                if out.send(frame(&body)).is_err() {
                    return;
                }
            }
        }
    }
}

/// Writes frames to the editor until every sender has gone.
pub async fn write_output(
    mut output: impl AsyncWrite + Unpin,
    mut frames: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
) {
    while let Some(frame) = frames.recv().await {
        if output.write_all(&frame).await.is_err() || output.flush().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut framer = Framer::default();
        let mut out = Vec::new();
        // One byte at a time: frames must not depend on how reads split.
        for b in input {
            framer.push(std::slice::from_ref(b));
            while let Some(f) = framer.next_frame() {
                out.push(f);
            }
        }
        out
    }

    #[test]
    fn frames_survive_any_split() {
        let input = [frame(b"{\"a\":1}"), frame(b"hello")].concat();
        assert_eq!(
            frames(&input),
            vec![
                Frame::Body(b"{\"a\":1}".to_vec()),
                Frame::Body(b"hello".to_vec())
            ]
        );
    }

    #[test]
    fn a_bad_header_is_answered_and_skipped() {
        let input = [b"Content-Type: x\r\n\r\ngarbage".to_vec(), frame(b"{}")].concat();
        let found = frames(&input);
        assert!(matches!(found[0], Frame::Bad(_)), "{found:?}");
        assert_eq!(found[1], Frame::Body(b"{}".to_vec()));
    }

    #[test]
    fn an_oversized_body_is_skipped_without_being_kept() {
        let mut framer = Framer::default();
        framer.push(format!("Content-Length: {}\r\n\r\n", MAX_BODY + 10).as_bytes());
        assert!(matches!(framer.next_frame(), Some(Frame::Bad(_))));
        framer.push(&vec![b'x'; MAX_BODY + 10]);
        assert!(framer.buffer.is_empty());
        framer.push(&frame(b"{}"));
        assert_eq!(framer.next_frame(), Some(Frame::Body(b"{}".to_vec())));
    }

    #[test]
    fn bodies_are_checked_as_the_library_decodes_them() {
        let ok = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        assert_eq!(check(ok), Input::Message(ok.to_vec()));
        let note = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        assert_eq!(check(note), Input::Message(note.to_vec()));
        let Input::Refused(reply) = check(b"hello") else {
            panic!("not JSON must be refused")
        };
        assert!(String::from_utf8_lossy(&reply).contains("-32700"));
        let Input::Refused(reply) = check(br#"{"id":7,"method":5}"#) else {
            panic!("not a message must be refused")
        };
        let reply: Value = serde_json::from_slice(&reply).unwrap();
        assert_eq!(reply["error"]["code"], -32600);
        assert!(matches!(check(&[0xff, 0xfe]), Input::Refused(_)));
    }
}
