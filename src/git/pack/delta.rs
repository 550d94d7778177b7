//! Git's delta format: an object rebuilt from its base by copy and insert instructions.
//!
//! A delta starts with the base's size and the result's size (little-endian base-128
//! varints), then instructions: a byte with the high bit set copies a range of the base (the
//! low seven bits say which offset and size bytes follow), any other non-zero byte inserts
//! that many literal bytes. Every bound is checked: a corrupt delta is an error, never a panic
//! or a result of another size than announced.

/// Why a delta could not be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeltaError {
    /// The delta ended in the middle of a header or instruction.
    #[error("delta is truncated")]
    Truncated,
    /// The delta was made for a base of another size.
    #[error("delta expects a base of {expected} bytes, not {actual}")]
    BaseSize {
        /// What the delta says.
        expected: u64,
        /// What the base is.
        actual: u64,
    },
    /// A copy instruction reaches outside the base.
    #[error("delta copies from outside its base")]
    CopyOutOfRange,
    /// Instruction byte 0, which git reserves.
    #[error("delta uses the reserved instruction 0")]
    Reserved,
    /// The instructions build more or less than the announced size.
    #[error("delta result does not have its announced size")]
    ResultSize,
}

/// Reads a size varint at `*at`, advancing it.
fn varint(delta: &[u8], at: &mut usize) -> Result<u64, DeltaError> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let byte = *delta.get(*at).ok_or(DeltaError::Truncated)?;
        *at += 1;
        if shift < 64 {
            value |= u64::from(byte & 0x7f) << shift;
        }
        shift += 7;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
}

/// The size of the object a delta announces it builds (its second header field).
pub fn result_size(delta: &[u8]) -> Result<u64, DeltaError> {
    let mut at = 0;
    varint(delta, &mut at)?;
    varint(delta, &mut at)
}

/// Rebuilds an object from `base` and `delta` into `out` (replacing what it held; its
/// allocation is reused).
pub fn apply_into(base: &[u8], delta: &[u8], out: &mut Vec<u8>) -> Result<(), DeltaError> {
    let mut at = 0;
    let base_size = varint(delta, &mut at)?;
    if base_size != base.len() as u64 {
        return Err(DeltaError::BaseSize {
            expected: base_size,
            actual: base.len() as u64,
        });
    }
    let size = usize::try_from(varint(delta, &mut at)?).map_err(|_| DeltaError::ResultSize)?;
    // Never trust the announced size for the allocation alone: a result larger than the
    // base and the delta together grows as instructions actually produce it.
    out.clear();
    out.reserve(size.min(base.len() + delta.len()));
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut field = |bits: u8, count: usize| -> Result<usize, DeltaError> {
                let mut value = 0usize;
                for i in 0..count {
                    if bits & (1 << i) != 0 {
                        let byte = *delta.get(at).ok_or(DeltaError::Truncated)?;
                        at += 1;
                        value |= usize::from(byte) << (8 * i);
                    }
                }
                Ok(value)
            };
            let offset = field(op & 0x0f, 4)?;
            let len = match field((op >> 4) & 0x07, 3)? {
                0 => 0x10000,
                len => len,
            };
            let range = offset
                .checked_add(len)
                .filter(|&end| end <= base.len())
                .map(|end| offset..end)
                .ok_or(DeltaError::CopyOutOfRange)?;
            if out.len() + len > size {
                return Err(DeltaError::ResultSize);
            }
            out.extend_from_slice(&base[range]);
        } else if op != 0 {
            let len = usize::from(op);
            let literal = delta.get(at..at + len).ok_or(DeltaError::Truncated)?;
            if out.len() + len > size {
                return Err(DeltaError::ResultSize);
            }
            out.extend_from_slice(literal);
            at += len;
        } else {
            return Err(DeltaError::Reserved);
        }
    }
    if out.len() != size {
        return Err(DeltaError::ResultSize);
    }
    Ok(())
}

/// A size as a delta header writes it (the inverse of `varint`), for tests that build deltas.
#[cfg(test)]
pub(super) fn encode_size(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(base: &[u8], delta: &[u8]) -> Result<Vec<u8>, DeltaError> {
        let mut out = Vec::new();
        apply_into(base, delta, &mut out)?;
        Ok(out)
    }

    fn size(n: usize) -> Vec<u8> {
        encode_size(n as u64)
    }

    fn delta(base_len: usize, result_len: usize, ops: &[u8]) -> Vec<u8> {
        [size(base_len), size(result_len), ops.to_vec()].concat()
    }

    #[test]
    fn copies_and_inserts() {
        let base = b"hello, world";
        // copy offset 7 len 5 ("world"), insert ", ", copy offset 0 len 5 ("hello")
        let d = delta(12, 12, &[0x91, 7, 5, 2, b',', b' ', 0x90, 5]);
        assert_eq!(apply(base, &d).unwrap(), b"world, hello");
        assert_eq!(result_size(&d), Ok(12));
    }

    #[test]
    fn copy_size_zero_means_64_kib() {
        let base = vec![7u8; 0x10000];
        let d = delta(base.len(), 0x10000, &[0x80]);
        assert_eq!(apply(&base, &d).unwrap(), base);
    }

    #[test]
    fn corrupt_deltas_are_errors() {
        let base = b"abc";
        assert_eq!(
            apply(base, &delta(4, 1, &[1, b'x'])),
            Err(DeltaError::BaseSize {
                expected: 4,
                actual: 3
            })
        );
        assert_eq!(
            apply(base, &delta(3, 4, &[0x91, 1, 3])),
            Err(DeltaError::CopyOutOfRange)
        );
        assert_eq!(apply(base, &delta(3, 1, &[0])), Err(DeltaError::Reserved));
        assert_eq!(
            apply(base, &delta(3, 2, &[2, b'x'])),
            Err(DeltaError::Truncated)
        );
        assert_eq!(
            apply(base, &delta(3, 2, &[1, b'x'])),
            Err(DeltaError::ResultSize)
        );
        assert_eq!(
            apply(base, &delta(3, 1, &[2, b'x', b'y'])),
            Err(DeltaError::ResultSize)
        );
        assert_eq!(apply(base, &[0x80]), Err(DeltaError::Truncated));
        let huge = delta(3, usize::MAX / 2, &[0x90, 3]);
        assert_eq!(apply(base, &huge), Err(DeltaError::ResultSize));
    }
}
