//! Locale formats, texts per language and WhatsApp approvals through the
//! real `dun` binary: what `dun run` exports for a Spanish and an English
//! customer of one flow, the same from a compiled `.dunc`, and a flow
//! without a locale written exactly as dun always wrote it.

mod common;

use common::{dun, scratch, sends, text};

const PERU: &str = r#"flow peru version 1
currency PEN
locale "es-PE"
language account.language fallback es

account {
  name: text
  mobile: phone
  balance: money
  due_date: date
  language: es | en?
}

template reminder for sms {
  es "Hola {account.name}, su deuda de {account.balance} venció el {account.due_date}."
  en locale "en-US" "Hi {account.name}, your balance of {account.balance} was due on {account.due_date}."
}

template overdue for whatsapp {
  es approved "overdue_notice_v2" language "es_PE" "Hola {account.name}, debe {account.balance}."
  en approved "overdue_notice_v2" language "en_US" "Hi {account.name}, you owe {account.balance}."
}

template plain for sms "Saldo {account.balance} al {account.due_date}."

start collect

stage collect {
  send sms reminder
  send whatsapp overdue
  send sms plain
  end done
}
"#;

const ACCOUNTS: &str = "id,name,mobile,balance,due_date,language\n\
    A1,Ana,+51999000111,1159.80,2026-03-23,es\n\
    B2,Bob,+51999000222,-20.5,2026-03-23,en\n\
    C3,Cid,+51999000333,30,2026-03-23,\n";

fn field<'a>(sends: &'a [serde_json::Value], account: &str, template: &str, key: &str) -> &'a str {
    sends
        .iter()
        .find(|a| a["account"] == account && a["template"] == template)
        .and_then(|a| a[key].as_str())
        .unwrap_or_else(|| panic!("no {key} for {account} {template} in {sends:#?}"))
}

fn check_peru(sends: &[serde_json::Value]) {
    // Spanish: the flow's es-PE formats.
    assert_eq!(
        field(sends, "A1", "reminder", "text"),
        "Hola Ana, su deuda de S/ 1,159.80 venció el 23/03/2026."
    );
    assert_eq!(field(sends, "A1", "reminder", "language"), "es");
    assert_eq!(
        field(sends, "A1", "overdue", "text"),
        "Hola Ana, debe S/ 1,159.80."
    );
    assert_eq!(
        field(sends, "A1", "overdue", "whatsapp_template"),
        "overdue_notice_v2"
    );
    assert_eq!(field(sends, "A1", "overdue", "whatsapp_language"), "es_PE");
    // English: its own text, with the en-US locale the text names (PEN is
    // not en-US's currency: its code stands where the symbol goes).
    assert_eq!(
        field(sends, "B2", "reminder", "text"),
        "Hi Bob, your balance of -PEN 20.50 was due on 03/23/2026."
    );
    assert_eq!(
        field(sends, "B2", "overdue", "text"),
        "Hi Bob, you owe -S/ 20.50."
    );
    assert_eq!(field(sends, "B2", "overdue", "whatsapp_language"), "en_US");
    // No language on file: the fallback's text.
    assert_eq!(field(sends, "C3", "reminder", "language"), "es");
    assert_eq!(field(sends, "C3", "overdue", "whatsapp_language"), "es_PE");
    // A template with one text names no language, in the flow's locale.
    let plain = sends
        .iter()
        .find(|a| a["account"] == "A1" && a["template"] == "plain")
        .unwrap();
    assert_eq!(plain["text"], "Saldo S/ 1,159.80 al 23/03/2026.");
    assert!(plain.get("language").is_none(), "{plain}");
}

#[test]
fn each_customer_gets_the_text_of_their_language_in_the_flow_locale() {
    let dir = scratch("locales", "run");
    std::fs::write(dir.join("peru.dun"), PERU).unwrap();
    let flow = dir.join("peru.dun").display().to_string();
    check_peru(&sends(&dir, &flow, ACCOUNTS));
}

#[test]
fn a_compiled_flow_keeps_its_locale_languages_and_approvals() {
    let dir = scratch("locales", "build");
    std::fs::write(dir.join("peru.dun"), PERU).unwrap();
    let out = dun(&[
        "build",
        &dir.join("peru.dun").display().to_string(),
        "-o",
        &dir.join("peru.dunc").display().to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let flow = dir.join("peru.dunc").display().to_string();
    check_peru(&sends(&dir, &flow, ACCOUNTS));
}

#[test]
fn without_a_locale_money_and_dates_are_written_as_always() {
    let dir = scratch("locales", "default");
    let flow = "flow plain version 1\ncurrency PEN\naccount {\n  name: text\n  mobile: phone\n  \
        balance: money\n  due_date: date\n  language: es | en?\n}\n\
        template plain for sms \"Saldo {account.balance} al {account.due_date}.\"\n\
        start collect\nstage collect {\n  send sms plain\n  end done\n}\n";
    std::fs::write(dir.join("plain.dun"), flow).unwrap();
    let sends = sends(&dir, &dir.join("plain.dun").display().to_string(), ACCOUNTS);
    assert_eq!(
        field(&sends, "A1", "plain", "text"),
        "Saldo 1159.80 PEN al 2026-03-23."
    );
    assert_eq!(
        field(&sends, "B2", "plain", "text"),
        "Saldo -20.50 PEN al 2026-03-23."
    );
}

/// The results of the flow tests of `PERU` followed by `tests`: each test's
/// title and whether it passed.
fn flow_tests(tests: &str) -> Vec<(String, bool)> {
    common::flow_text::reports(&format!("{PERU}\n{tests}"))
        .1
        .into_iter()
        .map(|report| (report.title, report.passed))
        .collect()
}

#[test]
fn a_flow_test_tells_a_spanish_from_an_english_customer() {
    let results = flow_tests(
        r#"
test "Spanish" {
  given account { name: "Ana", mobile: "+51999000111", balance: 159.80 PEN, due_date: 2026-03-23, language: es }
  start at 2026-03-24 10:00
  on day 0 expect sent sms reminder in es
  on day 0 expect sent whatsapp overdue in es
}

test "English" {
  given account { name: "Bob", mobile: "+51999000222", balance: 159.80 PEN, due_date: 2026-03-23, language: en }
  start at 2026-03-24 10:00
  on day 0 expect sent sms reminder in en
  on day 0 expect sent whatsapp overdue in en
}

test "no language: the fallback" {
  given account { name: "Cid", mobile: "+51999000333", balance: 159.80 PEN, due_date: 2026-03-23 }
  start at 2026-03-24 10:00
  on day 0 expect sent sms reminder in es
}

test "an English customer does not get the Spanish text" {
  given account { name: "Bob", mobile: "+51999000222", balance: 159.80 PEN, due_date: 2026-03-23, language: en }
  start at 2026-03-24 10:00
  on day 0 expect sent sms reminder in es
}
"#,
    );
    let passed = |title: &str| {
        results
            .iter()
            .find(|(t, _)| t == title)
            .map(|(_, p)| *p)
            .unwrap_or_else(|| panic!("no test {title}"))
    };
    assert!(passed("Spanish"));
    assert!(passed("English"));
    assert!(passed("no language: the fallback"));
    assert!(!passed("an English customer does not get the Spanish text"));
}

/// A flow that writes a number, a percentage, a time and a datetime into
/// a message, under `locale` (none: the line left out).
fn figures_flow(locale: Option<&str>) -> String {
    let locale = locale
        .map(|l| format!("locale \"{l}\"\n"))
        .unwrap_or_default();
    format!(
        "flow figures version 1\ncurrency COP\n{locale}account {{\n  name: text\n  mobile: phone\n  \
         balance: money\n  units: number\n  rate: percent\n  call_at: time\n  seen: datetime\n}}\n\
         template figures for sms \"{{account.units}} kWh, {{account.rate}}, {{account.call_at}}, {{account.seen}}, {{account.balance}}\"\n\
         start collect\nstage collect {{\n  send sms figures\n  end done\n}}\n"
    )
}

const FIGURES: &str = "id,name,mobile,balance,units,rate,call_at,seen\n\
    F1,Ana,+57300000111,1234567.5,1234.5,12.5%,14:30,2026-03-23T14:30:00Z\n\
    F2,Bob,+57300000222,-20,-3,0.25,09:05,2026-03-23T00:15:00Z\n";

fn figures(name: &str, locale: Option<&str>) -> Vec<serde_json::Value> {
    let dir = scratch("locales", name);
    std::fs::write(dir.join("figures.dun"), figures_flow(locale)).unwrap();
    sends(
        &dir,
        &dir.join("figures.dun").display().to_string(),
        FIGURES,
    )
}

#[test]
fn numbers_percentages_and_times_follow_the_locale() {
    let co = figures("figures_co", Some("es-CO"));
    assert_eq!(
        field(&co, "F1", "figures", "text"),
        "1.234,5 kWh, 12,5%, 14:30, 23/03/2026 14:30 UTC, $ 1.234.567,50"
    );
    assert_eq!(
        field(&co, "F2", "figures", "text"),
        "-3 kWh, 0,25%, 09:05, 23/03/2026 00:15 UTC, -$ 20,00"
    );
    let us = figures("figures_us", Some("en-US"));
    assert_eq!(
        field(&us, "F1", "figures", "text"),
        "1,234.5 kWh, 12.5%, 2:30 PM, 03/23/2026 2:30 PM UTC, COP 1,234,567.50"
    );
    assert_eq!(
        field(&us, "F2", "figures", "text"),
        "-3 kWh, 0.25%, 9:05 AM, 03/23/2026 12:15 AM UTC, -COP 20.00"
    );
}

#[test]
fn without_a_locale_numbers_percentages_and_times_are_written_as_always() {
    let plain = figures("figures_plain", None);
    assert_eq!(
        field(&plain, "F1", "figures", "text"),
        "1234.5 kWh, 12.5%, 14:30, 2026-03-23 14:30 UTC, 1234567.50 COP"
    );
    assert_eq!(
        field(&plain, "F2", "figures", "text"),
        "-3 kWh, 0.25%, 09:05, 2026-03-23 00:15 UTC, -20.00 COP"
    );
}
