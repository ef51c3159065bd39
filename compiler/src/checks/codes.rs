//! Every diagnostic code the checker emits, by area. `docs/errors.md` has a
//! section for each; `ALL` lets `dun explain` and the docs test list them.

pub use crate::names::{
    AMBIGUOUS_CALENDAR, DUPLICATE, MISSING_FLOW, MISSING_START, SEGMENT_CYCLE, UNKNOWN_ACTION,
    UNKNOWN_CALENDAR, UNKNOWN_CHANNEL, UNKNOWN_EVENT, UNKNOWN_FIELD, UNKNOWN_NAME, UNKNOWN_STAGE,
    UNKNOWN_TEMPLATE, UNKNOWN_TYPE, UNKNOWN_VARIABLE,
};

pub const MISMATCH: &str = "dun::types::mismatch";
pub const OPERATOR: &str = "dun::types::operator";
pub const NO_CURRENCY: &str = "dun::types::no_currency";
pub const WRONG_CURRENCY: &str = "dun::types::wrong_currency";
pub const UNKNOWN_VARIANT: &str = "dun::types::unknown_variant";
pub const MAYBE_UNSET: &str = "dun::types::maybe_unset";
pub const ALWAYS_SET: &str = "dun::types::always_set";
pub const NO_EVENT: &str = "dun::types::no_event";
pub const READ_ONLY: &str = "dun::types::read_only";
pub const INIT_REFERENCE: &str = "dun::types::init_reference";
pub const OPTIONAL_NOT_ALLOWED: &str = "dun::types::optional_not_allowed";
pub const PLACEHOLDER_NOT_ALLOWED: &str = "dun::types::placeholder_not_allowed";
pub const TEMPLATE_CHANNEL: &str = "dun::types::template_channel";
pub const CONTACT_FIELD: &str = "dun::types::contact_field";
pub const INVALID_ZONE: &str = "dun::types::invalid_zone";
pub const OUT_OF_RANGE: &str = "dun::types::out_of_range";
pub const MISSING_FIELD: &str = "dun::types::missing_field";
pub const HOLD_RELEASE: &str = "dun::types::hold_release";

pub const FILE_NOT_FOUND: &str = "dun::templates::file_not_found";
pub const OUTSIDE_FOLDER: &str = "dun::templates::outside_folder";
pub const UNREADABLE: &str = "dun::templates::unreadable";
pub const INVALID_TEXT: &str = "dun::templates::invalid_text";
pub const SUBJECT_NOT_EMAIL: &str = "dun::templates::subject_not_email";
pub const UNKNOWN_LOCALE: &str = "dun::templates::unknown_locale";
pub const WHATSAPP_APPROVAL: &str = "dun::templates::whatsapp_approval";
pub const LANGUAGE_CHOICE: &str = "dun::templates::language_choice";
pub const UNKNOWN_LANGUAGE: &str = "dun::templates::unknown_language";
pub const MISSING_LANGUAGE: &str = "dun::templates::missing_language";

pub const FALLS_OFF: &str = "dun::structure::falls_off";
pub const WAIT_IN_HANDLER: &str = "dun::structure::wait_in_handler";
pub const SPLIT_TOTAL: &str = "dun::structure::split_total";
pub const REPEAT_COUNT: &str = "dun::structure::repeat_count";
pub const REPEAT_SIZE: &str = "dun::structure::repeat_size";
pub const NO_BUSINESS_DAY: &str = "dun::structure::no_business_day";
pub const UNREACHABLE_STEP: &str = "dun::structure::unreachable_step";
pub const UNREACHABLE_STAGE: &str = "dun::structure::unreachable_stage";
pub const UNUSED: &str = "dun::structure::unused";
pub const SHADOWED_HANDLER: &str = "dun::structure::shadowed_handler";

pub const NEVER_USED: &str = "dun::tests::never_used";
pub const MISSING_VALUE: &str = "dun::tests::missing_value";
pub const INVALID_VALUE: &str = "dun::tests::invalid_value";
pub const MISSING_START_AT: &str = "dun::tests::missing_start";

pub use crate::verify::{
    CAP, CAP_POSSIBLE, DEAD_CONTACT, HOLD, NEVER_ENDS, NEVER_OPEN, PAUSE, WAIT_UNTIL_PAST,
    ZERO_TIME_LOOP,
};

/// Every code above, in the order `docs/errors.md` lists them.
pub const ALL: &[&str] = &[
    DUPLICATE,
    MISSING_FLOW,
    MISSING_START,
    UNKNOWN_STAGE,
    UNKNOWN_TEMPLATE,
    UNKNOWN_EVENT,
    UNKNOWN_FIELD,
    UNKNOWN_NAME,
    UNKNOWN_VARIABLE,
    UNKNOWN_CALENDAR,
    AMBIGUOUS_CALENDAR,
    UNKNOWN_ACTION,
    UNKNOWN_CHANNEL,
    UNKNOWN_TYPE,
    SEGMENT_CYCLE,
    MISMATCH,
    OPERATOR,
    NO_CURRENCY,
    WRONG_CURRENCY,
    UNKNOWN_VARIANT,
    MAYBE_UNSET,
    ALWAYS_SET,
    NO_EVENT,
    READ_ONLY,
    INIT_REFERENCE,
    OPTIONAL_NOT_ALLOWED,
    PLACEHOLDER_NOT_ALLOWED,
    TEMPLATE_CHANNEL,
    CONTACT_FIELD,
    INVALID_ZONE,
    OUT_OF_RANGE,
    MISSING_FIELD,
    HOLD_RELEASE,
    FILE_NOT_FOUND,
    OUTSIDE_FOLDER,
    UNREADABLE,
    INVALID_TEXT,
    SUBJECT_NOT_EMAIL,
    UNKNOWN_LOCALE,
    WHATSAPP_APPROVAL,
    LANGUAGE_CHOICE,
    UNKNOWN_LANGUAGE,
    MISSING_LANGUAGE,
    FALLS_OFF,
    WAIT_IN_HANDLER,
    SPLIT_TOTAL,
    REPEAT_COUNT,
    REPEAT_SIZE,
    NO_BUSINESS_DAY,
    UNREACHABLE_STEP,
    UNREACHABLE_STAGE,
    UNUSED,
    SHADOWED_HANDLER,
    NEVER_USED,
    MISSING_VALUE,
    INVALID_VALUE,
    MISSING_START_AT,
    CAP,
    CAP_POSSIBLE,
    PAUSE,
    HOLD,
    NEVER_OPEN,
    ZERO_TIME_LOOP,
    NEVER_ENDS,
    DEAD_CONTACT,
    WAIT_UNTIL_PAST,
];
