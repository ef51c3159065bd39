//! SVG drawn by `layout-rs`, so `dun graph --format svg` needs no Graphviz.

use super::{EdgeKind, FlowGraph, NodeKind};
use foldhash::{HashMap, HashMapExt};
use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

const FONT: usize = 14;

/// Lays the diagram out top to bottom and renders it. Layout is a large
/// algorithm in a third-party crate; should it ever fail on a graph, the
/// error says so instead of bringing the command down.
pub fn to_svg(graph: &FlowGraph) -> Result<String, String> {
    let graph = graph.clone();
    let drawn = std::panic::catch_unwind(move || draw(&graph));
    drawn.map_err(|_| {
        "the diagram could not be laid out as SVG; use `--format dot` and Graphviz, \
         or `--format mermaid`, instead"
            .to_string()
    })
}

fn draw(graph: &FlowGraph) -> String {
    let mut visual = VisualGraph::new(Orientation::TopToBottom);
    // Shapes grow sideways in a top-to-bottom graph (as layout-rs's own
    // DOT front end does it).
    let dir = Orientation::TopToBottom.flip();
    let mut handles = HashMap::new();
    for node in &graph.nodes {
        let mut lines = vec![node.title.clone()];
        lines.extend(node.summary.iter().cloned());
        let text = lines.join("\n");
        let (shape, fill, rounded, line) = match node.kind {
            NodeKind::Entry => (ShapeKind::new_circle(&text), "#dddddd", 0, 2),
            NodeKind::Stage { start } => (
                ShapeKind::new_box(&text),
                node.role.fill(),
                8,
                if start { 4 } else { 2 },
            ),
            NodeKind::AnyStage => (ShapeKind::new_box(&text), "#f3f3f3", 20, 1),
            NodeKind::Outcome => (ShapeKind::new_double_circle(&text), node.role.fill(), 0, 2),
        };
        let look = StyleAttr::new(
            Color::fast("black"),
            line,
            Some(Color::fast(fill)),
            rounded,
            FONT,
        );
        let size = get_shape_size(dir, &shape, FONT, false);
        let handle = visual.add_node(Element::create(shape, look, dir, size));
        handles.insert(node.id.clone(), handle);
    }
    for edge in &graph.edges {
        let (Some(from), Some(to)) = (handles.get(&edge.from), handles.get(&edge.to)) else {
            continue;
        };
        let style = match edge.kind {
            EdgeKind::FlowHandler | EdgeKind::StageHandler => LineStyleKind::Dashed,
            _ => LineStyleKind::Normal,
        };
        let arrow = Arrow::new(
            LineEndKind::None,
            LineEndKind::Arrow,
            style,
            edge.label.as_deref().unwrap_or(""),
            &StyleAttr::simple(),
            &None,
            &None,
        );
        visual.add_edge(arrow, *from, *to);
    }
    let mut writer = SVGWriter::new();
    visual.do_it(false, false, false, &mut writer);
    super::fit::fit_to_drawing(&writer.finalize())
}
