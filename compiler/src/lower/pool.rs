//! The machine's string and constant pools, each entry written once.

use dun_machine::format::{Const, Sym};
use std::collections::HashMap as StdMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: the strings hashed here are a few bytes long, where the standard
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

type HashMap<K, V> = StdMap<K, V, BuildHasherDefault<Fnv>>;

#[derive(Default)]
pub(crate) struct Pools {
    /// Strings already in the machine's pool.
    pub strings: HashMap<String, Sym>,
    /// Constants already in the machine's pool (a scan of the pool for
    /// each constant made lowering quadratic in their number).
    pub consts: HashMap<Const, u32>,
}
