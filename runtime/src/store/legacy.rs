//! Instances as dun stored them before actions carried the machine's
//! interned names (the stores written until 2026-12-01): a contact that a
//! handler queued named its template or its queue in full. Every other
//! field reads as it always has, and an instance with an empty queue is the
//! same bytes in both forms.
//!
//! The current form refuses such an instance: it reads the name's length
//! as the interned name, and then meets the name's first letter where it
//! expects an option's tag (0 or 1, after a template) or a priority's
//! variant number (after a queue). So an instance that does not read in the
//! current form is tried in this one, and its names are looked up in the
//! flow.

use super::{decode, Result, StoreError};
use crate::engine::instance::Owned;
use crate::engine::{ActionKind, Instance, Queued};
use crate::format::{Channel, Machine, Priority, Sym};
use serde::Deserialize;

/// A contact that a handler queued, as stored until 2026-12-01.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(crate) struct Queued1 {
    pub due: i64,
    pub state: u32,
    pub kind: Kind1,
}

/// Only contacts are ever queued: sends and calls, the first two kinds of
/// action, in this order.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(crate) enum Kind1 {
    Send {
        channel: Channel,
        template: String,
        subject: Option<String>,
        text: String,
        to: Option<String>,
    },
    Call {
        queue: Option<String>,
        priority: Priority,
    },
}

/// Reads a stored instance of account `account`, in the current form or
/// the earlier one. The earlier one needs the flow (`m`) to intern the names
/// of queued contacts; without it, such an instance is refused with the way
/// out.
pub(crate) fn decode_instance(
    bytes: &[u8],
    account: &str,
    m: Option<&Machine>,
) -> Result<Instance> {
    let current = decode::<Instance>(bytes, "instance");
    let Err(refused) = current else {
        return current;
    };
    let Ok(mut old) = postcard::from_bytes::<Owned<Queued1>>(bytes) else {
        return Err(refused);
    };
    let Some(m) = m else {
        return Err(StoreError::Message(format!(
            "account {account} was stored by an earlier version of dun with a contact waiting in its queue; a `dun run` of its flow over this store reads it and stores it anew"
        )));
    };
    let sym = |name: String, what: &str| {
        m.strings
            .iter()
            .position(|s| *s == name)
            .and_then(|i| Sym::try_from(i).ok())
            .ok_or_else(|| {
                StoreError::Message(format!(
                    "account {account}: a contact waiting in its queue names {what} `{name}`, which flow {} does not have",
                    m.flow
                ))
            })
    };
    let mut queue = Vec::with_capacity(old.queue.len());
    for q in std::mem::take(&mut old.queue) {
        let kind = match q.kind {
            Kind1::Send {
                channel,
                template,
                subject,
                text,
                to,
            } => ActionKind::Send {
                channel,
                template: sym(template, "template")?,
                subject,
                text,
                to,
            },
            Kind1::Call { queue, priority } => ActionKind::Call {
                queue: queue.map(|q| sym(q, "queue")).transpose()?,
                priority,
            },
        };
        queue.push(Queued {
            due: q.due,
            state: q.state,
            kind,
        });
    }
    Ok(Instance::from(old.with_queue(queue)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engine::Status;
    use crate::format::ChannelSet;
    use crate::value::Value;

    /// An instance in the earlier form, with `queue`.
    pub(crate) fn before(queue: Vec<(i64, u32, Kind1)>) -> Vec<u8> {
        let queue: Vec<Queued1> = queue
            .into_iter()
            .map(|(due, state, kind)| Queued1 { due, state, kind })
            .collect();
        postcard::to_allocvec(&Owned {
            state: 3,
            status: Status::Active,
            outcome: 0,
            resume_at: 1_772_442_000,
            seq: 2,
            stopped: ChannelSet::NONE,
            pause_until: [0, 0, 0, 0, 0, 0, 29_550_000],
            vars: vec![Value::Bool(true)],
            ledger: vec![0, 29_540_700],
            queue,
        })
        .unwrap()
    }

    fn flow() -> Machine {
        Machine {
            flow: "f".into(),
            strings: vec!["f".into(), "reminder".into(), "collectors".into()],
            ..Default::default()
        }
    }

    #[test]
    fn an_earlier_queued_contact_is_read_with_the_flow_s_names() {
        let bytes = before(vec![
            (
                1_772_450_000,
                3,
                Kind1::Send {
                    channel: Channel::Sms,
                    template: "reminder".into(),
                    subject: None,
                    text: "Hi".into(),
                    to: Some("+34600000000".into()),
                },
            ),
            (
                1_772_460_000,
                3,
                Kind1::Call {
                    queue: Some("collectors".into()),
                    priority: Priority::default(),
                },
            ),
        ]);
        assert!(decode::<Instance>(&bytes, "instance").is_err());
        let i = decode_instance(&bytes, "a-1", Some(&flow())).unwrap();
        assert_eq!((i.state, i.seq, i.resume_at), (3, 2, 1_772_442_000));
        assert_eq!(i.ledger(), &[0, 29_540_700]);
        assert_eq!(i.paused_until(Channel::Call), 29_550_000);
        assert_eq!(
            i.queue[0].kind,
            ActionKind::Send {
                channel: Channel::Sms,
                template: 1,
                subject: None,
                text: "Hi".into(),
                to: Some("+34600000000".into()),
            }
        );
        assert_eq!(
            i.queue[1].kind,
            ActionKind::Call {
                queue: Some(2),
                priority: Priority::default(),
            }
        );
        // Stored anew, it reads in the current form.
        let again = postcard::to_allocvec(&i).unwrap();
        assert_eq!(decode::<Instance>(&again, "instance").unwrap(), i);
    }

    #[test]
    fn without_the_flow_or_with_another_one_the_reason_is_given() {
        let send = |template: &str| {
            before(vec![(
                1_772_450_000,
                3,
                Kind1::Send {
                    channel: Channel::Email,
                    template: template.into(),
                    subject: Some("Due".into()),
                    text: "Hi".into(),
                    to: None,
                },
            )])
        };
        let e = decode_instance(&send("reminder"), "a-1", None).unwrap_err();
        assert!(e.to_string().contains("a `dun run` of its flow"), "{e}");
        let e = decode_instance(&send("gone"), "a-1", Some(&flow())).unwrap_err();
        assert!(e.to_string().contains("names template `gone`"), "{e}");
        // Without a queue, both forms are the same bytes.
        let plain = before(vec![]);
        assert!(decode::<Instance>(&plain, "instance").is_ok());
        assert!(decode_instance(&[1, 2, 3], "a-1", Some(&flow())).is_err());
    }
}
