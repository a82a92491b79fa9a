//! Settings for the unpacker: what counts as a base64 run, and the limits that stop a
//! decompression bomb.

/// How the unpacker finds base64 and how far it is allowed to expand it.
///
/// ```
/// use huntbook_analysis::b64::UnpackOptions;
///
/// let opts = UnpackOptions::default().with_max_depth(4).with_min_length(20);
/// assert_eq!(opts.max_depth, 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpackOptions {
    /// Fewest base64 characters (line breaks not counted) a run needs. msticpy uses 30.
    pub min_length: usize,
    /// Deepest level expanded; level 1 is a run in the input. Deeper content is flagged.
    pub max_depth: u32,
    /// Most bytes decoded and decompressed in total for one input string.
    pub max_total_bytes: u64,
    /// Most bytes one decompressed stream or archive member may expand to.
    pub max_item_bytes: u64,
    /// Most members read from one zip or tar archive.
    pub max_archive_entries: usize,
    /// Most base64 runs decoded in one piece of text.
    pub max_runs: usize,
    /// Read zero-high-byte buffers without a byte-order mark as UTF-16LE.
    pub detect_utf16: bool,
    /// Skip runs that are unlikely base64: no mix of upper and lower case, many slashes
    /// (file paths), or no digit or `+` in a short run (identifiers).
    pub strict_candidates: bool,
    /// Try raw deflate on binary that has no known type (PowerShell `DeflateStream`).
    pub try_raw_deflate: bool,
    /// Most bytes shown as hex in `printable_bytes`.
    pub max_hex_bytes: usize,
    /// Also accept the URL-safe alphabet (`-`, `_`: JWTs, some droppers). Off by default:
    /// hyphenated words and flags would otherwise join runs.
    pub url_safe: bool,
}

impl Default for UnpackOptions {
    fn default() -> Self {
        Self {
            min_length: 30,
            max_depth: 10,
            max_total_bytes: 64 * 1024 * 1024,
            max_item_bytes: 16 * 1024 * 1024,
            max_archive_entries: 500,
            max_runs: 100,
            detect_utf16: true,
            strict_candidates: true,
            try_raw_deflate: true,
            max_hex_bytes: 4096,
            url_safe: false,
        }
    }
}

impl UnpackOptions {
    /// Sets [`min_length`](Self::min_length).
    pub fn with_min_length(mut self, chars: usize) -> Self {
        self.min_length = chars.max(4);
        self
    }

    /// Sets [`max_depth`](Self::max_depth).
    pub fn with_max_depth(mut self, depth: u32) -> Self {
        self.max_depth = depth.max(1);
        self
    }

    /// Sets [`max_total_bytes`](Self::max_total_bytes).
    pub fn with_max_total_bytes(mut self, bytes: u64) -> Self {
        self.max_total_bytes = bytes;
        self
    }

    /// Sets [`max_item_bytes`](Self::max_item_bytes).
    pub fn with_max_item_bytes(mut self, bytes: u64) -> Self {
        self.max_item_bytes = bytes;
        self
    }

    /// Sets [`max_archive_entries`](Self::max_archive_entries).
    pub fn with_max_archive_entries(mut self, entries: usize) -> Self {
        self.max_archive_entries = entries;
        self
    }

    /// Sets [`max_runs`](Self::max_runs).
    pub fn with_max_runs(mut self, runs: usize) -> Self {
        self.max_runs = runs;
        self
    }

    /// Sets [`detect_utf16`](Self::detect_utf16).
    pub fn with_detect_utf16(mut self, on: bool) -> Self {
        self.detect_utf16 = on;
        self
    }

    /// Sets [`strict_candidates`](Self::strict_candidates).
    pub fn with_strict_candidates(mut self, on: bool) -> Self {
        self.strict_candidates = on;
        self
    }

    /// Sets [`try_raw_deflate`](Self::try_raw_deflate).
    pub fn with_try_raw_deflate(mut self, on: bool) -> Self {
        self.try_raw_deflate = on;
        self
    }

    /// Sets [`url_safe`](Self::url_safe).
    pub fn with_url_safe(mut self, on: bool) -> Self {
        self.url_safe = on;
        self
    }

    /// Sets [`max_hex_bytes`](Self::max_hex_bytes).
    pub fn with_max_hex_bytes(mut self, bytes: usize) -> Self {
        self.max_hex_bytes = bytes;
        self
    }
}
