//! `at_most N CHANNELS per calendar week`: weeks run from Monday 00:00 to
//! the next Monday 00:00 in the flow's zone (the zone of `contact_hours`).
//!
//! Each such cap keeps, like a sliding cap, the times of its channels'
//! last N contacts in the ledger, after the sliding caps' and the holds'
//! slots: the week is full when the oldest of them falls in it.

use super::contact::{from_minutes, minutes_ceil};
use super::run::Run;
use crate::format::Channel;
use crate::time::Zone;
use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};

impl Run<'_> {
    /// Where each week cap's slots start in the ledger.
    fn week_offset(&self, cap: usize) -> usize {
        let caps: usize = self.m.policy.caps.iter().map(|c| c.count as usize).sum();
        let before: usize = self.m.policy.ext.week_caps[..cap]
            .iter()
            .map(|c| c.count as usize)
            .sum();
        caps + self.m.policy.ext.holds.len() + before
    }

    pub(crate) fn week_slots(&self) -> usize {
        self.m
            .policy
            .ext
            .week_caps
            .iter()
            .map(|c| c.count as usize)
            .sum()
    }

    /// Monday 00:00 of the calendar week of `at`, in the flow's zone.
    fn week_start(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let zone = self.zone();
        let date = zone.to_local(at).date();
        let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
        zone.local_to_utc(monday.and_time(NaiveTime::MIN))
    }

    /// The first week cap that is full for `channel` in the week of `t`,
    /// with the moment its next week starts and its oldest contact (a
    /// minute since 1970 UTC).
    pub(crate) fn week_full(
        &self,
        channel: Channel,
        t: DateTime<Utc>,
    ) -> Option<(u16, DateTime<Utc>, u32)> {
        let ledger = self.inst.ledger();
        for (i, cap) in self.m.policy.ext.week_caps.iter().enumerate() {
            if !cap.channels.contains(channel) || cap.count == 0 {
                continue;
            }
            let oldest = ledger.get(self.week_offset(i)).copied().unwrap_or(0);
            if oldest == 0 {
                continue;
            }
            let start = self.week_start(t);
            if from_minutes(oldest) >= start {
                // The next Monday: a week later in local time, DST-safe.
                let zone = self.zone();
                let next = zone.to_local(start).date() + Duration::days(7);
                let free = zone.local_to_utc(next.and_time(NaiveTime::MIN));
                return Some((i as u16, free, oldest));
            }
        }
        None
    }

    /// Counts a contact that went in every week cap that covers it.
    pub(crate) fn record_week(&mut self, channel: Channel, at: DateTime<Utc>) {
        let minute = minutes_ceil(at);
        for (i, cap) in self.m.policy.ext.week_caps.iter().enumerate() {
            if !cap.channels.contains(channel) || cap.count == 0 {
                continue;
            }
            let off = self.week_offset(i);
            if let Some(slots) = self
                .inst
                .ledger_mut()
                .get_mut(off..off + cap.count as usize)
            {
                slots.rotate_left(1);
                if let Some(last) = slots.last_mut() {
                    *last = minute;
                }
            }
        }
    }
}
