//! `contact_hours ... in ZONE and ZONE` with two zone names whose hours
//! never meet: no moment is inside the window in both zones, so the
//! runtime suppresses every contact the rule covers. Zones read from the
//! account are data, and the runtime decides for each account.

use super::{Context, ZONES_NEVER_OVERLAP};
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::Span;
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use dun_machine::format::{ContactHours, ZoneSpec};
use dun_machine::time::ContactWindow;

/// The hours of each day of the week, Monday first.
type Week = [Option<ContactHours>; 7];

/// A zone the flow names (UTC when it names none); `None` for an account
/// field.
fn fixed(cx: &Context<'_>, z: &ZoneSpec) -> Option<Tz> {
    match z {
        ZoneSpec::Utc => Some(Tz::UTC),
        ZoneSpec::Named(s) => dun_machine::time::zone_from_name(cx.m.str(*s)),
        ZoneSpec::AccountField(_) => None,
    }
}

/// Whether some minute of a winter and of a summer week (daylight saving
/// moves the zones against each other) is inside the hours in both zones.
fn meet(
    hours: Option<ContactHours>,
    week: Option<&Week>,
    closed_weekdays: u8,
    zones: (Tz, Tz),
) -> bool {
    let window = |tz| ContactWindow {
        hours,
        week,
        tz,
        closed_weekdays,
        holidays: &[],
        calendars: &[],
    };
    let (a, b) = (window(zones.0), window(zones.1));
    let mondays: [Option<DateTime<Utc>>; 2] = [
        Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).single(),
        Utc.with_ymd_and_hms(2026, 7, 6, 0, 0, 0).single(),
    ];
    mondays.iter().flatten().any(|monday| {
        (0..7 * 24 * 60).any(|m| {
            let t = *monday + Duration::minutes(m);
            a.closed_at(t).is_none() && b.closed_at(t).is_none()
        })
    })
}

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = &cx.m.policy;
    let Some(second) = cx.m.second_zone.as_ref() else {
        return;
    };
    let (Some(a), Some(b)) = (fixed(cx, &p.zone), fixed(cx, second)) else {
        return;
    };
    if a == b {
        return;
    }
    let mut rules: Vec<(Option<&Week>, Option<Span>)> = Vec::new();
    if p.contact_hours.is_some() {
        rules.push((None, cx.hours));
    }
    for (i, w) in p.ext.windows.iter().enumerate() {
        rules.push((Some(&w.days), cx.windows.get(i).copied()));
    }
    for (week, span) in rules {
        if meet(p.contact_hours, week, p.closed_weekdays, (a, b)) {
            continue;
        }
        let Some(span) = span else { continue };
        out.push(
            Diagnostic::warning(
                ZONES_NEVER_OVERLAP,
                format!(
                    "these contact hours never overlap in {} and {}",
                    a.name(),
                    b.name()
                ),
                span,
            )
            .with_label("no moment is inside them in both zones")
            .with_help(
                "every contact these hours cover is suppressed; widen the hours, or name \
                 zones whose hours meet",
            ),
        );
    }
}
