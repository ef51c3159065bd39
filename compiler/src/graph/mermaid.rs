//! Mermaid `flowchart TD`, as GitHub renders it in Markdown.

use super::{EdgeKind, FlowGraph, Node, NodeKind, Role};

pub fn to_mermaid(graph: &FlowGraph) -> String {
    let mut out = String::from("flowchart TD\n");
    for node in &graph.nodes {
        let label = escape(&node_label(node));
        let shape = match node.kind {
            NodeKind::Entry => format!("(({label}))"),
            NodeKind::Stage { .. } => format!("[{label}]"),
            NodeKind::AnyStage => format!("{{{{{label}}}}}"),
            NodeKind::Outcome => format!("([{label}])"),
        };
        out.push_str(&format!("    {}{shape}\n", node.id));
    }
    for edge in &graph.edges {
        let arrow = match edge.kind {
            EdgeKind::FlowHandler | EdgeKind::StageHandler => "-.->",
            _ => "-->",
        };
        match &edge.label {
            Some(label) => out.push_str(&format!(
                "    {} {arrow}|{}| {}\n",
                edge.from,
                escape(label),
                edge.to
            )),
            None => out.push_str(&format!("    {} {arrow} {}\n", edge.from, edge.to)),
        }
    }
    let ids = |kind: fn(&NodeKind) -> bool| -> Vec<&str> {
        graph
            .nodes
            .iter()
            .filter(|n| kind(&n.kind))
            .map(|n| n.id.as_str())
            .collect()
    };
    let classes = [
        (
            "entry",
            ids(|k| *k == NodeKind::Entry),
            "fill:#222,stroke:#222,color:#fff",
        ),
        (
            "startstage",
            ids(|k| *k == NodeKind::Stage { start: true }),
            "stroke-width:3px",
        ),
    ];
    for (class, members, style) in classes {
        if !members.is_empty() {
            out.push_str(&format!("    classDef {class} {style}\n"));
            out.push_str(&format!("    class {} {class}\n", members.join(",")));
        }
    }
    for role in [Role::Contact, Role::Wait, Role::Agent, Role::Legal] {
        let members: Vec<&str> = graph
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Stage { .. }) && n.role == role)
            .map(|n| n.id.as_str())
            .collect();
        if !members.is_empty() {
            out.push_str(&format!(
                "    classDef {} fill:{}\n",
                role.name(),
                role.fill()
            ));
            out.push_str(&format!(
                "    class {} {}\n",
                members.join(","),
                role.name()
            ));
        }
    }
    let classes = [
        (
            "anystage",
            ids(|k| *k == NodeKind::AnyStage),
            "stroke-dasharray:5 5",
        ),
        (
            "outcome",
            ids(|k| *k == NodeKind::Outcome),
            "fill:#d4edda,stroke:#2e7d32",
        ),
    ];
    for (class, members, style) in classes {
        if !members.is_empty() {
            out.push_str(&format!("    classDef {class} {style}\n"));
            out.push_str(&format!("    class {} {class}\n", members.join(",")));
        }
    }
    out
}

fn node_label(node: &Node) -> String {
    let mut lines = vec![node.title.clone()];
    lines.extend(node.summary.iter().cloned());
    lines.join("\n")
}

/// A quoted Mermaid label. Mermaid's own entity codes (`#quot;`) stand for
/// the characters that would end the label or be read as markup; `#` is
/// coded first so that a `#` in a flow never starts an entity.
fn escape(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' => out.push_str("<br/>"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn labels_cannot_break_out_of_their_quotes() {
        assert_eq!(
            escape("balance > 0 \"USD\" # x"),
            "\"balance #gt; 0 #quot;USD#quot; #35; x\""
        );
        assert_eq!(escape("a\nb"), "\"a<br/>b\"");
    }
}
