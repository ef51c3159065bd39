//! The rules a value must meet beyond its type's shape, so that what goes on
//! to a message, a header or a ledger is what the core system meant
//! (docs/data.md): no control characters where text reaches a header,
//! addresses that are addresses, money in the currency's own units.

use rust_decimal::Decimal;
use std::str::FromStr;

/// The control character of `text` that is not allowed, if any. Line
/// breaks are allowed only where the text may span lines (an address).
pub fn control_char(text: &str, line_breaks: bool) -> Option<char> {
    text.chars()
        .find(|c| c.is_control() && !(line_breaks && matches!(c, '\n' | '\r')))
}

/// The decimal places of the minor unit of an ISO 4217 currency: 2 for
/// most, 0 for the yen or the Chilean peso, 3 for the Kuwaiti dinar.
pub fn minor_units(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// A money amount as written: plain decimal digits (an optional sign,
/// `_` between digits), no exponent, at most the currency's decimal places.
pub fn money_amount(text: &str, currency: &str) -> Result<Decimal, String> {
    let t = text.trim().replace('_', "");
    if t.contains(['e', 'E']) {
        return Err("an exponent is not money; write the amount in full".into());
    }
    let d = Decimal::from_str(&t).map_err(|_| "not a decimal".to_string())?;
    let places = minor_units(currency);
    if d.normalize().scale() > places {
        return Err(format!(
            "{currency} has {places} decimal places, and this amount has more"
        ));
    }
    Ok(d)
}

/// `name@domain.tld`: one `@`; a local part of letters, digits and
/// ``.!#$%&'*+/=?^_`{|}~-`` (no dot at its ends, no two dots together); a
/// domain of at least two dot-separated labels of letters, digits and
/// inner hyphens, each at most 63 characters; 254 characters at most.
pub fn email_ok(text: &str) -> bool {
    if text.len() > 254 {
        return false;
    }
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars().count() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// Digits with spaces, `-`, `.` and parentheses between them, a `+` only
/// first; 3 to 15 digits (E.164's longest number is 15).
pub fn phone_ok(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let rest = text.strip_prefix('+').unwrap_or(text);
    (3..=15).contains(&digits)
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || " -().".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_addresses_and_nothing_else() {
        for ok in [
            "maria.lopez@example.com",
            "a+b@mail.example.org",
            "o'neil@example.ie",
            "josé@correo.es",
        ] {
            assert!(email_ok(ok), "{ok}");
        }
        for bad in [
            "<script>@x",
            "a@x",
            "a@@example.com",
            "a b@example.com",
            "@example.com",
            "a@example..com",
            ".a@example.com",
            "a@-x.com",
            "a@example.com\r\nBcc: b@example.com",
            "a@example.com>",
        ] {
            assert!(!email_ok(bad), "{bad}");
        }
    }

    #[test]
    fn phones_are_digits_with_separators() {
        for ok in [
            "+13125550147",
            "+1 (312) 555-0147",
            "0034 91 123 45 67",
            "112",
        ] {
            assert!(phone_ok(ok), "{ok}");
        }
        for bad in ["12", "1+2345", "+1234567890123456", "555-CALL", "+1\n312"] {
            assert!(!phone_ok(bad), "{bad}");
        }
    }

    #[test]
    fn money_has_the_currency_s_decimal_places_and_no_exponent() {
        assert_eq!(money_amount("120.50", "USD"), Ok(Decimal::new(12050, 2)));
        assert_eq!(money_amount("1_200", "USD"), Ok(Decimal::new(1200, 0)));
        assert_eq!(money_amount("120.500", "USD"), Ok(Decimal::new(120500, 3)));
        assert!(money_amount("0.0000000001", "USD")
            .unwrap_err()
            .contains("USD has 2 decimal places"));
        assert!(money_amount("1e3", "USD").unwrap_err().contains("exponent"));
        assert!(money_amount("100.5", "JPY").is_err());
        assert!(money_amount("1.234", "KWD").is_ok());
    }

    #[test]
    fn control_characters_are_found_and_line_breaks_allowed_where_asked() {
        assert_eq!(control_char("Maria\r\nBcc: x", false), Some('\r'));
        assert_eq!(control_char("1 Main St\nChicago", true), None);
        assert_eq!(control_char("tab\there", true), Some('\t'));
        assert_eq!(control_char("Ana Núñez 📬", false), None);
    }
}
