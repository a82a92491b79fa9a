//! Base64 unpacking: runs of base64 in text are decoded, archives and compressed streams
//! inside them are opened, and decoded text is searched again, giving a tree of findings.
//!
//! - `scan`: finding candidate runs (`min_length`, line breaks allowed) and decoding.
//! - `detect`: what the bytes are — [`FileType`] from magic numbers, [`TextEncoding`].
//! - `archive`: zip, tar, gzip, zlib, raw deflate, bzip2 and xz, every read capped.
//! - [`B64Unpacker`]: the tree walk, within [`UnpackOptions`]' limits.
//! - [`B64Unpacker::unpack_frame`]: the tree as a DataFrame (columns in [`COLUMNS`]).
//!
//! Decompression bombs are never expanded: each stream is read through a `take()` cap of
//! `min(max_item_bytes, bytes left of max_total_bytes)`; the node that passes it is kept with
//! `status` = `limit: …` and no bytes. Malformed archives give `status` = `error: …`.
//!
//! ```
//! use huntbook_analysis::b64::{B64Unpacker, FileType, UnpackOptions};
//!
//! let nodes = B64Unpacker::new(UnpackOptions::default())
//!     .unpack("powershell -enc dwBoAG8AYQBtAGkAIAAvAGEAbABsAA==");
//! assert_eq!(nodes[0].file_type, FileType::Text);
//! assert_eq!(nodes[0].decoded_string.as_deref(), Some("whoami /all"));
//! ```

mod archive;
mod detect;
mod frame;
mod options;
mod scan;
mod unpack;

pub use detect::{FileType, TextEncoding, UnknownEncoding, UnknownFileType, decode_text, sniff};
pub use frame::{B64Error, COLUMNS};
pub use options::UnpackOptions;
pub use unpack::{B64Unpacker, Decoded, Status};
