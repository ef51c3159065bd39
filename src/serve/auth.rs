//! Bearer tokens with scopes: created by `dun token create`, kept in the
//! store as the SHA-256 of the token, compared in constant time.

use sha2::{Digest, Sha256};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a token may do. `admin` may do everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Ingest,
    Read,
    Admin,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Read => "read",
            Scope::Admin => "admin",
        }
    }
}

/// Checks a `--scope` list and writes it in one canonical form.
pub fn parse_scopes(text: &str) -> Result<String, String> {
    let mut out: Vec<&str> = Vec::new();
    for s in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match s {
            "ingest" | "read" | "admin" => {
                if !out.contains(&s) {
                    out.push(s)
                }
            }
            other => {
                return Err(format!(
                "unknown scope `{other}`; the scopes are ingest, read and admin (comma-separated)"
            ))
            }
        }
    }
    if out.is_empty() {
        return Err("give at least one scope: --scope ingest,read,admin".into());
    }
    Ok(out.join(","))
}

/// A new token: 32 random bytes from the operating system, hex, with a
/// prefix that lets secret scanners find a leaked one.
pub fn new_token() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random bytes from the system: {e}"))?;
    Ok(format!("dun_{}", hex(&bytes)))
}

pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Equal in a time that does not depend on where two strings differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a request is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No token, or one the store does not know (401).
    Unauthenticated(&'static str),
    /// A known token without the scope (403).
    Forbidden(Scope),
}

struct Known {
    hash: String,
    name: String,
    scopes: Vec<Scope>,
}

/// The tokens the store holds, read again when an unknown one is shown
/// (at most once a second, so wrong tokens cannot make the server read
/// the store for each request).
pub struct Tokens {
    known: Mutex<(Vec<Known>, Option<Instant>)>,
}

impl Tokens {
    pub fn new() -> Tokens {
        Tokens {
            known: Mutex::new((Vec::new(), None)),
        }
    }

    /// The token's name when `header` (the `Authorization` value) carries
    /// a known token with `scope`; `reload` reads the stored tokens.
    pub fn check(
        &self,
        header: Option<&str>,
        scope: Scope,
        reload: impl FnOnce() -> Option<Vec<dun_runtime::store::serve::StoredToken>>,
    ) -> Result<String, Refusal> {
        let Some(header) = header else {
            return Err(Refusal::Unauthenticated(
                "no token: send `Authorization: Bearer TOKEN` (a token from `dun token create`)",
            ));
        };
        let Some(token) = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
        else {
            return Err(Refusal::Unauthenticated(
                "the Authorization header is not `Bearer TOKEN`",
            ));
        };
        let h = hash(token.trim());
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        let mut found = find(&known.0, &h);
        if found.is_none() && known.1.is_none_or(|t| t.elapsed() > Duration::from_secs(1)) {
            if let Some(tokens) = reload() {
                known.0 = tokens
                    .into_iter()
                    .map(|t| Known {
                        hash: t.hash,
                        name: t.name,
                        scopes: t
                            .scopes
                            .split(',')
                            .filter_map(|s| match s {
                                "ingest" => Some(Scope::Ingest),
                                "read" => Some(Scope::Read),
                                "admin" => Some(Scope::Admin),
                                _ => None,
                            })
                            .collect(),
                    })
                    .collect();
                known.1 = Some(Instant::now());
                found = find(&known.0, &h);
            }
        }
        let Some(i) = found else {
            return Err(Refusal::Unauthenticated(
                "the token is not known to this store",
            ));
        };
        let k = &known.0[i];
        if k.scopes.contains(&scope) || k.scopes.contains(&Scope::Admin) {
            Ok(k.name.clone())
        } else {
            Err(Refusal::Forbidden(scope))
        }
    }
}

/// Looks at every token, so the time taken tells nothing of which one
/// matched or how much of a hash did.
fn find(known: &[Known], h: &str) -> Option<usize> {
    let mut found = None;
    for (i, k) in known.iter().enumerate() {
        if same(k.hash.as_bytes(), h.as_bytes()) {
            found = Some(i);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use dun_runtime::store::serve::StoredToken;

    #[test]
    fn scopes_are_checked_and_admin_may_do_everything() {
        assert_eq!(parse_scopes("read, ingest,read").unwrap(), "read,ingest");
        assert!(parse_scopes("write")
            .unwrap_err()
            .contains("unknown scope `write`"));
        assert!(parse_scopes(" , ").is_err());
        let tokens = Tokens::new();
        let stored = || {
            Some(vec![
                StoredToken {
                    hash: hash("r"),
                    name: "reader".into(),
                    scopes: "read".into(),
                },
                StoredToken {
                    hash: hash("a"),
                    name: "boss".into(),
                    scopes: "admin".into(),
                },
            ])
        };
        assert_eq!(
            tokens.check(Some("Bearer r"), Scope::Read, stored),
            Ok("reader".into())
        );
        assert_eq!(
            tokens.check(Some("Bearer r"), Scope::Ingest, stored),
            Err(Refusal::Forbidden(Scope::Ingest))
        );
        assert_eq!(
            tokens.check(Some("Bearer a"), Scope::Ingest, stored),
            Ok("boss".into())
        );
        assert!(matches!(
            tokens.check(Some("Bearer x"), Scope::Read, stored),
            Err(Refusal::Unauthenticated(_))
        ));
        assert!(matches!(
            tokens.check(None, Scope::Read, stored),
            Err(Refusal::Unauthenticated(_))
        ));
        assert!(matches!(
            tokens.check(Some("Basic r"), Scope::Read, stored),
            Err(Refusal::Unauthenticated(_))
        ));
    }

    #[test]
    fn new_tokens_differ_and_only_their_hash_is_kept() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
        assert_eq!(hash(&a).len(), 64);
        assert!(!hash(&a).contains(&a[4..]));
    }
}
