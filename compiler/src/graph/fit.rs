//! Fits the built-in layout's SVG to its drawing. `layout-rs` sizes the
//! picture by its own bookkeeping, which leaves most of it empty (a 9-stage
//! flow drew in the top third of a 4,540 × 2,660 canvas); this reads back
//! where shapes, arrows and labels were drawn and sets the size and view box
//! to that box plus a margin, so a browser shows the drawing at its size.

/// Space kept around the drawing, in SVG units.
const MARGIN: f64 = 12.0;

/// Average glyph width as a share of the font size, for labels that sit
/// outside any shape (edge labels): wide enough for the serif face the
/// writer names that a label is never cut.
const GLYPH: f64 = 0.6;

/// Returns `svg` with its root's `width`, `height` and `viewBox` set to the
/// drawing's bounds; an SVG without a drawing or a root is returned as is.
pub fn fit_to_drawing(svg: &str) -> String {
    let svg = &drop_empty_labels(svg);
    let Some(bounds) = drawing_bounds(svg) else {
        return svg.to_string();
    };
    let Some(root_start) = svg.find("<svg") else {
        return svg.to_string();
    };
    let Some(root_len) = svg[root_start..].find('>') else {
        return svg.to_string();
    };
    let root_end = root_start + root_len;
    let mut root = svg[root_start..root_end].to_string();
    let (x, y) = (bounds.min_x - MARGIN, bounds.min_y - MARGIN);
    let w = bounds.max_x - bounds.min_x + 2.0 * MARGIN;
    let h = bounds.max_y - bounds.min_y + 2.0 * MARGIN;
    root = set_attr(&root, "width", &num(w));
    root = set_attr(&root, "height", &num(h));
    root = set_attr(
        &root,
        "viewBox",
        &format!("{} {} {} {}", num(x), num(y), num(w), num(h)),
    );
    format!("{}{}{}", &svg[..root_start], root, &svg[root_end..])
}

/// Removes the writer's empty edge labels (`<text><textPath …></textPath></text>`
/// on an arrow without a label): they draw nothing, but a browser counts a
/// text without a position at the origin, far outside the drawing.
fn drop_empty_labels(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(at) = rest.find("<text><textPath") {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        let Some(end) = candidate.find("</text>") else {
            break;
        };
        let element = &candidate[..end + "</text>".len()];
        let opening = "<text><textPath".len();
        let empty = element[opening..]
            .find('>')
            .is_some_and(|p| element[opening + p + 1..].starts_with("</textPath>"));
        if !empty {
            out.push_str(element);
        }
        rest = &candidate[element.len()..];
    }
    out.push_str(rest);
    out
}

fn num(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

/// Replaces the value of `name="…"` in an element's opening tag.
fn set_attr(tag: &str, name: &str, value: &str) -> String {
    let key = format!(" {name}=\"");
    match tag.find(&key) {
        Some(at) => {
            let start = at + key.len();
            let end = tag[start..].find('"').map_or(tag.len(), |e| start + e);
            format!("{}{}{}", &tag[..start], value, &tag[end..])
        }
        None => format!("{tag}{key}{value}\""),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Bounds {
    min_x: f64,
    min_y: f64,
    max_x: f64,
    max_y: f64,
}

impl Bounds {
    fn add(this: &mut Option<Bounds>, x0: f64, y0: f64, x1: f64, y1: f64) {
        if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) {
            return;
        }
        let b = this.get_or_insert(Bounds {
            min_x: x0,
            min_y: y0,
            max_x: x1,
            max_y: y1,
        });
        b.min_x = b.min_x.min(x0);
        b.min_y = b.min_y.min(y0);
        b.max_x = b.max_x.max(x1);
        b.max_y = b.max_y.max(y1);
    }
}

/// The box around every shape, arrow and text of the picture. Marker
/// definitions are drawn at each arrow's end, so `<defs>` is skipped.
fn drawing_bounds(svg: &str) -> Option<Bounds> {
    let body = match (svg.find("<defs"), svg.find("</defs>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &svg[..a], &svg[b..]),
        _ => svg.to_string(),
    };
    let mut bounds = None;
    let mut rest = body.as_str();
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let tag_end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..tag_end];
        let attr = |key: &str| attr(tag, key);
        match name {
            "rect" => {
                if let (Some(x), Some(y), Some(w), Some(h)) =
                    (attr("x"), attr("y"), attr("width"), attr("height"))
                {
                    Bounds::add(&mut bounds, x, y, x + w, y + h);
                }
            }
            "ellipse" | "circle" => {
                let (rx, ry) = match name {
                    "circle" => (attr("r"), attr("r")),
                    _ => (attr("rx"), attr("ry")),
                };
                if let (Some(cx), Some(cy), Some(rx), Some(ry)) = (attr("cx"), attr("cy"), rx, ry) {
                    Bounds::add(&mut bounds, cx - rx, cy - ry, cx + rx, cy + ry);
                }
            }
            "path" | "polygon" | "polyline" => {
                let key = if name == "path" { "d" } else { "points" };
                let numbers = raw_attr(tag, key).map(numbers).unwrap_or_default();
                for pair in numbers.chunks_exact(2) {
                    Bounds::add(&mut bounds, pair[0], pair[1], pair[0], pair[1]);
                }
            }
            "text" => {
                let close = rest.find("</text>").unwrap_or(rest.len());
                let inner = &rest[tag_end.min(close)..close];
                let lines = text_lines(inner);
                let font = font_size(&body, tag).unwrap_or(14.0);
                if let (Some(x), Some(y)) = (attr("x"), attr("y")) {
                    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
                    let half = widest as f64 * font * GLYPH / 2.0;
                    let (left, right) = match raw_attr(tag, "text-anchor") {
                        Some("start") => (x, x + 2.0 * half),
                        Some("end") => (x - 2.0 * half, x),
                        _ => (x - half, x + half),
                    };
                    let height = font * 1.2 * lines.len().max(1) as f64;
                    Bounds::add(&mut bounds, left, y - font, right, y + height);
                }
            }
            _ => {}
        }
        rest = &rest[tag_end.min(rest.len())..];
    }
    bounds
}

fn raw_attr<'a>(tag: &'a str, key: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(at) = tag[from..].find(key) {
        let start = from + at;
        from = start + key.len();
        let preceded = start == 0 || tag[..start].ends_with(|c: char| c.is_whitespace());
        let after = tag[from..].trim_start();
        if !preceded || !after.starts_with('=') {
            continue;
        }
        let after = after[1..].trim_start();
        let quote = after.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let value = &after[1..];
        return value.find(quote).map(|end| &value[..end]);
    }
    None
}

fn attr(tag: &str, key: &str) -> Option<f64> {
    raw_attr(tag, key)?.trim().parse().ok()
}

/// Every number in a path's `d` or a polygon's `points`: coordinates come in
/// pairs in both, whatever command letters separate them.
fn numbers(text: &str) -> Vec<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// The lines of a `<text>`: one per `<tspan>`, or its own text.
fn text_lines(inner: &str) -> Vec<String> {
    let mut lines = vec![];
    let mut rest = inner;
    while let Some(open) = rest.find("<tspan") {
        rest = &rest[open..];
        let Some(start) = rest.find('>') else { break };
        let end = rest.find("</tspan>").unwrap_or(rest.len());
        lines.push(unescape(&rest[start + 1..end.max(start + 1)]));
        rest = &rest[end.min(rest.len())..];
        if rest.is_empty() {
            break;
        }
        rest = &rest[1..];
    }
    if lines.is_empty() {
        lines.push(unescape(inner.trim_start_matches('>')));
    }
    lines
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The font size a text's class gives in the writer's `<style>` (`.a14 {
/// font-size: 14px; … }`), or its own `font-size`.
fn font_size(svg: &str, tag: &str) -> Option<f64> {
    if let Some(size) = attr(tag, "font-size") {
        return Some(size);
    }
    let class = raw_attr(tag, "class")?;
    let rule = svg.find(&format!(".{class} {{"))?;
    let rule = &svg[rule..];
    let size = rule.find("font-size:")?;
    let value = rule[size + "font-size:".len()..].trim_start();
    let end = value.find("px")?;
    value[..end].trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picture_is_the_drawing_plus_a_margin() {
        let svg = r#"<svg width="4000" height="3000" viewBox="0 0 4000 3000" xmlns="http://www.w3.org/2000/svg"><defs><marker><polygon points="0 0, 9999 9999"/></marker></defs><style>.a14 { font-size: 14px; }</style>
<rect x="100" y="50" width="200" height="40"/>
<ellipse cx="200" cy="300" rx="40" ry="20"/>
<path d="M 200 90 C 200 120, 150 200, 180 280"/>
</svg>"#;
        let fitted = fit_to_drawing(svg);
        assert!(
            fitted.contains(r#"<svg width="224" height="294" viewBox="88 38 224 294""#),
            "{fitted}"
        );
    }

    #[test]
    fn an_edge_label_outside_every_shape_stays_in_the_picture() {
        let svg = r#"<svg width="10" height="10" viewBox="0 0 10 10"><style>.a14 { font-size: 14px; }</style>
<rect x="0" y="0" width="20" height="20"/>
<text text-anchor="middle" x="200" y="100" class="a14"><tspan x="200" dy="1.0em">when account.balance &gt; 100</tspan></text>
</svg>"#;
        let fitted = fit_to_drawing(svg);
        let b = drawing_bounds(&fitted).unwrap();
        // 26 characters at 14px centred on x = 200.
        assert!(b.max_x >= 200.0 + 26.0 * 14.0 * GLYPH / 2.0 - 0.01, "{b:?}");
        assert!(b.max_y > 100.0, "{b:?}");
    }

    #[test]
    fn empty_edge_labels_are_dropped_and_labelled_ones_kept() {
        let svg = r##"<svg width="10" height="10"><rect x="50" y="50" width="10" height="10"/><text><textPath href="#arrow0" class="a15"></textPath></text><text><textPath href="#arrow1" class="a15">paid</textPath></text></svg>"##;
        let fitted = fit_to_drawing(svg);
        assert!(!fitted.contains("#arrow0"), "{fitted}");
        assert!(fitted.contains(r##"<textPath href="#arrow1" class="a15">paid</textPath>"##));
        assert!(fitted.contains(r#"viewBox="38 38 34 34""#), "{fitted}");
    }

    #[test]
    fn an_svg_with_nothing_drawn_is_left_alone() {
        let svg = r#"<svg width="10" height="10"></svg>"#;
        assert_eq!(fit_to_drawing(svg), svg);
    }
}
