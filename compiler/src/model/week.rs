//! The days a window of `contact_hours` names: `mon`, `mon-fri`, or a
//! range that wraps over the weekend (`fri-mon`).

use crate::syntax::ast::DayRange;
use dun_machine::time::weekday_from_name;

/// The days of a range as weekday bits (Monday = bit 0); `None` when a
/// name is not a day (the grammar only lets days through).
pub fn day_bits(range: &DayRange) -> Option<u8> {
    let first = weekday_from_name(&range.first.name)?.num_days_from_monday();
    let last = match &range.last {
        Some(l) => weekday_from_name(&l.name)?.num_days_from_monday(),
        None => first,
    };
    let mut bits = 0u8;
    let mut d = first;
    loop {
        bits |= 1 << d;
        if d == last {
            return Some(bits);
        }
        d = (d + 1) % 7;
    }
}
