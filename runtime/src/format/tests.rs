//! The binary form: round trip, refusals, compactness.

use super::*;
use crate::testkit::{days, Builder, S};
use chrono::Weekday;

/// Roughly the `consumer_early` flow of the language reference, built by
/// hand the way the lowering would.
pub(crate) fn consumer_early() -> Machine {
    let mut b = Builder::new("consumer_early");
    b.m.version = 3;
    let name = b.field("name", Type::Text, false);
    let balance = b.field("balance", Type::Money, false);
    let min_due = b.field("minimum_due", Type::Money, false);
    let due = b.field("due_date", Type::Date, false);
    b.field("days_past_due", Type::Number, false);
    let risk = b.enum_type(&["low", "medium", "high"]);
    let risk = b.field("risk", risk, false);
    let mobile = b.field("mobile", Type::Phone, true);
    let email = b.field("email", Type::Email, true);
    let address = b.field("address", Type::Address, false);
    b.field("whatsapp_opt_in", Type::Bool, false);
    let tz = b.field("timezone", Type::Timezone, false);
    let payment = b.event("payment", vec![("amount", Type::Money)]);
    let promise = b.event(
        "promise_to_pay",
        vec![("amount", Type::Money), ("due", Type::Date)],
    );
    let dispute = b.event("dispute", vec![("reason", Type::Text)]);
    let result = b.enum_type(&["answered", "no_answer", "wrong_number", "refused"]);
    let outcome = b.event("call_outcome", vec![("result", result)]);
    let cease = b.event("cease_contact", vec![]);
    let bank = b.calendar(
        "bank",
        &[Weekday::Sat, Weekday::Sun],
        &["2026-12-25", "2027-01-01"],
    );
    b.m.default_calendar = Some(bank);
    b.hours(8, 21, ZoneSpec::AccountField(tz));
    b.m.policy.closed_weekdays = crate::time::weekday_bit(Weekday::Sun);
    b.m.policy.closed_holidays = vec![bank];
    b.m.policy.caps = vec![
        Cap {
            channels: ChannelSet::CALLS,
            count: 7,
            window: days(7),
        },
        Cap {
            channels: Channel::Sms.bit(),
            count: 2,
            window: days(7),
        },
    ];
    let answered = b.variant("answered");
    b.m.policy.pauses.push(Pause {
        channels: ChannelSet::CALLS,
        duration: days(7),
        event: outcome,
        when: Some(vec![Instr::Event(0), answered, Instr::Eq]),
    });
    b.m.policy.stops.push(Stop {
        channels: ChannelSet::CONTACT,
        event: cease,
        when: None,
    });
    let promised_on = b.var("promised_on", Type::Date, vec![Instr::Today]);
    let zero = b.konst(Const::Number(0.into()));
    let broken = b.var("broken_promises", Type::Number, vec![zero]);
    let sms_body = vec![
        b.lit("Hi "),
        TextPiece::Expr(vec![Instr::Account(name)]),
        b.lit(", "),
        TextPiece::Expr(vec![Instr::Account(min_due)]),
        b.lit(" is overdue on your card."),
    ];
    let reminder = b.template("reminder_sms", Channel::Sms, sms_body);
    let email_body = vec![
        b.lit("Dear "),
        TextPiece::Expr(vec![Instr::Account(name)]),
        b.lit(", your balance of "),
        TextPiece::Expr(vec![Instr::Account(balance)]),
        b.lit(" was due on "),
        TextPiece::Expr(vec![Instr::Account(due)]),
        b.lit("."),
    ];
    let first = b.template("first_notice", Channel::Email, email_body);
    let subject = vec![b.lit("Your payment is past due")];
    b.m.templates[first as usize].subject = Some(subject);
    let letter_body = vec![
        b.lit("Final demand for "),
        TextPiece::Expr(vec![Instr::Account(name)]),
    ];
    let final_demand = b.template("final_demand", Channel::Letter, letter_body);

    let reminders = b.stage("reminders");
    let calls = b.stage("calls");
    let promised = b.stage("promised");
    let letters = b.stage("letters");
    let settlement = b.stage("settlement");
    let agency = b.stage("agency");
    let disputed = b.stage("disputed");
    let paid = b.stage("paid");
    b.start(reminders);

    let zero_usd = b.konst(Const::Money(0.into()));
    b.handler(
        None,
        payment,
        Some(vec![Instr::Account(balance), zero_usd, Instr::Le]),
        vec![Op::Goto(paid)],
    );
    b.handler(None, dispute, None, vec![Op::Goto(disputed)]);
    b.handler(
        None,
        promise,
        None,
        vec![
            Op::Set {
                var: promised_on,
                value: vec![Instr::Event(1)],
            },
            Op::Goto(promised),
        ],
    );
    let ten_k = b.konst(Const::Money(10000.into()));
    let low = b.variant("low");
    let vip = vec![
        Instr::Account(balance),
        ten_k,
        Instr::Gt,
        Instr::AndThen(7),
        Instr::Account(risk),
        low,
        Instr::Eq,
    ];
    let rm = b.sym("relationship_managers");
    b.code(
        reminders,
        vec![
            S::Send(Channel::Email, first, Some(email)),
            S::Wait(days(3)),
            S::Send(Channel::Sms, reminder, Some(mobile)),
            S::Wait(days(4)),
            S::If(
                vip,
                vec![
                    S::Op(Op::AssignQueue {
                        queue: rm,
                        priority: Priority::High,
                    }),
                    S::Wait(days(7)),
                ],
            ),
            S::Op(Op::Goto(calls)),
        ],
    );
    let wrong = b.variant("wrong_number");
    b.handler(
        Some(calls),
        outcome,
        Some(vec![Instr::Event(0), wrong, Instr::Eq]),
        vec![Op::Goto(letters)],
    );
    let mut call_steps = vec![];
    for _ in 0..3 {
        call_steps.push(S::Call(Some("early_agents")));
        call_steps.push(S::Wait(DurationSpec::new(2, DurationUnit::BusinessDays)));
    }
    call_steps.push(S::Op(Op::Goto(letters)));
    b.code(calls, call_steps);
    let two_days = b.konst(Const::Duration(days(2)));
    let one = b.konst(Const::Number(1.into()));
    let team = b.sym("supervisors");
    let alert = vec![
        b.lit("Promise broken on account "),
        TextPiece::Expr(vec![Instr::AccountId]),
    ];
    let paid_outcome = b.end("paid");
    b.code(
        promised,
        vec![
            S::WaitUntil(vec![Instr::Var(promised_on), two_days, Instr::Add]),
            S::If(
                vec![Instr::Account(balance), zero_usd, Instr::Gt],
                vec![
                    S::Op(Op::Set {
                        var: broken,
                        value: vec![Instr::Var(broken), one, Instr::Add],
                    }),
                    S::Op(Op::Alert { team, text: alert }),
                    S::Op(Op::Goto(calls)),
                ],
            ),
            S::Op(paid_outcome.clone()),
        ],
    );
    b.code(
        letters,
        vec![
            S::Send(Channel::Letter, final_demand, Some(address)),
            S::Wait(days(14)),
            S::Op(Op::Split(vec![
                SplitArm {
                    share: 8000,
                    stage: agency,
                },
                SplitArm {
                    share: 2000,
                    stage: settlement,
                },
            ])),
        ],
    );
    b.code(
        settlement,
        vec![
            S::Op(Op::OfferDiscount {
                percent: 20.into(),
                duration: Some(days(14)),
            }),
            S::Wait(days(14)),
            S::Op(Op::Goto(agency)),
        ],
    );
    let acme = b.sym("Acme Recoveries");
    let escalated = b.end("escalated");
    b.code(
        agency,
        vec![S::Op(Op::AssignAgency { agency: acme }), S::Op(escalated)],
    );
    let disputes = b.sym("disputes");
    let end_disputed = b.end("disputed");
    b.code(
        disputed,
        vec![
            S::Op(Op::AssignQueue {
                queue: disputes,
                priority: Priority::Normal,
            }),
            S::Op(end_disputed),
        ],
    );
    b.code(paid, vec![S::Op(paid_outcome)]);
    b.build()
}

/// The example flow's source without its test block is about 3 200 bytes.
const SOURCE_BYTES: usize = 3_200;

#[test]
fn a_machine_survives_encoding_and_decoding_unchanged() {
    let m = consumer_early();
    let bytes = encode(&m);
    assert_eq!(decode(&bytes), Ok(m.clone()));
    let json = m.to_json();
    assert_eq!(Machine::from_json(&json).unwrap(), m);
    assert!(
        json.contains("\"2026-12-25\""),
        "dates read as dates in JSON"
    );
}

#[test]
fn the_compiled_form_is_well_under_half_the_source() {
    let bytes = encode(&consumer_early());
    println!(
        "compiled: {} bytes for about {SOURCE_BYTES} bytes of source",
        bytes.len()
    );
    assert!(bytes.len() < SOURCE_BYTES / 2, "{} bytes", bytes.len());
}

fn with_header(mutate: impl FnOnce(&mut Vec<u8>)) -> Result<Machine, FormatError> {
    let mut bytes = encode(&consumer_early());
    mutate(&mut bytes);
    decode(&bytes)
}

#[test]
fn a_file_that_is_not_a_compiled_flow_is_refused() {
    let err = with_header(|b| b[0] = b'X').unwrap_err();
    assert_eq!(err, FormatError::BadMagic);
    assert!(err.to_string().contains("not a compiled dun flow"));
    assert_eq!(decode(b"flow x"), Err(FormatError::BadMagic));
    assert_eq!(decode(b"DUN"), Err(FormatError::TooShort { len: 3 }));
}

#[test]
fn a_file_from_a_newer_or_older_dun_is_refused_with_what_to_do() {
    let err = with_header(|b| b[4..6].copy_from_slice(&3u16.to_le_bytes())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this file was compiled by a newer dun (format 3); this dun reads format 1: rebuild it with `dun build`, or upgrade dun"
    );
    let err = with_header(|b| b[4..6].copy_from_slice(&0u16.to_le_bytes())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this file was compiled by an older dun (format 0); this dun reads format 1: rebuild it with `dun build`"
    );
    let err = with_header(|b| b[6] = 1).unwrap_err();
    assert_eq!(err, FormatError::UnknownFlags { flags: 1 });
}

#[test]
fn a_truncated_or_damaged_file_is_refused() {
    let err = with_header(|b| {
        b.pop();
    })
    .unwrap_err();
    assert!(matches!(err, FormatError::WrongLength { .. }), "{err}");
    let err = with_header(|b| b.push(0)).unwrap_err();
    assert!(matches!(err, FormatError::WrongLength { .. }), "{err}");
    let err = with_header(|b| {
        let last = b.len() - 1;
        b[last] ^= 0x55;
    })
    .unwrap_err();
    assert_eq!(err, FormatError::BadChecksum);
    assert!(err.to_string().contains("damaged"));
}

#[test]
fn a_payload_with_a_valid_checksum_but_garbage_inside_is_refused() {
    let payload = vec![0xffu8; 40];
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    assert!(matches!(
        decode(&bytes),
        Err(FormatError::BadPayload { .. })
    ));
}
