//! Per-person policy (`person account.FIELD`): caps, pauses and stops that
//! count across all the accounts of one person.
//!
//! The caller keeps one [`Person`] per person and hands it to every step
//! of that person's accounts ([`super::step_person`]). The engine reads it
//! when it decides a contact and writes to it when a contact goes, a
//! `stop` closes channels or a `pause` starts. Each account keeps its own
//! ledger too; the person's contacts include the account's own, so the
//! person's caps are the stricter test.
//!
//! The person's contacts may include some later than the moment decided:
//! `dun run` steps the accounts of one person one after another, each up
//! to the end of the run. A contact then goes only if no window of a cap
//! that contains it would hold more than the cap with the contacts already
//! decided, earlier or later, so the cap holds for the person however the
//! accounts were ordered.

use super::audit::Reason;
use super::contact::{from_minutes, minutes_ceil};
use super::run::Run;
use crate::format::{Channel, ChannelSet, Machine};
use crate::time::{self, Zone};
use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// Days kept past the longest cap before the moment the caller says its
/// accounts may still decide from (see [`Person::forget`]).
const SLACK_DAYS: i64 = 31;

/// What the accounts of one person share.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The contacts that went to any of the person's accounts, oldest
    /// first: minute since 1970 UTC (rounded up) and channel. The caller drops the old ones with
    /// [`Person::forget`].
    pub contacts: Vec<(u32, Channel)>,
    /// Channels a `stop` closed for every account of the person.
    pub stopped: ChannelSet,
    /// Per channel, the minute a `pause` on one of the accounts ends.
    pub paused: Vec<(Channel, u32)>,
}

impl Person {
    /// The minute the person's pause of `channel` ends; 0 when none.
    pub fn paused_until(&self, channel: Channel) -> u32 {
        self.paused
            .iter()
            .find(|(c, _)| *c == channel)
            .map_or(0, |(_, m)| *m)
    }

    /// Contacts on `channels` from minute `from` (included) to `to`
    /// (excluded).
    pub fn count_between(&self, channels: ChannelSet, from: u32, to: u32) -> usize {
        let start = self.contacts.partition_point(|(m, _)| *m < from);
        self.contacts[start..]
            .iter()
            .take_while(|(m, _)| *m < to)
            .filter(|(_, c)| channels.contains(*c))
            .count()
    }

    /// Forgets the contacts no cap of `m` can count for a contact decided
    /// at `floor` or later, and the pauses over by then: the caller says
    /// how far back its accounts may still decide (the earliest clock of
    /// the person's accounts, less a margin), since a contact of one
    /// account may be decided after a sibling's later ones.
    pub fn forget(&mut self, m: &Machine, floor: DateTime<Utc>) {
        let Some(floor) = floor.checked_sub_signed(Duration::days(SLACK_DAYS)) else {
            return;
        };
        let week = Duration::days(8);
        self.contacts.retain(|(c, _)| {
            let at = from_minutes(*c);
            (!m.policy.ext.week_caps.is_empty() && at + week > floor)
                || m.policy.caps.iter().any(|cap| {
                    let cal = m.calendar_for(&cap.window);
                    time::add(at, cap.window, chrono_tz::Tz::UTC, cal).is_none_or(|end| end > floor)
                })
        });
        let now = minutes_ceil(floor);
        self.paused.retain(|(_, until)| *until > now);
    }

    fn pause(&mut self, channel: Channel, minute: u32, now: u32) {
        self.paused.retain(|(_, m)| *m > now);
        match self.paused.iter_mut().find(|(c, _)| *c == channel) {
            Some((_, m)) => *m = (*m).max(minute),
            None => self.paused.push((channel, minute)),
        }
    }
}

/// The value that names the person of `account`, when the flow declares
/// `person` and the account's field is set.
pub fn person_of(m: &Machine, account: &super::Account) -> Option<String> {
    let key = m.person?;
    match account.fields.get(key.field as usize)? {
        crate::value::Value::Unset => None,
        v => Some(v.render(&m.currency)),
    }
}

impl Run<'_> {
    /// The first moment from `t` on that the person's caps allow a contact
    /// on `channel`, and why `t` is not one; `None` when `t` is.
    pub(crate) fn person_caps(
        &self,
        channel: Channel,
        t: DateTime<Utc>,
    ) -> Option<(DateTime<Utc>, Reason)> {
        let person = self.person.as_deref()?;
        let mut at = t;
        let mut why = None;
        for (i, cap) in self.m.policy.caps.iter().enumerate() {
            if !cap.channels.contains(channel) || cap.count == 0 {
                continue;
            }
            let cal = self.m.calendar_for(&cap.window);
            let end = |c: u32| time::add(from_minutes(c), cap.window, self.zone(), cal);
            // Only contacts less than a window (read generously: business
            // days and months vary) before `at` can share one with it.
            let Some(reach) = time::add(at, cap.window, self.zone(), cal) else {
                continue;
            };
            let span = (reach - at) * 3 + Duration::days(14);
            let lo = minutes_ceil(at - span);
            let start = person.contacts.partition_point(|(m, _)| *m < lo);
            let n = cap.count as usize;
            // `at` may not join N contacts that fit in one window: with
            // the group's first at c_i and last at c_j, any `at` with
            // c_j - W < at < c_i + W would. Groups are taken in time
            // order, so one pass moves `at` past every such group.
            let mut group: std::collections::VecDeque<u32> =
                std::collections::VecDeque::with_capacity(n);
            for (minute, c) in &person.contacts[start..] {
                if !cap.channels.contains(*c) {
                    continue;
                }
                if group.len() == n {
                    group.pop_front();
                }
                group.push_back(*minute);
                let (Some(&first), Some(&last)) = (group.front(), group.back()) else {
                    continue;
                };
                if group.len() < n {
                    continue;
                }
                let Some(reach) = time::add(at, cap.window, self.zone(), cal) else {
                    break;
                };
                if from_minutes(first) >= reach {
                    // This group and the later ones start a window after
                    // `at`'s.
                    break;
                }
                let Some(free) = end(first) else { continue };
                if from_minutes(last) >= free || at >= free || reach <= from_minutes(last) {
                    continue;
                }
                at = free;
                why.get_or_insert(Reason::PersonCap {
                    cap: i as u16,
                    week: false,
                    oldest: first,
                });
            }
        }
        for (i, cap) in self.m.policy.ext.week_caps.iter().enumerate() {
            if !cap.channels.contains(channel) || cap.count == 0 {
                continue;
            }
            // A full week sends the contact to the next; a few weeks at
            // most can be full already.
            for _ in 0..8 {
                let zone = self.zone();
                let date = zone.to_local(at).date();
                let monday =
                    date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
                let start = zone.local_to_utc(monday.and_time(NaiveTime::MIN));
                let next = zone.local_to_utc((monday + Duration::days(7)).and_time(NaiveTime::MIN));
                let (from, to) = (minutes_ceil(start), minutes_ceil(next));
                if person.count_between(cap.channels, from, to) < cap.count as usize {
                    break;
                }
                why.get_or_insert(Reason::PersonCap {
                    cap: i as u16,
                    week: true,
                    oldest: from,
                });
                at = next;
            }
        }
        why.map(|why| (at, why))
    }

    /// Whether a `stop` on another account of the person closed `channel`.
    pub(crate) fn person_stopped(&self, channel: Channel) -> bool {
        self.person
            .as_deref()
            .is_some_and(|p| p.stopped.contains(channel))
    }

    /// The minute a pause on another account of the person ends; 0 when
    /// none.
    pub(crate) fn person_paused_until(&self, channel: Channel) -> u32 {
        self.person
            .as_deref()
            .map_or(0, |p| p.paused_until(channel))
    }

    /// A `stop` on this account closes the channels for the person.
    pub(crate) fn share_stop(&mut self, channels: ChannelSet) {
        if let Some(p) = self.person.as_deref_mut() {
            p.stopped = p.stopped.union(channels);
        }
    }

    /// A `pause` on this account pauses the channels for the person.
    pub(crate) fn share_pause(&mut self, channel: Channel, minute: u32, now: u32) {
        if let Some(p) = self.person.as_deref_mut() {
            p.pause(channel, minute, now);
        }
    }

    /// Counts a contact that went to the person.
    pub(crate) fn record_person(&mut self, channel: Channel, at: DateTime<Utc>) {
        let minute = minutes_ceil(at);
        let Some(p) = self.person.as_deref_mut() else {
            return;
        };
        let i = p.contacts.partition_point(|(c, _)| *c <= minute);
        p.contacts.insert(i, (minute, channel));
    }
}
