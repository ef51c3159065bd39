//! "Did you mean" for near misses.

/// The candidate closest to `name`, if one is close enough to be a likely
/// typo: at most one edit for short names, about a third of the letters for
/// longer ones, or a Jaro-Winkler similarity of 0.9 and more (which catches
/// dropped endings such as `reminder` for `reminders`). Ties go to the
/// alphabetically first candidate so that messages are stable.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if name.is_empty() {
        return None;
    }
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name || candidate.is_empty() {
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

/// "did you mean `x`?" when a candidate is close, else `None`.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    suggest(name, candidates).map(|c| format!("did you mean `{c}`?"))
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
    fn an_unrelated_name_suggests_nothing() {
        assert_eq!(suggest("zebra", ["low", "medium", "high"]), None);
        assert_eq!(suggest("x", ["calls"]), None);
    }
}
