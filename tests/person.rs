//! Per-person policy in flow tests: `person account.customer_id` makes
//! caps, pauses and stops count across all the accounts of one person.
//! 2026-03-02 is a Monday.

mod common;

use common::flow_text::{passes, reports};
use common::{dun, exported, on_both, scratch, store_at, text};
use dun_runtime::testing::{TestReport, TraceKind};

/// Emails sent in the test, by day.
fn emails_by_day(report: &TestReport) -> Vec<(u32, String)> {
    report
        .trace
        .iter()
        .filter(|t| t.kind == TraceKind::Action && t.text.contains("sent email"))
        .map(|t| (t.day, t.text.clone()))
        .collect()
}

const INVOICES: &str = r#"flow invoices
currency USD
account { customer_id: text
  email: email }
template reminder for email { subject "Invoice" body "Please pay" }
policy {
  contact_hours 08:00 to 18:00
  PERSON
  at_most 3 emails per 7 days
}
start remind
stage remind {
  repeat 3 times {
    send email reminder
    wait 2 days
  }
  end done
}
"#;

const FOUR_INVOICES: &str = r#"test "four invoices of one business" {
  given account i1 { customer_id: "ACME", email: "ap@acme.example" }
  given account i2 { customer_id: "ACME", email: "ap@acme.example" }
  given account i3 { customer_id: "ACME", email: "ap@acme.example" }
  given account i4 { customer_id: "ACME", email: "ap@acme.example" }
  start at 2026-03-02 09:00
  EXPECT
}
"#;

fn invoices(person: bool, expect: &str) -> String {
    let flow = INVOICES.replace(
        "PERSON",
        if person {
            "person account.customer_id"
        } else {
            ""
        },
    );
    format!("{flow}{}", FOUR_INVOICES.replace("EXPECT", expect))
}

#[test]
fn four_invoices_of_one_person_get_three_emails_a_week_not_twelve() {
    // Without `person`, each invoice counts alone: three emails each in
    // the first week, twelve in all.
    let alone = passes(&invoices(
        false,
        "on day 0 for i4 expect sent email reminder",
    ));
    let sent = emails_by_day(&alone[0]);
    assert_eq!(sent.iter().filter(|(d, _)| *d < 7).count(), 12, "{sent:#?}");

    // With `person`, the business gets three a week between its invoices.
    let together = passes(&invoices(
        true,
        r#"on day 0 for i1 expect sent email reminder
  on day 0 for i2 expect sent email reminder
  on day 0 for i3 expect sent email reminder
  on day 0 for i4 expect no email
  on day 2 for i1 expect no email
  on day 6 for i4 expect no email
  on day 7 for i1 expect sent email reminder"#,
    ));
    let sent = emails_by_day(&together[0]);
    for week in 0..6 {
        let n = sent
            .iter()
            .filter(|(d, _)| (week * 7..week * 7 + 7).contains(d))
            .count();
        assert!(n <= 3, "week {week} has {n} emails: {sent:#?}");
    }
    // All twelve still go, three a week.
    assert_eq!(sent.len(), 12, "{sent:#?}");
    // The trace says whose each line is and why the fourth waited.
    let held = together[0]
        .trace
        .iter()
        .find(|t| t.text.starts_with("i4: ") && t.text.contains("for the person"))
        .unwrap_or_else(|| panic!("{:#?}", together[0].trace));
    assert!(
        held.text
            .contains("at_most 3 email per 7 days for the person"),
        "{}",
        held.text
    );
}

#[test]
fn accounts_of_two_people_count_apart() {
    let flow = INVOICES.replace("PERSON", "person account.customer_id");
    passes(&format!(
        r#"{flow}
test "two businesses" {{
  given account a {{ customer_id: "ACME", email: "ap@acme.example" }}
  given account b {{ customer_id: "ACME", email: "ap@acme.example" }}
  given account c {{ customer_id: "INITECH", email: "ap@initech.example" }}
  start at 2026-03-02 09:00
  on day 0 for a expect sent email reminder
  on day 0 for b expect sent email reminder
  on day 0 for c expect sent email reminder
  on day 2 for a expect sent email reminder
  on day 2 for b expect no email
  on day 2 for c expect sent email reminder
  on day 4 for c expect sent email reminder
}}
"#
    ));
}

#[test]
fn a_stop_on_one_account_stops_every_account_of_the_person() {
    passes(
        r#"flow invoices
currency USD
account { customer_id: text
  email: email }
event cease_contact
template reminder for email { subject "Invoice" body "Please pay" }
policy {
  person account.customer_id
  stop contact on cease_contact
}
start remind
stage remind {
  repeat 3 times {
    send email reminder
    wait 2 days
  }
  end done
}
test "the business asks one invoice's sender to stop" {
  given account i1 { customer_id: "ACME", email: "ap@acme.example" }
  given account i2 { customer_id: "ACME", email: "ap@acme.example" }
  given account other { customer_id: "INITECH", email: "ap@initech.example" }
  start at 2026-03-02 09:00
  on day 0 for i1 expect sent email reminder
  on day 0 for i2 expect sent email reminder
  on day 1 for i1 receive cease_contact
  on day 2 for i1 expect no email
  on day 2 for i2 expect no email
  on day 2 for other expect sent email reminder
  on day 4 for i2 expect no email
}
"#,
    );
}

#[test]
fn a_pause_on_one_account_pauses_every_account_of_the_person() {
    passes(
        r#"flow invoices
currency USD
account { customer_id: text
  email: email }
event complaint
template reminder for email { subject "Invoice" body "Please pay" }
policy {
  person account.customer_id
  pause contact for 3 days after complaint
}
start remind
stage remind {
  repeat 3 times {
    send email reminder
    wait 2 days
  }
  end done
}
test "a complaint on one invoice pauses the other" {
  given account i1 { customer_id: "ACME", email: "ap@acme.example" }
  given account i2 { customer_id: "ACME", email: "ap@acme.example" }
  start at 2026-03-02 09:00
  on day 1 at 12:00 for i1 receive complaint
  on day 2 for i2 expect no email
  on day 4 for i2 expect sent email reminder
}
"#,
    );
}

#[test]
fn a_failed_expectation_names_the_account() {
    let flow = INVOICES.replace("PERSON", "person account.customer_id");
    let (_, reports) = reports(&format!(
        "{flow}{}",
        FOUR_INVOICES.replace("EXPECT", "on day 0 for i4 expect sent email reminder")
    ));
    assert!(!reports[0].passed);
    let msg = &reports[0].results[0].message;
    assert!(
        msg.starts_with("account i4: expected email `reminder` on day 0"),
        "{msg}"
    );
    assert!(msg.contains("for the person"), "{msg}");
}

// --- `dun run`: the store keeps each person's contacts across accounts
// and across runs --------------------------------------------------------

on_both!(four_invoices_of_one_business_in_dun_run_get_three_emails_a_week);

/// Four invoices of ACME and one of INITECH, each wanting an email every
/// two days; ACME's share three a week, over two runs.
fn four_invoices_of_one_business_in_dun_run_get_three_emails_a_week() {
    let dir = scratch("person", "run");
    let flow = dir.join("invoices.dun");
    let body = INVOICES.replace("PERSON", "person account.customer_id");
    let body = body
        .replace("repeat 3 times", "repeat 6 times")
        .replace("wait 2 days", "wait 3 days");
    std::fs::write(&flow, body).unwrap();
    let accounts = dir.join("accounts.csv");
    std::fs::write(
        &accounts,
        "id,customer_id,email\n\
         I-1,ACME,ap@acme.example\n\
         I-2,ACME,ap@acme.example\n\
         I-3,ACME,ap@acme.example\n\
         I-4,ACME,ap@acme.example\n\
         J-1,INITECH,ap@initech.example\n",
    )
    .unwrap();
    let db = store_at(&dir, "person_run");
    let out = dir.join("actions.jsonl");
    let flow = flow.display().to_string();
    let accounts = accounts.display().to_string();
    let out_s = out.display().to_string();
    // Two runs: the second must see the first's contacts to ACME.
    for until in ["2026-03-09T00:00:00Z", "2026-04-06T00:00:00Z"] {
        let run = dun(&[
            "run",
            &flow,
            "--db",
            &db,
            "--accounts",
            &accounts,
            "--start",
            "2026-03-02T09:00:00Z",
            "--until",
            until,
            "--actions",
            &out_s,
        ]);
        assert!(run.status.success(), "{}", text(&run.stderr));
    }
    let mut acme: Vec<i64> = Vec::new();
    let mut initech = 0;
    for line in exported(&out).values() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["type"] != "send" {
            continue;
        }
        let at = chrono::DateTime::parse_from_rfc3339(v["at"].as_str().unwrap())
            .unwrap()
            .timestamp();
        match v["account"].as_str().unwrap() {
            "J-1" => initech += 1,
            _ => acme.push(at),
        }
    }
    // INITECH counts alone: its six emails, three days apart.
    assert_eq!(initech, 6);
    // ACME: 24 emails wanted, never more than three in any 7 days.
    acme.sort_unstable();
    for (i, first) in acme.iter().enumerate() {
        let within = acme[i..]
            .iter()
            .take_while(|t| **t < first + 7 * 86_400)
            .count();
        assert!(
            within <= 3,
            "{within} emails to ACME within 7 days of {first}: {acme:?}"
        );
    }
    // Three a week for four weeks (the last run ends on April 6).
    assert!(acme.len() >= 12, "{} emails to ACME: {acme:?}", acme.len());
}

#[test]
fn the_fixture_of_several_accounts_passes_its_test() {
    let path = common::root().join("tests/cases/valid/person_invoices.dun");
    passes(&std::fs::read_to_string(path).unwrap());
}

/// The b2b example's own data: four invoices of one customer share its
/// three emails a week in `dun run` (which steps each account to the end of
/// the run before the next, so the later invoices wait longer), and each
/// still gets its reminder.
#[test]
fn the_b2b_example_reminds_a_customer_of_four_invoices_three_times_a_week() {
    let dir = scratch("person", "b2b_example");
    let example = common::root().join("examples/b2b_invoices");
    let db = store_at(&dir, "person_b2b");
    let out = dir.join("actions.jsonl");
    let run = dun(&[
        "run",
        &example.join("b2b_invoices.dun").display().to_string(),
        "--db",
        &db,
        "--accounts",
        &example.join("accounts.csv").display().to_string(),
        "--start",
        "2026-03-02T08:00:00Z",
        "--until",
        "2026-05-30T00:00:00Z",
        "--actions",
        &out.display().to_string(),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let mut emails: Vec<chrono::DateTime<chrono::Utc>> = Vec::new();
    let mut reminded = std::collections::BTreeSet::new();
    for line in exported(&out).values() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let account = v["account"].as_str().unwrap_or_default();
        let invoices = ["01187", "01188", "01191", "01204"];
        if v["type"] != "send" || !invoices.iter().any(|n| account.ends_with(n)) {
            continue;
        }
        if v["channel"] == "email" {
            emails.push(
                chrono::DateTime::parse_from_rfc3339(v["at"].as_str().unwrap())
                    .unwrap()
                    .to_utc(),
            );
        }
        if v["template"] == "friendly_reminder" {
            reminded.insert(account.to_string());
        }
    }
    assert_eq!(reminded.len(), 4, "{reminded:?}");
    emails.sort_unstable();
    // Seven days on Frankfurt's calendar, as the cap counts them (the
    // clocks change on 2026-03-29).
    let berlin = dun_runtime::time::zone_from_name("Europe/Berlin").unwrap();
    let week = dun_runtime::format::DurationSpec::new(7, dun_runtime::format::DurationUnit::Days);
    for (i, first) in emails.iter().enumerate() {
        let end = dun_runtime::time::add(*first, week, berlin, None).unwrap();
        let within = emails[i..].iter().take_while(|t| **t < end).count();
        assert!(
            within <= 3,
            "{within} emails to C-10442 within 7 days: {emails:?}"
        );
    }
    assert!(emails.len() >= 6, "{emails:?}");
}
