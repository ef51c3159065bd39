//! Whether the plan a debtor accepted fits the plan the flow offered: the
//! one rule shared by the engine, which refuses a plan outside the
//! account's last offer (`plan_refused`), and the checker, which reports a
//! literal count that can never fit the flow's only offer.
//!
//! The last offer lives in hidden variables of the account, set by each
//! `offer plan ...` step of a flow that tracks plans; an account never
//! offered a plan has none, and its plan is taken as agreed (an agent may
//! agree a plan before the flow offers one).

use super::DurationSpec;

/// The hidden variables of the account's last plan offer: `number`, how
/// many installments (0: never offered); `bool`, whether that is the most
/// of a range (`up to`); `duration`, the period.
pub const OFFER_VARS: [&str; 3] = [
    "offered plan installments",
    "offered plan up to",
    "offered plan period",
];
/// The hidden `bool` variable a `plan` step's check sets when it refuses
/// the plan, read by the jump that skips the plan's terms.
pub const REFUSED_VAR: &str = "plan refused";
/// The built-in event raised when a plan is refused.
pub const PLAN_REFUSED: &str = "plan_refused";

/// A plan offer: `offer plan N installments every D`, or `up to N`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanOffer {
    pub installments: u32,
    pub up_to: bool,
    pub every: DurationSpec,
}

/// Why a plan does not fit the offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Misfit {
    /// More installments than `up to N` allows.
    MoreThanOffered,
    /// Fewer than 2 installments: not a plan.
    TooFew,
    /// Another count than the exact one offered.
    NotTheCount,
    /// Another period than the offer's.
    OtherPeriod,
}

impl PlanOffer {
    /// Why `count` installments every `every` do not fit, if they do not.
    pub fn misfit(&self, count: u32, every: DurationSpec) -> Option<Misfit> {
        // `every 1 month` is not `every 30 days`, nor business days of
        // another calendar: the period is the one written in the offer.
        if every != self.every {
            return Some(Misfit::OtherPeriod);
        }
        self.count_misfit(count)
    }

    /// Why `count` installments do not fit, the period aside.
    pub fn count_misfit(&self, count: u32) -> Option<Misfit> {
        if count < 2 {
            Some(Misfit::TooFew)
        } else if self.up_to && count > self.installments {
            Some(Misfit::MoreThanOffered)
        } else if !self.up_to && count != self.installments {
            Some(Misfit::NotTheCount)
        } else {
            None
        }
    }

    /// `up to 6 installments every 1 month`, as the flow writes it.
    pub fn describe(&self) -> String {
        format!(
            "{}{} installments every {}",
            if self.up_to { "up to " } else { "" },
            self.installments,
            self.every
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::DurationUnit;

    fn offer(n: u32, up_to: bool) -> PlanOffer {
        PlanOffer {
            installments: n,
            up_to,
            every: DurationSpec::new(1, DurationUnit::Months),
        }
    }

    #[test]
    fn a_range_takes_two_to_n_installments_of_its_period() {
        let month = DurationSpec::new(1, DurationUnit::Months);
        let o = offer(6, true);
        assert_eq!(o.misfit(2, month), None);
        assert_eq!(o.misfit(6, month), None);
        assert_eq!(o.misfit(8, month), Some(Misfit::MoreThanOffered));
        assert_eq!(o.misfit(1, month), Some(Misfit::TooFew));
        let weeks = DurationSpec::new(2, DurationUnit::Weeks);
        assert_eq!(o.misfit(3, weeks), Some(Misfit::OtherPeriod));
    }

    #[test]
    fn an_exact_offer_takes_its_count_only() {
        let month = DurationSpec::new(1, DurationUnit::Months);
        let o = offer(4, false);
        assert_eq!(o.misfit(4, month), None);
        assert_eq!(o.misfit(3, month), Some(Misfit::NotTheCount));
        assert_eq!(o.describe(), "4 installments every 1 month");
    }
}
