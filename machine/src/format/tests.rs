//! The binary form: round trip, refusals, compactness.

use super::*;
use crate::testkit::consumer_early;

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
fn holds_windows_and_week_caps_survive_both_forms_and_set_their_flag() {
    let mut m = consumer_early();
    let plain = encode(&m);
    assert_eq!(
        u16::from_le_bytes([plain[6], plain[7]]) & FLAG_POLICY_EXT,
        0
    );
    let event = m.policy.pauses[0].event;
    m.policy.ext.holds.push(Hold {
        channels: ChannelSet::CONTACT,
        event,
        release: event,
        longest: Some(DurationSpec::new(60, DurationUnit::Days)),
        when: None,
    });
    let mut days = [None; 7];
    days[5] = Some(ContactHours { from: 540, to: 900 });
    m.policy.ext.windows.push(Window {
        channels: ChannelSet::CALLS,
        days,
    });
    m.policy.ext.week_caps.push(WeekCap {
        channels: ChannelSet::CONTACT,
        count: 2,
    });
    let bytes = encode(&m);
    assert_ne!(
        u16::from_le_bytes([bytes[6], bytes[7]]) & FLAG_POLICY_EXT,
        0
    );
    assert_eq!(decode(&bytes), Ok(m.clone()));
    let json = m.to_json();
    assert!(json.contains("\"week_caps\""), "{json}");
    assert_eq!(Machine::from_json(&json).unwrap(), m);
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
    // Bit 0 is the lifecycle section (`migrate`, `reenter`), bit 1 the
    // policy's holds, bit 2 the collections section (deadlines), bit 3 the
    // arrangements (payments and promises); bit 15 is not known.
    let err = with_header(|b| b[7] = 0x80).unwrap_err();
    assert_eq!(err, FormatError::UnknownFlags { flags: 0x8000 });
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

/// A damaged file given a new checksum: every index is checked on load.
#[test]
fn a_machine_with_an_index_that_leads_nowhere_is_refused_on_load() {
    type Damage = fn(&mut Machine);
    let damaged: [(&str, Damage); 6] = [
        ("the start refers to stage 999", |m| m.start = 999),
        ("refers to string 4000000000", |m| {
            m.stages[0].name = 4_000_000_000
        }),
        ("refers to state 70000", |m| m.stages[0].entry = 70_000),
        ("refers to constant 123456", |m| {
            m.vars.push(VarDef {
                name: 0,
                ty: Type::Number,
                init: vec![Instr::Const(123_456)],
            })
        }),
        ("refers to stage 65535", |m| {
            m.stages[0].code.push(Op::Goto(u16::MAX));
            m.stages[0].spans.clear();
        }),
        ("refers to event 77", |m| {
            m.handlers.push(Handler {
                event: 77,
                when: None,
                code: vec![],
                spans: vec![],
                span: SrcSpan::default(),
            })
        }),
    ];
    for (expected, damage) in damaged {
        let mut m = consumer_early();
        damage(&mut m);
        // `encode` writes a correct header and checksum for the damage.
        let err = decode(&encode(&m)).unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, FormatError::Invalid { .. }) && message.contains(expected),
            "{expected}: {message}"
        );
        assert!(message.contains("rebuild it with `dun build`"), "{message}");
    }
    assert!(validate(&consumer_early()).is_ok());
}

#[test]
fn deadlines_travel_in_their_own_section_and_leave_other_flows_unchanged() {
    let plain = consumer_early();
    let plain_bytes = encode(&plain);
    let flags = |b: &[u8]| u16::from_le_bytes([b[6], b[7]]);
    assert_eq!(flags(&plain_bytes) & FLAG_COLLECTIONS, 0);
    let mut m = plain.clone();
    m.vars.push(VarDef {
        name: 0,
        ty: Type::Bool,
        init: vec![],
    });
    m.collections.deadlines.push(Deadline {
        stage: None,
        at: vec![Instr::Today],
        when: None,
        target: 0,
        spent: m.vars.len() as u16 - 1,
        span: SrcSpan::new(1, 2),
    });
    let bytes = encode(&m);
    assert_ne!(flags(&bytes) & FLAG_COLLECTIONS, 0);
    assert_eq!(decode(&bytes), Ok(m.clone()));
    // A deadline to a stage the flow does not have is refused on loading.
    m.collections.deadlines[0].target = 999;
    let err = decode(&encode(&m)).unwrap_err();
    assert!(err.to_string().contains("deadline 0"), "{err}");
}

#[test]
fn locales_travel_in_their_own_section_and_leave_other_flows_unchanged() {
    let plain = consumer_early();
    let plain_bytes = encode(&plain);
    let flags = |b: &[u8]| u16::from_le_bytes([b[6], b[7]]);
    assert_eq!(flags(&plain_bytes) & FLAG_LOCALES, 0);
    let mut m = plain.clone();
    let body = m.templates[0].body.clone();
    m.locales = Locales {
        locale: Some("es_PE".into()),
        language: Some(LanguageChoice {
            field: 0,
            fallback: 0,
        }),
        templates: vec![TemplateLocale {
            template: 0,
            locale: Some("en_US".into()),
            approved: Some(Approved {
                name: 0,
                language: 0,
            }),
            languages: vec![LanguageText {
                language: 0,
                locale: None,
                approved: None,
                subject: None,
                body,
            }],
        }],
    };
    let bytes = encode(&m);
    assert_ne!(flags(&bytes) & FLAG_LOCALES, 0);
    assert_eq!(decode(&bytes), Ok(m.clone()));
    assert_eq!(Machine::from_json(&m.to_json()).unwrap(), m);
    // A text for a template the flow does not have is refused on loading.
    m.locales.templates[0].template = 999;
    let err = decode(&encode(&m)).unwrap_err();
    assert!(err.to_string().contains("template locale 0"), "{err}");
}

#[test]
fn payments_and_promises_travel_in_their_own_section() {
    let plain = consumer_early();
    let flags = |b: &[u8]| u16::from_le_bytes([b[6], b[7]]);
    assert_eq!(flags(&encode(&plain)) & FLAG_ARRANGEMENTS, 0);
    let mut m = plain.clone();
    m.events.push(EventDef {
        name: 0,
        fields: vec![Field {
            name: 0,
            ty: Type::Money,
            optional: false,
        }],
    });
    let payment = m.events.len() as u16 - 1;
    for _ in 0..5 {
        m.vars.push(VarDef {
            name: 0,
            ty: Type::Money,
            init: vec![],
        });
    }
    let v = m.vars.len() as u16;
    m.arrangements = Some(Arrangements {
        payment_event: payment,
        payment_field: 0,
        paid: v - 5,
        promise: v - 4,
        promise_amount: v - 3,
        promise_due: v - 2,
        promise_from: v - 1,
        pause_while_promise: ChannelSet::CALLS,
        kept_event: payment,
        broken_event: payment,
    });
    let bytes = encode(&m);
    assert_ne!(flags(&bytes) & FLAG_ARRANGEMENTS, 0);
    assert_eq!(decode(&bytes), Ok(m.clone()));
    assert_eq!(Machine::from_json(&m.to_json()).unwrap(), m);
    // A payment field the event does not have is refused on loading.
    if let Some(a) = m.arrangements.as_mut() {
        a.payment_field = 3;
    }
    let err = decode(&encode(&m)).unwrap_err();
    assert!(err.to_string().contains("the payments"), "{err}");
}

#[test]
fn the_person_key_survives_both_forms_and_sets_its_own_flag() {
    let mut m = consumer_early();
    let plain = encode(&m);
    assert_eq!(u16::from_le_bytes([plain[6], plain[7]]) & FLAG_PERSON, 0);
    m.person = Some(PersonKey { field: 0 });
    let bytes = encode(&m);
    assert_eq!(
        u16::from_le_bytes([bytes[6], bytes[7]]) & FLAG_PERSON,
        FLAG_PERSON
    );
    assert_eq!(decode(&bytes), Ok(m.clone()));
    assert_eq!(Machine::from_json(&m.to_json()).unwrap(), m);
    // A person field past the account's fields is refused, not trusted.
    m.person = Some(PersonKey { field: 999 });
    assert!(matches!(
        decode(&encode(&m)),
        Err(FormatError::Invalid { .. })
    ));
}
