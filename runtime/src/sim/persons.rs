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
            let group = key
                .as_ref()
                .and_then(|k| first.get(k))
                .copied()
                .unwrap_or(*i);
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

#[cfg(test)]
mod tests {
    use super::super::{simulate, Config, Portfolio};
    use crate::engine::Account;
    use crate::format::PersonKey;
    use crate::sim::behaviour::Behaviour;
    use crate::testkit::consumer_early;
    use crate::value::Value;
    use chrono::{NaiveDate, TimeZone, Utc};
    use rust_decimal::Decimal;

    fn accounts(m: &crate::format::Machine, people: &[&str]) -> Vec<Account> {
        people
            .iter()
            .enumerate()
            .map(|(i, who)| {
                Account::new(
                    m,
                    format!("A{i}"),
                    [
                        ("name", Value::Text((*who).into())),
                        ("balance", Value::Money(Decimal::from(900))),
                        ("minimum_due", Value::Money(Decimal::from(50))),
                        (
                            "due_date",
                            Value::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
                        ),
                        ("days_past_due", Value::Number(40.into())),
                        ("risk", Value::Variant("high".into())),
                        ("mobile", Value::Text("+15550100".into())),
                        ("email", Value::Text("p@example.com".into())),
                        ("address", Value::Text("1 Main St".into())),
                        ("whatsapp_opt_in", Value::Bool(false)),
                        ("timezone", Value::Text("America/New_York".into())),
                    ],
                )
                .unwrap()
            })
            .collect()
    }

    /// Contacts the caps held, and texts sent.
    fn capped(m: &crate::format::Machine, people: &[&str], threads: usize) -> (u64, u64) {
        let accounts = accounts(m, people);
        let cfg = Config {
            days: 60,
            seed: 7,
            start: Utc.with_ymd_and_hms(2026, 3, 2, 14, 0, 0).unwrap(),
            threads,
        };
        // Nobody answers or pays: every account runs its whole ladder.
        let mut quiet = Behaviour::default();
        quiet.payments.self_cure_per_day = 0.0;
        let report = simulate(
            m,
            &quiet,
            &Portfolio::Accounts(&accounts),
            &cfg,
            &mut |_| {},
        )
        .expect("the simulation runs");
        let held = report
            .whole
            .policy
            .get("held: cap (at_most)")
            .copied()
            .unwrap_or(0);
        let sms = report.whole.contacts.get("sms").copied().unwrap_or(0);
        (held, sms)
    }

    #[test]
    fn accounts_of_one_person_share_the_caps_whatever_the_threads() {
        let mut m = consumer_early();
        let name = m.account_field("name").unwrap();
        m.person = Some(PersonKey { field: name });
        let people = ["Ann", "Bob", "Ann", "Cy", "Ann", "Bob", "Ann", "Dee"];
        let apart = ["Ann", "Bob", "Eve", "Cy", "Fay", "Gus", "Hal", "Dee"];
        let shared = capped(&m, &people, 1);
        let alone = capped(&m, &apart, 1);
        // `at_most 2 sms per 7 days` counts Ann's four accounts and Bob's
        // two together: the caps hold texts that eight people would get
        // at once; the texts still go, later.
        assert_eq!(alone.0, 0, "{alone:?}");
        assert!(shared.0 > 0, "{shared:?}");
        assert_eq!(shared.1, alone.1);
        // A person's accounts are simulated together in one worker.
        assert_eq!(capped(&m, &people, 3), shared);
        assert_eq!(capped(&m, &people, 8), shared);
    }
}
