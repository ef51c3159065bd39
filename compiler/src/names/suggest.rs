//! "Did you mean" for near misses.

use crate::diagnostics::Suggestion;

/// The candidate closest to `name`, if one is close enough to be a likely
/// typo: at most one edit for short names, about a third of the letters for
/// longer ones, or a Jaro-Winkler similarity of 0.9 and more (which catches
/// dropped endings such as `reminder` for `reminders`). Ties go to the
/// alphabetically first candidate so that messages are stable.
///
/// Names longer than [`MAX_COMPARED`] characters are not compared, and a
/// candidate whose length is too far from the name's to be close under
/// either measure is skipped before any comparison, so the cost is linear in
/// the number of candidates whatever the names' lengths.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = name.chars().count();
    if name.is_empty() || length > MAX_COMPARED {
        return None;
    }
    let limit = (length / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name || candidate.is_empty() || candidate.len() > 4 * MAX_COMPARED {
            continue;
        }
        let other = candidate.chars().count();
        if other > MAX_COMPARED || !lengths_may_be_close(length, other, limit) {
            continue;
        }
        let distance = strsim::damerau_levenshtein(name, candidate);
        let close = distance <= limit || strsim::jaro_winkler(name, candidate) >= 0.9;
        if !close {
            continue;
        }
        let better = match best {
            None => true,
            Some((d, c)) => distance < d || (distance == d && candidate < c),
        };
        if better {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The longest name compared: a typo of a longer name is no longer a typo
/// anyone reads in a suggestion, and each comparison costs the product of
/// the two lengths.
pub const MAX_COMPARED: usize = 64;

/// Whether names of these lengths can be within `limit` edits or reach a
/// Jaro-Winkler similarity of 0.9. Jaro similarity is at most
/// (1 + s/l + 1) / 3 for lengths s <= l, and the Winkler prefix bonus adds
/// at most 0.4 of what is missing to 1, so 0.9 needs a Jaro similarity of
/// 0.75 and s/l of at least a quarter.
fn lengths_may_be_close(a: usize, b: usize, limit: usize) -> bool {
    let (short, long) = (a.min(b), a.max(b));
    long - short <= limit || short * 4 >= long
}

/// A name that is not known and the closest known one, if any is close
/// (see [`suggest`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearMiss {
    written: String,
    near: Option<String>,
    quoted: bool,
}

/// The near miss of `name` among `candidates`: give it to
/// `Diagnostic::with_suggestion` through [`NearMiss::or_else`].
pub fn near_miss<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> NearMiss {
    NearMiss {
        written: name.to_string(),
        near: suggest(name, candidates).map(str::to_string),
        quoted: false,
    }
}

impl NearMiss {
    /// The misspelt name is the content of a quoted text whose span (the
    /// quotes included) the diagnostic points at: the fix writes the known
    /// name in quotes.
    pub fn quoted(mut self) -> Self {
        self.quoted = true;
        self
    }

    /// The suggestion: the close name, else the advice `otherwise` gives.
    pub fn or_else(self, otherwise: impl FnOnce() -> String) -> Suggestion {
        match self.near {
            Some(near) => Suggestion::Near {
                replacement: if self.quoted {
                    format!("\"{near}\"")
                } else {
                    near.clone()
                },
                written: self.written,
                near,
            },
            None => Suggestion::Advice(otherwise()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn a_typo_suggests_the_closest_name() {
        assert_eq!(suggest("hgh", ["low", "medium", "high"]), Some("high"));
        assert_eq!(
            suggest("remniders", ["reminders", "calls"]),
            Some("reminders")
        );
        assert_eq!(
            suggest("reminder", ["reminders", "calls"]),
            Some("reminders")
        );
    }

    #[test]
    fn long_names_are_not_compared() {
        let long = "a".repeat(80_000);
        let near = format!("{long}b");
        let candidates: Vec<&str> = std::iter::repeat_n(near.as_str(), 100).collect();
        assert_eq!(suggest(&long, candidates.iter().copied()), None);
        assert_eq!(suggest("abc", [near.as_str()]), None);
    }

    #[test]
    fn an_unrelated_name_suggests_nothing() {
        assert_eq!(suggest("zebra", ["low", "medium", "high"]), None);
        assert_eq!(suggest("x", ["calls"]), None);
    }
}
