use super::*;
use crate::format::Type;
use crate::testkit::Builder;

fn machine() -> Machine {
    let mut b = Builder::new("t");
    b.field("balance", Type::Money, false);
    let risk = b.enum_type(&["low", "high"]);
    b.field("risk", risk, false);
    b.field("mobile", Type::Phone, true);
    b.field("timezone", Type::Timezone, false);
    b.event("payment", vec![("amount", Type::Money)]);
    b.m
}

fn csv_rows(text: &str) -> (Vec<Row>, Vec<Reject>) {
    read_csv(text.as_bytes()).expect("a header")
}

#[test]
fn a_csv_account_reads_money_enums_and_an_empty_optional_as_unset() {
    let m = machine();
    let (rows, rejects) =
        csv_rows("id,balance,risk,mobile,timezone\nA1,120.50 USD,low,,Europe/Madrid\n");
    assert!(rejects.is_empty());
    let a = parse_account(&m, &rows[0]).expect("valid");
    assert_eq!(a.id, "A1");
    assert_eq!(a.fields[0], Value::Money(Decimal::new(12050, 2)));
    assert_eq!(a.fields[1], Value::Variant("low".into()));
    assert_eq!(a.fields[2], Value::Unset);
    assert_eq!(rows[0].line, 2);
}

#[test]
fn money_in_another_currency_an_unknown_variant_and_a_bad_zone_are_refused() {
    let m = machine();
    let (rows, _) = csv_rows(
        "id,balance,risk,mobile,timezone\nA1,10 EUR,low,,UTC\nA2,10,medium,,UTC\nA3,10,low,,Mars/Base\nA4,10,low,call me,UTC\n",
    );
    let errs: Vec<String> = rows
        .iter()
        .map(|r| parse_account(&m, r).unwrap_err())
        .collect();
    assert!(errs[0].contains("is in EUR"), "{}", errs[0]);
    assert!(errs[1].contains("one of low, high"), "{}", errs[1]);
    assert!(errs[2].contains("IANA timezone"), "{}", errs[2]);
    assert!(errs[3].contains("phone number"), "{}", errs[3]);
}

#[test]
fn a_jsonl_event_reads_numbers_and_rfc3339_and_names_unknown_fields() {
    let m = machine();
    let (rows, rejects) = read_jsonl(
        &b"{\"id\":\"e1\",\"account\":\"A1\",\"type\":\"payment\",\"at\":\"2026-03-02T09:00:00-05:00\",\"amount\":120.5}\nnot json\n{\"id\":\"e2\",\"account\":\"A1\",\"type\":\"payment\",\"at\":\"2026-03-02T09:00:00Z\",\"amount\":1,\"tip\":2}\n"[..],
    );
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].line, 2);
    let e = parse_event(&m, &rows[0]).expect("valid");
    assert_eq!(e.at.to_rfc3339(), "2026-03-02T14:00:00+00:00");
    assert_eq!(e.payload, vec![Value::Money(Decimal::new(1205, 1))]);
    let err = parse_event(&m, &rows[1]).unwrap_err();
    assert!(err.contains("unknown field `tip`"), "{err}");
}

#[test]
fn the_same_event_written_differently_has_the_same_content() {
    let m = machine();
    let (rows, _) = read_jsonl(
        &b"{\"id\":\"e1\",\"account\":\"A1\",\"type\":\"payment\",\"at\":\"2026-03-02T09:00:00Z\",\"amount\":\"120.50\"}\n{\"id\":\"e1\",\"account\":\"A1\",\"type\":\"payment\",\"at\":\"2026-03-02T09:00:00+00:00\",\"amount\":120.5}\n"[..],
    );
    let a = parse_event(&m, &rows[0]).expect("valid");
    let b = parse_event(&m, &rows[1]).expect("valid");
    assert_eq!(a.content(&m), b.content(&m));
}

/// Finding 4: an unterminated quote ends with its line; the rows after it
/// are read, and only that row is rejected.
#[test]
fn an_unterminated_quote_costs_its_own_row_only() {
    let (rows, rejects) = csv_rows(
        "id,balance,risk,mobile,timezone\nA1,10,low,,UTC\nA2,\"10,low,,UTC\nA3,30,high,,UTC\nA4,40,low,\"+1 (312) 555\",UTC\n",
    );
    let ids: Vec<String> = rows.iter().map(|r| r.cells[0].1.text()).collect();
    assert_eq!(ids, ["A1", "A3", "A4"]);
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4, 5]);
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0].line, 3);
    assert_eq!(rejects[0].raw, "A2,\"10,low,,UTC");
    assert!(rejects[0].reason.contains("never closed"));
    // At the very end of the file too, and a quoted cell may still span lines.
    let (rows, rejects) =
        csv_rows("id,balance,risk,mobile,timezone\nA1,10,\"lo\nw\",,UTC\nA2,\"20,low,,UTC\n");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].cells[2].1, Cell::Str("lo\nw".into()));
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].line, 4);
}

/// Finding 4: a column named twice is refused, naming it; so is a JSON key
/// given twice.
#[test]
fn a_column_or_key_given_twice_is_refused_with_its_name() {
    let err = read_csv("id,balance,risk,balance\nA1,1,low,2\n".as_bytes()).unwrap_err();
    assert!(err.contains("`balance` twice (columns 2 and 4)"), "{err}");
    let (rows, rejects) = read_jsonl(
        "{\"id\":\"A1\",\"balance\":\"1\",\"balance\":\"2\"}\n{\"id\":\"A2\"}\n".as_bytes(),
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rejects[0].line, 1);
    assert!(
        rejects[0].reason.contains("`balance` is given twice"),
        "{rejects:?}"
    );
}

/// Finding 9 and 14: money with more decimals than the currency, money as
/// an exponent, control characters in text, and addresses that are not.
#[test]
fn values_that_would_mislead_downstream_are_refused() {
    let mut b = Builder::new("t");
    b.field("name", Type::Text, false);
    b.field("balance", Type::Money, false);
    b.field("email", Type::Email, true);
    b.field("mobile", Type::Phone, true);
    b.field("address", Type::Address, true);
    let m = b.m;
    let reason = |line: &str| {
        let (rows, rejects) = read_jsonl(line.as_bytes());
        assert!(rejects.is_empty(), "{rejects:?}");
        parse_account(&m, &rows[0]).err()
    };
    assert_eq!(
        reason(
            r#"{"id":"A","name":"Ana","balance":12.5,"email":"ana@example.com","mobile":"+34 911 234 567","address":"1 Main St\nSpringfield"}"#
        ),
        None
    );
    for (line, expected) in [
        (
            r#"{"id":"A","name":"Ana\r\nBcc: x@example.com","balance":"1"}"#,
            "control character '\\r'",
        ),
        (
            r#"{"id":"A","name":"Ana","balance":"0.0000000001"}"#,
            "USD has 2 decimal places",
        ),
        (
            r#"{"id":"A","name":"Ana","balance":1e3}"#,
            "an exponent is not money",
        ),
        (
            r#"{"id":"A","name":"Ana","balance":"1e3"}"#,
            "an exponent is not money",
        ),
        (
            r#"{"id":"A","name":"Ana","balance":"1","email":"<script>@x"}"#,
            "should be an email address",
        ),
        (
            r#"{"id":"A","name":"Ana","balance":"1","mobile":"1+2"}"#,
            "should be a phone number",
        ),
        (
            r#"{"id":"A","name":"Ana","balance":"1","address":"1 Main\u0007St"}"#,
            "an address may hold line breaks",
        ),
        (
            r#"{"id":"A\nB","name":"Ana","balance":"1"}"#,
            "`id` holds the control character",
        ),
    ] {
        let got = reason(line).unwrap_or_default();
        assert!(got.contains(expected), "{line}: {got}");
    }
}
