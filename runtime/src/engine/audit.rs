//! Audit entries: what the engine decided and why.
//!
//! The engine runs for every account of a portfolio, while people read the
//! trail of a few. So an entry keeps the facts of a decision (which rule,
//! which moment, which contact) and its sentence is written only when
//! someone asks for it, with [`AuditEntry::message`].

use crate::format::{Channel, DurationSpec, Machine, Sym};
use crate::time::{self, Closed};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AuditKind {
    Enrolled,
    /// Suspended by a `wait`.
    Waiting,
    /// A stage contact the policy does not allow now; the stage waits.
    Held,
    /// A handler contact the policy does not allow now; it goes later.
    Queued,
    /// A queued contact went.
    Released,
    /// A contact after a `stop`; the flow carries on.
    Suppressed,
    /// A contact whose contact field is unset at run time.
    Skipped,
    /// A handler ran for an event.
    Handler,
    /// An event matched no handler, or came before enrolment / after the end.
    Ignored,
    Paused,
    /// A hold's event came: the hold is over.
    HoldEnded,
    Stopped,
    Split,
    /// A fault of the compiled flow or of the input (a condition that could
    /// not be evaluated, a payload that does not match the event...).
    Problem,
    /// A fee a cap or a hold kept from being charged, or interest a hold
    /// kept from resuming.
    FeeSuppressed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub state: u32,
    pub kind: AuditKind,
    /// The zone local moments of the message are written in: the zone of
    /// the flow's contact hours for this account.
    pub zone: Tz,
    pub detail: Detail,
}

/// A contact named in an audit entry: its channel and its template (for
/// sends) or queue (for calls).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContactRef {
    pub channel: Channel,
    pub name: Option<Sym>,
}

/// Why the policy did not let a contact go when it was due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// `stop` closed the channel for good.
    Stopped(Channel),
    /// A `pause` runs until this minute (since 1970 UTC).
    Paused { channel: Channel, until: u32 },
    /// Week cap number `cap` (`per calendar week`) is full since its
    /// oldest contact, a minute since 1970 UTC.
    WeekCap { cap: u16, oldest: u32 },
    /// Hold number `hold` of the policy is on until its event comes, or
    /// until this minute at the latest.
    Hold { hold: u16, until: u32 },
    /// Cap number `cap` of the policy is full since its oldest contact, a
    /// minute since 1970 UTC.
    Cap { cap: u16, oldest: u32 },
    /// Outside the contact window.
    Closed(Closed),
    /// No moment within a year is open.
    NoMoment { channel: Channel, closed: Closed },
    /// Cap number `cap` (of the week caps when `week`) is full with the
    /// contacts to the account's person, on all of the person's accounts,
    /// since `oldest` (a minute since 1970 UTC).
    PersonCap { cap: u16, week: bool, oldest: u32 },
    /// Outside the contact window in the account's second zone
    /// (`contact_hours ... in ZONE and ZONE`).
    ClosedIn { closed: Closed, zone: Tz },
    /// No moment within a year is inside the contact window in both of the
    /// account's zones.
    NoOverlap { channel: Channel, zone: Tz },
}

/// The facts of an audit entry; [`AuditEntry::message`] writes them out.
#[derive(Clone, Debug, PartialEq)]
pub enum Detail {
    Enrolled,
    AlreadyEnrolled,
    /// `wait DURATION` until the moment in seconds since 1970 UTC.
    Wait {
        duration: DurationSpec,
        until: i64,
    },
    WaitUntil {
        until: i64,
    },
    /// A `wait until` whose moment had already passed.
    WaitUntilPast {
        until: i64,
    },
    /// A stage contact held until `until` (seconds since 1970 UTC).
    Held {
        reason: Reason,
        until: i64,
        contact: ContactRef,
    },
    /// A handler contact queued until `until`.
    Queued {
        reason: Reason,
        until: i64,
        contact: ContactRef,
    },
    /// A queued contact that was due but still may not go.
    Requeued {
        reason: Reason,
        until: i64,
    },
    Released(ContactRef),
    /// A contact the policy refuses for good.
    Suppressed {
        reason: Reason,
        contact: ContactRef,
    },
    /// A queued contact the policy refuses for good.
    SuppressedQueued {
        reason: Reason,
        contact: ContactRef,
    },
    /// A queued contact dropped by a `stop`.
    DroppedByStop(ContactRef),
    Skipped {
        channel: Channel,
        template: Sym,
        field: Sym,
    },
    /// The handler of the event ran: the stage's, or the flow's (`None`).
    Handler {
        event: u16,
        stage: Option<u16>,
    },
    NoHandler {
        event: u16,
    },
    /// An event that came before enrolment, after the end or on a halted
    /// account.
    EventIgnored {
        event: u16,
        why: &'static str,
    },
    /// Policy `stop` number `stop` matched event `event`.
    Stopped {
        stop: u16,
        event: u16,
    },
    /// Policy `pause` number `pause` runs until `until`.
    Paused {
        pause: u16,
        event: u16,
        until: i64,
    },
    /// Policy hold number `hold` started on `event`; it ends at `until`
    /// (seconds since 1970 UTC) at the latest, or only on its event.
    HoldStarted {
        hold: u16,
        event: u16,
        until: Option<i64>,
    },
    /// Policy hold number `hold` ended on its event `event`.
    HoldEnded {
        hold: u16,
        event: u16,
    },
    Split {
        bucket: u32,
        stage: u16,
        share: u16,
    },
    /// Deadline number `deadline` of the machine came at `moment` (seconds
    /// since 1970 UTC); `moved` when its `when` held and it moved the
    /// account to its stage.
    Deadline {
        deadline: u16,
        moment: i64,
        moved: bool,
    },
    /// A deadline already past when a later one (`by`) moved the account.
    DeadlineSuperseded {
        deadline: u16,
        moment: i64,
        by: u16,
    },
    /// A payment of `amount` came; `total` since the account entered the
    /// flow.
    Payment {
        amount: Decimal,
        total: Decimal,
    },
    /// The open promise of `amount` was kept (the payments since it was
    /// made, `paid`, reached it) or broken (its last day ended first).
    Promise {
        kept: bool,
        amount: Decimal,
        paid: Decimal,
    },
    /// Rare faults, written out when they happen.
    Problem(String),
    /// A fee (or the resumption of interest) that a fee cap or a hold
    /// written `and fees` kept from being done.
    NotCharged {
        what: super::Charge,
        block: super::FeeBlock,
    },
    /// What happened to the payment plan: installment `installment` paid
    /// or missed, the plan caught up, completed or broken, with what was
    /// due by then and what was paid since the plan began.
    Plan {
        mark: super::PlanMark,
        installment: u32,
        due: Decimal,
        paid: Decimal,
    },
    /// The open settlement offer of `amount` was paid (the payments since
    /// it was made, `since`, reached it) or lapsed (its last day ended
    /// first).
    Settlement {
        paid: bool,
        amount: Decimal,
        since: Decimal,
    },
    /// A plan of `asked` installments every `every` that the account's last
    /// plan offer does not cover, and why: not recorded, `plan_refused`
    /// raised.
    PlanRefused {
        asked: u32,
        every: crate::format::DurationSpec,
        offer: crate::format::PlanOffer,
        misfit: crate::format::Misfit,
    },
}

impl AuditEntry {
    /// The entry for people: what happened and why, e.g. `held: contact_hours
    /// 08:00–21:00 America/New_York, goes 2026-03-03 08:00 (sms reminder)`.
    pub fn message(&self, m: &Machine) -> String {
        let mut out = String::with_capacity(64);
        self.write_message(m, &mut out);
        out
    }

    pub fn write_message(&self, m: &Machine, out: &mut String) {
        let tz = self.zone;
        let local = |out: &mut String, secs: i64| {
            time::push_local(
                out,
                tz,
                DateTime::from_timestamp(secs, 0).unwrap_or_default(),
            )
        };
        let event = |e: u16| {
            m.events
                .get(e as usize)
                .map(|d| m.str(d.name))
                .unwrap_or("?")
        };
        // Writing to a String cannot fail.
        let _ = match &self.detail {
            Detail::Enrolled => write!(out, "enrolled in {} version {}", m.flow, m.version),
            Detail::AlreadyEnrolled => write!(out, "already enrolled: enrolment ignored"),
            Detail::Wait { duration, until } => {
                let _ = write!(out, "wait {duration}: resumes ");
                local(out, *until);
                Ok(())
            }
            Detail::WaitUntil { until } => {
                out.push_str("wait until: resumes ");
                local(out, *until);
                Ok(())
            }
            Detail::WaitUntilPast { until } => {
                out.push_str("wait until ");
                local(out, *until);
                write!(out, ": already past, goes on")
            }
            Detail::Held {
                reason,
                until,
                contact,
            }
            | Detail::Queued {
                reason,
                until,
                contact,
            } => {
                let verb = match self.detail {
                    Detail::Held { .. } => "held",
                    _ => "queued",
                };
                write_later(out, m, tz, verb, reason, *until);
                out.push_str(" (");
                write_contact(out, m, *contact, false);
                write!(out, ")")
            }
            Detail::Requeued { reason, until } => {
                write_later(out, m, tz, "queued", reason, *until);
                Ok(())
            }
            Detail::Released(c) => {
                out.push_str("queued ");
                write_contact(out, m, *c, false);
                write!(out, " went")
            }
            Detail::Suppressed { reason, contact } => {
                write_reason(out, m, tz, reason);
                out.push_str(": ");
                write_contact(out, m, *contact, true);
                write!(out, " not done")
            }
            Detail::SuppressedQueued { reason, contact } => {
                write_reason(out, m, tz, reason);
                out.push_str(": queued ");
                write_contact(out, m, *contact, true);
                write!(out, " dropped")
            }
            Detail::DroppedByStop(c) => {
                out.push_str("suppressed: queued ");
                write_contact(out, m, *c, true);
                write!(out, " dropped after stop")
            }
            Detail::Skipped {
                channel,
                template,
                field,
            } => write!(
                out,
                "skipped: {} {} because account.{} is not set",
                channel.name(),
                m.str(*template),
                m.str(*field)
            ),
            Detail::Handler { event: e, stage } => match stage {
                Some(s) => write!(
                    out,
                    "on {}: handler of stage {} runs",
                    event(*e),
                    m.stage_name(*s)
                ),
                None => write!(out, "on {}: handler of the flow runs", event(*e)),
            },
            Detail::NoHandler { event: e } => {
                write!(out, "event {}: no handler matched", event(*e))
            }
            Detail::EventIgnored { event: e, why } => {
                write!(out, "event {} ignored: {why}", event(*e))
            }
            Detail::Stopped { stop, event: e } => {
                let channels = m
                    .policy
                    .stops
                    .get(*stop as usize)
                    .map(|s| s.channels.describe())
                    .unwrap_or_default();
                write!(
                    out,
                    "stop {channels} on {}: these contacts never run again",
                    event(*e)
                )
            }
            Detail::HoldStarted {
                hold,
                event: e,
                until,
            } => {
                let h = m.policy.ext.holds.get(*hold as usize);
                let _ = write!(
                    out,
                    "hold of {} after {} until {}",
                    h.map(|h| h.channels.describe()).unwrap_or_default(),
                    event(*e),
                    h.map(|h| event(h.release)).unwrap_or("?")
                );
                if let Some(until) = until {
                    out.push_str(", at the latest ");
                    local(out, *until);
                }
                Ok(())
            }
            Detail::HoldEnded { hold, event: e } => {
                let channels = m
                    .policy
                    .ext
                    .holds
                    .get(*hold as usize)
                    .map(|h| h.channels.describe())
                    .unwrap_or_default();
                write!(out, "{} arrived: the hold of {channels} is over", event(*e))
            }
            Detail::Paused {
                pause,
                event: e,
                until,
            } => {
                match m.policy.pauses.get(*pause as usize) {
                    Some(p) => {
                        let _ = write!(
                            out,
                            "pause {} for {} after {}: until ",
                            p.channels.describe(),
                            p.duration,
                            event(*e)
                        );
                    }
                    None => {
                        let _ = write!(out, "pause after {}: until ", event(*e));
                    }
                }
                local(out, *until);
                Ok(())
            }
            Detail::Split {
                bucket,
                stage,
                share,
            } => write!(
                out,
                "split: bucket {bucket} of 10000 goes to {} ({}%)",
                m.stage_name(*stage),
                f64::from(*share) / 100.0
            ),
            Detail::Deadline {
                deadline,
                moment,
                moved,
            } => {
                let target = deadline_target(m, *deadline);
                out.push_str("deadline ");
                local(out, *moment);
                if *moved {
                    write!(out, " has come: moves to {target}")
                } else {
                    write!(
                        out,
                        " has come: its condition is false, stays (not to {target})"
                    )
                }
            }
            Detail::DeadlineSuperseded {
                deadline,
                moment,
                by,
            } => {
                out.push_str("deadline ");
                local(out, *moment);
                write!(
                    out,
                    " (to {}) already past: the later one to {} decides",
                    deadline_target(m, *deadline),
                    deadline_target(m, *by)
                )
            }
            Detail::Payment { amount, total } => write!(
                out,
                "payment of {amount} {}: {total} {} paid in all",
                m.currency, m.currency
            ),
            Detail::Promise {
                kept: true,
                amount,
                paid,
            } => write!(
                out,
                "promise of {amount} {} kept: {paid} {} paid since it was made",
                m.currency, m.currency
            ),
            Detail::Promise {
                kept: false,
                amount,
                paid,
            } => write!(
                out,
                "promise of {amount} {} broken: its last day has ended with {paid} {} paid since it was made",
                m.currency, m.currency
            ),
            Detail::Problem(text) => write!(out, "{text}"),
            Detail::NotCharged { what, block } => {
                match what {
                    super::Charge::Fee(a) => {
                        let _ = write!(out, "fee {} {} not charged: ", a.normalize(), m.currency);
                    }
                    super::Charge::ResumeInterest => out.push_str("interest not resumed: "),
                }
                write_fee_block(out, m, tz, block);
                Ok(())
            }
            Detail::Plan {
                mark,
                installment,
                due,
                paid,
            } => {
                let c = &m.currency;
                let what = match mark {
                    super::PlanMark::Paid => format!("plan installment {installment} paid"),
                    super::PlanMark::Missed => format!("plan installment {installment} missed"),
                    super::PlanMark::CaughtUp => "plan caught up".to_string(),
                    super::PlanMark::Completed => "plan completed".to_string(),
                    super::PlanMark::Broken => {
                        format!("plan broken: installment {installment} missed after the one before")
                    }
                };
                write!(out, "{what}: {paid} {c} paid since it began, {due} {c} due")
            }
            Detail::Settlement {
                paid: true,
                amount,
                since,
            } => write!(
                out,
                "settlement of {amount} {} paid: {since} {} paid since it was offered",
                m.currency, m.currency
            ),
            Detail::Settlement {
                paid: false,
                amount,
                since,
            } => write!(
                out,
                "settlement of {amount} {} lapsed: its last day has ended with {since} {} paid since it was offered",
                m.currency, m.currency
            ),
            Detail::PlanRefused {
                asked,
                every,
                offer,
                misfit,
            } => {
                let why = match misfit {
                    crate::format::Misfit::MoreThanOffered => "more installments than",
                    crate::format::Misfit::TooFew => "fewer than 2 installments, outside",
                    crate::format::Misfit::NotTheCount => "another number of installments than",
                    crate::format::Misfit::OtherPeriod => "another period than",
                };
                write!(
                    out,
                    "plan of {asked} installments every {every} refused: {why} the offer of {}",
                    offer.describe()
                )
            }
        };
    }

    /// For a contact the policy held, queued or suppressed: the rule that
    /// decided it.
    pub fn reason(&self) -> Option<&Reason> {
        match &self.detail {
            Detail::Held { reason, .. }
            | Detail::Queued { reason, .. }
            | Detail::Requeued { reason, .. }
            | Detail::Suppressed { reason, .. }
            | Detail::SuppressedQueued { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// `at_most 2 fees per 30 days (already 2 since ...)`, `hold until ...`.
fn write_fee_block(out: &mut String, m: &Machine, tz: Tz, block: &super::FeeBlock) {
    match block {
        super::FeeBlock::Hold(h) => {
            let release = m
                .policy
                .ext
                .holds
                .get(*h as usize)
                .and_then(|h| m.events.get(h.release as usize))
                .map(|e| m.str(e.name))
                .unwrap_or("?");
            let _ = write!(out, "hold of fees until {release}");
        }
        super::FeeBlock::Cap { cap, oldest } => {
            match m.charges.caps.get(*cap as usize) {
                Some(c) => {
                    let _ = match c.limit {
                        crate::format::FeeLimit::Count(n) => {
                            write!(out, "at_most {n} fees per {}", c.window)
                        }
                        crate::format::FeeLimit::Amount(a) => write!(
                            out,
                            "at_most {} {} of fees per {}",
                            a.normalize(),
                            m.currency,
                            c.window
                        ),
                    };
                }
                None => out.push_str("a fee cap"),
            }
            if *oldest != 0 {
                out.push_str(" (counting fees since ");
                time::push_local(out, tz, crate::engine::contact::from_minutes(*oldest));
                out.push(')');
            }
        }
    }
}

/// The stage a deadline moves the account to.
fn deadline_target(m: &Machine, deadline: u16) -> &str {
    m.collections
        .deadlines
        .get(deadline as usize)
        .map(|d| m.stage_name(d.target))
        .unwrap_or("?")
}

/// `sms reminder_sms`, `call queue early_agents`; with `sent` in front of
/// sends when `verb` is set, as traces print actions.
fn write_contact(out: &mut String, m: &Machine, c: ContactRef, verb: bool) {
    match (c.channel, c.name) {
        (Channel::Call, Some(q)) => {
            let _ = write!(out, "call queue {}", m.str(q));
        }
        (Channel::Call, None) => out.push_str("call"),
        (channel, template) => {
            if verb {
                out.push_str("sent ");
            }
            let _ = write!(
                out,
                "{} {}",
                channel.name(),
                template.map(|t| m.str(t)).unwrap_or("?")
            );
        }
    }
}

/// `held: REASON, goes 2026-03-03 08:00`.
fn write_later(out: &mut String, m: &Machine, tz: Tz, verb: &str, reason: &Reason, until: i64) {
    out.push_str(verb);
    out.push_str(": ");
    write_reason(out, m, tz, reason);
    // A hold with no longest duration has no moment to go at: its event
    // decides.
    if until >= i64::from(crate::engine::instance::LAST_PAUSE_MINUTE) * 60 {
        out.push_str(", goes when the hold ends");
        return;
    }
    out.push_str(", goes ");
    time::push_local(
        out,
        tz,
        DateTime::from_timestamp(until, 0).unwrap_or_default(),
    );
}

fn write_reason(out: &mut String, m: &Machine, tz: Tz, reason: &Reason) {
    let minutes = |v: u32| crate::engine::contact::from_minutes(v);
    let _ = match reason {
        Reason::Stopped(c) => write!(
            out,
            "suppressed: {} contact was stopped by a `stop` rule",
            c.name()
        ),
        Reason::Paused { channel, until } => {
            let _ = write!(out, "pause of {} until ", channel.name());
            time::push_local(out, tz, minutes(*until));
            Ok(())
        }
        Reason::WeekCap { cap, oldest } => match m.policy.ext.week_caps.get(*cap as usize) {
            Some(c) => {
                let _ = write!(
                    out,
                    "at_most {} {} per calendar week (already {} since ",
                    c.count,
                    c.channels.describe(),
                    c.count
                );
                time::push_local(out, tz, minutes(*oldest));
                write!(out, ")")
            }
            None => write!(out, "a cap per calendar week"),
        },
        Reason::Hold { hold, until } => {
            let release = m
                .policy
                .ext
                .holds
                .get(*hold as usize)
                .and_then(|h| m.events.get(h.release as usize))
                .map(|e| m.str(e.name))
                .unwrap_or("?");
            let _ = write!(out, "hold until {release}");
            if *until < crate::engine::instance::LAST_PAUSE_MINUTE {
                out.push_str(", at the latest ");
                time::push_local(out, tz, minutes(*until));
            }
            Ok(())
        }
        Reason::Cap { cap, oldest } => match m.policy.caps.get(*cap as usize) {
            Some(c) => {
                let _ = write!(
                    out,
                    "at_most {} {} per {} (already {} since ",
                    c.count,
                    c.channels.describe(),
                    c.window,
                    c.count
                );
                time::push_local(out, tz, minutes(*oldest));
                write!(out, ")")
            }
            None => write!(out, "a cap"),
        },
        Reason::Closed(closed) => {
            closed.write(out, m, tz);
            Ok(())
        }
        Reason::PersonCap { cap, week, oldest } => {
            let rule = if *week {
                m.policy
                    .ext
                    .week_caps
                    .get(*cap as usize)
                    .map(|c| (c.count, c.channels, "calendar week".to_string()))
            } else {
                m.policy
                    .caps
                    .get(*cap as usize)
                    .map(|c| (c.count, c.channels, c.window.to_string()))
            };
            match rule {
                Some((count, channels, per)) => {
                    let _ = write!(
                        out,
                        "at_most {count} {} per {per} for the person (already {count} to the person's accounts since ",
                        channels.describe(),
                    );
                    time::push_local(out, tz, minutes(*oldest));
                    write!(out, ")")
                }
                None => write!(out, "a cap for the person"),
            }
        }
        Reason::NoMoment { channel, closed } => {
            let _ = write!(
                out,
                "suppressed: no moment within a year allows {} (",
                channel.name()
            );
            closed.write(out, m, tz);
            write!(out, ")")
        }
        Reason::ClosedIn { closed, zone } => {
            closed.write(out, m, *zone);
            out.push_str(" (the account's second zone)");
            Ok(())
        }
        Reason::NoOverlap { channel, zone } => write!(
            out,
            "suppressed: no moment within a year is inside the contact hours of {} in both {} and {}",
            channel.name(),
            tz.name(),
            zone.name()
        ),
    };
}

impl Reason {
    /// The reason as a sentence, as in audit messages.
    pub fn message(&self, m: &Machine, tz: Tz) -> String {
        let mut out = String::new();
        write_reason(&mut out, m, tz, self);
        out
    }
}
