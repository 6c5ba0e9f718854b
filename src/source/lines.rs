//! Lines of a text that was let go after discovery (a CRD bundle): placing a finding in it
//! must not read it back into memory for the rest of the run, nor keep where every one of its
//! lines starts. The file is streamed once to note where every [`STRIDE`]th line starts; a
//! position is then placed by reading the few lines between the last such line and it.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Lines between two noted line starts.
const STRIDE: u32 = 128;

/// Bytes read at a time while streaming.
const CHUNK: usize = 64 * 1024;

/// Where some lines of a file start, and whether the file is ASCII (then a column is a byte
/// distance, and needs no text).
#[derive(Debug)]
pub struct SparseLines {
    /// (byte offset, 1-based line) of line 1, 1 + STRIDE, 1 + 2 × STRIDE, ...
    starts: Vec<(u32, u32)>,
    pub ascii: bool,
}

impl SparseLines {
    /// Streams `path`; a file that cannot be read is one empty line, like a text read again
    /// as empty.
    pub fn read(path: &Path) -> SparseLines {
        match open_if_still_a_file(path) {
            Some(file) => Self::scan(file, CHUNK),
            None => Self::scan(std::io::empty(), CHUNK),
        }
    }

    /// Line breaks are `\n`, `\r\n` and a lone `\r`, as in the full index of a kept text.
    fn scan(mut reader: impl Read, chunk: usize) -> SparseLines {
        let mut lines = SparseLines {
            starts: vec![(0, 1)],
            ascii: true,
        };
        let mut line = 1u32;
        let mut note = |line: &mut u32, start: usize| {
            *line += 1;
            if (*line - 1).is_multiple_of(STRIDE) {
                lines.starts.push((start as u32, *line));
            }
        };
        let mut buf = vec![0u8; chunk];
        let mut at = 0usize; // offset of `buf[0]` in the file
        let mut cr_before = false; // the previous chunk ended with `\r`
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let bytes = &buf[..n];
            lines.ascii &= bytes.is_ascii();
            if cr_before && bytes[0] != b'\n' {
                note(&mut line, at);
            }
            cr_before = false;
            for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
                if bytes[i] == b'\n' {
                    note(&mut line, at + i + 1);
                } else if i + 1 == n {
                    cr_before = true;
                } else if bytes[i + 1] != b'\n' {
                    note(&mut line, at + i + 1);
                }
            }
            at += n;
        }
        if cr_before {
            note(&mut line, at);
        }
        lines
    }

    /// The 1-based line and byte column of `offset` (at most the file's length), reading
    /// from `path` the lines between the last noted start and it.
    pub fn line_col(&self, path: &Path, offset: usize) -> (usize, usize) {
        let (from, line) = self.noted_before(offset);
        // One byte more: a `\r` just before `offset` is a break unless `\n` follows.
        let mut bytes = Vec::new();
        let read = open_if_still_a_file(path).map(|mut file| {
            file.seek(SeekFrom::Start(from as u64))?;
            file.take((offset - from + 1) as u64)
                .read_to_end(&mut bytes)
        });
        if !matches!(read, Some(Ok(_))) {
            bytes.clear();
        }
        Self::count(&bytes, from, line, offset)
    }

    /// The last noted line start at or before `offset`.
    fn noted_before(&self, offset: usize) -> (usize, u32) {
        let at = self.starts.partition_point(|&(s, _)| s as usize <= offset);
        let (start, line) = self.starts[at - 1];
        (start as usize, line)
    }

    /// Places `offset`, given the bytes from `from` (where line `line` starts) on.
    fn count(bytes: &[u8], from: usize, line: u32, offset: usize) -> (usize, usize) {
        let mut line = line as usize;
        let mut start = from;
        let before = bytes.len().min(offset - from);
        for i in memchr::memchr2_iter(b'\n', b'\r', &bytes[..before]) {
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                line += 1;
                start = from + i + 1;
            }
        }
        (line, offset - start + 1)
    }
}

/// The file, if it is still a regular file: not a link (or anything else) put in its place
/// since it was first read, which is never followed nor opened.
fn open_if_still_a_file(path: &Path) -> Option<fs::File> {
    let still_a_file = fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
    still_a_file.then(|| fs::File::open(path).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a kept text's full index places `offset`.
    fn by_full_index(text: &str, offset: usize) -> (usize, usize) {
        let starts = crate::source::line_starts(text);
        let line = starts.partition_point(|&s| s as usize <= offset);
        (line, offset - starts[line - 1] as usize + 1)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2048, ..Default::default() })]
        /// Streamed in chunks of any size (a `\r\n` split across two chunks included), with
        /// starts noted every STRIDE lines, a position is placed where the full index of the
        /// text places it.
        #[test]
        fn places_positions_as_the_full_index(
            text in "[ab\r\n]{0,900}",
            chunk in 1usize..9,
            offset_seed in 0usize..1000,
        ) {
            let lines = SparseLines::scan(text.as_bytes(), chunk);
            let offset = offset_seed.min(text.len());
            let (from, line) = lines.noted_before(offset);
            let end = (offset + 1).min(text.len());
            let placed = SparseLines::count(&text.as_bytes()[from..end], from, line, offset);
            proptest::prop_assert_eq!(placed, by_full_index(&text, offset));
        }
    }

    #[test]
    fn notes_every_strideth_line_and_reads_the_rest_from_the_file() {
        use std::io::Write;
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let text: String = (0..1000).map(|i| format!("line{i}: x\r\n")).collect();
        file.write_all(text.as_bytes()).unwrap();
        let path = file.path().to_path_buf();
        let lines = SparseLines::read(&path);
        assert!(lines.ascii);
        assert_eq!(lines.starts.len(), 1000 / STRIDE as usize + 1);
        let at = text.find("line700:").unwrap() + 3;
        assert_eq!(lines.line_col(&path, at), (701, 4));
        assert_eq!(lines.line_col(&path, text.len()), (1001, 1));
        // Gone since: one empty line, as a text read again as empty.
        drop(file);
        let gone = SparseLines::read(&path);
        assert_eq!(gone.line_col(&path, 0), (1, 1));
    }
}
