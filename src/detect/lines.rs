//! Line and column mapping: byte offsets to the 1-based positions users see.
//!
//! Lines end at `\n`, so CRLF and LF files give the same lines and columns. Columns count
//! characters: every byte that does not continue a UTF-8 sequence starts one.

use super::Location;

/// The start offset of every line of one input.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `haystack`.
    pub fn new(haystack: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', haystack).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 0-based line number of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// Byte range of a 0-based line, without its `\n` or `\r\n`.
    pub fn line_range(&self, haystack: &[u8], line: usize) -> std::ops::Range<usize> {
        let start = self.starts[line];
        let mut end = self
            .starts
            .get(line + 1)
            .map_or(haystack.len(), |next| next - 1);
        if end > start && haystack[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    /// 1-based line and column of a byte offset.
    pub fn location(&self, haystack: &[u8], offset: usize) -> Location {
        let line = self.line_of(offset);
        Location {
            line: line + 1,
            column: char_column(haystack, self.starts[line], offset),
        }
    }
}

/// 1-based character column of `offset` on a line starting at `line_start`.
pub fn char_column(haystack: &[u8], line_start: usize, offset: usize) -> usize {
    1 + haystack[line_start..offset]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lf_and_crlf_agree() {
        let lf = b"one\ntwo x\nthree";
        let crlf = b"one\r\ntwo x\r\nthree";
        let at_lf = LineIndex::new(lf).location(lf, 8);
        let at_crlf = LineIndex::new(crlf).location(crlf, 9);
        assert_eq!(at_lf, Location { line: 2, column: 5 });
        assert_eq!(at_lf, at_crlf);
        let index = LineIndex::new(crlf);
        assert_eq!(&crlf[index.line_range(crlf, 1)], b"two x");
        assert_eq!(&crlf[index.line_range(crlf, 2)], b"three");
    }

    #[test]
    fn columns_count_characters() {
        let text = "é€x".as_bytes();
        assert_eq!(
            LineIndex::new(text).location(text, 5),
            Location { line: 1, column: 3 }
        );
    }

    #[test]
    fn offset_at_line_start_and_end() {
        let text = b"a\n\nb";
        let index = LineIndex::new(text);
        assert_eq!(index.location(text, 0), Location { line: 1, column: 1 });
        assert_eq!(index.location(text, 2), Location { line: 2, column: 1 });
        assert_eq!(index.location(text, 3), Location { line: 3, column: 1 });
    }
}
