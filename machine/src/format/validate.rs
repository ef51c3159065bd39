//! Every index a decoded machine holds, checked against what it indexes,
//! so that a damaged `.dunc` whose checksum was recomputed is refused when
//! it is loaded (by every command, `dun inspect` included) and the engine
//! only ever runs machines whose references all lead somewhere.

use super::*;

/// The first index of `m` that leads nowhere, said as a place and a reason.
pub fn validate(m: &Machine) -> Result<(), String> {
    Check { m }.machine()
}

struct Check<'a> {
    m: &'a Machine,
}

fn within(what: &str, index: usize, len: usize, place: &dyn Fn() -> String) -> Result<(), String> {
    if index < len {
        Ok(())
    } else {
        Err(format!(
            "{} refers to {what} {index}, but there are {len}",
            place()
        ))
    }
}

impl Check<'_> {
    fn sym(&self, sym: Sym, place: &dyn Fn() -> String) -> Result<(), String> {
        within("string", sym as usize, self.m.strings.len(), place)
    }

    fn field(&self, f: &Field, place: &dyn Fn() -> String) -> Result<(), String> {
        self.sym(f.name, place)?;
        if let Type::Enum(variants) = &f.ty {
            for v in variants {
                self.sym(*v, place)?;
            }
        }
        Ok(())
    }

    fn calendar(&self, c: Option<u16>, place: &dyn Fn() -> String) -> Result<(), String> {
        match c {
            Some(c) => within("calendar", c as usize, self.m.calendars.len(), place),
            None => Ok(()),
        }
    }

    fn duration(&self, d: &DurationSpec, place: &dyn Fn() -> String) -> Result<(), String> {
        self.calendar(d.calendar, place)
    }

    fn state(&self, s: u32, place: &dyn Fn() -> String) -> Result<(), String> {
        within("state", s as usize, self.m.states.len(), place)
    }

    fn stage(&self, s: u16, place: &dyn Fn() -> String) -> Result<(), String> {
        within("stage", s as usize, self.m.stages.len(), place)
    }

    fn event(&self, e: u16, place: &dyn Fn() -> String) -> Result<(), String> {
        within("event", e as usize, self.m.events.len(), place)
    }

    /// `fields`: the fields `Instr::Event` may read here (the handled
    /// event's, or the most any event has where the event is not known).
    fn code(&self, code: &Code, fields: usize, place: &dyn Fn() -> String) -> Result<(), String> {
        for (i, instr) in code.iter().enumerate() {
            let at = || format!("{}, instruction {i}", place());
            match *instr {
                Instr::Const(c) => within("constant", c as usize, self.m.consts.len(), &at)?,
                Instr::Account(f) => {
                    within("account field", f as usize, self.m.account.len(), &at)?
                }
                Instr::Event(f) => within("event field", f as usize, fields, &at)?,
                Instr::Var(v) => within("variable", v as usize, self.m.vars.len(), &at)?,
                Instr::AndThen(to) | Instr::OrElse(to) => {
                    within("instruction", to as usize, code.len() + 1, &at)?
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn text(&self, text: &Text, fields: usize, place: &dyn Fn() -> String) -> Result<(), String> {
        for piece in text {
            match piece {
                TextPiece::Lit(s) => self.sym(*s, place)?,
                TextPiece::Expr(code) => self.code(code, fields, place)?,
            }
        }
        Ok(())
    }

    fn machine(&self) -> Result<(), String> {
        let m = self.m;
        let any_event_fields = m.events.iter().map(|e| e.fields.len()).max().unwrap_or(0);
        for (i, c) in m.consts.iter().enumerate() {
            if let Const::Text(s) | Const::Variant(s) = c {
                self.sym(*s, &|| format!("constant {i}"))?;
            }
            if let Const::Duration(d) = c {
                self.duration(d, &|| format!("constant {i}"))?;
            }
        }
        for (i, f) in m.account.iter().enumerate() {
            self.field(f, &|| format!("account field {i}"))?;
        }
        for (i, e) in m.events.iter().enumerate() {
            self.sym(e.name, &|| format!("event {i}"))?;
            for f in &e.fields {
                self.field(f, &|| format!("a field of event {i}"))?;
            }
        }
        for (i, a) in m.actions.iter().enumerate() {
            self.sym(a.name, &|| format!("action {i}"))?;
            for f in &a.fields {
                self.field(f, &|| format!("a field of action {i}"))?;
            }
        }
        for (i, c) in m.calendars.iter().enumerate() {
            self.sym(c.name, &|| format!("calendar {i}"))?;
        }
        self.calendar(m.default_calendar, &|| "the default calendar".into())?;
        self.policy()?;
        for (i, v) in m.vars.iter().enumerate() {
            let place = || format!("variable {i}");
            self.sym(v.name, &place)?;
            self.code(&v.init, 0, &place)?;
        }
        for (i, t) in m.templates.iter().enumerate() {
            let place = || format!("template {i}");
            self.sym(t.name, &place)?;
            if let Some(subject) = &t.subject {
                self.text(subject, any_event_fields, &place)?;
            }
            self.text(&t.body, any_event_fields, &place)?;
        }
        self.stage(m.start, &|| "the start".into())?;
        for (i, s) in m.states.iter().enumerate() {
            let place = || format!("state {i}");
            self.stage(s.stage, &place)?;
            let len = m.stages[s.stage as usize].code.len();
            within("position", s.pc as usize, len + 1, &place)?;
        }
        for (i, s) in m.stages.iter().enumerate() {
            let place = || format!("stage {i}");
            self.sym(s.name, &place)?;
            self.state(s.entry, &place)?;
            self.ops(&s.code, &s.spans, any_event_fields, &place)?;
            for (h, handler) in s.handlers.iter().enumerate() {
                self.handler(handler, &|| format!("stage {i}, handler {h}"))?;
            }
        }
        for (h, handler) in m.handlers.iter().enumerate() {
            self.handler(handler, &|| format!("flow handler {h}"))?;
        }
        if let Some(person) = m.person {
            within(
                "account field",
                person.field as usize,
                m.account.len(),
                &|| "`person`".into(),
            )?;
        }
        if let Some(v) = m.collections.stage_resume {
            within("variable", v as usize, m.vars.len(), &|| {
                "the deadlines' resume moment".into()
            })?;
        }
        if let Some(a) = &m.arrangements {
            let place = || "the payments".to_string();
            let event = m.events.get(a.payment_event as usize);
            within("event", a.payment_event as usize, m.events.len(), &place)?;
            within(
                "payment field",
                a.payment_field as usize,
                event.map_or(0, |e| e.fields.len()),
                &place,
            )?;
            within("event", a.kept_event as usize, m.events.len(), &place)?;
            within("event", a.broken_event as usize, m.events.len(), &place)?;
            for v in a.vars() {
                within("variable", v as usize, m.vars.len(), &place)?;
            }
        }
        if let Some(s) = &m.settlements {
            let place = || "the settlement offers".to_string();
            for e in s.events() {
                within("event", e as usize, m.events.len(), &place)?;
            }
            for v in s.vars() {
                within("variable", v as usize, m.vars.len(), &place)?;
            }
        }
        if let Some(p) = &m.plans {
            let place = || "the payment plans".to_string();
            for e in p.events() {
                within("event", e as usize, m.events.len(), &place)?;
            }
            for v in p.vars() {
                within("variable", v as usize, m.vars.len(), &place)?;
            }
        }
        for (i, d) in m.collections.deadlines.iter().enumerate() {
            let place = || format!("deadline {i}");
            if let Some(s) = d.stage {
                self.stage(s, &place)?;
            }
            self.stage(d.target, &place)?;
            within("variable", d.spent as usize, m.vars.len(), &place)?;
            self.code(&d.at, 0, &place)?;
            if let Some(w) = &d.when {
                self.code(w, 0, &place)?;
            }
        }
        self.locales()?;
        Ok(())
    }

    fn locales(&self) -> Result<(), String> {
        let l = &self.m.locales;
        let any_event_fields = self
            .m
            .events
            .iter()
            .map(|e| e.fields.len())
            .max()
            .unwrap_or(0);
        if let Some(c) = &l.language {
            let place = || "the language choice".to_string();
            within(
                "account field",
                c.field as usize,
                self.m.account.len(),
                &place,
            )?;
            self.sym(c.fallback, &place)?;
        }
        for (i, t) in l.templates.iter().enumerate() {
            let place = || format!("template locale {i}");
            within(
                "template",
                t.template as usize,
                self.m.templates.len(),
                &place,
            )?;
            let approved = |a: &Option<Approved>| match a {
                Some(a) => {
                    self.sym(a.name, &place)?;
                    self.sym(a.language, &place)
                }
                None => Ok(()),
            };
            approved(&t.approved)?;
            for v in &t.languages {
                self.sym(v.language, &place)?;
                approved(&v.approved)?;
                if let Some(s) = &v.subject {
                    self.text(s, any_event_fields, &place)?;
                }
                self.text(&v.body, any_event_fields, &place)?;
            }
        }
        Ok(())
    }

    fn policy(&self) -> Result<(), String> {
        let p = &self.m.policy;
        let place = || "the policy".to_string();
        if let Some(h) = p.contact_hours {
            if h.from >= 24 * 60 || h.to > 24 * 60 {
                return Err(format!(
                    "the policy's contact hours ({} to {} minutes) are not times of day",
                    h.from, h.to
                ));
            }
        }
        for zone in std::iter::once(&p.zone).chain(&self.m.second_zone) {
            match *zone {
                ZoneSpec::Utc => {}
                ZoneSpec::Named(s) => self.sym(s, &place)?,
                ZoneSpec::AccountField(f) => {
                    within("account field", f as usize, self.m.account.len(), &place)?
                }
            }
        }
        for c in &p.closed_holidays {
            self.calendar(Some(*c), &place)?;
        }
        for c in &p.caps {
            self.duration(&c.window, &place)?;
        }
        for pause in &p.pauses {
            self.duration(&pause.duration, &place)?;
            self.event(pause.event, &place)?;
            if let Some(when) = &pause.when {
                let fields = self.m.events[pause.event as usize].fields.len();
                self.code(when, fields, &place)?;
            }
        }
        for stop in &p.stops {
            self.event(stop.event, &place)?;
            if let Some(when) = &stop.when {
                let fields = self.m.events[stop.event as usize].fields.len();
                self.code(when, fields, &place)?;
            }
        }
        for hold in &p.ext.holds {
            self.event(hold.event, &place)?;
            self.event(hold.release, &place)?;
            if let Some(d) = &hold.longest {
                self.duration(d, &place)?;
            }
            if let Some(when) = &hold.when {
                let fields = self.m.events[hold.event as usize].fields.len();
                self.code(when, fields, &place)?;
            }
        }
        for cap in &self.m.charges.caps {
            self.duration(&cap.window, &place)?;
            if cap.slots > super::MAX_FEE_SLOTS {
                return Err(format!("{} keeps {} fees for a cap", place(), cap.slots));
            }
        }
        for h in &self.m.charges.fee_holds {
            within("hold", *h as usize, p.ext.holds.len(), &place)?;
        }
        Ok(())
    }

    fn handler(&self, h: &Handler, place: &dyn Fn() -> String) -> Result<(), String> {
        self.event(h.event, place)?;
        let fields = self.m.events[h.event as usize].fields.len();
        if let Some(when) = &h.when {
            self.code(when, fields, place)?;
        }
        self.ops(&h.code, &h.spans, fields, place)
    }

    fn ops(
        &self,
        code: &[Op],
        spans: &[SrcSpan],
        fields: usize,
        place: &dyn Fn() -> String,
    ) -> Result<(), String> {
        let m = self.m;
        if !spans.is_empty() && spans.len() != code.len() {
            return Err(format!(
                "{} has {} operations but {} source spans",
                place(),
                code.len(),
                spans.len()
            ));
        }
        for (i, op) in code.iter().enumerate() {
            let at = || format!("{}, operation {i}", place());
            let cond = |c: &Option<Code>| match c {
                Some(c) => self.code(c, fields, &at),
                None => Ok(()),
            };
            let hold = |h: Option<u32>| match h {
                Some(s) => self.state(s, &at),
                None => Ok(()),
            };
            match op {
                Op::Jump(to) => within("operation", *to as usize, code.len() + 1, &at)?,
                Op::JumpUnless { cond: c, to } => {
                    self.code(c, fields, &at)?;
                    within("operation", *to as usize, code.len() + 1, &at)?;
                }
                Op::Wait { duration, resume } => {
                    self.duration(duration, &at)?;
                    self.state(*resume, &at)?;
                }
                Op::WaitUntil { at: when, resume } => {
                    self.code(when, fields, &at)?;
                    self.state(*resume, &at)?;
                }
                Op::Send {
                    template,
                    to,
                    when,
                    hold: h,
                    ..
                } => {
                    within("template", *template as usize, m.templates.len(), &at)?;
                    if let Some(f) = to {
                        within("account field", *f as usize, m.account.len(), &at)?;
                    }
                    cond(when)?;
                    hold(*h)?;
                }
                Op::Call {
                    queue,
                    when,
                    hold: h,
                    ..
                } => {
                    if let Some(q) = queue {
                        self.sym(*q, &at)?;
                    }
                    cond(when)?;
                    hold(*h)?;
                }
                Op::Set { var, value } => {
                    within("variable", *var as usize, m.vars.len(), &at)?;
                    self.code(value, fields, &at)?;
                }
                Op::AssignQueue { queue, .. } => self.sym(*queue, &at)?,
                Op::AssignAgency { agency } => self.sym(*agency, &at)?,
                Op::PlaceAgency { agency, period } => {
                    self.sym(*agency, &at)?;
                    self.duration(period, &at)?;
                }
                Op::OfferDiscount { duration, .. } => {
                    if let Some(d) = duration {
                        self.duration(d, &at)?;
                    }
                }
                Op::OfferPlan { every, .. } | Op::OfferPlanUpTo { every, .. } => {
                    self.duration(every, &at)?
                }
                Op::CheckPlan {
                    count,
                    every,
                    offer,
                    refused,
                    event,
                } => {
                    self.code(count, fields, &at)?;
                    self.duration(every, &at)?;
                    for var in offer.iter().chain([refused]) {
                        within("variable", *var as usize, m.vars.len(), &at)?;
                    }
                    within("event", *event as usize, m.events.len(), &at)?;
                }
                Op::Alert { team, text } => {
                    self.sym(*team, &at)?;
                    self.text(text, fields, &at)?;
                }
                Op::Emit { action, fields: fs } => {
                    within("action", *action as usize, m.actions.len(), &at)?;
                    let len = m.actions[*action as usize].fields.len();
                    for (f, value) in fs {
                        within("action field", *f as usize, len, &at)?;
                        self.code(value, fields, &at)?;
                    }
                }
                Op::Goto(s) => self.stage(*s, &at)?,
                Op::End(outcome) => self.sym(*outcome, &at)?,
                Op::Split(arms) => {
                    let mut total = 0u32;
                    for arm in arms {
                        self.stage(arm.stage, &at)?;
                        total += u32::from(arm.share);
                    }
                    if total != 10_000 {
                        return Err(format!(
                            "{} splits into shares adding up to {total} basis points, not 10000",
                            at()
                        ));
                    }
                }
                Op::ChargeFee { reason, when, .. } => {
                    if let Some(r) = reason {
                        self.sym(*r, &at)?;
                    }
                    cond(when)?;
                }
                Op::Interest { .. } => {}
                Op::OfferSettlement { amount, until, .. } => {
                    if m.settlements.is_none() {
                        return Err(format!(
                            "{} offers a settlement, and the flow has no settlements section",
                            at()
                        ));
                    }
                    self.code(amount, fields, &at)?;
                    self.code(until, fields, &at)?;
                }
            }
        }
        Ok(())
    }
}
