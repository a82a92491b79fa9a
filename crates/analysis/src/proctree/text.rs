//! Plain-text rendering of process trees, one indented line per process.
//!
//! ```text
//! [host WORKSTATION5]
//! c:\windows\system32\services.exe [0x2cc] (inferred)
//!   c:\windows\psexesvc.exe [0x5b4] 2020-10-19 03:30:46.435  C:\windows\PSEXESVC.exe
//! ```

use chrono::DateTime;

use super::tree::{NodeId, ProcessTree, TreeNode};

/// What each line shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextOptions {
    /// Show start times.
    pub show_time: bool,
    /// Show command lines.
    pub show_cmd_line: bool,
    /// Cut lines longer than this many characters (0: no limit).
    pub max_width: usize,
    /// Stop this many levels below each root (`None`: all).
    pub max_depth: Option<u32>,
    /// Spaces per level.
    pub indent: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            show_time: true,
            show_cmd_line: true,
            max_width: 0,
            max_depth: None,
            indent: 2,
        }
    }
}

impl TextOptions {
    /// Shows or hides start times.
    pub fn with_time(mut self, show: bool) -> Self {
        self.show_time = show;
        self
    }

    /// Shows or hides command lines.
    pub fn with_cmd_line(mut self, show: bool) -> Self {
        self.show_cmd_line = show;
        self
    }

    /// Cuts lines at `width` characters (0: no limit).
    pub fn with_max_width(mut self, width: usize) -> Self {
        self.max_width = width;
        self
    }

    /// Renders at most `depth` levels below each root.
    pub fn with_max_depth(mut self, depth: u32) -> Self {
        self.max_depth = Some(depth);
        self
    }

    /// Spaces per level.
    pub fn with_indent(mut self, indent: usize) -> Self {
        self.indent = indent;
        self
    }
}

impl ProcessTree {
    /// The whole forest as indented text, with a header line per host.
    pub fn to_text(&self, options: &TextOptions) -> String {
        let mut out = String::new();
        let mut host: Option<&Option<String>> = None;
        for root in self.roots() {
            let h = &self.nodes()[root].host;
            if host != Some(h) {
                if let Some(name) = h {
                    out.push_str(&format!("[host {name}]\n"));
                }
                host = Some(h);
            }
            self.render(root, options, &mut out);
        }
        out
    }

    /// One process and its descendants as indented text.
    pub fn subtree_text(&self, id: NodeId, options: &TextOptions) -> String {
        let mut out = String::new();
        if id < self.nodes().len() {
            self.render(id, options, &mut out);
        }
        out
    }

    fn render(&self, top: NodeId, options: &TextOptions, out: &mut String) {
        let nodes = self.nodes();
        let base = nodes[top].depth;
        let mut ids = vec![top];
        ids.extend(self.descendants(top, options.max_depth));
        for id in ids {
            let node = &nodes[id];
            let level = (node.depth - base) as usize;
            let line = format!(
                "{}{}",
                " ".repeat(level * options.indent),
                describe(node, options)
            );
            out.push_str(&clip(&line, options.max_width));
            out.push('\n');
        }
    }
}

fn describe(node: &TreeNode, options: &TextOptions) -> String {
    let mut line = format!("{} [{}]", node.name, node.pid);
    if node.inferred {
        line.push_str(" (inferred)");
    }
    if let (true, Some(t)) = (options.show_time, node.time) {
        let dt = DateTime::from_timestamp_nanos(t);
        line.push_str(&format!(" {}", dt.format("%Y-%m-%d %H:%M:%S%.3f")));
    }
    if let (true, Some(cmd)) = (options.show_cmd_line, node.cmd_line.as_deref()) {
        line.push_str("  ");
        line.push_str(&cmd.replace(['\r', '\n'], " "));
    }
    line
}

fn clip(line: &str, width: usize) -> String {
    if width == 0 || line.chars().count() <= width {
        return line.to_string();
    }
    let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
