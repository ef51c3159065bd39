//! How sure a comparison is: 95% intervals by a bootstrap over accounts,
//! and the portfolio size a difference would need to be told from noise.
//!
//! Accounts are what is drawn at random (by the portfolio and by the
//! behaviour model), so they are what the bootstrap resamples: each
//! replicate draws as many accounts as the group has, with replacement,
//! and recomputes the metric as a ratio of sums. The interval is the
//! 2.5th and 97.5th percentiles of 1,000 replicates, drawn with a fixed
//! seed so the same run prints the same interval. Two arms of one flow are
//! independent groups and are resampled independently; two flows run on
//! the same accounts (`--vs`) are paired, and one draw of accounts serves
//! both, which removes the accounts' own spread from the difference.
//!
//! Above `BOOTSTRAP_LIMIT` accounts a group's interval is the normal one
//! with the linearised (delta-method) variance of the ratio, computed in
//! one pass: at that size the bootstrap's distribution is normal to within
//! its own noise, and 1,000 passes over a million accounts would cost more
//! than the simulation.

use super::rng::Rng;
use serde::Serialize;

/// What one account contributed, in whole units (cents, 1/10 000 of the
/// currency for cost) so sums are exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// 0: no split; k: the k-th arm.
    pub arm: u16,
    pub balance: i64,
    pub recovered: i64,
    pub liquidated: bool,
    pub cost: i64,
    pub promises_kept: u32,
}

/// The metrics that get intervals, each a ratio of sums over accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    RecoveryRate,
    LiquidationRate,
    RecoveredPerAccount,
    CostPerAccount,
    PromisesKeptPerAccount,
}

impl Metric {
    pub const ALL: [Metric; 5] = [
        Metric::RecoveryRate,
        Metric::LiquidationRate,
        Metric::RecoveredPerAccount,
        Metric::CostPerAccount,
        Metric::PromisesKeptPerAccount,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::RecoveryRate => "recovery_rate",
            Metric::LiquidationRate => "liquidation_rate",
            Metric::RecoveredPerAccount => "recovered_per_account",
            Metric::CostPerAccount => "cost_per_account",
            Metric::PromisesKeptPerAccount => "promises_kept_per_account",
        }
    }

    /// Rates are shown in percentage points, the rest in their unit.
    pub fn is_rate(self) -> bool {
        matches!(self, Metric::RecoveryRate | Metric::LiquidationRate)
    }
}

/// Sums of a group, from which every metric is a ratio.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    n: f64,
    balance: f64,
    recovered: f64,
    liquidated: f64,
    cost: f64,
    kept: f64,
}

impl Sums {
    fn add(&mut self, s: &Sample) {
        self.n += 1.0;
        self.balance += s.balance as f64;
        self.recovered += s.recovered as f64;
        self.liquidated += f64::from(u8::from(s.liquidated));
        self.cost += s.cost as f64;
        self.kept += f64::from(s.promises_kept);
    }

    fn metric(&self, m: Metric) -> f64 {
        let div = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
        match m {
            Metric::RecoveryRate => div(self.recovered, self.balance),
            Metric::LiquidationRate => div(self.liquidated, self.n),
            Metric::RecoveredPerAccount => div(self.recovered, self.n) / 100.0,
            Metric::CostPerAccount => div(self.cost, self.n) / 10_000.0,
            Metric::PromisesKeptPerAccount => div(self.kept, self.n),
        }
    }
}

fn sums<'a>(group: impl IntoIterator<Item = &'a Sample>) -> Sums {
    let mut s = Sums::default();
    for x in group {
        s.add(x);
    }
    s
}

const REPLICATES: usize = 1000;
/// Groups larger than this get the linearised normal interval.
pub const BOOTSTRAP_LIMIT: usize = 50_000;
const Z95: f64 = 1.959_964;
/// 1.96 + 0.84: a two-sided test at 5% with 80% power.
const Z_POWER: f64 = 1.959_964 + 0.841_621;

/// A metric of one group with its 95% interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub metric: &'static str,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// A difference `b - a` with its 95% interval and what it means.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub metric: &'static str,
    pub a: String,
    pub b: String,
    pub difference: f64,
    pub low: f64,
    pub high: f64,
    /// The interval leaves 0 out.
    pub distinguishable: bool,
    /// Accounts per arm (per flow, for paired flows: accounts in the
    /// portfolio) that would tell a difference this large from noise with
    /// 80% power at the 5% level; none when the difference is 0.
    pub accounts_needed: Option<u64>,
    pub sentence: String,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn sd(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

/// Replicates of every metric for one group (`REPLICATES` rows of
/// `Metric::ALL.len()` values).
fn replicates(group: &[&Sample], rng: &mut Rng) -> Vec<[f64; 5]> {
    let n = group.len();
    (0..REPLICATES)
        .map(|_| {
            let mut s = Sums::default();
            for _ in 0..n {
                s.add(group[(rng.next_u64() % n as u64) as usize]);
            }
            Metric::ALL.map(|m| s.metric(m))
        })
        .collect()
}

fn column(reps: &[[f64; 5]], k: usize) -> Vec<f64> {
    let mut v: Vec<f64> = reps.iter().map(|r| r[k]).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// One account's numerator and denominator of a metric.
fn parts(s: &Sample, m: Metric) -> (f64, f64) {
    match m {
        Metric::RecoveryRate => (s.recovered as f64, s.balance as f64),
        Metric::LiquidationRate => (f64::from(u8::from(s.liquidated)), 1.0),
        Metric::RecoveredPerAccount => (s.recovered as f64 / 100.0, 1.0),
        Metric::CostPerAccount => (s.cost as f64 / 10_000.0, 1.0),
        Metric::PromisesKeptPerAccount => (f64::from(s.promises_kept), 1.0),
    }
}

/// Each account's influence on a ratio Σy/Σx: (y - R·x) / mean(x), whose
/// variance over n is the ratio's variance.
fn influence<'a>(group: impl Iterator<Item = &'a Sample> + Clone, m: Metric) -> Vec<f64> {
    let (mut y, mut x, mut n) = (0.0, 0.0, 0.0);
    for s in group.clone() {
        let (a, b) = parts(s, m);
        y += a;
        x += b;
        n += 1.0;
    }
    if x == 0.0 {
        return group.map(|_| 0.0).collect();
    }
    let (r, mean_x) = (y / x, x / n);
    group
        .map(|s| {
            let (a, b) = parts(s, m);
            (a - r * b) / mean_x
        })
        .collect()
}

/// The variance per account of a group's influence values.
fn spread(z: &[f64]) -> f64 {
    sd(z).powi(2)
}

/// Every metric of a group with its interval.
pub fn estimates(group: &[&Sample], seed: u64) -> Vec<Estimate> {
    if group.len() > BOOTSTRAP_LIMIT {
        let whole = sums(group.iter().copied());
        let n = group.len() as f64;
        return Metric::ALL
            .iter()
            .map(|m| {
                let v = whole.metric(*m);
                let half = Z95 * (spread(&influence(group.iter().copied(), *m)) / n).sqrt();
                Estimate {
                    metric: m.name(),
                    value: v,
                    low: v - half,
                    high: v + half,
                }
            })
            .collect();
    }
    let mut rng = Rng::for_account(seed, 0, 0xb007);
    let reps = replicates(group, &mut rng);
    let whole = sums(group.iter().copied());
    Metric::ALL
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let col = column(&reps, k);
            Estimate {
                metric: m.name(),
                value: whole.metric(*m),
                low: percentile(&col, 0.025),
                high: percentile(&col, 0.975),
            }
        })
        .collect()
}

fn sentence(m: Metric, d: f64, distinguishable: bool, needed: Option<u64>, per: &str) -> String {
    let shown = if m.is_rate() {
        format!("{:+.2} pts", d * 100.0)
    } else {
        format!("{d:+.2}")
    };
    if distinguishable {
        format!("{shown}: distinguishable from noise at this size (the 95% interval leaves out 0)")
    } else {
        match needed {
            None => "no difference at this size".to_string(),
            Some(n) => format!(
                "{shown}: not distinguishable from noise at this size; about {} accounts {per} would be needed to tell a difference this large (80% power, 5% level)",
                thousands(n)
            ),
        }
    }
}

/// `12345` as `12,345`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn needed(sigma2: f64, d: f64) -> Option<u64> {
    if d == 0.0 || !d.is_finite() {
        return None;
    }
    let n = (Z_POWER * Z_POWER * sigma2 / (d * d)).ceil();
    Some(if n.is_finite() {
        n.max(2.0) as u64
    } else {
        u64::MAX
    })
}

/// A difference with its interval; `sigma2`: the variance per account (of
/// the two arms together, or of the paired difference) for the size a
/// difference this large would need.
#[allow(clippy::too_many_arguments)]
fn difference(
    m: Metric,
    a: &str,
    b: &str,
    d: f64,
    low: f64,
    high: f64,
    sigma2: f64,
    per: &str,
) -> Difference {
    let distinguishable = (low > 0.0 || high < 0.0) && d != 0.0;
    let n = needed(sigma2, d);
    Difference {
        metric: m.name(),
        a: a.to_string(),
        b: b.to_string(),
        difference: d,
        low,
        high,
        distinguishable,
        accounts_needed: n,
        sentence: sentence(m, d, distinguishable, n, per),
    }
}

/// Differences `b - a` of every metric between two independent groups
/// (two arms of one flow).
pub fn independent(a: (&str, &[&Sample]), b: (&str, &[&Sample]), seed: u64) -> Vec<Difference> {
    if a.1.len().max(b.1.len()) > BOOTSTRAP_LIMIT {
        let (sa, sb) = (sums(a.1.iter().copied()), sums(b.1.iter().copied()));
        return Metric::ALL
            .iter()
            .map(|m| {
                let d = sb.metric(*m) - sa.metric(*m);
                let va = spread(&influence(a.1.iter().copied(), *m));
                let vb = spread(&influence(b.1.iter().copied(), *m));
                let se = (va / a.1.len().max(1) as f64 + vb / b.1.len().max(1) as f64).sqrt();
                difference(
                    *m,
                    a.0,
                    b.0,
                    d,
                    d - Z95 * se,
                    d + Z95 * se,
                    va + vb,
                    "per arm",
                )
            })
            .collect();
    }
    let mut rng = Rng::for_account(seed, 1, 0xb007);
    let ra = replicates(a.1, &mut rng);
    let rb = replicates(b.1, &mut rng);
    let (sa, sb) = (sums(a.1.iter().copied()), sums(b.1.iter().copied()));
    Metric::ALL
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let d = sb.metric(*m) - sa.metric(*m);
            let mut diffs: Vec<f64> = ra.iter().zip(&rb).map(|(x, y)| y[k] - x[k]).collect();
            diffs.sort_by(f64::total_cmp);
            let (low, high) = (percentile(&diffs, 0.025), percentile(&diffs, 0.975));
            // Each group's spread per account, from its own replicates.
            let va = sd(&ra.iter().map(|r| r[k]).collect::<Vec<_>>()).powi(2) * a.1.len() as f64;
            let vb = sd(&rb.iter().map(|r| r[k]).collect::<Vec<_>>()).powi(2) * b.1.len() as f64;
            let distinguishable = low > 0.0 || high < 0.0;
            let n = needed(va + vb, d);
            Difference {
                metric: m.name(),
                a: a.0.to_string(),
                b: b.0.to_string(),
                difference: d,
                low,
                high,
                distinguishable,
                accounts_needed: n,
                sentence: sentence(*m, d, distinguishable, n, "per arm"),
            }
        })
        .collect()
}

/// Differences `b - a` of every metric between two flows run on the same
/// accounts (the samples in the same account order).
pub fn paired(a: (&str, &[Sample]), b: (&str, &[Sample]), seed: u64) -> Vec<Difference> {
    let n = a.1.len().min(b.1.len());
    if n > BOOTSTRAP_LIMIT {
        let (sa, sb) = (sums(&a.1[..n]), sums(&b.1[..n]));
        return Metric::ALL
            .iter()
            .map(|m| {
                let d = sb.metric(*m) - sa.metric(*m);
                let za = influence(a.1[..n].iter(), *m);
                let zb = influence(b.1[..n].iter(), *m);
                let zd: Vec<f64> = zb.iter().zip(&za).map(|(y, x)| y - x).collect();
                let v = spread(&zd);
                let se = (v / n as f64).sqrt();
                difference(
                    *m,
                    a.0,
                    b.0,
                    d,
                    d - Z95 * se,
                    d + Z95 * se,
                    v,
                    "run through both flows",
                )
            })
            .collect();
    }
    let mut rng = Rng::for_account(seed, 2, 0xb007);
    let mut reps = Vec::with_capacity(REPLICATES);
    for _ in 0..REPLICATES {
        let (mut x, mut y) = (Sums::default(), Sums::default());
        for _ in 0..n {
            let i = (rng.next_u64() % n.max(1) as u64) as usize;
            x.add(&a.1[i]);
            y.add(&b.1[i]);
        }
        reps.push(Metric::ALL.map(|m| y.metric(m) - x.metric(m)));
    }
    let (sa, sb) = (sums(&a.1[..n]), sums(&b.1[..n]));
    Metric::ALL
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let d = sb.metric(*m) - sa.metric(*m);
            let col = column(&reps, k);
            let (low, high) = if n == 0 {
                (0.0, 0.0)
            } else {
                (percentile(&col, 0.025), percentile(&col, 0.975))
            };
            let v = sd(&col).powi(2) * n as f64;
            let distinguishable = low > 0.0 || high < 0.0;
            let needed = needed(v, d);
            Difference {
                metric: m.name(),
                a: a.0.to_string(),
                b: b.0.to_string(),
                difference: d,
                low,
                high,
                distinguishable,
                accounts_needed: needed,
                sentence: sentence(*m, d, distinguishable, needed, "run through both flows"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` accounts of balance 1, `paid` of them recovered in full.
    fn group(n: usize, paid: usize) -> Vec<Sample> {
        (0..n)
            .map(|i| Sample {
                balance: 100,
                recovered: if i < paid { 100 } else { 0 },
                liquidated: i < paid,
                ..Sample::default()
            })
            .collect()
    }

    #[test]
    fn the_interval_of_a_proportion_matches_the_binomial_one() {
        // p = 0.3 of 10,000: the normal interval is 0.3 ± 1.96·√(0.21/10⁴),
        // ± 0.00898.
        let g = group(10_000, 3_000);
        let refs: Vec<&Sample> = g.iter().collect();
        let e = &estimates(&refs, 7)[0];
        assert_eq!(e.metric, "recovery_rate");
        assert!((e.value - 0.3).abs() < 1e-12);
        let half = (e.high - e.low) / 2.0;
        assert!((half - 0.00898).abs() < 0.0009, "half width {half}");
        assert!((e.low + e.high) / 2.0 - 0.3 < 0.001);
    }

    #[test]
    fn the_difference_of_two_proportions_and_the_accounts_it_needs() {
        // 0.30 and 0.35 of 10,000 each: the difference's standard error is
        // √((0.21 + 0.2275)/10⁴) = 0.006614, so the interval is
        // 0.05 ± 0.01296, and it leaves out 0.
        let (a, b) = (group(10_000, 3_000), group(10_000, 3_500));
        let (ra, rb): (Vec<&Sample>, Vec<&Sample>) = (a.iter().collect(), b.iter().collect());
        let d = &independent(("a", &ra), ("b", &rb), 3)[0];
        assert!((d.difference - 0.05).abs() < 1e-12);
        let half = (d.high - d.low) / 2.0;
        assert!((half - 0.01296).abs() < 0.0013, "half width {half}");
        assert!(d.distinguishable, "{}", d.sentence);
        // The same rates on 300 accounts each: noise. Per arm, 80% power at
        // 5% needs 2.8016² × (0.21 + 0.2275) / 0.05² = 1,374 accounts.
        let (a, b) = (group(300, 90), group(300, 105));
        let (ra, rb): (Vec<&Sample>, Vec<&Sample>) = (a.iter().collect(), b.iter().collect());
        let d = &independent(("a", &ra), ("b", &rb), 3)[0];
        assert!(!d.distinguishable, "{d:?}");
        let n = d.accounts_needed.unwrap() as f64;
        assert!((n - 1374.0).abs() / 1374.0 < 0.2, "{n}");
        assert!(
            d.sentence
                .contains("not distinguishable from noise at this size; about 1,"),
            "{}",
            d.sentence
        );
    }

    #[test]
    fn paired_flows_cancel_the_accounts_own_spread() {
        // The second flow recovers exactly what the first does plus one
        // more account in a hundred: paired, the difference is nearly
        // certain even on 2,000 accounts.
        let a = group(2_000, 600);
        let b = group(2_000, 620);
        let d = &paired(("a", &a), ("b", &b), 1)[0];
        assert!((d.difference - 0.01).abs() < 1e-12);
        assert!(d.distinguishable && d.low > 0.0, "{d:?}");
        let same = &paired(("a", &a), ("b", &a), 1)[0];
        assert_eq!((same.low, same.high), (0.0, 0.0));
        assert_eq!(same.sentence, "no difference at this size");
    }

    #[test]
    fn above_the_bootstrap_limit_the_linearised_interval_agrees_with_the_binomial_one() {
        // p = 0.3 of 60,000: ± 1.96·√(0.21/60,000) = ± 0.003667.
        let g = group(60_000, 18_000);
        let refs: Vec<&Sample> = g.iter().collect();
        let e = &estimates(&refs, 7)[0];
        assert!(((e.high - e.low) / 2.0 - 0.003667).abs() < 0.00001, "{e:?}");
        // 0.30 against 0.31 of 60,000 each: ± 1.96·√((0.21 + 0.2139)/60,000).
        let h = group(60_000, 18_600);
        let rh: Vec<&Sample> = h.iter().collect();
        let d = &independent(("a", &refs), ("b", &rh), 1)[0];
        let want = 1.959_964 * ((0.21 + 0.2139) / 60_000f64).sqrt();
        assert!(((d.high - d.low) / 2.0 - want).abs() < 0.00001, "{d:?}");
        assert!(d.distinguishable);
        // Paired, the same accounts: the difference of one account in a
        // hundred moving from unpaid to paid.
        let p = &paired(("a", &g), ("b", &h), 1)[0];
        let moved = 0.01f64;
        let want = 1.959_964 * (moved * (1.0 - moved) / 60_000f64).sqrt();
        assert!(((p.high - p.low) / 2.0 - want).abs() < 0.0001, "{p:?}");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
