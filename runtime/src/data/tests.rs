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
