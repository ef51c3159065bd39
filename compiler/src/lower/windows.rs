//! `contact_hours [CHANNELS] mon-fri 08:00 to 21:00, sat 09:00 to 15:00`
//! as a machine [`Window`]: hours per day of the week, the days it does not
//! name closed.

use crate::model::week::day_bits;
use crate::syntax::ast::DayWindow;
use chrono::Timelike;
use dun_machine::format::{ChannelSet, ContactHours, Window};

fn minutes(t: chrono::NaiveTime) -> u16 {
    (t.hour() * 60 + t.minute()) as u16
}

pub(super) fn lower(channels: ChannelSet, windows: &[DayWindow]) -> Window {
    let mut days = [None; 7];
    for w in windows {
        let hours = ContactHours {
            from: minutes(w.from.0),
            to: minutes(w.to.0),
        };
        let bits = if w.days.is_empty() {
            0x7f
        } else {
            w.days.iter().filter_map(day_bits).fold(0, |a, b| a | b)
        };
        for (d, slot) in days.iter_mut().enumerate() {
            if bits & (1 << d) != 0 {
                *slot = Some(hours);
            }
        }
    }
    Window { channels, days }
}
