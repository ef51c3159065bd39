//! The behaviour model: how debtors respond to contacts, read from TOML
//! (`examples/behaviour.toml` is the documented default).

use crate::format::{Channel, Machine, Type};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The model as written. Every section is optional: what is left out takes
/// the default of `examples/behaviour.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Behaviour {
    /// Cost of one contact per channel, in the flow's currency.
    pub costs: BTreeMap<String, f64>,
    /// Per channel: reach, and the chances of each response once reached.
    pub channels: BTreeMap<String, ChannelResponse>,
    pub promises: Promises,
    pub payments: Payments,
    /// Days between a contact and the response: weight of day 0, 1, 2...
    pub response_days: Vec<f64>,
    pub segments: Segments,
    pub events: EventNames,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelResponse {
    /// The chance that the contact reaches the debtor: for calls, a
    /// right-party contact; for messages and letters, read.
    pub reach: f64,
    pub pay_full: f64,
    pub pay_part: f64,
    pub promise: f64,
    pub dispute: f64,
    /// Asks to stop contact.
    pub stop: f64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Promises {
    /// The chance that a promise is kept, on its due date.
    pub keep: f64,
    /// Due between these many days after the promise.
    pub due_days: [i64; 2],
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Payments {
    /// A partial payment is this share of the balance (low, high).
    pub part_share: [f64; 2],
    /// The chance per day of paying in full without any contact.
    pub self_cure_per_day: f64,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Segments {
    /// An enumeration field of the account; its variants scale the chances
    /// of paying and promising.
    pub field: String,
    pub multiplier: BTreeMap<String, f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventNames {
    /// For each response, the flow's event that carries it: the first name
    /// in the list that the flow declares.
    pub payment: Vec<String>,
    pub promise: Vec<String>,
    pub dispute: Vec<String>,
    pub stop: Vec<String>,
    pub call_outcome: Vec<String>,
    /// The money field that payments reduce: the first the flow declares.
    pub balance: Vec<String>,
}

/// The documented default, compiled in so `dun simulate` works without a
/// file; `examples/behaviour.toml` is the same text.
pub const DEFAULT_TOML: &str = include_str!("../../../examples/behaviour.toml");

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            costs: BTreeMap::new(),
            channels: BTreeMap::new(),
            promises: Promises::default(),
            payments: Payments::default(),
            response_days: vec![1.0],
            segments: Segments::default(),
            events: EventNames::default(),
        }
    }
}

impl Default for Promises {
    fn default() -> Self {
        Promises {
            keep: 0.5,
            due_days: [3, 14],
        }
    }
}

impl Default for Payments {
    fn default() -> Self {
        Payments {
            part_share: [0.1, 0.4],
            self_cure_per_day: 0.0,
        }
    }
}

impl Default for EventNames {
    fn default() -> Self {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        EventNames {
            payment: v(&["payment"]),
            promise: v(&["promise_to_pay"]),
            dispute: v(&["dispute"]),
            stop: v(&["cease_contact"]),
            call_outcome: v(&["call_outcome"]),
            balance: v(&["balance"]),
        }
    }
}

impl Behaviour {
    /// The default model.
    pub fn default_model() -> Behaviour {
        Behaviour::parse(DEFAULT_TOML).unwrap_or_default()
    }

    /// Reads a model; sections left out keep the default's values.
    pub fn parse(text: &str) -> Result<Behaviour, String> {
        let mut model: Behaviour = toml::from_str(text).map_err(|e| e.to_string())?;
        if text != DEFAULT_TOML {
            let base = Behaviour::default_model();
            for (k, v) in base.costs {
                model.costs.entry(k).or_insert(v);
            }
            for (k, v) in base.channels {
                model.channels.entry(k).or_insert(v);
            }
        }
        model.check()?;
        Ok(model)
    }

    fn check(&self) -> Result<(), String> {
        for name in self.costs.keys().chain(self.channels.keys()) {
            if Channel::from_name(name).is_none() {
                return Err(format!(
                    "unknown channel `{name}`; the channels are email, sms, whatsapp, letter, push, voice, call"
                ));
            }
        }
        for (name, c) in &self.channels {
            for (what, p) in [
                ("reach", c.reach),
                ("pay_full", c.pay_full),
                ("pay_part", c.pay_part),
                ("promise", c.promise),
                ("dispute", c.dispute),
                ("stop", c.stop),
            ] {
                if !(0.0..=1.0).contains(&p) {
                    return Err(format!(
                        "channels.{name}.{what} is {p}; a chance is between 0 and 1"
                    ));
                }
            }
            let sum = c.pay_full + c.pay_part + c.promise + c.dispute + c.stop;
            if sum > 1.0 {
                return Err(format!(
                    "channels.{name}: the responses add up to {sum}; they are exclusive chances and must add up to at most 1"
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.promises.keep) {
            return Err("promises.keep is a chance between 0 and 1".into());
        }
        if self.response_days.is_empty() || self.response_days.iter().any(|w| *w < 0.0) {
            return Err("response_days needs at least one weight, none negative".into());
        }
        Ok(())
    }

    pub fn channel(&self, c: Channel) -> Option<&ChannelResponse> {
        self.channels.get(c.name())
    }

    pub fn cost(&self, c: Channel) -> f64 {
        self.costs.get(c.name()).copied().unwrap_or(0.0)
    }
}

/// The model bound to one flow: event indexes and fields resolved.
#[derive(Clone, Debug)]
pub struct Bound {
    pub payment: Option<u16>,
    pub promise: Option<u16>,
    pub dispute: Option<u16>,
    pub stop: Option<u16>,
    pub call_outcome: Option<u16>,
    /// The enum field of `call_outcome` and its answered / not answered
    /// variants.
    pub answered: Option<(String, String)>,
    pub balance: Option<u16>,
    pub segment: Option<u16>,
}

pub fn bind(m: &Machine, b: &Behaviour) -> Bound {
    let first = |names: &[String]| names.iter().find_map(|n| m.event_index(n));
    let call_outcome = first(&b.events.call_outcome);
    let answered = call_outcome.and_then(|e| {
        m.events[e as usize]
            .fields
            .iter()
            .find_map(|f| match &f.ty {
                Type::Enum(vs) => {
                    let names: Vec<&str> = vs.iter().map(|v| m.str(*v)).collect();
                    let yes = names.iter().find(|n| **n == "answered")?;
                    let no = names
                        .iter()
                        .find(|n| **n == "no_answer")
                        .or_else(|| names.iter().find(|n| **n != "answered"))?;
                    Some((yes.to_string(), no.to_string()))
                }
                _ => None,
            })
    });
    let balance = b
        .events
        .balance
        .iter()
        .filter_map(|n| m.account_field(n))
        .find(|i| m.account[*i as usize].ty == Type::Money)
        .or_else(|| {
            m.account
                .iter()
                .position(|f| f.ty == Type::Money)
                .map(|i| i as u16)
        });
    let segment = m
        .account_field(&b.segments.field)
        .filter(|i| matches!(m.account[*i as usize].ty, Type::Enum(_)));
    Bound {
        payment: first(&b.events.payment),
        promise: first(&b.events.promise),
        dispute: first(&b.events.dispute),
        stop: first(&b.events.stop),
        call_outcome,
        answered,
        balance,
        segment,
    }
}
