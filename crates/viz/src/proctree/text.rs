//! The process tree as indented text, for logs, terminals and plain-text notebook output.

use super::TreeData;
use crate::text::{count, truncate};
use crate::timeaxis::tooltip_time;

/// One line per process: branch marks, the label, the start time and the first tooltip
/// column (the command line, usually); at most `max_lines` lines, then a line saying how many
/// were left out.
pub(crate) fn render(data: &TreeData, max_lines: usize) -> String {
    let forest = &data.forest;
    let mut out = String::new();
    let mut lines = 0;
    // (node, prefix for its children, its own branch mark)
    let mut stack: Vec<(usize, String, String)> = forest
        .roots
        .iter()
        .rev()
        .map(|&r| (r, String::new(), String::new()))
        .collect();
    while let Some((i, prefix, mark)) = stack.pop() {
        if lines >= max_lines {
            let left = forest.nodes.len() - lines;
            out.push_str(&format!("… {} more processes\n", count(left)));
            break;
        }
        out.push_str(&mark);
        out.push_str(&line(data, i));
        out.push('\n');
        lines += 1;
        let kids = &forest.nodes[i].kids;
        for (n, &k) in kids.iter().enumerate().rev() {
            let last = n + 1 == kids.len();
            let branch = format!("{prefix}{}", if last { "└─ " } else { "├─ " });
            let below = format!("{prefix}{}", if last { "   " } else { "│  " });
            stack.push((k, below, branch));
        }
    }
    out
}

fn line(data: &TreeData, i: usize) -> String {
    let row = data.forest.nodes[i].row;
    let mut text = data.labels[row].clone();
    if let Some(t) = data.times[row] {
        text.push_str(&format!("  {}", tooltip_time(t)));
    }
    if let Some((_, column)) = data.tooltips.first()
        && let Some(value) = column.get(row)
    {
        text.push_str(&format!("  {}", truncate(value, 160)));
    }
    // Control characters would break the lines apart.
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
