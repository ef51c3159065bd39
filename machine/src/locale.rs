//! Money, numbers, dates and times written for a locale (`locale
//! "es-PE"`), from the locale data of the GNU C Library as the
//! `pure-rust-locales` crate carries it: currency symbol and its place,
//! separators, grouping, the date order and the clock. Nothing here is a
//! table of its own.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use pure_rust_locales::{locale_match, Locale};
use rust_decimal::{Decimal, RoundingStrategy};

/// How one locale writes money and dates.
#[derive(Clone, Copy, Debug)]
pub struct Formats {
    /// The ISO 4217 code of the locale's own currency (`PEN`).
    currency: &'static str,
    symbol: &'static str,
    frac_digits: i64,
    decimal_point: &'static str,
    thousands_sep: &'static str,
    grouping: &'static [i64],
    p_cs_precedes: i64,
    p_sep_by_space: i64,
    p_sign_posn: i64,
    n_cs_precedes: i64,
    n_sep_by_space: i64,
    n_sign_posn: i64,
    positive_sign: &'static str,
    negative_sign: &'static str,
    date: &'static str,
    abmon: &'static [&'static str],
    mon: &'static [&'static str],
    abday: &'static [&'static str],
    day: &'static [&'static str],
    /// `LC_NUMERIC`: how plain numbers (and percentages) are written.
    num_point: &'static str,
    num_sep: &'static str,
    num_grouping: &'static [i64],
    /// `LC_TIME`: the time of day (`%T`, `%r`, `%I:%M:%S %p`), the 12-hour
    /// form `%r` stands for, and the AM and PM words.
    time: &'static str,
    time_ampm: &'static str,
    am_pm: &'static [&'static str],
}

/// The locale data's name for a locale as a flow writes it: `es-PE` and
/// `es_PE` are both `es_PE`.
pub fn normalize(name: &str) -> String {
    name.replace('-', "_")
}

/// The formats of the locale `name` (`es-PE`, `en_US`), if the locale data
/// knows it.
pub fn lookup(name: &str) -> Option<Formats> {
    let locale = Locale::try_from(normalize(name).as_str()).ok()?;
    Some(formats(locale))
}

/// Locales the data knows that share the language or the territory of
/// `name` (`es-XX` gives every `es_*`), for a "did you mean".
pub fn near(name: &str) -> Vec<String> {
    let name = normalize(name);
    let (language, territory) = match name.split_once('_') {
        Some((l, t)) => (l.to_ascii_lowercase(), t.to_ascii_uppercase()),
        None => (name.to_ascii_lowercase(), String::new()),
    };
    let mut found = Vec::new();
    let mut try_name = |candidate: String| {
        if Locale::try_from(candidate.as_str()).is_ok() && !found.contains(&candidate) {
            found.push(candidate);
        }
    };
    let letters = || (b'A'..=b'Z').map(char::from);
    for a in letters() {
        for b in letters() {
            try_name(format!("{language}_{a}{b}"));
        }
    }
    if !territory.is_empty() {
        let lower = || (b'a'..=b'z').map(char::from);
        for a in lower() {
            for b in lower() {
                try_name(format!("{a}{b}_{territory}"));
                for c in lower() {
                    try_name(format!("{a}{b}{c}_{territory}"));
                }
            }
        }
    }
    found
}

/// Whether `code` is a language code as WhatsApp takes it: a language the
/// locale data knows (`es`), alone or with a territory (`es_PE`).
pub fn is_language_code(code: &str) -> bool {
    if code.contains('_') {
        return !code.contains('-') && Locale::try_from(code).is_ok();
    }
    code.len() >= 2
        && code.len() <= 3
        && code.bytes().all(|b| b.is_ascii_lowercase())
        && !near(code).is_empty()
}

fn formats(l: Locale) -> Formats {
    let mon_point = locale_match!(l => LC_MONETARY::MON_DECIMAL_POINT);
    Formats {
        currency: locale_match!(l => LC_MONETARY::INT_CURR_SYMBOL).trim(),
        symbol: locale_match!(l => LC_MONETARY::CURRENCY_SYMBOL),
        frac_digits: locale_match!(l => LC_MONETARY::FRAC_DIGITS),
        decimal_point: if mon_point.is_empty() {
            locale_match!(l => LC_NUMERIC::DECIMAL_POINT)
        } else {
            mon_point
        },
        thousands_sep: locale_match!(l => LC_MONETARY::MON_THOUSANDS_SEP),
        grouping: locale_match!(l => LC_MONETARY::MON_GROUPING),
        p_cs_precedes: locale_match!(l => LC_MONETARY::P_CS_PRECEDES),
        p_sep_by_space: locale_match!(l => LC_MONETARY::P_SEP_BY_SPACE),
        p_sign_posn: locale_match!(l => LC_MONETARY::P_SIGN_POSN),
        n_cs_precedes: locale_match!(l => LC_MONETARY::N_CS_PRECEDES),
        n_sep_by_space: locale_match!(l => LC_MONETARY::N_SEP_BY_SPACE),
        n_sign_posn: locale_match!(l => LC_MONETARY::N_SIGN_POSN),
        positive_sign: locale_match!(l => LC_MONETARY::POSITIVE_SIGN),
        negative_sign: locale_match!(l => LC_MONETARY::NEGATIVE_SIGN),
        date: locale_match!(l => LC_TIME::D_FMT),
        abmon: locale_match!(l => LC_TIME::ABMON),
        mon: locale_match!(l => LC_TIME::MON),
        abday: locale_match!(l => LC_TIME::ABDAY),
        day: locale_match!(l => LC_TIME::DAY),
        num_point: locale_match!(l => LC_NUMERIC::DECIMAL_POINT),
        num_sep: locale_match!(l => LC_NUMERIC::THOUSANDS_SEP),
        num_grouping: locale_match!(l => LC_NUMERIC::GROUPING),
        time: locale_match!(l => LC_TIME::T_FMT),
        time_ampm: locale_match!(l => LC_TIME::T_FMT_AMPM),
        am_pm: locale_match!(l => LC_TIME::AM_PM),
    }
}

impl Formats {
    /// An amount of the flow's `currency`: with the locale's symbol when it
    /// is the locale's own currency (`S/ 159.80` for PEN in es-PE), else
    /// with the ISO code where the symbol goes (`USD 159.80`).
    pub fn write_money(&self, out: &mut String, amount: Decimal, currency: &str) {
        let own = !self.symbol.is_empty() && self.currency == currency;
        let symbol = if own { self.symbol } else { currency };
        let frac = if own && (0..=4).contains(&self.frac_digits) {
            self.frac_digits as u32
        } else {
            2
        };
        let rounded = amount.round_dp_with_strategy(frac, RoundingStrategy::MidpointNearestEven);
        let negative = rounded.is_sign_negative() && !rounded.is_zero();
        let (precedes, sep, posn, sign) = if negative {
            (
                self.n_cs_precedes,
                self.n_sep_by_space,
                self.n_sign_posn,
                if self.negative_sign.is_empty() {
                    "-"
                } else {
                    self.negative_sign
                },
            )
        } else {
            (
                self.p_cs_precedes,
                self.p_sep_by_space,
                self.p_sign_posn,
                self.positive_sign,
            )
        };
        let number = self.number(rounded.abs(), frac);
        // The data says -1 where the locale leaves a rule open: the symbol
        // then follows the amount after a space, as dun writes money
        // without a locale.
        let precedes = precedes == 1;
        // An ISO code is always set apart from the digits, as the
        // locale's international format (`INT_CURR_SYMBOL`) does.
        let space = if sep == 1 || sep < 0 || !own { " " } else { "" };
        let sign_space = if sep == 2 && !sign.is_empty() {
            " "
        } else {
            ""
        };
        let sym_part = match posn {
            3 => format!("{sign}{sign_space}{symbol}"),
            4 => format!("{symbol}{sign_space}{sign}"),
            _ => symbol.to_string(),
        };
        let core = if precedes {
            format!("{sym_part}{space}{number}")
        } else {
            format!("{number}{space}{sym_part}")
        };
        match posn {
            0 if negative => {
                out.push('(');
                out.push_str(&core);
                out.push(')');
            }
            2 => {
                out.push_str(&core);
                out.push_str(sign_space);
                out.push_str(sign);
            }
            3 | 4 => out.push_str(&core),
            _ => {
                out.push_str(sign);
                out.push_str(sign_space);
                out.push_str(&core);
            }
        }
    }

    /// The digits of `n` (not negative) with the locale's grouping and
    /// decimal point, `frac` decimals.
    fn number(&self, n: Decimal, frac: u32) -> String {
        digits(
            n,
            frac,
            self.grouping,
            self.thousands_sep,
            self.decimal_point,
        )
    }

    /// A plain number as the locale writes numbers (`1.234,5` in es-CO):
    /// its own decimals, the grouping and separators of `LC_NUMERIC`.
    pub fn write_number(&self, out: &mut String, n: Decimal) {
        let n = n.normalize();
        if n.is_sign_negative() && !n.is_zero() {
            out.push('-');
        }
        let point = if self.num_point.is_empty() {
            "."
        } else {
            self.num_point
        };
        out.push_str(&digits(
            n.abs(),
            n.scale(),
            self.num_grouping,
            self.num_sep,
            point,
        ));
    }

    /// A percentage: its number as [`Formats::write_number`] writes it,
    /// then `%` (the locale data has no rule of its own for percentages).
    pub fn write_percent(&self, out: &mut String, p: Decimal) {
        self.write_number(out, p);
        out.push('%');
    }

    /// A time of day in the locale's clock, to the minute: `14:30` where
    /// the locale writes a 24-hour clock, `2:30 PM` where its time format
    /// is the 12-hour one (`%I`, `%l`, `%r`). Messages name times to the
    /// minute, so the seconds of the locale's pattern (and the separator
    /// that leads to them) are left out; the hour of a 12-hour clock is
    /// written without a leading zero, as a reader says it. A pattern this
    /// writer does not know gives `HH:MM`.
    pub fn write_time(&self, out: &mut String, t: NaiveTime) {
        let start = out.len();
        if !self.try_time(out, t) {
            out.truncate(start);
            use std::fmt::Write;
            let _ = write!(out, "{:02}:{:02}", t.hour(), t.minute());
        }
    }

    fn try_time(&self, out: &mut String, t: NaiveTime) -> bool {
        use std::fmt::Write;
        let pattern = self
            .time
            .replace("%r", self.time_ampm)
            .replace("%T", "%H:%M:%S")
            .replace("%R", "%H:%M");
        let Some(tokens) = time_tokens(&pattern) else {
            return false;
        };
        let hour = |t: &TimeToken| matches!(t, TimeToken::Dir('H' | 'k' | 'I' | 'l'));
        if !tokens.iter().any(hour) {
            return false;
        }
        let (pm, hour12) = (t.hour() >= 12, (t.hour() + 11) % 12 + 1);
        let start = out.len();
        for token in tokens {
            let _ = match token {
                TimeToken::Lit(s) => write!(out, "{s}"),
                TimeToken::Dir('H') => write!(out, "{:02}", t.hour()),
                TimeToken::Dir('k') => write!(out, "{}", t.hour()),
                TimeToken::Dir('I' | 'l') => write!(out, "{hour12}"),
                TimeToken::Dir('M') => write!(out, "{:02}", t.minute()),
                TimeToken::Dir(c @ ('p' | 'P')) => {
                    match self.am_pm.get(usize::from(pm)).filter(|s| !s.is_empty()) {
                        Some(s) if c == 'P' => write!(out, "{}", s.to_lowercase()),
                        Some(s) => write!(out, "{s}"),
                        None => return false,
                    }
                }
                TimeToken::Dir('%') => write!(out, "%"),
                TimeToken::Dir(_) => return false,
            };
        }
        let trimmed = out[start..].trim_end().len();
        out.truncate(start + trimmed);
        true
    }
}

/// A piece of a time pattern: literal text or a `%` directive (`%OH`,
/// `%-I` and the like read as their plain directive).
enum TimeToken {
    Lit(String),
    Dir(char),
}

/// The pattern's pieces with the seconds left out: `%S` goes with the
/// punctuation before it (`:%S`, `.%S`), or else with the word after it
/// (`%S秒`). `None` for a pattern that ends inside a directive.
fn time_tokens(pattern: &str) -> Option<Vec<TimeToken>> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            match tokens.last_mut() {
                Some(TimeToken::Lit(s)) => s.push(c),
                _ => tokens.push(TimeToken::Lit(c.to_string())),
            }
            continue;
        }
        let mut spec = chars.next()?;
        while matches!(spec, '-' | '_' | '0' | '^' | '#' | 'O' | 'E') {
            spec = chars.next()?;
        }
        tokens.push(TimeToken::Dir(spec));
    }
    while let Some(at) = tokens.iter().position(|t| matches!(t, TimeToken::Dir('S'))) {
        tokens.remove(at);
        let before = at.checked_sub(1).and_then(|i| tokens.get(i)).is_some_and(
            |t| matches!(t, TimeToken::Lit(s) if s.chars().all(|c| c.is_ascii_punctuation())),
        );
        if before {
            tokens.remove(at - 1);
        } else if let Some(TimeToken::Lit(s)) = tokens.get_mut(at) {
            let word = s.find(char::is_whitespace).unwrap_or(s.len());
            s.replace_range(..word, "");
        }
    }
    Some(tokens)
}

/// The digits of `n` (not negative) with `grouping`, `sep` and `point`,
/// `frac` decimals.
fn digits(n: Decimal, frac: u32, grouping: &[i64], sep: &str, point: &str) -> String {
    let mut n = n;
    n.rescale(frac);
    let digits = n.mantissa().unsigned_abs().to_string();
    let width = frac as usize + 1;
    let digits = if digits.len() < width {
        format!("{digits:0>width$}")
    } else {
        digits
    };
    let (int, dec) = digits.split_at(digits.len() - frac as usize);
    let mut out = group(int, grouping, sep);
    if frac > 0 {
        out.push_str(point);
        out.push_str(dec);
    }
    out
}

impl Formats {
    /// A date in the locale's order (`23/03/2026` in es-PE, `03/23/2026`
    /// in en-US). Years are always written in full: a two-digit year in a
    /// letter about a debt is ambiguous, so `%y` of the data reads `%Y`.
    pub fn write_date(&self, out: &mut String, d: NaiveDate) {
        let start = out.len();
        if !self.try_date(out, d) {
            out.truncate(start);
            crate::value::push_date(out, d);
        }
    }

    /// False when the locale's pattern has a directive this writer does not
    /// know: the caller then writes the date as `YYYY-MM-DD`.
    fn try_date(&self, out: &mut String, d: NaiveDate) -> bool {
        use std::fmt::Write;
        let month = d.month0() as usize;
        let weekday = d.weekday().num_days_from_sunday() as usize;
        let mut chars = self.date.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut spec = chars.next();
            let mut pad = true;
            // `%-d`: no padding; `%Od`, `%Ey`: alternative digits or era,
            // written here in the ordinary form.
            if spec == Some('-') {
                pad = false;
                spec = chars.next();
            }
            if matches!(spec, Some('O' | 'E')) {
                spec = chars.next();
            }
            let _ = match spec {
                Some('d') if pad => write!(out, "{:02}", d.day()),
                Some('d') => write!(out, "{}", d.day()),
                Some('e') => write!(out, "{:>2}", d.day()),
                Some('m') if pad => write!(out, "{:02}", d.month()),
                Some('m') => write!(out, "{}", d.month()),
                Some('Y' | 'y') => write!(out, "{:04}", d.year()),
                Some('b' | 'h') => match self.abmon.get(month) {
                    Some(s) => write!(out, "{s}"),
                    None => return false,
                },
                Some('B') => match self.mon.get(month) {
                    Some(s) => write!(out, "{s}"),
                    None => return false,
                },
                Some('a') => match self.abday.get(weekday) {
                    Some(s) => write!(out, "{s}"),
                    None => return false,
                },
                Some('A') => match self.day.get(weekday) {
                    Some(s) => write!(out, "{s}"),
                    None => return false,
                },
                Some('%') => write!(out, "%"),
                _ => return false,
            };
        }
        true
    }
}

/// `int` (ASCII digits) cut into groups as POSIX `grouping` says: the first
/// size is the rightmost group, the last one repeats, -1 ends grouping.
fn group(int: &str, grouping: &[i64], sep: &str) -> String {
    if sep.is_empty() || grouping.is_empty() || grouping[0] <= 0 {
        return int.to_string();
    }
    let mut cuts = Vec::new();
    let mut end = int.len();
    let mut sizes = grouping.iter();
    let mut size = 0i64;
    while end > 0 {
        match sizes.next() {
            Some(&s) if s < 0 => break,
            Some(&s) if s > 0 => size = s,
            _ => {}
        }
        let take = (size as usize).min(end);
        if take == end {
            break;
        }
        end -= take;
        cuts.push(end);
    }
    let mut out = String::with_capacity(int.len() + cuts.len() * sep.len());
    let mut from = 0;
    for &cut in cuts.iter().rev() {
        out.push_str(&int[from..cut]);
        out.push_str(sep);
        from = cut;
    }
    out.push_str(&int[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn money(locale: &str, amount: &str, currency: &str) -> String {
        let mut out = String::new();
        let f = lookup(locale).unwrap();
        f.write_money(&mut out, Decimal::from_str(amount).unwrap(), currency);
        out
    }

    fn date(locale: &str) -> String {
        let mut out = String::new();
        let d = NaiveDate::from_ymd_opt(2026, 3, 23).unwrap();
        lookup(locale).unwrap().write_date(&mut out, d);
        out
    }

    #[test]
    fn money_takes_the_symbol_separators_and_place_of_the_locale() {
        assert_eq!(money("es-PE", "159.8", "PEN"), "S/ 159.80");
        assert_eq!(money("en-US", "1234.5", "USD"), "$1,234.50");
        assert_eq!(money("de-DE", "1234.5", "EUR"), "1.234,50 €");
        assert_eq!(money("es-CO", "1234567.5", "COP"), "$ 1.234.567,50");
        assert_eq!(money("en-IN", "12345678", "INR"), "₹1,23,45,678.00");
    }

    #[test]
    fn another_currency_is_written_with_its_code_where_the_symbol_goes() {
        assert_eq!(money("es-PE", "159.8", "USD"), "USD 159.80");
        assert_eq!(money("de-DE", "1234.5", "USD"), "1.234,50 USD");
        assert_eq!(money("en-US", "-20.5", "PEN"), "-PEN 20.50");
    }

    #[test]
    fn negative_amounts_follow_the_locale_sign_rules() {
        assert_eq!(money("en-US", "-1234.5", "USD"), "-$1,234.50");
        assert_eq!(money("de-DE", "-3", "EUR"), "-3,00 €");
    }

    #[test]
    fn dates_follow_the_locale_order_with_the_year_in_full() {
        assert_eq!(date("es-PE"), "23/03/2026");
        assert_eq!(date("en-US"), "03/23/2026");
        assert_eq!(date("de-DE"), "23.03.2026");
        assert_eq!(date("ja-JP"), "2026年03月23日");
    }

    fn number(locale: &str, n: &str) -> String {
        let mut out = String::new();
        lookup(locale)
            .unwrap()
            .write_number(&mut out, Decimal::from_str(n).unwrap());
        out
    }

    fn time(locale: &str, h: u32, m: u32) -> String {
        let mut out = String::new();
        let t = NaiveTime::from_hms_opt(h, m, 0).unwrap();
        lookup(locale).unwrap().write_time(&mut out, t);
        out
    }

    #[test]
    fn numbers_take_the_separators_of_the_locale_and_keep_their_decimals() {
        assert_eq!(number("es-CO", "1234.5"), "1.234,5");
        assert_eq!(number("en-US", "1234.5"), "1,234.5");
        assert_eq!(number("de-DE", "-1234567"), "-1.234.567");
        assert_eq!(number("es-CO", "3"), "3");
        assert_eq!(number("es-CO", "0.25"), "0,25");
        assert_eq!(number("en-IN", "12345678"), "1,23,45,678");
        let mut out = String::new();
        lookup("es-CO")
            .unwrap()
            .write_percent(&mut out, Decimal::from_str("12.5").unwrap());
        assert_eq!(out, "12,5%");
    }

    #[test]
    fn times_follow_the_clock_of_the_locale_to_the_minute() {
        assert_eq!(time("es-CO", 14, 30), "14:30");
        assert_eq!(time("de-DE", 9, 5), "09:05");
        assert_eq!(time("en-US", 14, 30), "2:30 PM");
        assert_eq!(time("en-US", 0, 15), "12:15 AM");
        assert_eq!(time("en-US", 12, 0), "12:00 PM");
        assert_eq!(time("ja-JP", 14, 30), "14時30分");
    }

    #[test]
    fn locales_are_named_with_a_dash_or_an_underscore() {
        assert!(lookup("es_PE").is_some());
        assert!(lookup("es-PE").is_some());
        assert!(lookup("es-XX").is_none());
        assert!(near("es-XX").iter().any(|n| n == "es_PE"));
        assert!(near("xx-PE").iter().any(|n| n == "es_PE"));
    }

    #[test]
    fn whatsapp_language_codes_are_languages_of_the_locale_data() {
        assert!(is_language_code("es_PE"));
        assert!(is_language_code("es"));
        assert!(is_language_code("en_US"));
        assert!(!is_language_code("es-PE"));
        assert!(!is_language_code("spanish"));
        assert!(!is_language_code("xx_YY"));
    }
}
