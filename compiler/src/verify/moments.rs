//! The moments a run's contacts really go out, as the engine decides them:
//! a stage's contact outside its channel's contact window waits for the
//! window to open (and the stage with it: later waits count from when it
//! went), and an agency's recall comes when its placement's period ends,
//! whatever the run was doing.
//!
//! The cap search works on the plan, where no contact is held. Holds only
//! ever move a stage's later contacts further from its earlier ones, so a
//! run the engine makes over a cap is over it on the plan too; the
//! converse is not true (a call on Monday 08:30 and one two hours later,
//! under `contact_hours mon 08:00 to 09:00`, go a week apart). So each
//! cap error's run is played here on a concrete week, the account entering
//! at every quarter hour of it, and stays an error only when some entry
//! breaks the cap at the moments the contacts really go out, with no
//! recall coming before its last contact (a recall that a handler takes
//! would move the account off the run). The local calendar is read as UTC
//! and holidays are left out, as elsewhere in the verifier.

use super::graph::{Graph, Via};
use super::paths::Step;
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use dun_machine::format::{Calendar, Cap, Channel, Machine, Op, ZoneSpec};
use dun_machine::time::{self, ContactWindow};

/// The Monday 00:00 (UTC) the verifier's concrete week starts on. The
/// property test in `tests.rs` enrols its accounts from it.
pub fn week_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Entries tried: every quarter hour of one week.
const STEP_MINUTES: i64 = 15;
const ENTRIES: i64 = 7 * 24 * 60 / STEP_MINUTES;

/// A run of a cap error played at the engine's moments.
#[derive(Clone, Debug)]
pub struct Shifted {
    /// When the account enters the flow.
    pub entry: DateTime<Utc>,
    /// When the counted contacts of the window go out, in order.
    pub times: Vec<DateTime<Utc>>,
    /// The zone whose local time the run was played in.
    pub tz: Tz,
}

/// Whether the run's moments can differ from the plan's: the policy has
/// hours or closed days, or the flow places with an agency and handles the
/// recall. When neither holds, the plan is what the engine does.
pub fn matter(m: &Machine) -> bool {
    m.policy.contact_hours.is_some()
        || m.policy.closed_weekdays & 0x7f != 0
        || !m.policy.ext.windows.is_empty()
        || recall_handled(m)
}

/// The built-in recall event, when a handler of the flow takes it.
fn recall_event(m: &Machine) -> Option<u16> {
    let e = m.event_index("agency_recalled")?;
    let handled = m.handlers.iter().any(|h| h.event == e)
        || m.stages
            .iter()
            .any(|s| s.handlers.iter().any(|h| h.event == e));
    handled.then_some(e)
}

fn recall_handled(m: &Machine) -> bool {
    recall_event(m).is_some()
}

/// The first entry of the week at which the run `prefix` then `window`
/// breaks `cap` at the engine's moments; `week` for a cap per calendar
/// week (the contacts in one Monday-to-Sunday week).
pub fn realise(
    m: &Machine,
    g: &Graph,
    prefix: &[Step],
    window: &[Step],
    cap: &Cap,
    week: bool,
) -> Option<Shifted> {
    let calendars: Vec<Calendar> = m
        .calendars
        .iter()
        .map(|c| Calendar {
            holidays: Vec::new(),
            ..c.clone()
        })
        .collect();
    let (tz, also) = zones(m);
    let play = Play {
        m,
        g,
        calendars: &calendars,
        recall: recall_event(m),
        tz,
        also,
    };
    (0..ENTRIES).find_map(|k| {
        let entry = week_start() + Duration::minutes(k * STEP_MINUTES);
        let mut times = play.run(entry, prefix, window, cap)?;
        times.sort_unstable();
        let n = cap.count as usize;
        let at = (0..times.len().saturating_sub(n))
            .find(|&i| breaks(m, &calendars, cap, week, tz, times[i], times[i + n]))?;
        Some(Shifted {
            entry,
            times: times[at..=at + n].to_vec(),
            tz,
        })
    })
}

/// Whether `first` and `last` are closer than the cap allows: less than
/// its window apart (as the engine counts), or in one calendar week.
fn breaks(
    m: &Machine,
    calendars: &[Calendar],
    cap: &Cap,
    week: bool,
    tz: Tz,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
) -> bool {
    if week {
        let monday = |t: &DateTime<Utc>| {
            let d = t.with_timezone(&tz).date_naive();
            d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
        };
        return monday(&first) == monday(&last);
    }
    let cal = cap
        .window
        .calendar
        .or(m.default_calendar)
        .and_then(|c| calendars.get(c as usize));
    time::add(first, cap.window, tz, cal).is_some_and(|end| last < end)
}

/// The zones a run is played in: the local calendar read as UTC, unless
/// the flow names two different zones for its hours, which are then played
/// as they are (their offsets decide when the hours meet). A second zone
/// read from the account may equal the first, so an account with one zone
/// exists for any run played in one.
fn zones(m: &Machine) -> (Tz, Option<Tz>) {
    let fixed = |z: &ZoneSpec| match z {
        ZoneSpec::Utc => Some(Tz::UTC),
        ZoneSpec::Named(s) => time::zone_from_name(m.str(*s)),
        ZoneSpec::AccountField(_) => None,
    };
    match (
        fixed(&m.policy.zone),
        m.second_zone.as_ref().and_then(fixed),
    ) {
        (Some(a), Some(b)) if a != b => (a, Some(b)),
        _ => (Tz::UTC, None),
    }
}

struct Play<'a> {
    m: &'a Machine,
    g: &'a Graph,
    calendars: &'a [Calendar],
    recall: Option<u16>,
    tz: Tz,
    also: Option<Tz>,
}

impl Play<'_> {
    fn window(&self, channel: Channel, tz: Tz) -> ContactWindow<'_> {
        let p = &self.m.policy;
        ContactWindow {
            hours: p.contact_hours,
            week: p.ext.window_for(channel).map(|w| &w.days),
            tz,
            closed_weekdays: p.closed_weekdays,
            holidays: &[],
            calendars: self.calendars,
        }
    }

    /// The first moment at or after `t` inside the channel's hours, in
    /// both zones when there are two (as the engine looks for it).
    fn next_open(&self, channel: Channel, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let first = self.window(channel, self.tz);
        let Some(also) = self.also else {
            return first.next_open(t).ok().map(|(open, _)| open);
        };
        let second = self.window(channel, also);
        let limit = t + Duration::days(366);
        let mut at = t;
        for _ in 0..800 {
            let (open, _) = first.next_open(at).ok()?;
            let (both, _) = second.next_open(open).ok()?;
            if both == open {
                return Some(open);
            }
            if both > limit {
                return None;
            }
            at = both;
        }
        None
    }

    /// The op a stage's move runs, when it leaves a node of a stage.
    fn op(&self, node: super::graph::Node) -> Option<&Op> {
        let stage = *self.g.stage_of.get(node as usize)?;
        let pc = node.checked_sub(self.g.entry(stage))?;
        self.m.stages.get(stage as usize)?.code.get(pc as usize)
    }

    /// Whether a handler's code places with an agency: its recall would
    /// come at a moment the run does not choose.
    fn handler_places(&self, span: dun_machine::format::SrcSpan) -> bool {
        let places = |h: &dun_machine::format::Handler| {
            h.span == span && h.code.iter().any(|op| matches!(op, Op::PlaceAgency { .. }))
        };
        self.m.handlers.iter().any(places)
            || self.m.stages.iter().any(|s| s.handlers.iter().any(places))
    }

    /// The moments the window's counted contacts go out for an account
    /// entering at `entry`, not in order (a handler's contact is queued
    /// for its window while the stage goes on); `None` when the run cannot
    /// be played so (a contact no window lets go, or a recall that comes
    /// before the last contact).
    fn run(
        &self,
        entry: DateTime<Utc>,
        prefix: &[Step],
        window: &[Step],
        cap: &Cap,
    ) -> Option<Vec<DateTime<Utc>>> {
        let mut t = entry;
        let mut recall_at: Option<DateTime<Utc>> = None;
        let mut times = Vec::new();
        let steps = prefix
            .iter()
            .map(|s| (s, false))
            .chain(window.iter().map(|s| (s, true)));
        for (&(u, i), counted) in steps {
            let e = self.g.edge((u, i));
            match e.via {
                Via::Wait => {
                    if let Some(Op::Wait { duration, .. }) = self.op(u) {
                        let cal = duration
                            .calendar
                            .or(self.m.default_calendar)
                            .and_then(|c| self.calendars.get(c as usize));
                        t = time::add(t, *duration, self.tz, cal)?;
                    }
                }
                Via::Event { event, .. } => {
                    // An event at a chosen moment: the run takes the
                    // handler now (as the wait begins) or as it ends,
                    // which the wait's own move already timed. A recall
                    // is not chosen: it comes when its period ends.
                    if Some(event) == self.recall || self.handler_places(e.span) {
                        return None;
                    }
                    // A handler's contacts are queued: each goes when its
                    // window opens, and the stage does not wait for it.
                    for c in self.g.contacts(e) {
                        if counted && cap.channels.contains(c.channel) {
                            times.push(self.next_open(c.channel, t)?);
                        }
                    }
                    continue;
                }
                // A deadline or a `wait until` whose moment has come.
                Via::Deadline { .. } | Via::WaitUntil | Via::Step | Via::Branch { .. } => {}
            }
            if let Some(Op::PlaceAgency { period, .. }) = self.op(u) {
                if e.via == Via::Step && self.recall.is_some() {
                    let cal = period
                        .calendar
                        .or(self.m.default_calendar)
                        .and_then(|c| self.calendars.get(c as usize));
                    recall_at = Some(time::add(t, *period, self.tz, cal)?);
                }
            }
            for c in self.g.contacts(e) {
                t = self.next_open(c.channel, t)?;
                if counted && cap.channels.contains(c.channel) {
                    times.push(t);
                }
            }
            // The recall comes while the stage waits or holds: a handler
            // of it may move the account off this run.
            if recall_at.is_some_and(|r| r <= t) {
                return None;
            }
        }
        Some(times)
    }
}
