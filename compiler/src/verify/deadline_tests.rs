//! Deadlines in verification: a deadline is a move like a handler's, so
//! the contact rules hold across the jump it makes.

use crate::analysis::analyze;
use crate::diagnostics::Severity;

const FLOW: &str = r#"flow f
currency USD
account { mobile: phone
 due_date: date }
policy { at_most 3 messages per 7 days }
template nudge for sms "Please pay"
start first
DEADLINE
stage first {
  send sms nudge
  wait 2 days
  end quiet
}
stage late {
  send sms nudge
  send sms nudge
  send sms nudge
  wait 30 days
  end late
}
"#;

fn cap_diagnostics(deadline: &str) -> Vec<(Severity, String, Vec<String>)> {
    let a = analyze(None, &FLOW.replace("DEADLINE", deadline));
    a.diagnostics
        .iter()
        .filter(|d| d.code.starts_with("dun::verify::cap"))
        .map(|d| {
            (
                d.severity,
                d.code.to_string(),
                d.secondary.iter().map(|l| l.message.clone()).collect(),
            )
        })
        .collect()
}

#[test]
fn a_deadline_into_a_burst_of_messages_is_a_possible_cap_breach() {
    // Without the deadline, `late` is never reached and no run breaks it.
    assert!(cap_diagnostics("").is_empty());
    let found = cap_diagnostics("at account.due_date -> late");
    assert_eq!(found.len(), 1, "{found:#?}");
    let (severity, code, labels) = &found[0];
    assert_eq!(*severity, Severity::Warning);
    assert_eq!(code, "dun::verify::cap_possible");
    assert!(
        labels
            .iter()
            .any(|l| l.contains("assumes this deadline comes here")),
        "{labels:#?}"
    );
}

#[test]
fn a_stage_deadline_is_verified_only_from_its_stage() {
    let stage_only = FLOW.replace("DEADLINE\n", "").replace(
        "stage first {\n",
        "stage first {\n  at account.due_date -> late\n",
    );
    let a = analyze(None, &stage_only);
    assert!(
        a.diagnostics
            .iter()
            .any(|d| d.code == "dun::verify::cap_possible"),
        "{:#?}",
        a.diagnostics
    );
}
