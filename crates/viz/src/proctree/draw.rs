//! Drawing the process tree: leaves on consecutive rows, each parent centred on its children,
//! depth across. The view script redoes exactly this layout when a node is collapsed or
//! expanded, so the picture before and after the script takes over is the same.

use super::TreeData;
use super::forest::Plan;
use crate::palette::{Palette, draw_legend};
use crate::svg::{Circle, Group, Path, Svg, Text, number};
use crate::text::{count, truncate};
use crate::timeaxis::tooltip_time;

const X0: f64 = 24.0;
const Y0: f64 = 56.0;
const COL: f64 = 200.0;
const ROW: f64 = 18.0;
/// Extra rows between trees.
const GAP: f64 = 0.5;
const BOTTOM: f64 = 24.0;
const MIN_HEIGHT: f64 = 240.0;
const LEGEND_SPACE: f64 = 190.0;
/// Room right of the deepest column: its labels and the legend.
const RIGHT: f64 = 260.0 + LEGEND_SPACE;
const MIN_WIDTH: f64 = 720.0;
const LABEL_CHARS: usize = 26;

/// Styles that show a node's count badge only while it is collapsed.
const STYLE: &str = "<style>.hb-node .hb-count{display:none}\
.hb-node.hb-collapsed .hb-count{display:inline}</style>\n";

/// Draws the tree; returns the document and the settings the script needs.
pub(crate) fn draw(data: &TreeData, plan: &Plan, title: &str) -> (Svg, serde_json::Value) {
    let forest = &data.forest;
    let positions = layout(data, plan);
    let rows = positions.rows;
    let max_depth = (0..forest.nodes.len())
        .filter(|&i| positions.at[i].is_some())
        .map(|i| forest.nodes[i].depth)
        .max()
        .unwrap_or(0);
    let width = (X0 + max_depth as f64 * COL + RIGHT).max(MIN_WIDTH);
    let height = (Y0 + rows * ROW + BOTTOM).max(MIN_HEIGHT);

    let mut svg = Svg::new(width as u32, height as u32);
    svg.title(title);
    svg.push_markup(STYLE);
    svg.add(Text::new(X0, 22.0, &truncate(title, 90)).size(15.0));
    svg.add(
        Text::new(X0, 38.0, &summary(data, plan))
            .size(10.0)
            .fill("#666666"),
    );

    let palette = data
        .legend
        .as_ref()
        .map(|(_, _, interner)| Palette::new(&interner.values, &interner.counts));
    draw_edges(&mut svg, data, plan, &positions);
    draw_nodes(&mut svg, data, plan, &positions, palette.as_ref());
    if let (Some((name, _, _)), Some(palette)) = (&data.legend, &palette) {
        let legend = Group::new().attr("class", "hb-legend");
        svg.open(legend.attr(
            "transform",
            format!("translate({} 0)", number(width - LEGEND_SPACE)),
        ));
        draw_legend(&mut svg, 10.0, Y0, name, palette);
        svg.close();
    }

    let config = serde_json::json!({
        "zoom": "xy",
        "tree": {
            "x0": X0, "y0": Y0, "col": COL, "row": ROW, "gap": GAP,
            "bottom": BOTTOM, "min_height": MIN_HEIGHT, "right": RIGHT, "min_width": MIN_WIDTH,
        },
    });
    (svg, config)
}

fn summary(data: &TreeData, plan: &Plan) -> String {
    let total = data.forest.nodes.len();
    let drawn = plan.emitted.iter().filter(|e| **e).count();
    let mut text = format!(
        "{} processes in {} trees",
        count(total),
        count(data.forest.roots.len())
    );
    if drawn < total {
        text.push_str(&format!(
            "; {} drawn, the rest counted on their ancestors",
            count(drawn)
        ));
    }
    if total == 0 {
        text = "no data".to_owned();
    }
    text
}

/// Node positions: `(x, y)` for shown nodes, `None` for hidden ones.
pub(crate) struct Positions {
    pub(crate) at: Vec<Option<(f64, f64)>>,
    pub(crate) rows: f64,
}

/// Places the shown nodes the way the script does.
pub(crate) fn layout(data: &TreeData, plan: &Plan) -> Positions {
    let forest = &data.forest;
    let mut at = vec![None; forest.nodes.len()];
    let mut row = 0.0;
    for &root in &forest.roots {
        place(data, plan, root, &mut at, &mut row);
        row += GAP;
    }
    Positions { at, rows: row }
}

fn place(
    data: &TreeData,
    plan: &Plan,
    i: usize,
    at: &mut [Option<(f64, f64)>],
    row: &mut f64,
) -> f64 {
    let node = &data.forest.nodes[i];
    let x = X0 + node.depth as f64 * COL;
    let kids: Vec<usize> = node
        .kids
        .iter()
        .copied()
        .filter(|&k| plan.emitted[k])
        .collect();
    let y = if plan.expanded[i] && !kids.is_empty() {
        let ys: Vec<f64> = kids
            .iter()
            .map(|&k| place(data, plan, k, at, row))
            .collect();
        (ys[0] + ys[ys.len() - 1]) / 2.0
    } else {
        let y = Y0 + *row * ROW;
        *row += 1.0;
        y
    };
    at[i] = Some((x, y));
    y
}

fn draw_edges(svg: &mut Svg, data: &TreeData, plan: &Plan, positions: &Positions) {
    let forest = &data.forest;
    for i in emitted_in_order(data, plan) {
        let Some(parent) = forest.nodes[i].parent else {
            continue;
        };
        let mut path = match (positions.at[parent], positions.at[i]) {
            (Some((px, py)), Some((x, y))) => {
                let mid = (px + x) / 2.0;
                let (px, py, mid, x, y) =
                    (number(px), number(py), number(mid), number(x), number(y));
                Path::new(format!("M{px} {py}C{mid} {py} {mid} {y} {x} {y}"))
            }
            _ => Path::new("M0 0").attr("style", "display:none"),
        };
        path = path
            .stroke("#a0a0a0")
            .attr("class", "hb-edge")
            .attr("data-child", i.to_string());
        svg.add(path);
    }
}

fn draw_nodes(
    svg: &mut Svg,
    data: &TreeData,
    plan: &Plan,
    positions: &Positions,
    palette: Option<&Palette>,
) {
    let forest = &data.forest;
    for i in emitted_in_order(data, plan) {
        let node = &forest.nodes[i];
        let emitted_kids = node.kids.iter().filter(|&&k| plan.emitted[k]).count();
        let collapsed = emitted_kids > 0 && !plan.expanded[i];
        let class = if collapsed {
            "hb-node hb-collapsed"
        } else {
            "hb-node"
        };
        let mut group = Group::new()
            .attr("class", class)
            .attr("data-id", i.to_string())
            .attr(
                "data-parent",
                node.parent.map_or(String::new(), |p| p.to_string()),
            )
            .attr("data-depth", node.depth.to_string())
            .tooltip(&tooltip(data, i));
        group = match positions.at[i] {
            Some((x, y)) => group.attr(
                "transform",
                format!("translate({} {})", number(x), number(y)),
            ),
            None => group.attr("style", "display:none"),
        };
        svg.open(group);

        let colour = match (&data.legend, palette) {
            (Some((_, codes, _)), Some(palette)) => palette.colour(codes[node.row]),
            _ => "#4c78a8",
        };
        let mut dot =
            Circle::new(0.0, 0.0, if node.kids.is_empty() { 4.0 } else { 5.5 }).fill(colour);
        if data.highlighted[node.row] {
            dot = dot.attr("stroke", "#d62728").attr("stroke-width", "3");
        }
        svg.add(dot);
        let label = truncate(&data.labels[node.row], LABEL_CHARS);
        let weight = if data.highlighted[node.row] {
            "bold"
        } else {
            "normal"
        };
        // A white halo keeps the edges that pass behind a label from crossing it out.
        let text = Text::new(9.0, 4.0, &label)
            .size(11.0)
            .attr("font-weight", weight);
        svg.add(
            text.attr("stroke", "#ffffff")
                .attr("stroke-width", "3")
                .attr("paint-order", "stroke"),
        );
        draw_count(svg, node.descendants, emitted_kids, &label);
        svg.close();
    }
}

/// The `+N` badge: shown while collapsed, or always when the children were not drawn at all.
fn draw_count(svg: &mut Svg, descendants: usize, emitted_kids: usize, label: &str) {
    if descendants == 0 {
        return;
    }
    let x = 9.0 + label.chars().count() as f64 * 6.3 + 6.0;
    if emitted_kids == 0 {
        let text = format!("+{} not drawn", count(descendants));
        svg.add(Text::new(x, 4.0, &text).size(10.0).fill("#b15928"));
    } else {
        let text = format!("+{}", count(descendants));
        svg.add(
            Text::new(x, 4.0, &text)
                .size(10.0)
                .fill("#b15928")
                .attr("class", "hb-count"),
        );
    }
}

/// Emitted nodes in depth-first order, so every family of siblings keeps its start order.
fn emitted_in_order(data: &TreeData, plan: &Plan) -> Vec<usize> {
    let forest = &data.forest;
    let mut out = Vec::new();
    let mut stack: Vec<usize> = forest.roots.iter().rev().copied().collect();
    while let Some(i) = stack.pop() {
        if !plan.emitted[i] {
            continue;
        }
        out.push(i);
        stack.extend(forest.nodes[i].kids.iter().rev().copied());
    }
    out
}

fn tooltip(data: &TreeData, i: usize) -> String {
    let node = &data.forest.nodes[i];
    let row = node.row;
    let mut tip = data.full_labels[row].clone();
    if let Some(t) = data.times[row] {
        tip.push_str(&format!("\nstarted {}", tooltip_time(t)));
    }
    for (name, column) in &data.tooltips {
        if let Some(value) = column.get(row) {
            tip.push_str(&format!("\n{name}: {}", truncate(value, 400)));
        }
    }
    if let Some((name, codes, interner)) = &data.legend {
        tip.push_str(&format!("\n{name}: {}", interner.value(codes[row])));
    }
    if node.descendants > 0 {
        tip.push_str(&format!(
            "\n{} children, {} processes below",
            count(node.kids.len()),
            count(node.descendants)
        ));
    }
    tip.push_str(&format!("\nkey: {}", data.keys[row]));
    tip
}
