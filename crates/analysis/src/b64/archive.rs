//! Opening containers — zip, tar, gzip, zlib, raw deflate, bzip2, xz — with every read capped.
//!
//! Nothing here reads without a bound: each stream is read through `take(cap + 1)`, so a
//! decompression bomb costs at most `cap + 1` bytes of memory before it is flagged.

use std::io::{self, Cursor, Read, Write};

use flate2::read::{DeflateDecoder, GzDecoder, ZlibDecoder};

use super::detect::FileType;

/// What came out of one container member.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The member's bytes, whole.
    Bytes(Vec<u8>),
    /// The member was larger than allowed; it was not kept.
    TooLarge {
        /// The cap that was passed.
        cap: u64,
    },
    /// The member could not be read; the message says why.
    Failed(String),
}

/// One member of a container: its name (when the format has one) and what it held.
#[derive(Debug)]
pub(crate) struct Member {
    /// The member's path inside the archive, or the gzip header's file name.
    pub name: Option<String>,
    /// The member's content or the reason it has none.
    pub outcome: Outcome,
}

/// Members of a container, plus a note when members were left unread.
#[derive(Debug, Default)]
pub(crate) struct Opened {
    /// The members read, in archive order.
    pub members: Vec<Member>,
    /// Set when the archive had more members than allowed, or broke part way.
    pub note: Option<String>,
}

/// Reads all of `reader` if it holds at most `cap` bytes.
fn read_capped<R: Read>(reader: R, cap: u64) -> Outcome {
    let mut buf = Vec::new();
    match reader.take(cap.saturating_add(1)).read_to_end(&mut buf) {
        Ok(_) if buf.len() as u64 > cap => Outcome::TooLarge { cap },
        Ok(_) => Outcome::Bytes(buf),
        Err(err) => Outcome::Failed(err.to_string()),
    }
}

/// Opens `bytes` as `kind`, reading each member up to `cap` bytes and at most `max_entries`
/// members. `kind` must be a container type.
pub(crate) fn open(bytes: &[u8], kind: FileType, cap: u64, max_entries: usize) -> Opened {
    match kind {
        FileType::Zip => open_zip(bytes, cap, max_entries),
        FileType::Tar => open_tar(bytes, cap, max_entries),
        FileType::Gzip => single(gzip_name(bytes), read_capped(GzDecoder::new(bytes), cap)),
        FileType::Zlib => single(None, read_capped(ZlibDecoder::new(bytes), cap)),
        FileType::Deflate => single(None, read_capped(DeflateDecoder::new(bytes), cap)),
        FileType::Bzip2 => single(None, read_capped(bzip2::read::BzDecoder::new(bytes), cap)),
        FileType::Xz => single(None, xz(bytes, cap)),
        _ => Opened::default(),
    }
}

fn single(name: Option<String>, outcome: Outcome) -> Opened {
    Opened {
        members: vec![Member { name, outcome }],
        note: None,
    }
}

/// The original file name stored in a gzip header, when there is one.
fn gzip_name(bytes: &[u8]) -> Option<String> {
    let decoder = GzDecoder::new(bytes);
    let name = decoder.header()?.filename()?;
    Some(String::from_utf8_lossy(name).into_owned())
}

/// Raw deflate tried on unknown binary: only a stream that inflates cleanly counts.
pub(crate) fn try_inflate(bytes: &[u8], cap: u64) -> Option<Vec<u8>> {
    match read_capped(DeflateDecoder::new(bytes), cap) {
        Outcome::Bytes(out) if !out.is_empty() => Some(out),
        _ => None,
    }
}

fn open_zip(bytes: &[u8], cap: u64, max_entries: usize) -> Opened {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(err) => return failed_container("zip", err.to_string()),
    };

    let total = archive.len();
    let mut opened = Opened::default();
    for index in 0..total.min(max_entries) {
        if let Some(member) = zip_member(&mut archive, index, cap) {
            opened.members.push(member);
        }
    }
    if total > max_entries {
        opened.note = Some(too_many_entries(total, max_entries));
    }
    opened
}

/// One zip member, or `None` for a directory entry.
fn zip_member(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    cap: u64,
) -> Option<Member> {
    let listed_name = archive
        .name_for_index(index)
        .and_then(Result::ok)
        .map(|n| n.into_owned());
    let file = match archive.by_index(index) {
        Ok(file) => file,
        Err(err) => {
            return Some(Member {
                name: listed_name,
                outcome: Outcome::Failed(err.to_string()),
            });
        }
    };
    if file.is_dir() {
        return None;
    }

    let name = file.name().ok().map(|n| n.into_owned());
    // The declared size is checked first so an honest bomb is refused without inflating it;
    // the capped read still guards against a size field that lies.
    let outcome = if file.size() > cap {
        Outcome::TooLarge { cap }
    } else {
        read_capped(file, cap)
    };
    Some(Member { name, outcome })
}

fn open_tar(bytes: &[u8], cap: u64, max_entries: usize) -> Opened {
    let mut archive = tar::Archive::new(bytes);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(err) => return failed_container("tar", err.to_string()),
    };

    let mut opened = Opened::default();
    let mut seen = 0usize;
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                opened.note = Some(format!("tar archive broke after {seen} members: {err}"));
                break;
            }
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        seen += 1;
        if seen > max_entries {
            opened.note = Some(format!(
                "tar archive has more than {max_entries} members; only the first {max_entries} \
                 were read (raise max_archive_entries to read more)"
            ));
            break;
        }
        opened.members.push(tar_member(entry, cap));
    }
    opened
}

fn tar_member<R: Read>(entry: tar::Entry<'_, R>, cap: u64) -> Member {
    let name = entry.path().ok().map(|p| p.to_string_lossy().into_owned());
    let outcome = if entry.size() > cap {
        Outcome::TooLarge { cap }
    } else {
        read_capped(entry, cap)
    };
    Member { name, outcome }
}

fn failed_container(kind: &str, reason: String) -> Opened {
    Opened {
        members: Vec::new(),
        note: Some(format!("{kind} archive could not be opened: {reason}")),
    }
}

fn too_many_entries(total: usize, max: usize) -> String {
    format!(
        "archive has {total} members; only the first {max} were read \
         (raise max_archive_entries to read more)"
    )
}

/// xz through lzma-rs, which writes to a sink: the sink refuses bytes past the cap.
fn xz(bytes: &[u8], cap: u64) -> Outcome {
    let mut sink = CappedSink {
        buf: Vec::new(),
        cap,
        overflowed: false,
    };
    let mut input = io::BufReader::new(bytes);
    match lzma_rs::xz_decompress(&mut input, &mut sink) {
        Ok(()) => Outcome::Bytes(sink.buf),
        Err(_) if sink.overflowed => Outcome::TooLarge { cap },
        Err(err) => Outcome::Failed(err.to_string()),
    }
}

/// A `Write` that keeps at most `cap` bytes and fails once more arrive.
struct CappedSink {
    buf: Vec<u8>,
    cap: u64,
    overflowed: bool,
}

impl Write for CappedSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() as u64 + data.len() as u64 > self.cap {
            self.overflowed = true;
            return Err(io::Error::other("decompressed size passed the cap"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzip_within_cap_is_read() {
        let opened = open(&gzip(b"hello"), FileType::Gzip, 100, 10);
        assert!(matches!(&opened.members[0].outcome, Outcome::Bytes(b) if b == b"hello"));
    }

    #[test]
    fn gzip_over_cap_is_stopped() {
        let bomb = gzip(&vec![0u8; 1_000_000]);
        let opened = open(&bomb, FileType::Gzip, 1000, 10);
        assert!(matches!(
            opened.members[0].outcome,
            Outcome::TooLarge { cap: 1000 }
        ));
    }

    #[test]
    fn broken_streams_fail_cleanly() {
        let opened = open(b"\x1f\x8b\x08\x00garbage", FileType::Gzip, 1000, 10);
        assert!(matches!(opened.members[0].outcome, Outcome::Failed(_)));
        let opened = open(b"PK\x03\x04garbage", FileType::Zip, 1000, 10);
        assert!(opened.members.is_empty() && opened.note.is_some());
        let opened = open(b"\xfd7zXZ\x00junk", FileType::Xz, 1000, 10);
        assert!(matches!(opened.members[0].outcome, Outcome::Failed(_)));
    }
}
