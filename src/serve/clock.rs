//! The service's "now": the wall clock, or, under `--clock T` (a testing
//! aid), a clock that starts at T, stands still, and moves only forward
//! when an admin posts to `/v1/clock`, so a test decides every moment.

use chrono::{DateTime, Utc};
use std::sync::Mutex;

pub struct Clock {
    set: Option<Mutex<DateTime<Utc>>>,
}

impl Clock {
    pub fn wall() -> Clock {
        Clock { set: None }
    }

    pub fn simulated(start: DateTime<Utc>) -> Clock {
        Clock {
            set: Some(Mutex::new(start)),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.set {
            Some(t) => *t.lock().unwrap_or_else(|p| p.into_inner()),
            None => Utc::now(),
        }
    }

    /// Moves a simulated clock to `to`; it never goes back.
    pub fn advance(&self, to: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
        let Some(t) = &self.set else {
            return Err(
                "this server runs on the wall clock; `/v1/clock` exists only under `--clock`"
                    .into(),
            );
        };
        let mut t = t.lock().unwrap_or_else(|p| p.into_inner());
        if to < *t {
            return Err(format!(
                "the clock is at {} and never goes back; give a later moment",
                t.to_rfc3339()
            ));
        }
        *t = to;
        Ok(to)
    }
}
