//! Name resolution: collects every declaration into the model's tables,
//! reports duplicates and missing singletons (`flow`, `start`), resolves type
//! names, and offers "did you mean" suggestions for near misses.

pub mod arrangements;
mod collect;
pub(crate) mod placement;
pub mod settlements;
mod suggest;
pub(crate) mod template_file;

pub(crate) use collect::{collect, unknown_stage};
pub use suggest::{near_miss, suggest, NearMiss};
pub use template_file::MAX_TEMPLATE_FILE_BYTES;

pub const DUPLICATE: &str = "dun::names::duplicate";
pub const MISSING_FLOW: &str = "dun::names::missing_flow";
pub const MISSING_START: &str = "dun::names::missing_start";
pub const UNKNOWN_STAGE: &str = "dun::names::unknown_stage";
pub const UNKNOWN_TEMPLATE: &str = "dun::names::unknown_template";
pub const UNKNOWN_EVENT: &str = "dun::names::unknown_event";
pub const UNKNOWN_FIELD: &str = "dun::names::unknown_field";
pub const UNKNOWN_NAME: &str = "dun::names::unknown_name";
pub const UNKNOWN_VARIABLE: &str = "dun::names::unknown_variable";
pub const UNKNOWN_CALENDAR: &str = "dun::names::unknown_calendar";
pub const AMBIGUOUS_CALENDAR: &str = "dun::names::ambiguous_calendar";
pub const UNKNOWN_ACTION: &str = "dun::names::unknown_action";
pub const UNKNOWN_CHANNEL: &str = "dun::names::unknown_channel";
pub const UNKNOWN_TYPE: &str = "dun::names::unknown_type";
pub const SEGMENT_CYCLE: &str = "dun::names::segment_cycle";
