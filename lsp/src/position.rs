//! Position encoding: UTF-16 columns unless the client offers UTF-8 in
//! `general.positionEncodings` (then no conversion is needed at all).
//! The conversions themselves are `compiler::ide`'s line map; this module
//! only moves its positions in and out of the protocol's types.

use dun_compiler::ide::{self, Encoding};
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

pub fn kind(encoding: Encoding) -> PositionEncodingKind {
    match encoding {
        Encoding::Utf8 => PositionEncodingKind::UTF8,
        Encoding::Utf16 => PositionEncodingKind::UTF16,
    }
}

pub fn to_lsp(p: ide::Position) -> Position {
    Position::new(p.line, p.character)
}

pub fn from_lsp(p: Position) -> ide::Position {
    ide::Position::new(p.line, p.character)
}

pub fn range_to_lsp(r: ide::Range) -> Range {
    Range::new(to_lsp(r.start), to_lsp(r.end))
}

pub fn range_from_lsp(r: Range) -> ide::Range {
    ide::Range {
        start: from_lsp(r.start),
        end: from_lsp(r.end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_chooses_utf8_only_by_offering_it() {
        let utf8 = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(negotiate(Some(&utf8)), Encoding::Utf8);
        assert_eq!(
            negotiate(Some(&[PositionEncodingKind::UTF32])),
            Encoding::Utf16
        );
        assert_eq!(negotiate(None), Encoding::Utf16);
    }
}
