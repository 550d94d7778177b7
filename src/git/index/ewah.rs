//! A decoder of git's EWAH-compressed bitmaps, as the split index's `link` extension stores its
//! delete and replace bitmaps (git's `ewah/ewah_io.c` writes them).
//!
//! Serialized form, all big-endian: `u32` bit count, `u32` word count, that many `u64` words,
//! `u32` position of the last marker word. The words are a sequence of one *marker* (git's
//! "running length word") followed by its literal words. A marker holds, from the lowest bit: the
//! bit its run repeats (1 bit), the run's length in whole 64-bit words (32 bits), and how many
//! literal words follow (31 bits). Bit `i` of a literal word is position `64 * word + i`.

/// A serialized bitmap, borrowed from the index file.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ewah<'a> {
    /// The words, eight big-endian bytes each.
    words: &'a [u8],
}

const RUN_LEN_MASK: u64 = (1 << 32) - 1;

impl<'a> Ewah<'a> {
    /// Reads one bitmap from the start of `data`; returns it and the number of bytes it takes.
    pub(super) fn parse(data: &'a [u8]) -> Option<(Ewah<'a>, usize)> {
        let be32 = |at: usize| -> Option<usize> {
            let b = data.get(at..at.checked_add(4)?)?;
            Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        };
        let _bit_size = be32(0)?;
        let word_count = be32(4)?;
        let words_end = word_count.checked_mul(8)?.checked_add(8)?;
        let words = data.get(8..words_end)?;
        let _last_marker = be32(words_end)?;
        Some((Ewah { words }, words_end + 4))
    }

    fn word(&self, i: usize) -> Option<u64> {
        let b = self.words.get(i * 8..i * 8 + 8)?;
        Some(u64::from_be_bytes(b.try_into().ok()?))
    }

    /// The positions of the set bits in increasing order, all of which must lie below `limit`
    /// (the bitmap indexes entries of a list that long).
    pub(super) fn set_bits(&self, limit: usize) -> Result<Vec<usize>, &'static str> {
        const OUT_OF_RANGE: &str = "bitmap marks an entry past the end of the shared index";
        let limit = limit as u64;
        let word_count = self.words.len() / 8;
        let mut out = Vec::new();
        let mut pos: u64 = 0;
        let mut i = 0;
        while i < word_count {
            let marker = self.word(i).ok_or("truncated bitmap")?;
            let run_bits = ((marker >> 1) & RUN_LEN_MASK) * 64;
            let literals = (marker >> 33) as usize;
            let run_end = pos.saturating_add(run_bits);
            if marker & 1 == 1 && run_bits > 0 {
                if run_end > limit {
                    return Err(OUT_OF_RANGE);
                }
                out.extend(pos as usize..run_end as usize);
            }
            pos = run_end;
            i += 1;
            if literals > word_count - i {
                return Err("bitmap literal words run past its end");
            }
            for j in i..i + literals {
                let mut word = self.word(j).ok_or("truncated bitmap")?;
                while word != 0 {
                    let bit = pos + u64::from(word.trailing_zeros());
                    if bit >= limit {
                        return Err(OUT_OF_RANGE);
                    }
                    out.push(bit as usize);
                    word &= word - 1;
                }
                pos = pos.saturating_add(64);
            }
            i += literals;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serializes `words` as git does (the bit count and last-marker fields are not checked).
    fn serialize(words: &[u64]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend(1234u32.to_be_bytes());
        out.extend((words.len() as u32).to_be_bytes());
        for w in words {
            out.extend(w.to_be_bytes());
        }
        out.extend(0u32.to_be_bytes());
        out
    }

    fn marker(bit: u64, run_words: u64, literals: u64) -> u64 {
        bit | (run_words << 1) | (literals << 33)
    }

    fn decode(words: &[u64], limit: usize) -> Result<Vec<usize>, &'static str> {
        let data = serialize(words);
        let (ewah, used) = Ewah::parse(&data).expect("well-formed");
        assert_eq!(used, data.len());
        ewah.set_bits(limit)
    }

    #[test]
    fn empty_bitmap_as_git_writes_it() {
        assert_eq!(decode(&[0], 0), Ok(vec![]));
        assert_eq!(decode(&[], 0), Ok(vec![]));
    }

    #[test]
    fn literal_words_follow_their_marker() {
        let words = [marker(0, 0, 2), 0b1011, 1 << 63];
        assert_eq!(decode(&words, 1000), Ok(vec![0, 1, 3, 127]));
    }

    #[test]
    fn runs_of_zeros_and_ones_count_whole_words() {
        // Two words of zeros, one literal; then one word of ones and a literal.
        let words = [marker(0, 2, 1), 1 << 5, marker(1, 1, 1), 0b10];
        let mut want = vec![128 + 5];
        want.extend(192..256);
        want.push(256 + 1);
        assert_eq!(decode(&words, 1000), Ok(want));
    }

    #[test]
    fn bits_past_the_limit_are_errors() {
        assert!(decode(&[marker(0, 0, 1), 1 << 10], 10).is_err());
        assert_eq!(decode(&[marker(0, 0, 1), 1 << 10], 11), Ok(vec![10]));
        // A huge run of ones must fail fast, not allocate.
        assert!(decode(&[marker(1, RUN_LEN_MASK, 0)], 100).is_err());
        // A huge run of zeros is only an offset.
        assert_eq!(decode(&[marker(0, RUN_LEN_MASK, 0)], 100), Ok(vec![]));
    }

    #[test]
    fn malformed_bitmaps_are_rejected() {
        // Marker announces more literal words than there are.
        assert!(decode(&[marker(0, 0, 3), 1], 1000).is_err());
        let data = serialize(&[marker(0, 0, 1), 1]);
        for cut in 0..data.len() {
            assert!(Ewah::parse(&data[..cut]).is_none(), "cut at {cut}");
        }
        let mut huge = data.clone();
        huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(Ewah::parse(&huge).is_none());
    }
}
