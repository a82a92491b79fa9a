//! The unpacker: base64 runs decoded, containers opened, and text searched again, as a tree.

use std::fmt;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::archive::{self, Member, Outcome};
use super::detect::{self, FileType, TextEncoding};
use super::options::UnpackOptions;
use super::scan;

/// Whether an item was fully expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Decoded, and opened when it was a container.
    Ok,
    /// A limit stopped the unpacker here; the item was not expanded. Says which limit.
    Limit(String),
    /// The item could not be read (a corrupt archive, an unsupported compression method).
    Error(String),
}

impl Status {
    /// Whether this is [`Status::Ok`].
    pub fn is_ok(&self) -> bool {
        matches!(self, Status::Ok)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Ok => f.write_str("ok"),
            Status::Limit(why) => write!(f, "limit: {why}"),
            Status::Error(why) => write!(f, "error: {why}"),
        }
    }
}

/// One node of the decoded tree: a base64 run, an archive member or a decompressed stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Where the node sits: `[2]` is the second run in the input, `[2, 1]` the first thing
    /// found inside it (an archive member, a decompressed stream, or a run in its text).
    pub reference: Vec<u32>,
    /// Nesting level; runs in the input are level 1.
    pub depth: u32,
    /// The base64 run this node was decoded from, or for container content the run of the
    /// nearest ancestor that was base64.
    pub original_string: String,
    /// The member's name inside an archive (or a gzip header's name).
    pub file_name: Option<String>,
    /// What the bytes are.
    pub file_type: FileType,
    /// The container this node was taken out of, when it came from one.
    pub container: Option<FileType>,
    /// How the bytes read as text, or `Binary`.
    pub encoding: TextEncoding,
    /// The text, when the bytes are text.
    pub decoded_string: Option<String>,
    /// The decoded bytes (empty when a limit or an error stopped decoding).
    pub bytes: Vec<u8>,
    /// Lowercase hex MD5 of the bytes, when they were read whole.
    pub md5: Option<String>,
    /// Lowercase hex SHA-1 of the bytes.
    pub sha1: Option<String>,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: Option<String>,
    /// Whether the node was fully expanded, and why not.
    pub status: Status,
}

impl Decoded {
    /// The reference as dotted text, `"2.1.3"` (msticpy's index form).
    pub fn reference_string(&self) -> String {
        let parts: Vec<String> = self.reference.iter().map(u32::to_string).collect();
        parts.join(".")
    }

    /// Whether the bytes were read as text.
    pub fn is_text(&self) -> bool {
        self.decoded_string.is_some()
    }
}

/// Decodes base64 in text and unpacks what it finds, within [`UnpackOptions`]' limits.
///
/// ```
/// use huntbook_analysis::b64::{B64Unpacker, UnpackOptions};
///
/// let unpacker = B64Unpacker::new(UnpackOptions::default());
/// let found = unpacker.unpack("cmd /c echo d2hvYW1pIC9hbGwgJiYgbmV0IHVzZXIgL2RvbWFpbg==");
/// assert_eq!(found[0].decoded_string.as_deref(), Some("whoami /all && net user /domain"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct B64Unpacker {
    opts: UnpackOptions,
}

/// Where a node is being added, and what it inherits from its parent.
struct Place {
    reference: Vec<u32>,
    depth: u32,
    original: String,
    file_name: Option<String>,
    container: Option<FileType>,
}

/// Bytes still allowed for this input string.
struct Budget {
    left: u64,
}

impl B64Unpacker {
    /// An unpacker with these options.
    pub fn new(opts: UnpackOptions) -> Self {
        Self { opts }
    }

    /// The options in use.
    pub fn options(&self) -> &UnpackOptions {
        &self.opts
    }

    /// Every node found in `text`, parents before children.
    pub fn unpack(&self, text: &str) -> Vec<Decoded> {
        let mut out = Vec::new();
        let mut budget = Budget {
            left: self.opts.max_total_bytes,
        };
        self.scan_text(text, &[], 1, &mut budget, &mut out);
        out
    }

    /// `text` with each top-level base64 run replaced by what it decodes to: text in place,
    /// anything else as a `<decoded …/>` summary tag (msticpy's `full_decoded_string`).
    pub fn expand(&self, text: &str) -> String {
        let nodes = self.unpack(text);
        expand_with(text, &nodes, &self.opts)
    }

    fn scan_text(
        &self,
        text: &str,
        parent: &[u32],
        depth: u32,
        budget: &mut Budget,
        out: &mut Vec<Decoded>,
    ) {
        let runs = scan::find_runs(text, &self.opts);
        let mut index = 0u32;
        for run in runs {
            if index as usize >= self.opts.max_runs {
                tracing::debug!(
                    max_runs = self.opts.max_runs,
                    "more base64 runs than max_runs"
                );
                break;
            }
            let Some((original, bytes)) = self.decode_run(&run) else {
                tracing::trace!(run = %run.compact, "not valid base64");
                continue;
            };
            index += 1;
            let place = Place {
                reference: child_ref(parent, index),
                depth,
                original,
                file_name: None,
                container: None,
            };
            self.add_node(bytes, place, budget, out);
        }
    }

    fn has_runs(&self, text: &str) -> bool {
        scan::find_runs(text, &self.opts)
            .iter()
            .any(|run| scan::decode(&run.compact).is_some())
    }

    /// The run's bytes; when a line-wrapped run decodes to nothing recognisable but does
    /// without its last line (a word on the next line matched too), the shorter run wins.
    fn decode_run(&self, run: &scan::Run) -> Option<(String, Vec<u8>)> {
        let bytes = scan::decode(&run.compact);
        let useful = |b: &[u8]| {
            detect::sniff(b) != FileType::Binary
                || detect::decode_text(b, self.opts.detect_utf16).is_some()
        };
        if bytes.as_deref().is_some_and(useful) {
            return bytes.map(|b| (run.compact.clone(), b));
        }
        if let Some(shorter) = run.without_last_line()
            && let Some(b) = scan::decode(shorter).filter(|b| useful(b))
        {
            return Some((shorter.to_string(), b));
        }
        bytes.map(|b| (run.compact.clone(), b))
    }

    fn add_node(&self, bytes: Vec<u8>, place: Place, budget: &mut Budget, out: &mut Vec<Decoded>) {
        budget.left = budget.left.saturating_sub(bytes.len() as u64);
        let mut kind = detect::sniff(&bytes);
        let text = match kind {
            FileType::Binary => detect::decode_text(&bytes, self.opts.detect_utf16),
            _ => None,
        };
        if text.is_some() {
            kind = FileType::Text;
        } else if kind == FileType::Binary
            && self.opts.try_raw_deflate
            && looks_deflated(&bytes, &self.opts)
        {
            kind = FileType::Deflate;
        }

        let node_at = out.len();
        out.push(node(bytes, kind, text, &place));
        let can_expand = kind.is_container() || kind == FileType::Text;
        if !can_expand {
            return;
        }
        if place.depth >= self.opts.max_depth {
            // Text is only "not expanded" when it holds base64 that would have been followed.
            let text = out[node_at].decoded_string.as_deref().unwrap_or("");
            if kind == FileType::Text && !self.has_runs(text) {
                return;
            }
            out[node_at].status = Status::Limit(format!(
                "max_depth {} reached; this {kind} was not expanded (raise max_depth)",
                self.opts.max_depth
            ));
            return;
        }

        if kind == FileType::Text {
            let text = out[node_at].decoded_string.clone().unwrap_or_default();
            self.scan_text(&text, &place.reference, place.depth + 1, budget, out);
        } else {
            self.open_container(node_at, kind, &place, budget, out);
        }
    }

    fn open_container(
        &self,
        node_at: usize,
        kind: FileType,
        place: &Place,
        budget: &mut Budget,
        out: &mut Vec<Decoded>,
    ) {
        let cap = self.opts.max_item_bytes.min(budget.left);
        let opened = archive::open(
            &out[node_at].bytes,
            kind,
            cap,
            self.opts.max_archive_entries,
        );
        if let Some(note) = opened.note {
            out[node_at].status = if opened.members.is_empty() {
                Status::Error(note)
            } else {
                Status::Limit(note)
            };
        }

        for (i, member) in opened.members.into_iter().enumerate() {
            let child = Place {
                reference: child_ref(&place.reference, i as u32 + 1),
                depth: place.depth + 1,
                original: place.original.clone(),
                file_name: member.name.clone().or_else(|| place.file_name.clone()),
                container: Some(kind),
            };
            self.add_member(member, child, budget, out);
        }
    }

    fn add_member(
        &self,
        member: Member,
        place: Place,
        budget: &mut Budget,
        out: &mut Vec<Decoded>,
    ) {
        let status = match member.outcome {
            Outcome::Bytes(bytes) => return self.add_node(bytes, place, budget, out),
            Outcome::TooLarge { cap } => Status::Limit(too_large(cap, &self.opts)),
            Outcome::Failed(why) => Status::Error(why),
        };
        let mut stub = node(Vec::new(), FileType::Binary, None, &place);
        stub.md5 = None;
        stub.sha1 = None;
        stub.sha256 = None;
        stub.status = status;
        out.push(stub);
    }
}

fn child_ref(parent: &[u32], index: u32) -> Vec<u32> {
    let mut reference = parent.to_vec();
    reference.push(index);
    reference
}

fn too_large(cap: u64, opts: &UnpackOptions) -> String {
    if cap < opts.max_item_bytes {
        format!(
            "max_total_bytes {} used up; content passed the {cap} bytes left and was not \
             expanded (possible decompression bomb)",
            opts.max_total_bytes
        )
    } else {
        format!(
            "decompressed size passed max_item_bytes {cap}; not expanded (possible \
             decompression bomb)"
        )
    }
}

/// Raw deflate has no magic number: accept it only when it inflates to text or a known type.
fn looks_deflated(bytes: &[u8], opts: &UnpackOptions) -> bool {
    if bytes.len() < 8 {
        return false;
    }
    let cap = opts.max_item_bytes.min(1024 * 1024);
    archive::try_inflate(bytes, cap).is_some_and(|inflated| {
        detect::sniff(&inflated) != FileType::Binary
            || detect::decode_text(&inflated, opts.detect_utf16).is_some()
    })
}

fn node(
    bytes: Vec<u8>,
    kind: FileType,
    text: Option<(TextEncoding, String)>,
    place: &Place,
) -> Decoded {
    let (encoding, decoded_string) = match text {
        Some((encoding, text)) => (encoding, Some(text)),
        None => (TextEncoding::Binary, None),
    };
    Decoded {
        reference: place.reference.clone(),
        depth: place.depth,
        original_string: place.original.clone(),
        file_name: place.file_name.clone(),
        file_type: kind,
        container: place.container,
        encoding,
        decoded_string,
        md5: Some(hex(&Md5::digest(&bytes))),
        sha1: Some(hex(&Sha1::digest(&bytes))),
        sha256: Some(hex(&Sha256::digest(&bytes))),
        bytes,
        status: Status::Ok,
    }
}

/// Lowercase hex, no separators.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Space-separated hex of the first `max` bytes, `…` when cut (msticpy's printable_bytes).
pub(crate) fn spaced_hex(bytes: &[u8], max: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let shown = &bytes[..bytes.len().min(max)];
    let mut out = String::with_capacity(shown.len() * 3 + 4);
    for (i, b) in shown.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    if bytes.len() > max {
        out.push_str(" …");
    }
    out
}

/// The input with top-level runs replaced by their decoded form.
pub(crate) fn expand_with(text: &str, nodes: &[Decoded], opts: &UnpackOptions) -> String {
    let runs = scan::find_runs(text, opts);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for run in runs {
        let shorter = run.without_last_line();
        let Some(top) = nodes.iter().find(|n| {
            n.depth == 1
                && (n.original_string == run.compact || Some(n.original_string.as_str()) == shorter)
        }) else {
            continue;
        };
        out.push_str(&text[last..run.span.start]);
        out.push_str(&render(top, nodes));
        last = run.span.end;
        if top.original_string != run.compact {
            // The run's last line was not part of the encoding: keep it, and its line break.
            let found = &text[run.span.clone()];
            let break_at = found.rfind('\n').map_or(found.len(), |nl| {
                if found[..nl].ends_with('\r') {
                    nl - 1
                } else {
                    nl
                }
            });
            last = run.span.start + break_at;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// A node as text: its own text, or a tag naming it with its children inside.
fn render(item: &Decoded, nodes: &[Decoded]) -> String {
    if let Some(text) = &item.decoded_string {
        return text.clone();
    }
    let children: String = nodes
        .iter()
        .filter(|n| {
            n.reference.len() == item.reference.len() + 1
                && n.reference.starts_with(&item.reference)
        })
        .map(|n| render(n, nodes))
        .collect();
    let name = item.file_name.as_deref().unwrap_or("");
    format!(
        "<decoded type='{}' name='{}' index='{}' depth='{}' sha256='{}'>{children}</decoded>",
        item.file_type,
        name,
        item.reference_string(),
        item.depth,
        item.sha256.as_deref().unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_text_and_nested_text() {
        // "run: aGVsbG8gd29ybGQgZnJvbSBodW50Ym9vaw==" encoded again
        let inner = "aGVsbG8gd29ybGQgZnJvbSBodW50Ym9vaw==";
        let outer = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("run: {inner}"),
        );
        let nodes = B64Unpacker::default().unpack(&format!("x {outer} y"));
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[1].reference, vec![1, 1]);
        assert_eq!(
            nodes[1].decoded_string.as_deref(),
            Some("hello world from huntbook")
        );
        assert_eq!(nodes[1].depth, 2);
    }

    #[test]
    fn depth_limit_flags_without_expanding() {
        let inner = "aGVsbG8gd29ybGQgZnJvbSBodW50Ym9vaw==";
        let outer = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("run: {inner}"),
        );
        let unpacker = B64Unpacker::new(UnpackOptions::default().with_max_depth(1));
        let nodes = unpacker.unpack(&outer);
        assert_eq!(nodes.len(), 1);
        assert!(
            nodes[0]
                .status
                .to_string()
                .starts_with("limit: max_depth 1")
        );
    }

    #[test]
    fn expand_replaces_runs() {
        let unpacker = B64Unpacker::default();
        let out = unpacker.expand("echo d2hvYW1pIC9hbGwgJiYgbmV0IHVzZXIgL2RvbWFpbg== | sh");
        assert_eq!(out, "echo whoami /all && net user /domain | sh");
    }

    #[test]
    fn a_word_on_the_next_line_is_not_swallowed() {
        let text = "aGVsbG8gd29ybGQgZnJvbSBodW50Ym9vaw\nNext line";
        let unpacker = B64Unpacker::default();
        let nodes = unpacker.unpack(text);
        assert_eq!(
            nodes[0].decoded_string.as_deref(),
            Some("hello world from huntbook")
        );
        assert_eq!(
            unpacker.expand(text),
            "hello world from huntbook\nNext line"
        );
    }

    #[test]
    fn hex_forms() {
        assert_eq!(hex(&[0x00, 0xab]), "00ab");
        assert_eq!(spaced_hex(&[1, 2, 3], 2), "01 02 …");
    }
}
