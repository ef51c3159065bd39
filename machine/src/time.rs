//! Calendars, zones, durations and contact windows.
//!
//! Durations of days and longer move the *local* calendar and keep the
//! local time of day, so `wait 1 day` across a daylight-saving change
//! resumes at the same local hour. Hours and minutes are exact. A local
//! time that does not exist (spring forward) moves forward by the gap; an
//! ambiguous one (fall back) takes the earlier instant.

use crate::format::{Calendar, ContactHours, DurationSpec, DurationUnit};
use chrono::{
    DateTime, Datelike, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

/// Weekday bit as used by [`Calendar::weekend`] and the policy (Monday = 0).
pub fn weekday_bit(day: Weekday) -> u8 {
    1 << day.num_days_from_monday()
}

/// `saturday` or `sat` → `Weekday::Sat`.
pub fn weekday_from_name(name: &str) -> Option<Weekday> {
    Some(match name {
        "monday" | "mon" => Weekday::Mon,
        "tuesday" | "tue" => Weekday::Tue,
        "wednesday" | "wed" => Weekday::Wed,
        "thursday" | "thu" => Weekday::Thu,
        "friday" | "fri" => Weekday::Fri,
        "saturday" | "sat" => Weekday::Sat,
        "sunday" | "sun" => Weekday::Sun,
        _ => return None,
    })
}

pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// An IANA zone name (`America/New_York`, `UTC`).
pub fn zone_from_name(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// What calendar arithmetic needs of a time zone: the local wall clock of
/// an instant and the instant of a wall clock. [`Tz`] asks the zone
/// database every time; [`MemoZone`] remembers what it learnt.
pub trait Zone: Copy {
    fn tz(self) -> Tz;
    /// The local wall clock of an instant.
    fn to_local(self, at: DateTime<Utc>) -> NaiveDateTime;
    /// The instant of a local date and time, DST-safe (see the module).
    fn local_to_utc(self, local: NaiveDateTime) -> DateTime<Utc>;

    /// Seconds east of UTC at an instant (seconds since 1970 UTC).
    fn offset_at(self, utc: i64) -> Option<i32> {
        let at = DateTime::from_timestamp(utc, 0)?;
        Some((self.to_local(at) - at.naive_utc()).num_seconds() as i32)
    }

    /// [`Zone::local_to_utc`] of a wall clock in seconds since 1970.
    fn wall_to_utc(self, wall: i64) -> Option<i64> {
        let local = DateTime::from_timestamp(wall, 0)?.naive_utc();
        Some(self.local_to_utc(local).timestamp())
    }
}

impl Zone for Tz {
    fn tz(self) -> Tz {
        self
    }

    fn to_local(self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self).naive_local()
    }

    fn local_to_utc(self, local: NaiveDateTime) -> DateTime<Utc> {
        tz_local_to_utc(self, local)
    }

    fn offset_at(self, utc: i64) -> Option<i32> {
        lookup_offset(self, utc)
    }
}

const DAY: i64 = 86_400;

/// Consecutive UTC days of one zone with one offset all day long.
#[derive(Clone, Copy, Debug)]
struct Stretch {
    tz: Tz,
    first: i64,
    last: i64,
    /// Seconds east of UTC.
    offset: i32,
}

/// UTC offsets already read from the zone database: stretches of days
/// with one offset, per zone.
///
/// An engine step reads the offset of the account's zone several times
/// (the contact window, waits, audit moments), and a portfolio holds a
/// handful of zones for millions of accounts. The database lookup is a
/// binary search over the zone's transitions; with this memo the common
/// case is a comparison. It never changes a result: a day joins a stretch
/// only when the offset at its first and at its last second is the
/// stretch's, which relies on what the zone database has always held: no
/// zone changes its offset twice within one UTC day. A test checks it on
/// the zones with the strangest histories.
#[derive(Clone, Debug, Default)]
pub struct ZoneMemo {
    /// `None` for a memo that remembers nothing (see [`ZoneMemo::new`]).
    stretches: Option<std::cell::RefCell<Vec<Stretch>>>,
    /// Zone names read from accounts, and their zones, the latest last.
    named: Vec<(String, Tz)>,
    /// The index of the stretch that answered last.
    last: std::cell::Cell<usize>,
}

/// Two memos are equal whatever they remember: a memo never changes a
/// result.
impl PartialEq for ZoneMemo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Days of a gap between a stretch and a new day that are checked one by
/// one to join them; farther days start a stretch of their own.
const JOIN_DAYS: i64 = 62;
/// The offset of a [`Stretch`] of one day whose offset changes.
const MIXED: i32 = i32::MIN;
/// Zone names a memo keeps.
const NAMED_ZONES: usize = 8;
/// Stretches kept before the memo starts again.
const MAX_STRETCHES: usize = 256;

impl ZoneMemo {
    /// A memo ready to remember (a default one remembers nothing, so that a
    /// one-off step does not pay for it).
    pub fn new() -> Self {
        ZoneMemo {
            stretches: Some(std::cell::RefCell::new(Vec::with_capacity(8))),
            named: Vec::new(),
            last: std::cell::Cell::new(0),
        }
    }

    pub fn is_ready(&self) -> bool {
        self.stretches.is_some()
    }

    /// The zone of an IANA name, remembering the last few: the accounts
    /// of a portfolio share a handful of zones.
    pub fn zone_named(&mut self, name: &str) -> Option<Tz> {
        if let Some((_, tz)) = self.named.iter().rev().find(|(n, _)| n == name) {
            return Some(*tz);
        }
        let tz = zone_from_name(name)?;
        if self.is_ready() {
            if self.named.len() >= NAMED_ZONES {
                self.named.remove(0);
            }
            self.named.push((name.to_string(), tz));
        }
        Some(tz)
    }

    /// The offset of a whole stretch that holds days `from..=to`
    /// ([`MIXED`] for a day whose offset changes).
    fn stretch(&self, tz: Tz, from: i64, to: i64) -> Option<i32> {
        let stretches = self.stretches.as_ref()?.borrow();
        let holds = |s: &Stretch| s.tz == tz && s.first <= from && to <= s.last;
        // An account's steps ask about the same few days again and again:
        // the stretch that answered last usually answers next.
        let last = self.last.get();
        if let Some(s) = stretches.get(last).filter(|s| holds(s)) {
            return Some(s.offset);
        }
        let (n, s) = stretches.iter().enumerate().find(|(_, s)| holds(s))?;
        self.last.set(n);
        Some(s.offset)
    }

    /// The offset all of days `from..=to` have, when known.
    fn known(&self, tz: Tz, from: i64, to: i64) -> Option<i32> {
        self.stretch(tz, from, to).filter(|o| *o != MIXED)
    }

    /// The offset of a UTC day when it is the same all day, learning it.
    fn day_offset(&self, tz: Tz, day: i64) -> Option<i32> {
        let cell = self.stretches.as_ref()?;
        match self.stretch(tz, day, day) {
            Some(MIXED) => return None,
            Some(o) => return Some(o),
            None => {}
        }
        let Some(offset) = whole_day_offset(tz, day) else {
            // Remembered too, so that the day of a change is asked once.
            remember(&mut cell.borrow_mut(), tz, day, MIXED);
            return None;
        };
        let mut stretches = cell.borrow_mut();
        let joined = stretches
            .iter_mut()
            .filter(|s| s.tz == tz && s.offset == offset)
            .find_map(|s| {
                if day > s.last && day - s.last <= JOIN_DAYS {
                    let gap = s.last + 1..day;
                    if gap.clone().all(|d| whole_day_offset(tz, d) == Some(offset)) {
                        s.last = day;
                        return Some(());
                    }
                } else if day < s.first && s.first - day <= JOIN_DAYS {
                    let gap = day + 1..s.first;
                    if gap.clone().all(|d| whole_day_offset(tz, d) == Some(offset)) {
                        s.first = day;
                        return Some(());
                    }
                }
                None
            });
        if joined.is_none() {
            remember(&mut stretches, tz, day, offset);
        }
        Some(offset)
    }
}

/// A stretch of one day; a full memo starts again.
fn remember(stretches: &mut Vec<Stretch>, tz: Tz, day: i64, offset: i32) {
    if stretches.len() >= MAX_STRETCHES {
        stretches.clear();
    }
    stretches.push(Stretch {
        tz,
        first: day,
        last: day,
        offset,
    });
}

/// The offset of a UTC day when it is the same at its first and last
/// second.
fn whole_day_offset(tz: Tz, day: i64) -> Option<i32> {
    let first = lookup_offset(tz, day * DAY)?;
    let last = lookup_offset(tz, day * DAY + DAY - 1)?;
    (first == last).then_some(first)
}

fn lookup_offset(tz: Tz, utc: i64) -> Option<i32> {
    let at = DateTime::from_timestamp(utc, 0)?;
    Some(
        tz.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

/// A zone that reads and fills a [`ZoneMemo`].
#[derive(Clone, Copy, Debug)]
pub struct MemoZone<'m> {
    pub tz: Tz,
    pub memo: &'m ZoneMemo,
}

impl Zone for MemoZone<'_> {
    fn tz(self) -> Tz {
        self.tz
    }

    fn to_local(self, at: DateTime<Utc>) -> NaiveDateTime {
        match self
            .memo
            .day_offset(self.tz, at.timestamp().div_euclid(DAY))
        {
            Some(o) => at.naive_utc() + Duration::seconds(i64::from(o)),
            None => self.tz.to_local(at),
        }
    }

    fn offset_at(self, utc: i64) -> Option<i32> {
        self.memo
            .day_offset(self.tz, utc.div_euclid(DAY))
            .or_else(|| lookup_offset(self.tz, utc))
    }

    fn wall_to_utc(self, wall: i64) -> Option<i64> {
        let day = wall.div_euclid(DAY);
        // See `local_to_utc`.
        match self.memo.known(self.tz, day - 2, day + 2) {
            Some(o) => Some(wall - i64::from(o)),
            None => {
                let local = DateTime::from_timestamp(wall, 0)?.naive_utc();
                Some(self.local_to_utc(local).timestamp())
            }
        }
    }

    fn local_to_utc(self, local: NaiveDateTime) -> DateTime<Utc> {
        if !self.memo.is_ready() {
            return tz_local_to_utc(self.tz, local);
        }
        let wall = local.and_utc().timestamp();
        let day = wall.div_euclid(DAY);
        // Offsets are under 15 hours, so every instant of this wall clock
        // lies within a day of it read as UTC. With one offset from two
        // days before to two days after, that offset gives the only
        // instant: no fold, no gap.
        let around = || self.memo.known(self.tz, day - 2, day + 2);
        let offset = around().or_else(|| {
            for d in day - 2..=day + 2 {
                self.memo.day_offset(self.tz, d)?;
            }
            around()
        });
        match offset.and_then(|o| DateTime::from_timestamp(wall - i64::from(o), 0)) {
            Some(t) => t,
            None => tz_local_to_utc(self.tz, local),
        }
    }
}

/// The instant of a local date and time, DST-safe.
pub fn local_to_utc(tz: impl Zone, local: NaiveDateTime) -> DateTime<Utc> {
    tz.local_to_utc(local)
}

fn tz_local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            // In a gap: read the wall clock with the offset in force before
            // the change, which lands just as far past the gap's end.
            let before = local
                .checked_sub_signed(Duration::hours(24))
                .unwrap_or(local);
            let offset = match tz.from_local_datetime(&before) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    t.offset().fix().local_minus_utc()
                }
                LocalResult::None => 0,
            };
            local
                .checked_sub_signed(Duration::seconds(i64::from(offset)))
                .unwrap_or(local)
                .and_utc()
        }
    }
}

use chrono::Offset;

/// The local wall clock of an instant.
pub fn to_local(tz: impl Zone, at: DateTime<Utc>) -> NaiveDateTime {
    tz.to_local(at)
}

/// 00:00 local of a date.
pub fn start_of_day(tz: impl Zone, date: NaiveDate) -> DateTime<Utc> {
    local_to_utc(tz, date.and_time(NaiveTime::MIN))
}

/// Whether a date is a business day: not in the weekend and not a holiday.
/// Without a calendar, Saturday and Sunday are off.
pub fn is_business_day(calendar: Option<&Calendar>, date: NaiveDate) -> bool {
    match calendar {
        Some(c) => {
            c.weekend & weekday_bit(date.weekday()) == 0 && c.holidays.binary_search(&date).is_err()
        }
        None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
    }
}

/// Moves a date by `amount` days, weeks, months or business days (negative
/// goes back). Hours and minutes do not move a date: `None`.
pub fn shift_date(
    date: NaiveDate,
    amount: i64,
    unit: DurationUnit,
    calendar: Option<&Calendar>,
) -> Option<NaiveDate> {
    match unit {
        DurationUnit::Days => date.checked_add_signed(Duration::try_days(amount)?),
        DurationUnit::Weeks => date.checked_add_signed(Duration::try_days(amount.checked_mul(7)?)?),
        DurationUnit::Months => {
            let m = Months::new(u32::try_from(amount.unsigned_abs()).ok()?);
            if amount >= 0 {
                date.checked_add_months(m)
            } else {
                date.checked_sub_months(m)
            }
        }
        DurationUnit::BusinessDays => {
            let step = if amount >= 0 { 1i8 } else { -1 };
            let mut left = amount.unsigned_abs();
            let mut d = date;
            // A calendar whose every day is off would never finish; a
            // generous bound keeps a bad calendar from hanging the engine.
            let mut guard = 0u32;
            while left > 0 {
                d = if step > 0 {
                    d.succ_opt()?
                } else {
                    d.pred_opt()?
                };
                if is_business_day(calendar, d) {
                    left -= 1;
                }
                guard += 1;
                if guard > 100_000 {
                    return None;
                }
            }
            Some(d)
        }
        DurationUnit::Hours | DurationUnit::Minutes => None,
    }
}

/// Moves an instant by a duration: days and longer on the local calendar of
/// `tz`, keeping the local time of day; hours and minutes exactly.
pub fn shift(
    at: DateTime<Utc>,
    amount: i64,
    unit: DurationUnit,
    tz: impl Zone,
    calendar: Option<&Calendar>,
) -> Option<DateTime<Utc>> {
    match unit {
        DurationUnit::Minutes => at.checked_add_signed(Duration::try_minutes(amount)?),
        DurationUnit::Hours => at.checked_add_signed(Duration::try_hours(amount)?),
        _ => {
            let moved = local_shift(at.timestamp(), amount, unit, tz, calendar)?;
            DateTime::from_timestamp(moved, at.timestamp_subsec_nanos())
        }
    }
}

/// Days and longer from whole seconds since 1970 UTC to whole seconds, on
/// the local calendar of `tz` at the same local time of day. Days and weeks
/// need no calendar date; months and business days build one.
#[inline]
fn local_shift(
    utc: i64,
    amount: i64,
    unit: DurationUnit,
    tz: impl Zone,
    calendar: Option<&Calendar>,
) -> Option<i64> {
    let wall = utc.checked_add(i64::from(tz.offset_at(utc)?))?;
    let wall = match unit {
        DurationUnit::Days => wall.checked_add(amount.checked_mul(DAY)?)?,
        DurationUnit::Weeks => wall.checked_add(amount.checked_mul(7 * DAY)?)?,
        _ => {
            let date = date_of_day(wall.div_euclid(DAY))?;
            let moved = shift_date(date, amount, unit, calendar)?;
            day_of_date(moved)
                .checked_mul(DAY)?
                .checked_add(wall.rem_euclid(DAY))?
        }
    };
    tz.wall_to_utc(wall)
}

/// Days between 0001-01-01 and 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// The date of a day counted from 1970-01-01.
fn date_of_day(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(day.checked_add(EPOCH_DAYS_FROM_CE)?).ok()?)
}

/// The day of a date counted from 1970-01-01.
fn day_of_date(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - EPOCH_DAYS_FROM_CE
}

/// `at + duration`.
pub fn add(
    at: DateTime<Utc>,
    d: DurationSpec,
    tz: impl Zone,
    calendar: Option<&Calendar>,
) -> Option<DateTime<Utc>> {
    shift(at, i64::from(d.amount), d.unit, tz, calendar)
}

/// `at + duration` in whole seconds since 1970 UTC, as the engine keeps
/// the moment a wait ends, without building the [`DateTime`] that [`add`]
/// returns. `None` past the range of [`DateTime`], as for [`add`].
pub fn add_seconds(
    at: DateTime<Utc>,
    d: DurationSpec,
    tz: impl Zone,
    calendar: Option<&Calendar>,
) -> Option<i64> {
    let amount = i64::from(d.amount);
    let moved = match d.unit {
        DurationUnit::Minutes => at.timestamp().checked_add(amount.checked_mul(60)?)?,
        DurationUnit::Hours => at.timestamp().checked_add(amount.checked_mul(3600)?)?,
        unit => local_shift(at.timestamp(), amount, unit, tz, calendar)?,
    };
    (DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp())
        .contains(&moved)
        .then_some(moved)
}

/// Why a moment is outside the contact window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    /// Outside `contact_hours`.
    Hours { from: u16, to: u16 },
    /// `no_contact on DAY`.
    Weekday(Weekday),
    /// `no_contact on holidays of CALENDAR`: the calendar's index.
    Holiday { calendar: u16, date: NaiveDate },
    /// A day the `contact_hours` of the channel do not name.
    NoWindow(Weekday),
}

impl Closed {
    /// `contact_hours 08:00–21:00 America/New_York`, `no_contact on sunday`,
    /// `no_contact on holidays of bank (2026-12-25)`.
    pub fn write(&self, out: &mut String, m: &crate::format::Machine, tz: Tz) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = match self {
            Closed::Hours { from, to } => write!(
                out,
                "contact_hours {:02}:{:02}–{:02}:{:02} {}",
                from / 60,
                from % 60,
                to / 60,
                to % 60,
                tz.name()
            ),
            Closed::Weekday(d) => write!(out, "no_contact on {}", weekday_name(*d)),
            Closed::NoWindow(d) => write!(out, "contact_hours: none on {}", weekday_name(*d)),
            Closed::Holiday { calendar, date } => {
                let name = m
                    .calendars
                    .get(*calendar as usize)
                    .map(|c| m.str(c.name))
                    .unwrap_or("?");
                write!(out, "no_contact on holidays of {name} ({date})")
            }
        };
    }

    pub fn message(&self, m: &crate::format::Machine, tz: Tz) -> String {
        let mut out = String::new();
        self.write(&mut out, m, tz);
        out
    }
}

/// The times of day and the days when contact is allowed, for one account.
#[derive(Clone, Copy, Debug)]
pub struct ContactWindow<'a, Z: Zone = Tz> {
    pub hours: Option<ContactHours>,
    /// Hours per day of the week (Monday first) in place of `hours`: a
    /// day with `None` is closed.
    pub week: Option<&'a [Option<ContactHours>; 7]>,
    pub tz: Z,
    /// Weekday bits (Monday = 0) with no contact.
    pub closed_weekdays: u8,
    /// `no_contact on holidays of ...`: indexes into `calendars`.
    pub holidays: &'a [u16],
    pub calendars: &'a [Calendar],
}

/// Whether hours allow a local minute of the day (`None`: any minute).
fn hours_allow(hours: Option<ContactHours>, minute: u16) -> bool {
    match hours {
        None => true,
        Some(h) if h.from < h.to => minute >= h.from && minute < h.to,
        Some(h) if h.from == h.to => true,
        Some(h) => minute >= h.from || minute < h.to,
    }
}

impl<Z: Zone> ContactWindow<'_, Z> {
    /// Why contact is not allowed at `at`, or `None` when it is.
    pub fn closed_at(&self, at: DateTime<Utc>) -> Option<Closed> {
        self.closed_at_local(to_local(self.tz, at))
    }

    fn closed_at_local(&self, local: NaiveDateTime) -> Option<Closed> {
        self.closed_on(local.date()).or_else(|| {
            let weekday = local.date().weekday().num_days_from_monday() as usize;
            let h = self.hours_on(weekday)?;
            let minute = (local.hour() * 60 + local.minute()) as u16;
            (!hours_allow(Some(h), minute)).then_some(Closed::Hours {
                from: h.from,
                to: h.to,
            })
        })
    }

    /// The hours of a day of the week (Monday = 0); `None` when any time
    /// of the day is allowed.
    fn hours_on(&self, weekday: usize) -> Option<ContactHours> {
        match self.week {
            Some(week) => week.get(weekday).copied().flatten(),
            None => self.hours,
        }
    }

    /// Whether the week's windows leave a day of the week (Monday = 0)
    /// closed.
    fn day_closed(&self, weekday: usize) -> bool {
        self.week
            .is_some_and(|w| w.get(weekday).is_none_or(|h| h.is_none()))
    }

    /// Whether contact is allowed at `at`, read from the wall clock in
    /// seconds: most contacts are asked about inside the window, and this
    /// answers them without building a local date and time.
    fn open_at(&self, at: DateTime<Utc>) -> bool {
        let utc = at.timestamp();
        let Some(wall) = self
            .tz
            .offset_at(utc)
            .and_then(|o| utc.checked_add(i64::from(o)))
        else {
            return false;
        };
        let day = wall.div_euclid(DAY);
        let minute = (wall.rem_euclid(DAY) / 60) as u16;
        // 1970-01-01 was a Thursday: day 0 is weekday 3 counted from Monday.
        let weekday_index = (day + 3).rem_euclid(7) as usize;
        let weekday = 1u8 << weekday_index;
        // Holidays are compared as day numbers: building the date of the
        // day costs more than the search.
        let holiday = |i: &u16| {
            self.calendars.get(*i as usize).is_some_and(|c| {
                c.holidays
                    .binary_search_by_key(&day, |d| day_of_date(*d))
                    .is_ok()
            })
        };
        self.closed_weekdays & weekday == 0
            && !self.day_closed(weekday_index)
            && hours_allow(self.hours_on(weekday_index), minute)
            && !self.holidays.iter().any(holiday)
    }

    fn closed_on(&self, date: NaiveDate) -> Option<Closed> {
        let wd = date.weekday();
        if self.closed_weekdays & weekday_bit(wd) != 0 {
            return Some(Closed::Weekday(wd));
        }
        if self.day_closed(wd.num_days_from_monday() as usize) {
            return Some(Closed::NoWindow(wd));
        }
        self.holidays.iter().find_map(|i| {
            let cal = self.calendars.get(*i as usize)?;
            cal.holidays
                .binary_search(&date)
                .is_ok()
                .then_some(Closed::Holiday { calendar: *i, date })
        })
    }

    /// The first moment at or after `at` when contact is allowed, with the
    /// reason it is not allowed at `at` (`None` when it is). `Err` when no
    /// moment within a year allows contact.
    pub fn next_open(&self, at: DateTime<Utc>) -> Result<(DateTime<Utc>, Option<Closed>), Closed> {
        if self.open_at(at) {
            return Ok((at, None));
        }
        let local = to_local(self.tz, at);
        let Some(first) = self.closed_at_local(local) else {
            return Ok((at, None));
        };
        let minute = (local.hour() * 60 + local.minute()) as u16;
        for offset in 0..=400i64 {
            let Some(date) = local.date().checked_add_signed(Duration::days(offset)) else {
                break;
            };
            if self.closed_on(date).is_some() {
                continue;
            }
            // Candidates on a date: the window's opening, and midnight first
            // when the window is open at midnight (an overnight window still
            // open from the day before, or a day open throughout).
            let (open_from, open_to) =
                match self.hours_on(date.weekday().num_days_from_monday() as usize) {
                    Some(h) if h.from != h.to => (h.from, h.to),
                    _ => (0, 24 * 60),
                };
            let overnight = open_to < open_from || self.week.is_some();
            let candidates = [0, open_from];
            let candidates = if overnight {
                &candidates[..]
            } else {
                &candidates[1..]
            };
            for &c in candidates {
                if offset == 0 && c < minute {
                    continue;
                }
                let t = NaiveTime::from_hms_opt(u32::from(c / 60), u32::from(c % 60), 0)
                    .unwrap_or(NaiveTime::MIN);
                let moment = local_to_utc(self.tz, date.and_time(t));
                if moment >= at && self.closed_at(moment).is_none() {
                    return Ok((moment, Some(first)));
                }
            }
        }
        Err(first)
    }
}

/// `2026-03-03 08:00` in a zone, as audit messages and test reports print it.
pub fn format_local(tz: Tz, at: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(16);
    push_local(&mut out, tz, at);
    out
}

/// Appends `2026-03-03 08:00`. Every wait and hold is audited with such a
/// moment, so this is on the engine's hot path: digits are written by hand
/// because chrono's `format` parses its pattern again at every call.
pub fn push_local(out: &mut String, tz: Tz, at: DateTime<Utc>) {
    let local = to_local(tz, at);
    let year = local.year();
    if !(0..=9999).contains(&year) {
        out.push_str(&local.format("%Y-%m-%d %H:%M").to_string());
        return;
    }
    crate::value::push_date(out, local.date());
    out.push(' ');
    crate::value::push_digits(out, local.hour(), 2);
    out.push(':');
    crate::value::push_digits(out, local.minute(), 2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn local(tz: Tz, s: &str) -> DateTime<Utc> {
        local_to_utc(
            tz,
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(),
        )
    }

    /// A machine whose string 0 is the calendar name `bank`.
    fn names() -> crate::format::Machine {
        crate::format::Machine {
            strings: vec!["bank".into()],
            ..Default::default()
        }
    }

    fn bank(holidays: &[&str]) -> Calendar {
        Calendar {
            name: 0,
            weekend: weekday_bit(Weekday::Sat) | weekday_bit(Weekday::Sun),
            holidays: holidays.iter().map(|d| date(d)).collect(),
        }
    }

    /// Zones with strange histories: 30-minute changes, a skipped day,
    /// changes for Ramadan, southern summers, double summer time.
    const ODD_ZONES: &[&str] = &[
        "America/New_York",
        "Australia/Lord_Howe",
        "Pacific/Apia",
        "Africa/Casablanca",
        "America/Sao_Paulo",
        "Europe/London",
        "Europe/Moscow",
        "Asia/Tehran",
        "Pacific/Chatham",
        "America/Santiago",
    ];

    #[test]
    fn the_memo_gives_what_the_zone_database_gives() {
        let memo = ZoneMemo::new();
        for name in ODD_ZONES {
            let tz = zone_from_name(name).unwrap();
            let zone = MemoZone { tz, memo: &memo };
            // Every 20 minutes through 2011 (Apia skipped 30 December) and
            // 2026, forwards, and again backwards.
            for year in [2011, 2026] {
                let start = local(Tz::UTC, &format!("{year}-01-01 00:00")).timestamp();
                let steps = 366 * 72;
                let forth = (0..steps).map(|i| start + i * 1200);
                let back = (0..steps).rev().map(|i| start + i * 1200 + 600);
                for t in forth.chain(back) {
                    let at = DateTime::from_timestamp(t, 0).unwrap();
                    assert_eq!(zone.to_local(at), tz.to_local(at), "{name} {at}");
                    let wall = at.naive_utc();
                    assert_eq!(
                        zone.local_to_utc(wall),
                        tz.local_to_utc(wall),
                        "{name} local {wall}"
                    );
                    if t % 7 == 0 {
                        // Days move the local calendar and keep the hour.
                        let local = tz.to_local(at);
                        let date = local.date() + Duration::days(3);
                        let expected = tz_local_to_utc(tz, date.and_time(local.time()));
                        let days = DurationSpec::new(3, DurationUnit::Days);
                        assert_eq!(add(at, days, zone, None), Some(expected), "{name} {at}");
                        let secs = add_seconds(at, days, zone, None);
                        assert_eq!(secs, Some(expected.timestamp()), "{name} {at}");
                        assert_eq!(add(at, days, tz, None), Some(expected), "{name} {at}");
                    }
                    if t % 11 == 0 {
                        // Months and business days move the local date by
                        // the calendar, read the same way.
                        let local = tz.to_local(at);
                        let cal = bank(&["2026-03-09", "2026-11-02", "2011-12-30"]);
                        for (amount, unit) in [
                            (1, DurationUnit::Months),
                            (-2, DurationUnit::Months),
                            (3, DurationUnit::BusinessDays),
                            (-4, DurationUnit::BusinessDays),
                        ] {
                            let date = shift_date(local.date(), amount, unit, Some(&cal)).unwrap();
                            let expected = tz_local_to_utc(tz, date.and_time(local.time()));
                            let moved = |z| shift(at, amount, unit, z, Some(&cal));
                            assert_eq!(moved(zone), Some(expected), "{name} {at} {amount}");
                            assert_eq!(shift(at, amount, unit, tz, Some(&cal)), Some(expected));
                            if amount > 0 {
                                let d = DurationSpec::new(amount as u32, unit);
                                let secs = add_seconds(at, d, zone, Some(&cal));
                                assert_eq!(secs, Some(expected.timestamp()), "{name} {at}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn no_zone_changes_its_offset_twice_in_a_day() {
        // What the memo relies on, from 1970 to 2060.
        let first = local(Tz::UTC, "1970-01-01 00:00").timestamp() / DAY;
        let last = local(Tz::UTC, "2060-01-01 00:00").timestamp() / DAY;
        for name in ODD_ZONES {
            let tz = zone_from_name(name).unwrap();
            for day in first..last {
                let start = lookup_offset(tz, day * DAY).unwrap();
                assert!(start.abs() < 15 * 3600, "{name} day {day}");
                if whole_day_offset(tz, day).is_some() {
                    for hour in 1..24 {
                        let o = lookup_offset(tz, day * DAY + hour * 3600).unwrap();
                        assert_eq!(o, start, "{name}: two changes on day {day}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_wait_past_the_range_of_dates_has_no_end() {
        let at = local(Tz::UTC, "2026-03-02 09:00");
        let far = DurationSpec::new(100_000_000, DurationUnit::Days);
        assert_eq!(add(at, far, Tz::UTC, None), None);
        assert_eq!(add_seconds(at, far, Tz::UTC, None), None);
        let weeks = DurationSpec::new(20_000_000, DurationUnit::Weeks);
        assert_eq!(add_seconds(at, weeks, Tz::UTC, None), None);
        let near = DurationSpec::new(3, DurationUnit::Weeks);
        assert_eq!(
            add_seconds(at, near, Tz::UTC, None),
            add(at, near, Tz::UTC, None).map(|t| t.timestamp())
        );
    }

    #[test]
    fn one_month_from_january_31_is_the_last_day_of_february() {
        let at = local(Tz::UTC, "2026-01-31 10:00");
        let later = add(
            at,
            DurationSpec::new(1, DurationUnit::Months),
            Tz::UTC,
            None,
        )
        .unwrap();
        assert_eq!(format_local(Tz::UTC, later), "2026-02-28 10:00");
        let leap = add(
            local(Tz::UTC, "2028-01-31 10:00"),
            DurationSpec::new(1, DurationUnit::Months),
            Tz::UTC,
            None,
        )
        .unwrap();
        assert_eq!(format_local(Tz::UTC, leap), "2028-02-29 10:00");
    }

    #[test]
    fn a_day_across_the_spring_change_keeps_the_local_hour() {
        // 2026-03-08 is the US spring-forward day.
        let at = local(New_York, "2026-03-07 09:00");
        let later = add(at, DurationSpec::new(1, DurationUnit::Days), New_York, None).unwrap();
        assert_eq!(format_local(New_York, later), "2026-03-08 09:00");
        assert_eq!((later - at).num_hours(), 23);
    }

    #[test]
    fn hours_are_exact_across_the_change() {
        let at = local(New_York, "2026-03-08 01:00");
        let later = add(
            at,
            DurationSpec::new(2, DurationUnit::Hours),
            New_York,
            None,
        )
        .unwrap();
        assert_eq!(format_local(New_York, later), "2026-03-08 04:00");
    }

    #[test]
    fn a_nonexistent_local_time_moves_forward_and_an_ambiguous_one_takes_the_earlier() {
        let gap = local(New_York, "2026-03-08 02:30");
        assert_eq!(format_local(New_York, gap), "2026-03-08 03:30");
        let fold = local(New_York, "2026-11-01 01:30");
        // The earlier 01:30 is still daylight time, UTC-4.
        assert_eq!(fold.format("%H:%M").to_string(), "05:30");
    }

    #[test]
    fn two_business_days_skip_a_weekend_and_a_holiday() {
        let cal = bank(&["2026-12-25"]);
        // Thursday 24th: Friday is Christmas, then the weekend.
        let d = shift_date(
            date("2026-12-24"),
            2,
            DurationUnit::BusinessDays,
            Some(&cal),
        )
        .unwrap();
        assert_eq!(d, date("2026-12-29"));
        let back = shift_date(
            date("2026-12-29"),
            -2,
            DurationUnit::BusinessDays,
            Some(&cal),
        )
        .unwrap();
        assert_eq!(back, date("2026-12-24"));
    }

    #[test]
    fn without_a_calendar_saturday_and_sunday_are_off() {
        let d = shift_date(date("2026-03-06"), 1, DurationUnit::BusinessDays, None).unwrap();
        assert_eq!(d, date("2026-03-09"));
    }

    #[test]
    fn a_saturday_contact_with_the_weekend_closed_goes_on_monday_morning() {
        let w = ContactWindow {
            week: None,
            hours: Some(ContactHours {
                from: 8 * 60,
                to: 21 * 60,
            }),
            tz: Tz::UTC,
            closed_weekdays: weekday_bit(Weekday::Sat) | weekday_bit(Weekday::Sun),
            holidays: &[],
            calendars: &[],
        };
        let (at, why) = w.next_open(local(Tz::UTC, "2026-03-07 10:00")).unwrap();
        assert_eq!(format_local(Tz::UTC, at), "2026-03-09 08:00");
        assert_eq!(
            why.unwrap().message(&names(), Tz::UTC),
            "no_contact on saturday"
        );
    }

    #[test]
    fn an_evening_start_west_of_utc_waits_for_the_local_morning() {
        let w = ContactWindow {
            week: None,
            hours: Some(ContactHours {
                from: 8 * 60,
                to: 21 * 60,
            }),
            tz: New_York,
            closed_weekdays: 0,
            holidays: &[],
            calendars: &[],
        };
        // 22:30 in New York is already the next day in UTC.
        let start = local(New_York, "2026-03-02 22:30");
        let (at, why) = w.next_open(start).unwrap();
        assert_eq!(format_local(New_York, at), "2026-03-03 08:00");
        assert_eq!(
            why.unwrap().message(&names(), New_York),
            "contact_hours 08:00–21:00 America/New_York"
        );
    }

    #[test]
    fn a_holiday_closes_the_whole_day() {
        let cal = bank(&["2026-12-25"]);
        let w = ContactWindow {
            week: None,
            hours: None,
            tz: Tz::UTC,
            closed_weekdays: 0,
            holidays: &[0],
            calendars: std::slice::from_ref(&cal),
        };
        let (at, why) = w.next_open(local(Tz::UTC, "2026-12-25 12:00")).unwrap();
        assert_eq!(format_local(Tz::UTC, at), "2026-12-26 00:00");
        let m = crate::format::Machine {
            calendars: vec![cal.clone()],
            ..names()
        };
        assert_eq!(
            why.unwrap().message(&m, Tz::UTC),
            "no_contact on holidays of bank (2026-12-25)"
        );
    }

    #[test]
    fn the_quick_answer_inside_the_window_agrees_with_the_local_clock() {
        let cal = bank(&["2026-03-09", "2026-03-10", "2026-12-25"]);
        let memo = ZoneMemo::new();
        let day = ContactHours {
            from: 8 * 60,
            to: 21 * 60,
        };
        let night = ContactHours {
            from: 20 * 60 + 30,
            to: 2 * 60,
        };
        let all_day = ContactHours { from: 0, to: 0 };
        for name in ["America/New_York", "Asia/Kolkata", "Pacific/Chatham", "UTC"] {
            let tz = zone_from_name(name).unwrap();
            for hours in [None, Some(day), Some(night), Some(all_day)] {
                for (closed_weekdays, holidays) in [(0, &[][..]), (0b110_0000, &[0][..])] {
                    let w = ContactWindow {
                        week: None,
                        hours,
                        tz: MemoZone { tz, memo: &memo },
                        closed_weekdays,
                        holidays,
                        calendars: std::slice::from_ref(&cal),
                    };
                    let start = local(Tz::UTC, "2026-03-01 00:00").timestamp();
                    // Every 7 minutes for 20 days, across New York's change.
                    for t in (0..20 * 24 * 60 / 7).map(|i| start + i * 420) {
                        let at = DateTime::from_timestamp(t, 0).unwrap();
                        let expected = w.closed_at(at).is_none();
                        assert_eq!(w.open_at(at), expected, "{name} {hours:?} {at}");
                        let (open, why) = w.next_open(at).unwrap();
                        assert_eq!(why.is_none(), expected, "{name} {hours:?} {at}");
                        assert!(open >= at && w.closed_at(open).is_none());
                    }
                }
            }
        }
    }

    #[test]
    fn an_overnight_window_is_open_after_midnight() {
        let w = ContactWindow {
            week: None,
            hours: Some(ContactHours {
                from: 20 * 60,
                to: 2 * 60,
            }),
            tz: Tz::UTC,
            closed_weekdays: 0,
            holidays: &[],
            calendars: &[],
        };
        assert!(w.closed_at(local(Tz::UTC, "2026-03-02 01:00")).is_none());
        let (at, _) = w.next_open(local(Tz::UTC, "2026-03-02 03:00")).unwrap();
        assert_eq!(format_local(Tz::UTC, at), "2026-03-02 20:00");
    }
}
