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

/// `saturday` → `Weekday::Sat`.
pub fn weekday_from_name(name: &str) -> Option<Weekday> {
    Some(match name {
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
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

/// The instant of a local date and time, DST-safe.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
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
pub fn to_local(tz: Tz, at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&tz).naive_local()
}

/// 00:00 local of a date.
pub fn start_of_day(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
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
            let step = if amount >= 0 { 1 } else { -1 };
            let mut left = amount.unsigned_abs();
            let mut d = date;
            // A calendar whose every day is off would never finish; a
            // generous bound keeps a bad calendar from hanging the engine.
            let mut guard = 0u32;
            while left > 0 {
                d = d.checked_add_signed(Duration::days(step))?;
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
    tz: Tz,
    calendar: Option<&Calendar>,
) -> Option<DateTime<Utc>> {
    match unit {
        DurationUnit::Minutes => at.checked_add_signed(Duration::try_minutes(amount)?),
        DurationUnit::Hours => at.checked_add_signed(Duration::try_hours(amount)?),
        _ => {
            let local = to_local(tz, at);
            let date = shift_date(local.date(), amount, unit, calendar)?;
            Some(local_to_utc(tz, date.and_time(local.time())))
        }
    }
}

/// `at + duration`.
pub fn add(
    at: DateTime<Utc>,
    d: DurationSpec,
    tz: Tz,
    calendar: Option<&Calendar>,
) -> Option<DateTime<Utc>> {
    shift(at, i64::from(d.amount), d.unit, tz, calendar)
}

/// Why a moment is outside the contact window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Closed {
    /// Outside `contact_hours`.
    Hours { from: u16, to: u16, zone: String },
    /// `no_contact on DAY`.
    Weekday(Weekday),
    /// `no_contact on holidays of CALENDAR`.
    Holiday { calendar: String, date: NaiveDate },
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Closed::Hours { from, to, zone } => write!(
                f,
                "contact_hours {:02}:{:02}–{:02}:{:02} {zone}",
                from / 60,
                from % 60,
                to / 60,
                to % 60
            ),
            Closed::Weekday(d) => write!(f, "no_contact on {}", weekday_name(*d)),
            Closed::Holiday { calendar, date } => {
                write!(f, "no_contact on holidays of {calendar} ({date})")
            }
        }
    }
}

/// The times of day and the days when contact is allowed, for one account.
#[derive(Clone, Debug)]
pub struct ContactWindow<'a> {
    pub hours: Option<ContactHours>,
    pub tz: Tz,
    /// Weekday bits (Monday = 0) with no contact.
    pub closed_weekdays: u8,
    /// `no_contact on holidays of ...`: (calendar name, calendar).
    pub holidays: Vec<(&'a str, &'a Calendar)>,
}

impl ContactWindow<'_> {
    /// Why contact is not allowed at `at`, or `None` when it is.
    pub fn closed_at(&self, at: DateTime<Utc>) -> Option<Closed> {
        let local = to_local(self.tz, at);
        self.closed_on(local.date()).or_else(|| {
            let h = self.hours?;
            let minute = (local.hour() * 60 + local.minute()) as u16;
            let inside = if h.from < h.to {
                minute >= h.from && minute < h.to
            } else if h.from == h.to {
                true
            } else {
                minute >= h.from || minute < h.to
            };
            (!inside).then(|| self.hours_reason(h))
        })
    }

    fn hours_reason(&self, h: ContactHours) -> Closed {
        Closed::Hours {
            from: h.from,
            to: h.to,
            zone: self.tz.name().to_string(),
        }
    }

    fn closed_on(&self, date: NaiveDate) -> Option<Closed> {
        let wd = date.weekday();
        if self.closed_weekdays & weekday_bit(wd) != 0 {
            return Some(Closed::Weekday(wd));
        }
        self.holidays.iter().find_map(|(name, cal)| {
            cal.holidays
                .binary_search(&date)
                .is_ok()
                .then(|| Closed::Holiday {
                    calendar: name.to_string(),
                    date,
                })
        })
    }

    /// The first moment at or after `at` when contact is allowed, with the
    /// reason it is not allowed at `at` (`None` when it is). `Err` when no
    /// moment within a year allows contact.
    pub fn next_open(&self, at: DateTime<Utc>) -> Result<(DateTime<Utc>, Option<Closed>), Closed> {
        let Some(first) = self.closed_at(at) else {
            return Ok((at, None));
        };
        let local = to_local(self.tz, at);
        let (open_from, open_to) = match self.hours {
            Some(h) if h.from != h.to => (h.from, h.to),
            _ => (0, 24 * 60),
        };
        let minute = (local.hour() * 60 + local.minute()) as u16;
        for offset in 0..=400i64 {
            let Some(date) = local.date().checked_add_signed(Duration::days(offset)) else {
                break;
            };
            if self.closed_on(date).is_some() {
                continue;
            }
            // Candidates on this date: the window's opening, or midnight
            // when an overnight window is still open from the day before.
            let mut candidates = vec![open_from];
            if open_to < open_from {
                candidates.insert(0, 0);
            }
            for c in candidates {
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
    let digits = |out: &mut String, n: u32, width: u32| {
        for place in (0..width).rev() {
            let d = (n / 10u32.pow(place)) % 10;
            out.push(char::from(b'0' + d as u8));
        }
    };
    digits(out, year as u32, 4);
    out.push('-');
    digits(out, local.month(), 2);
    out.push('-');
    digits(out, local.day(), 2);
    out.push(' ');
    digits(out, local.hour(), 2);
    out.push(':');
    digits(out, local.minute(), 2);
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

    fn bank(holidays: &[&str]) -> Calendar {
        Calendar {
            name: 0,
            weekend: weekday_bit(Weekday::Sat) | weekday_bit(Weekday::Sun),
            holidays: holidays.iter().map(|d| date(d)).collect(),
        }
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
            hours: Some(ContactHours {
                from: 8 * 60,
                to: 21 * 60,
            }),
            tz: Tz::UTC,
            closed_weekdays: weekday_bit(Weekday::Sat) | weekday_bit(Weekday::Sun),
            holidays: vec![],
        };
        let (at, why) = w.next_open(local(Tz::UTC, "2026-03-07 10:00")).unwrap();
        assert_eq!(format_local(Tz::UTC, at), "2026-03-09 08:00");
        assert_eq!(why.unwrap().to_string(), "no_contact on saturday");
    }

    #[test]
    fn an_evening_start_west_of_utc_waits_for_the_local_morning() {
        let w = ContactWindow {
            hours: Some(ContactHours {
                from: 8 * 60,
                to: 21 * 60,
            }),
            tz: New_York,
            closed_weekdays: 0,
            holidays: vec![],
        };
        // 22:30 in New York is already the next day in UTC.
        let start = local(New_York, "2026-03-02 22:30");
        let (at, why) = w.next_open(start).unwrap();
        assert_eq!(format_local(New_York, at), "2026-03-03 08:00");
        assert_eq!(
            why.unwrap().to_string(),
            "contact_hours 08:00–21:00 America/New_York"
        );
    }

    #[test]
    fn a_holiday_closes_the_whole_day() {
        let cal = bank(&["2026-12-25"]);
        let w = ContactWindow {
            hours: None,
            tz: Tz::UTC,
            closed_weekdays: 0,
            holidays: vec![("bank", &cal)],
        };
        let (at, why) = w.next_open(local(Tz::UTC, "2026-12-25 12:00")).unwrap();
        assert_eq!(format_local(Tz::UTC, at), "2026-12-26 00:00");
        assert_eq!(
            why.unwrap().to_string(),
            "no_contact on holidays of bank (2026-12-25)"
        );
    }

    #[test]
    fn an_overnight_window_is_open_after_midnight() {
        let w = ContactWindow {
            hours: Some(ContactHours {
                from: 20 * 60,
                to: 2 * 60,
            }),
            tz: Tz::UTC,
            closed_weekdays: 0,
            holidays: vec![],
        };
        assert!(w.closed_at(local(Tz::UTC, "2026-03-02 01:00")).is_none());
        let (at, _) = w.next_open(local(Tz::UTC, "2026-03-02 03:00")).unwrap();
        assert_eq!(format_local(Tz::UTC, at), "2026-03-02 20:00");
    }
}
