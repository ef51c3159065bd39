//! The types of the language and the contact channels.

/// Indexes `Model::enums`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnumId(pub u32);

/// A value's type. Optionality is a property of fields, not of values: an
/// optional field read where it is proved set has its plain type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Number,
    Money,
    Percent,
    Text,
    Date,
    Time,
    DateTime,
    Duration,
    Phone,
    Email,
    Address,
    Timezone,
    Enum(EnumId),
    /// The type of an expression that already has an error; never reported
    /// again, so one mistake gives one diagnostic.
    Unknown,
}

impl Type {
    /// Resolves a type name as written in a field or variable declaration.
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "bool" => Type::Bool,
            "number" => Type::Number,
            "money" => Type::Money,
            "percent" => Type::Percent,
            "text" => Type::Text,
            "date" => Type::Date,
            "time" => Type::Time,
            "datetime" => Type::DateTime,
            "duration" => Type::Duration,
            "phone" => Type::Phone,
            "email" => Type::Email,
            "address" => Type::Address,
            "timezone" => Type::Timezone,
            _ => return None,
        })
    }

    pub const NAMES: [&'static str; 13] = [
        "bool", "number", "money", "percent", "text", "date", "time", "datetime", "duration",
        "phone", "email", "address", "timezone",
    ];

    /// The name as written in a flow (enumerations: see `Model::type_name`).
    pub fn name(&self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Number => "number",
            Type::Money => "money",
            Type::Percent => "percent",
            Type::Text => "text",
            Type::Date => "date",
            Type::Time => "time",
            Type::DateTime => "datetime",
            Type::Duration => "duration",
            Type::Phone => "phone",
            Type::Email => "email",
            Type::Address => "address",
            Type::Timezone => "timezone",
            Type::Enum(_) => "enumeration",
            Type::Unknown => "unknown",
        }
    }

    /// The type in words for messages (enumerations: see `Model::describe`).
    pub fn describe(&self) -> &'static str {
        match self {
            Type::Bool => "a condition (true or false)",
            Type::Number => "a number",
            Type::Money => "money",
            Type::Percent => "a percentage",
            Type::Text => "text",
            Type::Date => "a date",
            Type::Time => "a time of day",
            Type::DateTime => "a date and time",
            Type::Duration => "a duration",
            Type::Phone => "a phone number",
            Type::Email => "an email address",
            Type::Address => "a postal address",
            Type::Timezone => "a time zone",
            Type::Enum(_) => "a choice",
            Type::Unknown => "a value",
        }
    }

    /// Ordered types compare with `<`, `<=`, `>`, `>=`.
    pub fn is_ordered(&self) -> bool {
        matches!(
            self,
            Type::Number
                | Type::Money
                | Type::Percent
                | Type::Date
                | Type::Time
                | Type::DateTime
                | Type::Duration
        )
    }
}

/// A way of contacting an account, as named in `send` and `template ... for`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Email,
    Sms,
    Whatsapp,
    Letter,
    Push,
    /// An automated call.
    Voice,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::Email,
        Channel::Sms,
        Channel::Whatsapp,
        Channel::Letter,
        Channel::Push,
        Channel::Voice,
    ];

    pub fn from_name(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
            Channel::Letter => "letter",
            Channel::Push => "push",
            Channel::Voice => "voice",
        }
    }

    /// The account field type a contact on this channel is addressed to;
    /// `None` for push, which reaches the account's app by its id.
    pub fn contact_type(self) -> Option<Type> {
        match self {
            Channel::Email => Some(Type::Email),
            Channel::Sms | Channel::Whatsapp | Channel::Voice => Some(Type::Phone),
            Channel::Letter => Some(Type::Address),
            Channel::Push => None,
        }
    }
}

/// The kinds of contact a policy rule or a `expect no` line covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ChannelSet {
    pub channels: [bool; 6],
    /// Calls made by an agent or a dialer (`call` steps).
    pub agent_calls: bool,
}

impl ChannelSet {
    /// The words a policy rule accepts: a channel, singular or plural, or a
    /// group (`calls` = agent calls and voice, `messages` = sms, whatsapp
    /// and push, `contact` = everything).
    pub const WORDS: [&'static str; 17] = [
        "email",
        "emails",
        "sms",
        "whatsapp",
        "whatsapps",
        "letter",
        "letters",
        "push",
        "pushes",
        "voice",
        "voices",
        "call",
        "calls",
        "message",
        "messages",
        "contact",
        "contacts",
    ];

    pub fn from_word(word: &str) -> Option<ChannelSet> {
        use Channel::*;
        let (channels, agent_calls): (&[Channel], bool) = match word {
            "email" | "emails" => (&[Email], false),
            "sms" => (&[Sms], false),
            "whatsapp" | "whatsapps" => (&[Whatsapp], false),
            "letter" | "letters" => (&[Letter], false),
            "push" | "pushes" => (&[Push], false),
            "voice" | "voices" => (&[Voice], false),
            "call" | "calls" => (&[Voice], true),
            "message" | "messages" => (&[Sms, Whatsapp, Push], false),
            "contact" | "contacts" => (&Channel::ALL, true),
            _ => return None,
        };
        let mut set = ChannelSet {
            agent_calls,
            ..ChannelSet::default()
        };
        for &c in channels {
            set.channels[c as usize] = true;
        }
        Some(set)
    }

    pub fn contains(&self, channel: Channel) -> bool {
        self.channels[channel as usize]
    }
}
