//! The data an account brings, checked against the flow's account schema.

use crate::format::Machine;
use crate::value::Value;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// An account's id and field values, in the order of the machine's account
/// schema.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub fields: Vec<Value>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AccountError {
    #[error("account {id}: the flow has no account field `{field}`; remove it or declare it in `account {{ }}`")]
    UnknownField { id: String, field: String },
    #[error("account {id}: field `{field}` is missing; every field that is not optional (`T?`) needs a value")]
    Missing { id: String, field: String },
    #[error("account {id}: field `{field}` should be {expected}, got {got}")]
    WrongType {
        id: String,
        field: String,
        expected: String,
        got: String,
    },
}

impl Account {
    /// Builds an account from named values and checks it against the flow.
    pub fn new<'a>(
        m: &Machine,
        id: impl Into<String>,
        values: impl IntoIterator<Item = (&'a str, Value)>,
    ) -> Result<Account, AccountError> {
        let mut account = Account {
            id: id.into(),
            fields: vec![Value::Unset; m.account.len()],
        };
        for (name, value) in values {
            account.set(m, name, value)?;
        }
        account.check(m)?;
        Ok(account)
    }

    /// Changes one field, checking its type.
    pub fn set(&mut self, m: &Machine, name: &str, value: Value) -> Result<(), AccountError> {
        let Some(i) = m.account_field(name) else {
            return Err(AccountError::UnknownField {
                id: self.id.clone(),
                field: name.to_string(),
            });
        };
        let Some(field) = m.account.get(i as usize) else {
            return Ok(());
        };
        if !value.fits(m, &field.ty, field.optional) {
            return Err(self.wrong_type(m, name, &field.ty, &value));
        }
        if self.fields.len() < m.account.len() {
            self.fields.resize(m.account.len(), Value::Unset);
        }
        if let Some(slot) = self.fields.get_mut(i as usize) {
            *slot = value;
        }
        Ok(())
    }

    pub fn get<'a>(&'a self, m: &Machine, name: &str) -> Option<&'a Value> {
        self.fields.get(m.account_field(name)? as usize)
    }

    /// Rejects an account that does not match the flow's schema.
    pub fn check(&self, m: &Machine) -> Result<(), AccountError> {
        for (i, field) in m.account.iter().enumerate() {
            let name = m.str(field.name);
            let value = self.fields.get(i).unwrap_or(&Value::Unset);
            if !value.is_set() && !field.optional {
                return Err(AccountError::Missing {
                    id: self.id.clone(),
                    field: name.to_string(),
                });
            }
            if !value.fits(m, &field.ty, field.optional) {
                return Err(self.wrong_type(m, name, &field.ty, value));
            }
        }
        Ok(())
    }

    fn wrong_type(
        &self,
        m: &Machine,
        name: &str,
        ty: &crate::format::Type,
        v: &Value,
    ) -> AccountError {
        AccountError::WrongType {
            id: self.id.clone(),
            field: name.to_string(),
            expected: type_words(m, ty),
            got: match v {
                Value::Unset => "no value".to_string(),
                v => format!("{} `{v}`", v.kind()),
            },
        }
    }
}

/// A type in words: `money`, `one of low, medium, high`, `a timezone (an
/// IANA name such as "Europe/Madrid")`.
pub fn type_words(m: &Machine, ty: &crate::format::Type) -> String {
    use crate::format::Type::*;
    match ty {
        Bool => "true or false".into(),
        Number => "a number".into(),
        Money => format!("money in {}", m.currency),
        Percent => "a percentage".into(),
        Text => "text".into(),
        Date => "a date".into(),
        Time => "a time of day".into(),
        DateTime => "a date and time".into(),
        Duration => "a duration".into(),
        Phone => "a phone number".into(),
        Email => "an email address".into(),
        Address => "an address".into(),
        Timezone => "a timezone (an IANA name such as \"Europe/Madrid\")".into(),
        Enum(vs) => format!(
            "one of {}",
            vs.iter().map(|s| m.str(*s)).collect::<Vec<_>>().join(", ")
        ),
    }
}
