//! Placeholder detection by structure and character statistics.
//!
//! Documentation and SDK tests are full of values such as `ACaaaa…a`, `AC000…0`,
//! `AC1234567890abcdef…` or `deadbeef` repeats. Instead of a list of literal values, a value is a
//! placeholder when it is built from too few symbols, repeats a short period, runs through an
//! ordered sequence, or spells out placeholder words. Each test is tuned so that a uniformly
//! random value trips it with probability below one in a million.

use super::vocabulary::{PLACEHOLDER_WORDS_ANYWHERE, PLACEHOLDER_WORDS_AT_START};

/// Whether a 32-character credential body (without any `AC`/`SK` prefix) is a placeholder.
pub fn is_placeholder(body: &[u8]) -> bool {
    if body.is_empty() {
        return true;
    }
    let all_hex = body.iter().all(|b| b.is_ascii_hexdigit());
    let (min_bits, min_distinct) = if all_hex { (2.5, 6) } else { (3.4, 10) };
    distinct_symbols(body) < min_distinct
        || shannon_entropy(body) < min_bits
        || has_short_period(body)
        || longest_sequence_run(body, 1) >= 7
        || longest_sequence_run(body, 2) >= 7
        || has_long_repeat(body)
        || spells_placeholder_word(body)
}

/// Number of distinct bytes.
fn distinct_symbols(body: &[u8]) -> usize {
    let mut seen = [false; 256];
    body.iter().for_each(|&b| seen[b as usize] = true);
    seen.iter().filter(|&&s| s).count()
}

/// Shannon entropy in bits per symbol.
pub fn shannon_entropy(body: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    body.iter().for_each(|&b| counts[b as usize] += 1);
    let n = body.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// True when the value is a repetition of a period of at most half its length
/// (`deadbeefdeadbeef…`, `a1b2c3a1b2c3…`).
fn has_short_period(body: &[u8]) -> bool {
    (1..=body.len() / 2).any(|p| body.iter().zip(&body[p..]).all(|(a, b)| a == b))
}

/// Position of a byte in the orders people type sequences in: `0-9a-f` hex order with `9→0` and
/// `f→0` allowed to wrap, and the alphabet in either case.
fn successor(a: u8, b: u8) -> bool {
    let a = a.to_ascii_lowercase();
    let b = b.to_ascii_lowercase();
    match (a, b) {
        (b'9', b'0') | (b'9', b'a') | (b'f', b'0') | (b'z', b'0') => true,
        _ => b == a.wrapping_add(1) && (a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric()),
    }
}

/// The longest run of consecutive successor steps taken `lag` symbols apart.
fn longest_sequence_run(body: &[u8], lag: usize) -> usize {
    let mut best = 0;
    for phase in 0..lag {
        let mut run = 0;
        let mut i = phase;
        while i + lag < body.len() {
            if successor(body[i], body[i + lag]) {
                run += 1;
                best = best.max(run);
            } else {
                run = 0;
            }
            i += lag;
        }
    }
    best
}

/// True when one symbol repeats 12 or more times in a row (`aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0`,
/// `0000000000001234…`).
fn has_long_repeat(body: &[u8]) -> bool {
    body.chunk_by(|a, b| a == b).any(|run| run.len() >= 12)
}

/// Placeholder vocabulary, matched only where it reads as a word: all lowercase, all uppercase or
/// capitalised. Words of five letters or more count anywhere; four-letter words only at the start.
/// Random 32-character secrets spell one of these by chance about once in a million.
fn spells_placeholder_word(body: &[u8]) -> bool {
    let reads_as_word = |slice: &[u8]| {
        let rest = &slice[1..];
        rest.iter().all(u8::is_ascii_lowercase) || slice.iter().all(u8::is_ascii_uppercase)
    };
    let found_at = |word: &str, at: usize| {
        body.get(at..at + word.len()).is_some_and(|slice| {
            slice.eq_ignore_ascii_case(word.as_bytes()) && reads_as_word(slice)
        })
    };
    PLACEHOLDER_WORDS_ANYWHERE
        .iter()
        .any(|w| (0..body.len()).any(|at| found_at(w, at)))
        || PLACEHOLDER_WORDS_AT_START.iter().any(|w| found_at(w, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn random_from(alphabet: &[u8], rng: &mut impl Rng) -> Vec<u8> {
        (0..32)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect()
    }

    #[test]
    fn documented_placeholders_are_placeholders() {
        let cases = [
            "a".repeat(32),
            "0".repeat(32),
            "x".repeat(32),
            format!("{}0", "a".repeat(31)),
            format!("02{}", "a".repeat(30)),
            "deadbeef".repeat(4),
            format!("{}e", "deadbeef".repeat(4).trim_end_matches('f')),
            "0123456789abcdef".repeat(2),
            "1234567890abcdef".repeat(2),
            "a1b2c3d4e5f6".repeat(3)[..32].to_string(),
            "12345678901234567890123456789012".to_string(),
            "abcdef0123456789abcdef0123456789".to_string(),
            "YourTwilioAuthTokenGoesHere12345".to_string(),
            "testAuthTokenValue00000000000000".to_string(),
            "0000000000000000000000000000dead".to_string(),
        ];
        for case in &cases {
            assert_eq!(case.len(), 32, "{case}");
            assert!(
                is_placeholder(case.as_bytes()),
                "{case} should be a placeholder"
            );
        }
    }

    #[test]
    fn random_values_are_not_placeholders() {
        // A fixed seed keeps the sample reproducible; the rates are argued in the module docs.
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x1eaf_fe5c);
        let hex = b"0123456789abcdef";
        let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for _ in 0..20_000 {
            let h = random_from(hex, &mut rng);
            assert!(!is_placeholder(&h), "{}", String::from_utf8_lossy(&h));
            let a = random_from(alnum, &mut rng);
            assert!(!is_placeholder(&a), "{}", String::from_utf8_lossy(&a));
        }
    }

    #[test]
    fn entropy_of_uniform_and_constant() {
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"0123456789abcdef") - 4.0).abs() < 1e-9);
    }
}
