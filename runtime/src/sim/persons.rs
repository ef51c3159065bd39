//! The order a simulation takes the accounts in when the flow declares
//! `person account.FIELD`: the accounts of one person one after another,
//! in one worker, so that they share one record of contacts, pauses and
//! stops, and the result does not depend on the number of threads.

use super::{synthetic, Ctx, Portfolio};
use crate::engine::person_of;

pub(super) struct Order {
    /// Account indexes grouped by person (first seen first), each group in
    /// index order; empty when the flow has no `person`.
    idx: Vec<u64>,
    /// The person of each position of `idx`.
    keys: Vec<Option<String>>,
}

impl Order {
    pub(super) fn of(ctx: &Ctx, portfolio: &Portfolio) -> Order {
        let none = Order {
            idx: Vec::new(),
            keys: Vec::new(),
        };
        if ctx.m.person.is_none() {
            return none;
        }
        let cfg = ctx.cfg;
        let mut keyed: Vec<(Option<String>, u64)> = (0..portfolio.len())
            .map(|i| {
                let key = match portfolio {
                    Portfolio::Synthetic(_) => person_of(
                        &ctx.m,
                        &synthetic::account_drawn(
                            &ctx.m,
                            cfg.seed,
                            i,
                            cfg.start,
                            ctx.bound.balance,
                            &ctx.bound.draws,
                        ),
                    ),
                    Portfolio::Accounts(a) => person_of(&ctx.m, &a[i as usize]),
                };
                (key, i)
            })
            .collect();
        // Each person's accounts at the place of the first of them.
        let mut first: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
        for (key, i) in &keyed {
            if let Some(k) = key {
                first.entry(k.clone()).or_insert(*i);
            }
        }
        keyed.sort_by_key(|(key, i)| {
            let group = key.as_ref().and_then(|k| first.get(k)).copied().unwrap_or(*i);
            (group, *i)
        });
        let (keys, idx) = keyed.into_iter().unzip();
        Order { idx, keys }
    }

    /// The account at position `pos`.
    pub(super) fn index(&self, pos: u64) -> u64 {
        self.idx.get(pos as usize).copied().unwrap_or(pos)
    }

    /// A worker's first position at or after `pos`: never inside a
    /// person's group, so that a group is all in one worker.
    pub(super) fn bound(&self, mut pos: u64) -> u64 {
        while let (Some(Some(here)), Some(Some(before))) = (
            self.keys.get(pos as usize),
            pos.checked_sub(1).and_then(|p| self.keys.get(p as usize)),
        ) {
            if here != before {
                break;
            }
            pos += 1;
        }
        pos
    }
}
