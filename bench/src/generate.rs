//! A generator of large, valid flows: many stages that each send, wait,
//! branch on account data and move on, with templates, segments, variables
//! and handlers in proportion. The output checks clean, so a benchmark
//! exercises every pass rather than stopping at the first error.

use std::fmt::Write;

/// A flow with `stages` stages; about 230 bytes and 11 lines per stage.
pub fn large_flow(stages: usize) -> String {
    let stages = stages.max(2);
    let templates = (stages / 8).max(1);
    let mut out = String::with_capacity(stages * 260 + 4096);
    out.push_str(HEADER);
    for t in 0..templates {
        let _ = writeln!(
            out,
            "template sms_{t} for sms \"Hi {{account.name}}, {{account.balance}} is overdue (notice {t}).\""
        );
        let _ = writeln!(
            out,
            "template email_{t} for email {{\n  subject \"Notice {t}\"\n  body \"Dear {{account.name}}, please pay {{account.minimum_due}}.\"\n}}"
        );
    }
    out.push_str("\nstart stage_0\n\n");
    for s in 0..stages {
        let next = if s + 1 < stages {
            format!("goto stage_{}", s + 1)
        } else {
            "end escalated".to_string()
        };
        let t = s % templates;
        let _ = write!(
            out,
            "## Step {s} of the ladder.\nstage stage_{s} {{\n  on dispute -> disputed\n  send email email_{t}\n  wait {wait} days\n  send sms sms_{t} when account.mobile is set\n  if vip and account.days_past_due > {dpd} {{\n    assign queue relationship_managers priority high\n    set contacts = contacts + 1\n  }} else {{\n    call queue early_agents\n  }}\n  wait 1 business days\n  {next}\n}}\n\n",
            wait = 1 + s % 5,
            dpd = 30 + s % 60,
        );
    }
    out.push_str(FOOTER);
    out
}

/// A flow of at least `lines` lines (the language server's benchmark edits
/// one of 5,000).
pub fn large_flow_of_lines(lines: usize) -> String {
    let mut stages = lines / 16 + 2;
    loop {
        let flow = large_flow(stages);
        if flow.lines().count() >= lines {
            return flow;
        }
        stages += 4;
    }
}

/// A flow of at least `bytes` bytes.
pub fn large_flow_of_size(bytes: usize) -> String {
    large_flow(bytes / 300 + 2)
}

const HEADER: &str = r#"## A generated ladder of reminders, for benchmarks.
flow generated version 1
currency USD

account {
  name: text
  balance: money
  minimum_due: money
  days_past_due: number
  risk: low | medium | high
  mobile: phone?
  email: email?
  address: address
  timezone: timezone
}

event payment { amount: money }
event dispute { reason: text }
event cease_contact

calendar bank {
  weekend saturday, sunday
  holiday 2026-12-25, 2027-01-01
}

policy {
  contact_hours 08:00 to 21:00 in account.timezone
  no_contact on sunday
  no_contact on holidays of bank
  at_most 7 calls per 7 days
  at_most 3 sms per 7 days
  stop contact on cease_contact
}

var contacts: number = 0

segment vip = account.balance > 10000 USD and account.risk == low

on payment when account.balance <= 0 USD -> paid

"#;

const FOOTER: &str = r#"stage disputed {
  assign queue disputes
  end disputed
}

stage paid { end paid }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_scale_with_stages() {
        let small = large_flow(10);
        let big = large_flow(1000);
        assert!(big.len() > 50 * small.len());
        assert!(large_flow_of_size(1 << 20).len() >= 1 << 20);
        let lines = large_flow_of_lines(5_000).lines().count();
        assert!((5_000..5_400).contains(&lines), "{lines}");
    }

    /// The benchmark measures verification on a flow it passes: a finding
    /// would make the figure one of rendering, not of the search.
    #[test]
    fn the_generated_flow_verifies_clean() {
        let text = large_flow(200);
        let a = dun_compiler::analyze(None, &text);
        let found: Vec<_> = a.diagnostics.iter().map(|d| (d.code, &d.message)).collect();
        assert!(found.is_empty(), "{found:#?}");
    }
}
