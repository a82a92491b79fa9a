//! What decoded bytes are: a file type from magic numbers, and text in a known encoding.

use std::fmt;
use std::str::FromStr;

/// The kind of content found in decoded bytes, from its leading magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    /// A zip archive (`PK\x03\x04`); members are unpacked.
    Zip,
    /// A gzip stream (`1f 8b`); decompressed.
    Gzip,
    /// A zlib stream (`78 xx` with a valid header checksum); decompressed.
    Zlib,
    /// Raw deflate data (no header), as PowerShell's `DeflateStream` writes; decompressed.
    Deflate,
    /// A POSIX tar archive (`ustar` at offset 257); members are unpacked.
    Tar,
    /// A bzip2 stream (`BZh`); decompressed.
    Bzip2,
    /// An xz stream (`fd 37 7a 58 5a 00`); decompressed.
    Xz,
    /// A Windows PE executable (`MZ` … `PE\0\0`, not a DLL or driver).
    Exe,
    /// A Windows PE DLL (the `IMAGE_FILE_DLL` characteristic).
    Dll,
    /// A Windows PE driver (the native subsystem).
    Sys,
    /// A Linux ELF binary.
    Elf,
    /// A PDF document.
    Pdf,
    /// A 7-Zip archive (not unpacked).
    SevenZip,
    /// A RAR archive (not unpacked).
    Rar,
    /// An OLE compound file: MSI, legacy Office documents (not unpacked).
    Msi,
    /// A Windows imaging (WIM) file (not unpacked).
    Wim,
    /// A PNG image.
    Png,
    /// A JPEG image.
    Jpeg,
    /// A GIF image.
    Gif,
    /// Text in one of the [`TextEncoding`]s.
    Text,
    /// Bytes of no known type.
    Binary,
}

impl FileType {
    /// Every file type, in declaration order.
    pub const ALL: [FileType; 21] = [
        FileType::Zip,
        FileType::Gzip,
        FileType::Zlib,
        FileType::Deflate,
        FileType::Tar,
        FileType::Bzip2,
        FileType::Xz,
        FileType::Exe,
        FileType::Dll,
        FileType::Sys,
        FileType::Elf,
        FileType::Pdf,
        FileType::SevenZip,
        FileType::Rar,
        FileType::Msi,
        FileType::Wim,
        FileType::Png,
        FileType::Jpeg,
        FileType::Gif,
        FileType::Text,
        FileType::Binary,
    ];

    /// The short name used in output frames (msticpy's names where it has one).
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Zip => "zip",
            FileType::Gzip => "gz",
            FileType::Zlib => "zlib",
            FileType::Deflate => "deflate",
            FileType::Tar => "tar",
            FileType::Bzip2 => "bz2",
            FileType::Xz => "xz",
            FileType::Exe => "exe",
            FileType::Dll => "dll",
            FileType::Sys => "sys",
            FileType::Elf => "elf",
            FileType::Pdf => "pdf",
            FileType::SevenZip => "7z",
            FileType::Rar => "rar",
            FileType::Msi => "msi",
            FileType::Wim => "wim",
            FileType::Png => "png",
            FileType::Jpeg => "jpeg",
            FileType::Gif => "gif",
            FileType::Text => "text",
            FileType::Binary => "binary",
        }
    }

    /// Whether this type holds other content that the unpacker opens.
    pub fn is_container(self) -> bool {
        matches!(
            self,
            FileType::Zip
                | FileType::Gzip
                | FileType::Zlib
                | FileType::Deflate
                | FileType::Tar
                | FileType::Bzip2
                | FileType::Xz
        )
    }
}

impl fmt::Display for FileType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of the [`FileType`] names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown file type {0:?}: expected one of zip, gz, zlib, deflate, tar, bz2, xz, exe, dll, sys, elf, pdf, 7z, rar, msi, wim, png, jpeg, gif, text, binary"
)]
pub struct UnknownFileType(pub String);

impl FromStr for FileType {
    type Err = UnknownFileType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        FileType::ALL
            .into_iter()
            .find(|t| t.as_str() == wanted)
            .ok_or_else(|| UnknownFileType(s.to_string()))
    }
}

/// How decoded bytes were read as text, or `Binary` when they are not text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    /// UTF-8 (a leading byte-order mark is dropped).
    Utf8,
    /// UTF-16 little-endian: a `ff fe` mark, or zero high bytes as PowerShell `-enc` writes.
    Utf16Le,
    /// UTF-16 big-endian (a `fe ff` mark).
    Utf16Be,
    /// Not text.
    Binary,
}

impl TextEncoding {
    /// The name used in output frames.
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
            TextEncoding::Binary => "binary",
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of the [`TextEncoding`] names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown text encoding {0:?}: expected utf-8, utf-16le, utf-16be or binary")]
pub struct UnknownEncoding(pub String);

impl FromStr for TextEncoding {
    type Err = UnknownEncoding;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "utf-16le" | "utf-16" | "utf16" => Ok(TextEncoding::Utf16Le),
            "utf-16be" => Ok(TextEncoding::Utf16Be),
            "binary" => Ok(TextEncoding::Binary),
            _ => Err(UnknownEncoding(s.to_string())),
        }
    }
}

/// The file type of `bytes` from its magic number; `Binary` when none matches.
///
/// Text is not decided here: see [`decode_text`].
pub fn sniff(bytes: &[u8]) -> FileType {
    const MAGICS: &[(&[u8], FileType)] = &[
        (b"PK\x03\x04", FileType::Zip),
        (b"PK\x05\x06", FileType::Zip),
        (b"\x1f\x8b", FileType::Gzip),
        (b"BZh", FileType::Bzip2),
        (b"\xfd7zXZ\x00", FileType::Xz),
        (b"\x7fELF", FileType::Elf),
        (b"%PDF", FileType::Pdf),
        (b"7z\xbc\xaf\x27\x1c", FileType::SevenZip),
        (b"Rar!\x1a\x07", FileType::Rar),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", FileType::Msi),
        (b"MSWIM\x00\x00\x00", FileType::Wim),
        (b"\x89PNG\r\n\x1a\n", FileType::Png),
        (b"\xff\xd8\xff", FileType::Jpeg),
        (b"GIF8", FileType::Gif),
    ];

    if let Some((_, kind)) = MAGICS.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return *kind;
    }
    if bytes.starts_with(b"MZ") {
        return pe_kind(bytes);
    }
    if bytes.len() >= 262 && &bytes[257..262] == b"ustar" {
        return FileType::Tar;
    }
    if is_zlib_header(bytes) {
        return FileType::Zlib;
    }
    FileType::Binary
}

/// Exe, Dll or Sys from the PE header that `e_lfanew` (offset 0x3c) points at.
fn pe_kind(bytes: &[u8]) -> FileType {
    const IMAGE_FILE_DLL: u16 = 0x2000;
    const SUBSYSTEM_NATIVE: u16 = 1;

    let Some(offset) = read_u32(bytes, 0x3c).map(|o| o as usize) else {
        return FileType::Exe;
    };
    if bytes.get(offset..offset + 4) != Some(b"PE\0\0") {
        return FileType::Exe;
    }
    let characteristics = read_u16(bytes, offset + 22).unwrap_or(0);
    // The optional header starts at offset + 24; its Subsystem field is at +68 in it.
    let subsystem = read_u16(bytes, offset + 24 + 68).unwrap_or(0);
    if characteristics & IMAGE_FILE_DLL != 0 {
        FileType::Dll
    } else if subsystem == SUBSYSTEM_NATIVE {
        FileType::Sys
    } else {
        FileType::Exe
    }
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A zlib header: deflate method, window ≤ 32 KiB, and a header checksum that divides by 31.
fn is_zlib_header(bytes: &[u8]) -> bool {
    match bytes {
        [cmf, flg, _, ..] => {
            let method_ok = cmf & 0x0f == 8 && cmf >> 4 <= 7;
            let check_ok = (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0;
            // A preset dictionary cannot be honoured, so such streams are left as binary.
            method_ok && check_ok && flg & 0x20 == 0
        }
        _ => false,
    }
}

/// `bytes` read as text, or `None` when they are not text.
///
/// A byte-order mark decides the encoding; otherwise, with `detect_utf16`, an even-length
/// buffer whose odd bytes are almost all zero is UTF-16LE (PowerShell's `-EncodedCommand`);
/// otherwise UTF-8. Text may hold at most 5% control characters other than tab, CR, LF, FF.
pub fn decode_text(bytes: &[u8], detect_utf16: bool) -> Option<(TextEncoding, String)> {
    if bytes.is_empty() {
        return None;
    }

    let decoded = if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        std::str::from_utf8(rest)
            .ok()
            .map(|s| (TextEncoding::Utf8, s.to_string()))
    } else if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        utf16(rest, u16::from_le_bytes).map(|s| (TextEncoding::Utf16Le, s))
    } else if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        utf16(rest, u16::from_be_bytes).map(|s| (TextEncoding::Utf16Be, s))
    } else if detect_utf16 && looks_utf16le(bytes) {
        utf16(bytes, u16::from_le_bytes).map(|s| (TextEncoding::Utf16Le, s))
    } else {
        std::str::from_utf8(bytes)
            .ok()
            .map(|s| (TextEncoding::Utf8, s.to_string()))
    };

    decoded.filter(|(_, text)| is_printable(text))
}

fn utf16(bytes: &[u8], word: fn([u8; 2]) -> u16) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| word([c[0], c[1]])).collect();
    String::from_utf16(&units).ok()
}

fn looks_utf16le(bytes: &[u8]) -> bool {
    if bytes.len() < 4 || !bytes.len().is_multiple_of(2) {
        return false;
    }
    let pairs = bytes.len() / 2;
    let zero_high = bytes
        .chunks_exact(2)
        .filter(|c| c[1] == 0 && c[0] != 0)
        .count();
    zero_high * 10 >= pairs * 9
}

fn is_printable(text: &str) -> bool {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in text.chars() {
        total += 1;
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c') {
            control += 1;
        }
    }
    total > 0 && control * 20 <= total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_numbers() {
        assert_eq!(sniff(b"PK\x03\x04rest"), FileType::Zip);
        assert_eq!(sniff(b"\x1f\x8b\x08\x00"), FileType::Gzip);
        assert_eq!(sniff(b"BZh91AY"), FileType::Bzip2);
        assert_eq!(sniff(b"\xfd7zXZ\x00\x00"), FileType::Xz);
        assert_eq!(sniff(b"\x78\x9c\x01\x02"), FileType::Zlib);
        assert_eq!(sniff(b"hello"), FileType::Binary);
        assert_eq!(sniff(b"MZ"), FileType::Exe);
    }

    #[test]
    fn tells_dll_from_exe() {
        let mut pe = vec![0u8; 512];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x80;
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        assert_eq!(sniff(&pe), FileType::Exe);
        pe[0x80 + 22..0x80 + 24].copy_from_slice(&0x2102u16.to_le_bytes());
        assert_eq!(sniff(&pe), FileType::Dll);
    }

    #[test]
    fn reads_text_encodings() {
        assert_eq!(
            decode_text(b"hello world", true),
            Some((TextEncoding::Utf8, "hello world".into()))
        );
        let le: Vec<u8> = "whoami"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(
            decode_text(&le, true),
            Some((TextEncoding::Utf16Le, "whoami".into()))
        );
        assert_eq!(decode_text(&le, false).map(|(e, _)| e), None);
        assert_eq!(decode_text(&[0x00, 0x01, 0x02, 0x9f, 0xff], true), None);
        assert_eq!(decode_text(b"", true), None);
    }

    #[test]
    fn names_round_trip() {
        for t in FileType::ALL {
            assert_eq!(t.as_str().parse::<FileType>(), Ok(t));
        }
        assert!("nope".parse::<FileType>().is_err());
        assert_eq!("utf-16".parse::<TextEncoding>(), Ok(TextEncoding::Utf16Le));
    }
}
