//! Commit objects: the tree, the parents, the author and the message, parsed from the raw
//! bytes git stores (`tree <id>`, `parent <id>`…, `author <name> <<email>> <time> <zone>`,
//! other headers, a blank line, the message).

use super::odb::{Kind, Odb};
use super::oid::ObjectId;
use super::GitError;
use std::sync::Arc;

/// The parts of a commit a scan uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit<'a> {
    /// The commit's tree.
    pub tree: ObjectId,
    /// Its parents, the first one first.
    pub parents: Vec<ObjectId>,
    /// The author's name.
    pub author_name: &'a [u8],
    /// The author's email address.
    pub author_email: &'a [u8],
    /// When it was authored, in seconds since the epoch.
    pub author_time: i64,
    /// The message (everything after the headers' blank line).
    pub message: &'a [u8],
}

/// Reads commit `id`: its bytes, which [`parse`] is known to accept.
pub fn read(odb: &Odb, id: ObjectId) -> Result<Arc<[u8]>, GitError> {
    let data = odb.read_kind(&id, Kind::Commit)?;
    match parse(&data) {
        Some(_) => Ok(data),
        None => Err(GitError::Read {
            what: format!("commit {id}"),
            message: "not a valid commit".into(),
        }),
    }
}

/// The tree of commit `id`.
pub fn tree_of(odb: &Odb, id: ObjectId) -> Result<ObjectId, GitError> {
    let data = read(odb, id)?;
    Ok(parse(&data).expect("checked by read").tree)
}

/// Parses a commit's bytes; `None` if they are not a commit git could have written.
pub fn parse(data: &[u8]) -> Option<Commit<'_>> {
    let mut tree = None;
    let mut parents = Vec::new();
    let mut author: Option<&[u8]> = None;
    let mut at = 0;
    loop {
        let end = at + memchr::memchr(b'\n', &data[at..])?;
        let line = &data[at..end];
        at = end + 1;
        if line.is_empty() {
            break;
        }
        // A continuation line (of a signature, say) belongs to the header above it.
        if line.starts_with(b" ") {
            continue;
        }
        let (key, value) = match memchr::memchr(b' ', line) {
            Some(space) => (&line[..space], &line[space + 1..]),
            None => (line, &b""[..]),
        };
        match key {
            b"tree" if tree.is_none() => tree = Some(hex_id(value)?),
            b"parent" => parents.push(hex_id(value)?),
            b"author" if author.is_none() => author = Some(value),
            _ => {}
        }
    }
    let (author_name, author_email, author_time) = parse_signature(author.unwrap_or_default());
    Some(Commit {
        tree: tree?,
        parents,
        author_name,
        author_email,
        author_time,
        message: &data[at..],
    })
}

fn hex_id(value: &[u8]) -> Option<ObjectId> {
    ObjectId::from_hex(std::str::from_utf8(value).ok()?)
}

/// `Name <email> 1700000000 +0100` as name, email and time; what cannot be read is empty
/// (or zero), as a damaged signature should not hide the commit's findings.
fn parse_signature(signature: &[u8]) -> (&[u8], &[u8], i64) {
    let Some(open) = memchr::memchr(b'<', signature) else {
        return (trim(signature), b"", 0);
    };
    let Some(close) = memchr::memrchr(b'>', signature).filter(|&c| c > open) else {
        return (trim(&signature[..open]), b"", 0);
    };
    let time = std::str::from_utf8(&signature[close + 1..])
        .ok()
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or(0);
    (trim(&signature[..open]), &signature[open + 1..close], time)
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != b' ').unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| *b != b' ')
        .map_or(start, |e| e + 1);
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_headers_signatures_and_message() {
        let tree = "a".repeat(64);
        let (p1, p2) = ("b".repeat(64), "c".repeat(64));
        let raw = format!(
            "tree {tree}\nparent {p1}\nparent {p2}\nauthor Ada Lovelace <ada@example.com> 1700000000 +0100\n\
             committer C <c@example.com> 1700000001 +0000\ngpgsig-sha256 -----BEGIN-----\n abc\n -----END-----\n\
             \nSubject line\n\nBody\n"
        );
        let commit = parse(raw.as_bytes()).unwrap();
        assert_eq!(commit.tree.to_hex(), tree);
        assert_eq!(
            commit
                .parents
                .iter()
                .map(ObjectId::to_hex)
                .collect::<Vec<_>>(),
            [p1, p2]
        );
        assert_eq!(commit.author_name, b"Ada Lovelace");
        assert_eq!(commit.author_email, b"ada@example.com");
        assert_eq!(commit.author_time, 1_700_000_000);
        assert_eq!(commit.message, b"Subject line\n\nBody\n");
    }

    #[test]
    fn refuses_what_is_not_a_commit_and_tolerates_odd_signatures() {
        assert!(parse(b"no newline").is_none());
        assert!(parse(b"parent 12\n\n").is_none());
        assert!(parse(b"author x\n\nmessage").is_none(), "no tree");
        let tree = "d".repeat(40);
        let odd = format!("tree {tree}\nauthor nobody\n\n");
        let commit = parse(odd.as_bytes()).unwrap();
        assert_eq!(
            (commit.author_name, commit.author_email, commit.author_time),
            (&b"nobody"[..], &b""[..], 0)
        );
        assert_eq!(commit.message, b"");
    }
}
