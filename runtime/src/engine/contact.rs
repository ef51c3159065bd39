//! Contact rules at run time: stops, pauses, holds, caps over sliding windows,
//! contact hours and closed days.

use super::audit::Reason;
use super::run::Run;
use crate::format::{Channel, ZoneSpec};
use crate::time::{self, ContactWindow, MemoZone};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Whether a contact may go at a given moment.
pub(crate) enum Decision {
    Go,
    /// Not now: the first allowed moment and why not now.
    Hold {
        until: DateTime<Utc>,
        reason: Reason,
    },
    /// Never: a `stop` rule matched, or no moment within a year allows it.
    Suppress {
        reason: Reason,
    },
}

pub(crate) fn minutes_ceil(at: DateTime<Utc>) -> u32 {
    let secs = at.timestamp().max(0);
    u32::try_from((secs + 59) / 60).unwrap_or(u32::MAX)
}

pub(crate) fn from_minutes(m: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(i64::from(m) * 60, 0).unwrap_or_default()
}

impl Run<'_> {
    /// The zone of `contact_hours`, resolved for this account; UTC when the
    /// policy names none or the account's zone field is unusable.
    pub(crate) fn account_zone(&mut self) -> Tz {
        let (m, account) = (self.m, self.account);
        let name = match &m.policy.zone {
            ZoneSpec::Utc => return Tz::UTC,
            ZoneSpec::Named(s) => m.str(*s),
            ZoneSpec::AccountField(i) => match account.fields.get(*i as usize) {
                Some(crate::value::Value::Text(z)) => z.as_str(),
                _ => return Tz::UTC,
            },
        };
        self.memo.zone_named(name).unwrap_or(Tz::UTC)
    }

    /// The contact window of a channel: its own hours per weekday when a
    /// `contact_hours CHANNELS ...` names it, else the flow's.
    fn window(&self, channel: Channel) -> ContactWindow<'_, MemoZone<'_>> {
        let p = &self.m.policy;
        ContactWindow {
            hours: p.contact_hours,
            week: p.ext.window_for(channel).map(|w| &w.days),
            tz: self.zone(),
            closed_weekdays: p.closed_weekdays,
            holidays: &p.closed_holidays,
            calendars: &self.m.calendars,
        }
    }

    /// The second zone of `contact_hours ... in ZONE and ZONE`, for this
    /// account, when it is another zone than the first; an unusable zone
    /// field counts as no second zone, as an unusable first zone counts as
    /// UTC.
    fn second_zone(&self) -> Option<Tz> {
        let name = match self.m.second_zone.as_ref()? {
            ZoneSpec::Utc => return (self.tz != Tz::UTC).then_some(Tz::UTC),
            ZoneSpec::Named(s) => self.m.str(*s),
            ZoneSpec::AccountField(i) => match self.account.fields.get(*i as usize) {
                Some(crate::value::Value::Text(z)) => z.as_str(),
                _ => return None,
            },
        };
        time::zone_from_name(name).filter(|z| *z != self.tz)
    }

    /// The first moment at or after `at` inside the channel's window in
    /// both of the account's zones, with why `at` is not (`None` when it
    /// is). Each round moves to the next opening in one zone, then in the
    /// other; windows that never meet within a year suppress the contact.
    fn next_open_in_both(
        &self,
        channel: Channel,
        first_zone: &ContactWindow<'_, MemoZone<'_>>,
        second: Tz,
        at: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, Option<Reason>), Reason> {
        let other = ContactWindow {
            hours: first_zone.hours,
            week: first_zone.week,
            tz: second,
            closed_weekdays: first_zone.closed_weekdays,
            holidays: first_zone.holidays,
            calendars: first_zone.calendars,
        };
        let limit = at + chrono::Duration::days(366);
        let mut t = at;
        let mut why = None;
        // Two openings a day for a year at most, in each zone.
        for _ in 0..800 {
            let (open, closed) = first_zone
                .next_open(t)
                .map_err(|closed| Reason::NoMoment { channel, closed })?;
            if let Some(c) = closed {
                why.get_or_insert(Reason::Closed(c));
            }
            let (also, closed) = other
                .next_open(open)
                .map_err(|closed| Reason::NoMoment { channel, closed })?;
            if let Some(c) = closed {
                why.get_or_insert(Reason::ClosedIn {
                    closed: c,
                    zone: second,
                });
            }
            if also == open {
                return Ok((open, why));
            }
            if also > limit {
                break;
            }
            t = also;
        }
        Err(Reason::NoOverlap {
            channel,
            zone: second,
        })
    }

    /// Start of each cap's slots in the ledger.
    fn cap_offset(&self, cap: usize) -> usize {
        self.m.policy.caps[..cap]
            .iter()
            .map(|c| c.count as usize)
            .sum()
    }

    /// The caps' slots, then one per hold (see `hold`), then the week
    /// caps' (see `week`).
    pub(crate) fn ledger_len(&self) -> usize {
        let caps: usize = self.m.policy.caps.iter().map(|c| c.count as usize).sum();
        caps + self.m.policy.ext.holds.len()
            + self.week_slots()
            + super::charge::charge_slots(self.m)
    }

    /// Decides whether a contact on `channel` may go at `at`.
    pub(crate) fn decide(&self, channel: Channel, at: DateTime<Utc>) -> Decision {
        if self.inst.stopped.contains(channel) || self.person_stopped(channel) {
            return Decision::Suppress {
                reason: Reason::Stopped(channel),
            };
        }
        let window = self.window(channel);
        let second = self.second_zone();
        let mut t = at;
        let mut first: Option<Reason> = None;
        // Each rule can only push the moment later; a few rounds settle it
        // (a cap may free a moment that falls outside the hours, and so on).
        for _ in 0..16 {
            let mut moved = false;
            let paused = self
                .inst
                .paused_until(channel)
                .max(self.person_paused_until(channel));
            if paused != 0 && from_minutes(paused) > t {
                t = from_minutes(paused);
                moved = true;
                first.get_or_insert(Reason::Paused {
                    channel,
                    until: paused,
                });
            }
            if let Some(until) = self.plan_pause(channel).filter(|u| *u > t) {
                t = until;
                moved = true;
                first.get_or_insert(Reason::Paused {
                    channel,
                    until: minutes_ceil(until),
                });
            }
            if let Some(until) = self.promise_pause(channel).filter(|u| *u > t) {
                t = until;
                moved = true;
                first.get_or_insert(Reason::Paused {
                    channel,
                    until: minutes_ceil(until),
                });
            }
            if let Some(until) = self.settlement_pause(channel).filter(|u| *u > t) {
                t = until;
                moved = true;
                first.get_or_insert(Reason::Paused {
                    channel,
                    until: minutes_ceil(until),
                });
            }
            if let Some((hold, until)) = self.held_after(channel, t) {
                t = from_minutes(until);
                moved = true;
                first.get_or_insert(Reason::Hold { hold, until });
            }
            for (i, cap) in self.m.policy.caps.iter().enumerate() {
                if !cap.channels.contains(channel) || cap.count == 0 {
                    continue;
                }
                let off = self.cap_offset(i);
                let oldest = self.inst.ledger().get(off).copied().unwrap_or(0);
                if oldest == 0 {
                    continue;
                }
                let cal = self.m.calendar_for(&cap.window);
                let Some(free) = time::add(from_minutes(oldest), cap.window, self.zone(), cal)
                else {
                    continue;
                };
                if free > t {
                    t = free;
                    moved = true;
                    first.get_or_insert(Reason::Cap {
                        cap: i as u16,
                        oldest,
                    });
                }
            }
            if let Some((free, why)) = self.person_caps(channel, t) {
                if free > t {
                    t = free;
                    moved = true;
                    first.get_or_insert(why);
                }
            }
            if let Some((cap, free, oldest)) = self.week_full(channel, t) {
                if free > t {
                    t = free;
                    moved = true;
                    first.get_or_insert(Reason::WeekCap { cap, oldest });
                }
            }
            let open = match second {
                Some(zone) => self.next_open_in_both(channel, &window, zone, t),
                None => window
                    .next_open(t)
                    .map(|(open, why)| (open, why.map(Reason::Closed)))
                    .map_err(|closed| Reason::NoMoment { channel, closed }),
            };
            match open {
                Ok((open, why)) => {
                    if let Some(why) = why {
                        first.get_or_insert(why);
                        t = open;
                        moved = true;
                    }
                }
                Err(reason) => return Decision::Suppress { reason },
            }
            if !moved {
                break;
            }
        }
        match first {
            None => Decision::Go,
            Some(reason) => Decision::Hold { until: t, reason },
        }
    }

    /// Counts a contact that went in every cap that covers its channel.
    pub(crate) fn record_contact(&mut self, channel: Channel, at: DateTime<Utc>) {
        if self.inst.ledger().len() != self.ledger_len() {
            self.inst.resize_ledger(self.ledger_len());
        }
        let minute = minutes_ceil(at);
        for (i, cap) in self.m.policy.caps.iter().enumerate() {
            if !cap.channels.contains(channel) || cap.count == 0 {
                continue;
            }
            let off = self.cap_offset(i);
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
        self.record_week(channel, at);
        self.record_person(channel, at);
    }
}
