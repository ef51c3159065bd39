//! The raw header of a `.dunc` file and the checks made before the payload
//! is trusted.
//!
//! ```text
//! offset  size  field
//!      0     4  magic "DUNC"
//!      4     2  format version, little endian
//!      6     2  flags, little endian (none defined yet: must be 0)
//!      8     4  payload length in bytes, little endian
//!     12     4  CRC32 (IEEE) of the payload, little endian
//!     16     …  payload: the Machine in postcard, then, under flag bit
//!                 0, its Lifecycle in postcard, then, under flag bit 1,
//!                 its PolicyExt in postcard, then, under flag bit 2, its
//!                 Collections in postcard, then, under flag bit 3, its
//!                 Arrangements in postcard, then, under flag bit 4, its
//!                 Charges in postcard, then, under flag bit 5, its
//!                 Locales in postcard, then, under flag bit 6, its
//!                 PersonKey in postcard, then, under flag bit 7, its
//!                 Plans in postcard, then, under flag bit 8, its
//!                 Settlements in postcard, then, under flag bit 10, its
//!                 second zone of contact hours (a ZoneSpec) in postcard
//!                 (each section in the order of its bit)
//! ```

use super::Machine;
use thiserror::Error;

pub const MAGIC: [u8; 4] = *b"DUNC";
/// The format this build writes and the only one it reads. Bump it on any
/// change of the payload's shape.
pub const FORMAT_VERSION: u16 = 1;
/// The payload ends with the machine's [`super::Lifecycle`] (migrations,
/// re-entry); without it, the lifecycle is empty.
pub const FLAG_LIFECYCLE: u16 = 1;
/// The payload ends with the policy's [`super::PolicyExt`] (holds until
/// an event); without it, the policy has none of those rules.
pub const FLAG_POLICY_EXT: u16 = 1 << 1;
/// The payload ends with the machine's [`super::Collections`] (deadlines);
/// without it, there are none.
pub const FLAG_COLLECTIONS: u16 = 1 << 2;
/// The payload ends with the machine's [`super::Charges`] (fee caps, holds
/// that cover fees); without it, there are none.
pub const FLAG_CHARGES: u16 = 1 << 4;
/// The payload ends with the machine's [`super::Locales`] (locale,
/// languages, WhatsApp approvals); without it, messages use dun's own
/// formats and each template has one text.
pub const FLAG_LOCALES: u16 = 1 << 5;
/// The payload ends with the machine's [`super::Arrangements`] (payments
/// and promises); without it, the flow has none.
pub const FLAG_ARRANGEMENTS: u16 = 1 << 3;
/// The payload ends with the machine's [`super::PersonKey`] (`person
/// account.FIELD`); without it, every account is a person of its own.
pub const FLAG_PERSON: u16 = 1 << 6;
/// The payload ends with the machine's [`super::Plans`] (payment plans);
/// without it, the flow has none.
pub const FLAG_PLANS: u16 = 1 << 7;
/// The payload ends with the machine's [`super::Settlements`] (settlement
/// offers); without it, the flow makes none.
pub const FLAG_SETTLEMENTS: u16 = 1 << 8;
/// The payload ends with the policy's second zone of contact hours
/// (`contact_hours ... in ZONE and ZONE`); without it, the hours hold in
/// one zone.
pub const FLAG_SECOND_ZONE: u16 = 1 << 10;
/// Flag bits this build understands.
pub const FLAGS_KNOWN: u16 = FLAG_SECOND_ZONE
    | FLAG_LIFECYCLE
    | FLAG_POLICY_EXT
    | FLAG_COLLECTIONS
    | FLAG_ARRANGEMENTS
    | FLAG_CHARGES
    | FLAG_LOCALES
    | FLAG_PERSON
    | FLAG_PLANS
    | FLAG_SETTLEMENTS;
pub const HEADER_LEN: usize = 16;

const REBUILD: &str = "rebuild it with `dun build`";

#[derive(Debug, Error, PartialEq, Eq)]
pub enum FormatError {
    #[error("this file is too short to be a compiled dun flow ({len} bytes; the header alone is 16): {REBUILD}")]
    TooShort { len: usize },
    #[error("this is not a compiled dun flow (it does not start with `DUNC`); pass the `.dunc` file that `dun build` wrote")]
    BadMagic,
    #[error("this file was compiled by a newer dun (format {found}); this dun reads format {expected}: {REBUILD}, or upgrade dun")]
    NewerVersion { found: u16, expected: u16 },
    #[error("this file was compiled by an older dun (format {found}); this dun reads format {expected}: {REBUILD}")]
    OlderVersion { found: u16, expected: u16 },
    #[error("this file uses features this dun does not know (flags {flags:#06x}): {REBUILD}, or upgrade dun")]
    UnknownFlags { flags: u16 },
    #[error("this file is truncated or has trailing bytes: the header announces {announced} bytes of flow, the file holds {actual}; {REBUILD}")]
    WrongLength { announced: u32, actual: usize },
    #[error("this file is damaged: its checksum does not match its contents; {REBUILD}")]
    BadChecksum,
    #[error("this file is damaged: its contents cannot be read ({reason}); {REBUILD}")]
    BadPayload { reason: String },
    #[error("this file is damaged: {reason}; {REBUILD}")]
    Invalid { reason: String },
    #[error("this flow is too large to compile (over 4 GiB)")]
    TooLarge,
}

/// The binary form of a machine: header then postcard payload.
pub fn encode(machine: &Machine) -> Vec<u8> {
    // Serialising plain data into a Vec cannot fail; an empty payload would
    // be refused by `decode` anyway, so no panic path is needed here.
    let mut payload = postcard::to_allocvec(machine).unwrap_or_default();
    let mut flags = 0u16;
    if !machine.lifecycle.is_empty() {
        flags |= FLAG_LIFECYCLE;
        payload.extend(postcard::to_allocvec(&machine.lifecycle).unwrap_or_default());
    }
    if !machine.policy.ext.is_empty() {
        flags |= FLAG_POLICY_EXT;
        payload.extend(postcard::to_allocvec(&machine.policy.ext).unwrap_or_default());
    }
    if !machine.collections.is_empty() {
        flags |= FLAG_COLLECTIONS;
        payload.extend(postcard::to_allocvec(&machine.collections).unwrap_or_default());
    }
    if let Some(arrangements) = &machine.arrangements {
        flags |= FLAG_ARRANGEMENTS;
        payload.extend(postcard::to_allocvec(arrangements).unwrap_or_default());
    }
    if !machine.charges.is_empty() {
        flags |= FLAG_CHARGES;
        payload.extend(postcard::to_allocvec(&machine.charges).unwrap_or_default());
    }
    if !machine.locales.is_empty() {
        flags |= FLAG_LOCALES;
        payload.extend(postcard::to_allocvec(&machine.locales).unwrap_or_default());
    }
    if let Some(person) = &machine.person {
        flags |= FLAG_PERSON;
        payload.extend(postcard::to_allocvec(person).unwrap_or_default());
    }
    if let Some(plans) = &machine.plans {
        flags |= FLAG_PLANS;
        payload.extend(postcard::to_allocvec(plans).unwrap_or_default());
    }
    if let Some(settlements) = &machine.settlements {
        flags |= FLAG_SETTLEMENTS;
        payload.extend(postcard::to_allocvec(settlements).unwrap_or_default());
    }
    if let Some(zone) = &machine.second_zone {
        flags |= FLAG_SECOND_ZONE;
        payload.extend(postcard::to_allocvec(zone).unwrap_or_default());
    }
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Reads a machine back, refusing anything this build did not write.
pub fn decode(bytes: &[u8]) -> Result<Machine, FormatError> {
    let (head, payload) = match (bytes.get(..HEADER_LEN), bytes.get(HEADER_LEN..)) {
        (Some(h), Some(p)) => (h, p),
        _ => {
            return Err(if bytes.len() >= 4 && bytes[..4] != MAGIC {
                FormatError::BadMagic
            } else {
                FormatError::TooShort { len: bytes.len() }
            })
        }
    };
    if head[..4] != MAGIC {
        return Err(FormatError::BadMagic);
    }
    let u16_at = |i: usize| u16::from_le_bytes([head[i], head[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    let version = u16_at(4);
    if version > FORMAT_VERSION {
        return Err(FormatError::NewerVersion {
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    if version < FORMAT_VERSION {
        return Err(FormatError::OlderVersion {
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let flags = u16_at(6);
    if flags & !FLAGS_KNOWN != 0 {
        return Err(FormatError::UnknownFlags { flags });
    }
    let announced = u32_at(8);
    if announced as usize != payload.len() {
        return Err(FormatError::WrongLength {
            announced,
            actual: payload.len(),
        });
    }
    if crc32fast::hash(payload) != u32_at(12) {
        return Err(FormatError::BadChecksum);
    }
    let bad = |e: postcard::Error| FormatError::BadPayload {
        reason: e.to_string(),
    };
    let (mut machine, rest) = postcard::take_from_bytes::<Machine>(payload).map_err(bad)?;
    let rest = if flags & FLAG_LIFECYCLE != 0 {
        let (lifecycle, rest) = postcard::take_from_bytes(rest).map_err(bad)?;
        machine.lifecycle = lifecycle;
        rest
    } else {
        rest
    };
    let rest = if flags & FLAG_POLICY_EXT != 0 {
        let (ext, rest) = postcard::take_from_bytes(rest).map_err(bad)?;
        machine.policy.ext = ext;
        rest
    } else {
        rest
    };
    let rest = if flags & FLAG_COLLECTIONS != 0 {
        let (collections, rest) = postcard::take_from_bytes(rest).map_err(bad)?;
        machine.collections = collections;
        rest
    } else {
        rest
    };
    let rest = if flags & FLAG_ARRANGEMENTS != 0 {
        let (arrangements, rest) = postcard::take_from_bytes(rest).map_err(bad)?;
        machine.arrangements = Some(arrangements);
        rest
    } else {
        rest
    };
    let rest = if flags & FLAG_CHARGES != 0 {
        let (charges, rest) = postcard::take_from_bytes(rest).map_err(bad)?;
        machine.charges = charges;
        rest
    } else {
        rest
    };
    let rest = if flags & FLAG_LOCALES != 0 {
        let (locales, rest) = postcard::take_from_bytes(rest).map_err(bad)?;
        machine.locales = locales;
        rest
    } else {
        rest
    };
    let rest = if flags & FLAG_PERSON != 0 {
        let (person, rest) = postcard::take_from_bytes(rest).map_err(bad)?;
        machine.person = Some(person);
        rest
    } else {
        rest
    };
    let rest = if flags & FLAG_PLANS != 0 {
        let (plans, rest) = postcard::take_from_bytes(rest).map_err(bad)?;
        machine.plans = Some(plans);
        rest
    } else {
        rest
    };
    let rest = if flags & FLAG_SETTLEMENTS != 0 {
        let (settlements, rest) = postcard::take_from_bytes(rest).map_err(bad)?;
        machine.settlements = Some(settlements);
        rest
    } else {
        rest
    };
    let rest = if flags & FLAG_SECOND_ZONE != 0 {
        let (zone, rest) = postcard::take_from_bytes(rest).map_err(bad)?;
        machine.second_zone = Some(zone);
        rest
    } else {
        rest
    };
    if !rest.is_empty() {
        return Err(FormatError::BadPayload {
            reason: format!("{} bytes after the flow", rest.len()),
        });
    }
    // A checksum only tells a file was written whole; a file changed and
    // given a new checksum must still hold only indexes that lead somewhere.
    super::validate::validate(&machine).map_err(|reason| FormatError::Invalid { reason })?;
    Ok(machine)
}
