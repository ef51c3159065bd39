//! Graphviz DOT.

use super::{EdgeKind, FlowGraph, NodeKind};

pub fn to_dot(graph: &FlowGraph) -> String {
    let mut out = format!("digraph {} {{\n", quote(&graph.flow));
    out.push_str("    rankdir=TB;\n");
    out.push_str(
        "    node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=14];\n",
    );
    out.push_str("    edge [fontname=\"Helvetica\", fontsize=12];\n");
    for node in &graph.nodes {
        let mut lines = vec![node.title.clone()];
        lines.extend(node.summary.iter().cloned());
        let label = quote(&lines.join("\n"));
        let attrs = match node.kind {
            NodeKind::Entry => format!(
                "label={label}, shape=circle, style=filled, fillcolor=\"#222222\", fontcolor=white"
            ),
            NodeKind::Stage { start } => format!(
                "label={label}, fillcolor=\"{}\"{}",
                node.role.fill(),
                if start { ", penwidth=2" } else { "" }
            ),
            NodeKind::AnyStage => format!("label={label}, shape=hexagon, style=dashed"),
            NodeKind::Outcome => format!(
                "label={label}, shape=doublecircle, style=filled, fillcolor=\"{}\"",
                node.role.fill()
            ),
        };
        out.push_str(&format!("    {} [{attrs}];\n", quote(&node.id)));
    }
    for edge in &graph.edges {
        let mut attrs = Vec::new();
        if let Some(label) = &edge.label {
            attrs.push(format!("label={}", quote(label)));
        }
        if matches!(edge.kind, EdgeKind::FlowHandler | EdgeKind::StageHandler) {
            attrs.push("style=dashed".to_string());
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        out.push_str(&format!(
            "    {} -> {}{attrs};\n",
            quote(&edge.from),
            quote(&edge.to)
        ));
    }
    out.push_str("}\n");
    out
}

/// A DOT double-quoted string: `"` and `\` escaped, line breaks as `\n`
/// (centred lines).
pub(super) fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(quote("a \"b\" \\ c\nd"), "\"a \\\"b\\\" \\\\ c\\nd\"");
    }
}
