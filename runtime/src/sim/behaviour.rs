//! The behaviour model: how debtors respond to contacts, read from TOML
//! (`examples/behaviour.toml` is the documented default).

use crate::data::{parse_value, Cell};
use crate::format::{Channel, Machine, Type};
use crate::value::Value;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path};

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
    pub plans: PlanModel,
    pub settlements: SettlementModel,
    pub payments: Payments,
    /// Days between a contact and the response: weight of day 0, 1, 2...
    pub response_days: Vec<f64>,
    pub segments: Segments,
    pub events: EventNames,
    /// The flow's own names for what the model simulates: `pago =
    /// "payment"`, `saldo = "balance"`. Checked before the lists of
    /// `[events]`.
    pub map: BTreeMap<String, String>,
    /// How `--synthetic` draws named account fields, instead of its
    /// built-in guesses.
    pub synthetic: BTreeMap<String, FieldDraw>,
}

/// What the model can simulate, and the names a flow may use for it.
pub const ROLES: [&str; 7] = [
    "payment",
    "promise",
    "dispute",
    "stop",
    "call_outcome",
    "balance",
    "plan",
];

/// How one account field is drawn by `--synthetic`: uniformly in `range`,
/// or by `weights` over written values, or by the weights of a CSV file
/// (`value,weight` rows) next to the model.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldDraw {
    pub range: Option<[f64; 2]>,
    pub weights: BTreeMap<String, f64>,
    pub file: Option<String>,
    /// The rows of `file`, read when the model is loaded: value, weight.
    #[serde(skip)]
    pub rows: Vec<(String, f64)>,
}

/// A multiplier for the accounts whose numeric field is in `min..max`
/// (`min` included, `max` excluded; either may be left out).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub multiplier: f64,
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

/// How debtors take up and pay the payment plans a flow offers.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanModel {
    /// The chance that an account offered a plan accepts it (the flow's
    /// plan event, the day after the offer); scaled by the segment.
    pub accept: f64,
    /// The chance that each installment of an accepted plan is paid, on its
    /// due day.
    pub pay: f64,
}

impl Default for PlanModel {
    fn default() -> Self {
        PlanModel {
            accept: 0.3,
            pay: 0.8,
        }
    }
}

/// How debtors take up and pay the settlements a flow offers.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SettlementModel {
    /// The chance that an account offered a settlement (or a discount if
    /// paid in full) takes it up; scaled by the segment.
    pub accept: f64,
    /// The chance that a debtor who took it up pays the whole amount by
    /// the last day; the others pay half of it, and the offer lapses.
    pub pay: f64,
}

impl Default for SettlementModel {
    fn default() -> Self {
        SettlementModel {
            accept: 0.35,
            pay: 0.75,
        }
    }
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
    /// An account field that scales the chances of paying and promising:
    /// an enumeration (by `multiplier`, per variant) or a number, money or
    /// percent field (by `bands`).
    pub field: String,
    pub multiplier: BTreeMap<String, f64>,
    pub bands: Vec<Band>,
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
    /// The event that says a plan was accepted: its money field gets the
    /// balance, its number field the installments, its date field the
    /// first due day.
    pub plan: Vec<String>,
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
            plans: PlanModel::default(),
            settlements: SettlementModel::default(),
            payments: Payments::default(),
            response_days: vec![1.0],
            segments: Segments::default(),
            events: EventNames::default(),
            map: BTreeMap::new(),
            synthetic: BTreeMap::new(),
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
            plan: v(&["plan_accepted"]),
            balance: v(&["balance"]),
        }
    }
}

impl Behaviour {
    /// The default model.
    pub fn default_model() -> Behaviour {
        Behaviour::parse(DEFAULT_TOML).unwrap_or_default()
    }

    /// Reads a model file; a distribution file it names is read from the
    /// model's own folder (never outside it).
    pub fn load(path: &Path) -> Result<Behaviour, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let mut model =
            Behaviour::parse(&text).map_err(|e| format!("`{}`: {e}", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for (field, draw) in &mut model.synthetic {
            let Some(file) = &draw.file else { continue };
            let rel = Path::new(file);
            if rel.is_absolute()
                || rel
                    .components()
                    .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
            {
                return Err(format!(
                    "`{}`: synthetic.{field}.file = \"{file}\" is outside the model's folder; put the file next to the model and name it without `..` or `/` at the start",
                    path.display()
                ));
            }
            let full = dir.join(rel);
            draw.rows = read_distribution(&full)?;
        }
        Ok(model)
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
        for (what, p) in [
            ("plans.accept", self.plans.accept),
            ("plans.pay", self.plans.pay),
            ("settlements.accept", self.settlements.accept),
            ("settlements.pay", self.settlements.pay),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{what} is {p}; a chance is between 0 and 1"));
            }
        }
        if self.response_days.is_empty() || self.response_days.iter().any(|w| *w < 0.0) {
            return Err("response_days needs at least one weight, none negative".into());
        }
        for (name, role) in &self.map {
            if !ROLES.contains(&role.as_str()) {
                return Err(format!(
                    "map.{name} = \"{role}\": unknown role; the roles are {}",
                    ROLES.join(", ")
                ));
            }
        }
        for (i, b) in self.segments.bands.iter().enumerate() {
            if !b.multiplier.is_finite() || b.multiplier < 0.0 {
                return Err(format!(
                    "segments.bands[{i}].multiplier is {}; it must be 0 or more",
                    b.multiplier
                ));
            }
            if let (Some(lo), Some(hi)) = (b.min, b.max) {
                if lo >= hi {
                    return Err(format!(
                        "segments.bands[{i}]: min {lo} is not below max {hi}"
                    ));
                }
            }
        }
        for (field, d) in &self.synthetic {
            let ways = usize::from(d.range.is_some())
                + usize::from(!d.weights.is_empty())
                + usize::from(d.file.is_some());
            if ways != 1 {
                return Err(format!(
                    "synthetic.{field}: give exactly one of `range = [low, high]`, `weights = {{ value = weight, ... }}` or `file = \"values.csv\"`"
                ));
            }
            if let Some([lo, hi]) = d.range {
                if !(lo.is_finite() && hi.is_finite()) || lo > hi {
                    return Err(format!(
                        "synthetic.{field}.range = [{lo}, {hi}]: the low end must not be above the high end"
                    ));
                }
            }
            if d.weights.values().any(|w| !w.is_finite() || *w < 0.0)
                || (!d.weights.is_empty() && d.weights.values().sum::<f64>() <= 0.0)
            {
                return Err(format!(
                    "synthetic.{field}.weights: weights are 0 or more, and at least one above 0"
                ));
            }
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

/// The weights of a distribution file: a CSV of `value,weight` rows (a
/// header `value,weight` is allowed).
fn read_distribution(path: &Path) -> Result<Vec<(String, f64)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the distribution file `{}`: {e}",
            path.display()
        )
    })?;
    let mut rows = vec![];
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((value, weight)) = line.rsplit_once(',') else {
            return Err(format!(
                "{}:{}: expected `value,weight`",
                path.display(),
                i + 1
            ));
        };
        let (value, weight) = (value.trim(), weight.trim());
        if i == 0 && weight.eq_ignore_ascii_case("weight") {
            continue;
        }
        match weight.parse::<f64>() {
            Ok(w) if w.is_finite() && w >= 0.0 => rows.push((value.to_string(), w)),
            _ => {
                return Err(format!(
                    "{}:{}: the weight `{weight}` is not a number of 0 or more",
                    path.display(),
                    i + 1
                ))
            }
        }
        if rows.len() > 100_000 {
            return Err(format!(
                "`{}`: more than 100,000 values; a distribution file lists values and their weights, not accounts",
                path.display()
            ));
        }
    }
    if rows.iter().map(|r| r.1).sum::<f64>() <= 0.0 {
        return Err(format!(
            "`{}`: no value has a weight above 0",
            path.display()
        ));
    }
    Ok(rows)
}

/// How a segment field scales an account's chances.
#[derive(Clone, Debug)]
pub enum SegmentBy {
    Variants(BTreeMap<String, f64>),
    Bands(Vec<Band>),
}

impl SegmentBy {
    /// The multiplier for a field's value (1 when no band or variant
    /// matches, or the value is unset).
    pub fn multiplier(&self, v: Option<&Value>) -> f64 {
        match (self, v) {
            (SegmentBy::Variants(m), Some(Value::Variant(v))) => m.get(v).copied().unwrap_or(1.0),
            (
                SegmentBy::Bands(bands),
                Some(Value::Number(d) | Value::Money(d) | Value::Percent(d)),
            ) => {
                use rust_decimal::prelude::ToPrimitive;
                let x = d.to_f64().unwrap_or(0.0);
                bands
                    .iter()
                    .find(|b| b.min.is_none_or(|lo| x >= lo) && b.max.is_none_or(|hi| x < hi))
                    .map(|b| b.multiplier)
                    .unwrap_or(1.0)
            }
            _ => 1.0,
        }
    }
}

/// How `--synthetic` draws one field, resolved against its type.
#[derive(Clone, Debug)]
pub enum Draw {
    /// Uniform between the two; whole numbers for a number field whose
    /// ends are whole, cents for money.
    Range(f64, f64),
    Weighted(Vec<Value>, Vec<f64>),
}

/// The model bound to one flow: event indexes and fields resolved, and
/// what could not be resolved.
#[derive(Clone, Debug)]
pub struct Bound {
    pub payment: Option<u16>,
    pub promise: Option<u16>,
    pub dispute: Option<u16>,
    pub stop: Option<u16>,
    pub call_outcome: Option<u16>,
    pub plan: Option<u16>,
    /// The enum field of `call_outcome` and its answered / not answered
    /// variants.
    pub answered: Option<(String, String)>,
    pub balance: Option<u16>,
    pub segment: Option<(u16, SegmentBy)>,
    /// Per account field, how `--synthetic` draws it.
    pub draws: Vec<(u16, Draw)>,
    /// What the model needs and the flow does not have, each with what was
    /// looked for and how to map it: without payments or a balance the
    /// simulation can recover nothing.
    pub unmapped: Vec<String>,
    /// The model names something of the flow wrongly: an error.
    pub errors: Vec<String>,
    /// Worth saying, not wrong.
    pub notes: Vec<String>,
}

fn names_for(b: &Behaviour, role: &str) -> Vec<String> {
    let listed = match role {
        "payment" => &b.events.payment,
        "promise" => &b.events.promise,
        "dispute" => &b.events.dispute,
        "stop" => &b.events.stop,
        "call_outcome" => &b.events.call_outcome,
        "plan" => &b.events.plan,
        _ => &b.events.balance,
    };
    b.map
        .iter()
        .filter(|(_, r)| r.as_str() == role)
        .map(|(n, _)| n.clone())
        .chain(listed.iter().cloned())
        .collect()
}

fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        return "no name".into();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn bind(m: &Machine, b: &Behaviour) -> Bound {
    let mut errors = vec![];
    let mut notes = vec![];
    let mut unmapped = vec![];
    let first = |role: &str| names_for(b, role).iter().find_map(|n| m.event_index(n));
    let call_outcome = first("call_outcome");
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
    let event_names: Vec<String> = m.events.iter().map(|e| m.str(e.name).to_string()).collect();
    let payment = first("payment");
    if payment.is_none() {
        unmapped.push(format!(
            "no event of the flow carries payments: looked for {} among the flow's events ({}); map yours in the behaviour model with `[map]` and a line such as `{} = \"payment\"`",
            quoted(&names_for(b, "payment")),
            if event_names.is_empty() { "none".to_string() } else { event_names.join(", ") },
            event_names.first().map(String::as_str).unwrap_or("pago"),
        ));
    }
    let money: Vec<u16> = m
        .account
        .iter()
        .enumerate()
        .filter(|(_, f)| f.ty == Type::Money)
        .map(|(i, _)| i as u16)
        .collect();
    let balance_names = names_for(b, "balance");
    let mut balance = balance_names
        .iter()
        .filter_map(|n| m.account_field(n))
        .find(|i| m.account[*i as usize].ty == Type::Money);
    if balance.is_none() {
        if let [only] = money.as_slice() {
            balance = Some(*only);
            notes.push(format!(
                "the balance payments reduce is `{}`, the account's only money field",
                m.str(m.account[*only as usize].name)
            ));
        } else {
            let shown: Vec<String> = money
                .iter()
                .map(|i| m.str(m.account[*i as usize].name).to_string())
                .collect();
            unmapped.push(format!(
                "no balance field found: looked for a money field named {} in `account {{ }}`; the flow's money fields are {}; map yours in the behaviour model with `[map]` and a line such as `{} = \"balance\"`",
                quoted(&balance_names),
                if shown.is_empty() { "none".to_string() } else { shown.join(", ") },
                shown.first().map(String::as_str).unwrap_or("saldo"),
            ));
        }
    }
    for (name, role) in &b.map {
        let found = if role == "balance" {
            m.account_field(name).is_some()
        } else {
            m.event_index(name).is_some()
        };
        if !found {
            let place = if role == "balance" {
                "account field"
            } else {
                "event"
            };
            errors.push(format!(
                "map.{name} = \"{role}\": the flow has no {place} `{name}`"
            ));
        }
    }
    let segment = if b.segments.field.is_empty() {
        None
    } else {
        match m.account_field(&b.segments.field) {
            None => None,
            Some(i) => match &m.account[i as usize].ty {
                Type::Enum(_) if !b.segments.multiplier.is_empty() => {
                    Some((i, SegmentBy::Variants(b.segments.multiplier.clone())))
                }
                Type::Number | Type::Money | Type::Percent if !b.segments.bands.is_empty() => {
                    Some((i, SegmentBy::Bands(b.segments.bands.clone())))
                }
                Type::Enum(_) | Type::Number | Type::Money | Type::Percent => {
                    let want = if matches!(m.account[i as usize].ty, Type::Enum(_)) {
                        "`[segments.multiplier]` (one multiplier per variant)"
                    } else {
                        "`[[segments.bands]]` (min, max, multiplier)"
                    };
                    errors.push(format!(
                        "segments.field = \"{}\" is a {} field; scale it with {want}",
                        b.segments.field,
                        crate::engine::type_words(m, &m.account[i as usize].ty)
                    ));
                    None
                }
                _ => {
                    errors.push(format!(
                        "segments.field = \"{}\": a segment field is an enumeration, number, money or percent field",
                        b.segments.field
                    ));
                    None
                }
            },
        }
    };
    let mut draws = vec![];
    for (name, d) in &b.synthetic {
        let Some(i) = m.account_field(name) else {
            errors.push(format!(
                "synthetic.{name}: the flow's account has no field `{name}`"
            ));
            continue;
        };
        let field = &m.account[i as usize];
        if let Some([lo, hi]) = d.range {
            if matches!(field.ty, Type::Number | Type::Money | Type::Percent) {
                draws.push((i, Draw::Range(lo, hi)));
            } else {
                errors.push(format!(
                    "synthetic.{name}.range: `{name}` is not a number, money or percent field; give `weights` instead"
                ));
            }
            continue;
        }
        let rows: Vec<(String, f64)> = if d.rows.is_empty() {
            d.weights.iter().map(|(k, v)| (k.clone(), *v)).collect()
        } else {
            d.rows.clone()
        };
        let mut values = vec![];
        let mut weights = vec![];
        for (text, w) in rows {
            match parse_value(m, field, &Cell::Str(text.clone())) {
                Ok(v) => {
                    values.push(v);
                    weights.push(w);
                }
                Err(e) => errors.push(format!("synthetic.{name}: the value `{text}`: {e}")),
            }
        }
        if !values.is_empty() {
            draws.push((i, Draw::Weighted(values, weights)));
        }
    }
    Bound {
        payment,
        promise: first("promise"),
        dispute: first("dispute"),
        stop: first("stop"),
        call_outcome,
        plan: first("plan"),
        answered,
        balance,
        segment,
        draws,
        unmapped,
        errors,
        notes,
    }
}
