//! Name tables: every declared name and its index in the machine, numbered
//! in declaration order (the first declaration wins over a duplicate, which
//! the checker reports).

use crate::syntax::ast::{self, Decl};
use std::collections::HashMap as StdMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: the names hashed here are a few bytes long, where the standard
/// library's SipHash (built to resist crafted keys, which a compiler
/// reading its own user's flow does not face) was a fifth of lowering.
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type HashMap<K, V> = StdMap<K, V, BuildHasherDefault<Fnv>>;

#[derive(Default)]
pub(crate) struct Names<'a> {
    pub account: HashMap<&'a str, u16>,
    pub events: HashMap<&'a str, u16>,
    /// Per event, its payload fields.
    pub event_fields: Vec<HashMap<&'a str, u16>>,
    pub actions: HashMap<&'a str, u16>,
    pub action_fields: Vec<HashMap<&'a str, u16>>,
    pub calendars: HashMap<&'a str, u16>,
    pub vars: HashMap<&'a str, u16>,
    pub segments: HashMap<&'a str, &'a ast::Expr>,
    pub templates: HashMap<&'a str, u16>,
    pub stages: HashMap<&'a str, u16>,
    /// Strings already in the machine's pool.
    pub interned: HashMap<String, u32>,
    /// Constants already in the machine's pool (a scan of the pool for
    /// each constant made lowering quadratic in their number).
    pub consts: HashMap<dun_machine::format::Const, u32>,
}

fn number<'a>(map: &mut HashMap<&'a str, u16>, name: &'a str) -> Option<u16> {
    if map.contains_key(name) {
        return None;
    }
    let i = map.len() as u16;
    map.insert(name, i);
    Some(i)
}

fn fields(list: &[ast::FieldDecl]) -> HashMap<&str, u16> {
    let mut map = HashMap::default();
    for f in list {
        number(&mut map, &f.name.name);
    }
    map
}

impl<'a> Names<'a> {
    pub fn of(file: &'a ast::File) -> Self {
        let mut n = Names::default();
        for decl in &file.decls {
            match decl {
                Decl::Account(a) => {
                    for f in &a.fields {
                        // `account.id` is built in, never a slot.
                        if f.name.name != "id" {
                            number(&mut n.account, &f.name.name);
                        }
                    }
                }
                Decl::Event(e) if number(&mut n.events, &e.name.name).is_some() => {
                    n.event_fields.push(fields(&e.fields));
                }
                Decl::Action(a) if number(&mut n.actions, &a.name.name).is_some() => {
                    n.action_fields.push(fields(&a.fields));
                }
                Decl::Calendar(c) => {
                    number(&mut n.calendars, &c.name.name);
                }
                Decl::Var(v) => {
                    number(&mut n.vars, &v.name.name);
                }
                Decl::Segment(s) => {
                    n.segments.entry(&s.name.name).or_insert(&s.cond);
                }
                Decl::Template(t) => {
                    number(&mut n.templates, &t.name.name);
                }
                Decl::Stage(s) => {
                    number(&mut n.stages, &s.name.name);
                }
                _ => {}
            }
        }
        n
    }
}

/// The declarations of a kind, first of each name only, in source order:
/// the same order as the indexes above.
pub(crate) fn first_of<'a, T>(
    file: &'a ast::File,
    pick: impl Fn(&'a Decl) -> Option<(&'a T, &'a str)>,
) -> Vec<&'a T> {
    let mut seen = std::collections::HashSet::new();
    file.decls
        .iter()
        .filter_map(pick)
        .filter(|(_, name)| seen.insert(*name))
        .map(|(d, _)| d)
        .collect()
}
