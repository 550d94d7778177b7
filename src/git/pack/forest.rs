//! Reading many objects at once: each delta chain is resolved once, from its base down.
//!
//! The entries that the wanted objects need (the objects and every base on their delta
//! chains) form a forest: whole entries are roots, each delta is a child of its base. A
//! depth-first visit inflates every entry exactly once. A cache would instead hold bases for
//! an unknown time and miss whenever chains interleave.
//!
//! Memory and stack stay bounded however deep the chains (git allows 4,095): each entry's
//! children are ordered so that the one with the largest subtree comes last, and the visit
//! continues into that one in a loop, its base already dropped; only the other children
//! recurse (in parallel) while their base is held. A path from a root crosses at most
//! log2(entries) such smaller children, so at most that many objects are held and that many
//! frames are deep.

use super::{Entry, Kind, Location, PackError, Packs, MAX_CHAIN};
use crate::git::oid::ObjectId;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// A wanted object as the visit hands it over.
pub enum Content<'a> {
    /// The object's bytes.
    Data(&'a [u8]),
    /// A whole object larger than the visit's size limit, left unread: its size.
    TooLarge(u64),
}

struct Node {
    at: Location,
    entry: Entry,
    children: Vec<usize>,
    /// Position of this object in the wanted list, if wanted.
    wanted: Option<usize>,
}

/// The entries needed to read a list of wanted objects, as delta trees.
pub struct DeltaForest {
    nodes: Vec<Node>,
    roots: Vec<usize>,
    wanted_count: usize,
}

impl DeltaForest {
    /// Plans reading `wanted`: locates each object and follows its delta chain by reading
    /// entry headers only. Objects not in a readable pack, or whose chain is damaged, are
    /// simply not delivered by [`DeltaForest::visit`].
    pub fn plan(packs: &Packs, wanted: &[ObjectId]) -> DeltaForest {
        let mut forest = DeltaForest {
            nodes: Vec::with_capacity(wanted.len()),
            roots: Vec::new(),
            wanted_count: wanted.len(),
        };
        let mut by_location: HashMap<Location, usize> = HashMap::with_capacity(wanted.len());
        for (position, id) in wanted.iter().enumerate() {
            let Some(at) = packs.locate(id) else { continue };
            if let Some(&node) = by_location.get(&at) {
                forest.nodes[node].wanted.get_or_insert(position);
                continue;
            }
            let Ok(first) = forest.add(packs, &mut by_location, at) else {
                continue;
            };
            forest.nodes[first].wanted = Some(position);
            forest.link_chain(packs, &mut by_location, first);
        }
        forest.put_largest_subtree_last();
        forest
    }

    /// Sorts each node's children by subtree size, largest last (see the module comment).
    fn put_largest_subtree_last(&mut self) {
        let mut size = vec![1usize; self.nodes.len()];
        let mut stack: Vec<(usize, bool)> = self.roots.iter().map(|&r| (r, false)).collect();
        while let Some((node, children_done)) = stack.pop() {
            if children_done {
                let mut children = std::mem::take(&mut self.nodes[node].children);
                children.sort_by_key(|&child| size[child]);
                size[node] += children.iter().map(|&child| size[child]).sum::<usize>();
                self.nodes[node].children = children;
            } else {
                stack.push((node, true));
                stack.extend(
                    self.nodes[node]
                        .children
                        .iter()
                        .map(|&child| (child, false)),
                );
            }
        }
    }

    fn add(
        &mut self,
        packs: &Packs,
        by_location: &mut HashMap<Location, usize>,
        at: Location,
    ) -> Result<usize, super::PackError> {
        let entry = packs.entry(at)?;
        self.nodes.push(Node {
            at,
            entry,
            children: Vec::new(),
            wanted: None,
        });
        by_location.insert(at, self.nodes.len() - 1);
        Ok(self.nodes.len() - 1)
    }

    /// Follows the chain below new node `node` until a whole entry (a new root) or a node
    /// already planned. A chain that cannot be followed leaves its nodes unreachable.
    fn link_chain(
        &mut self,
        packs: &Packs,
        by_location: &mut HashMap<Location, usize>,
        mut node: usize,
    ) {
        for _ in 0..MAX_CHAIN {
            let (at, entry) = (self.nodes[node].at, self.nodes[node].entry);
            let Ok(base) = packs.base_of(at, &entry) else {
                return;
            };
            let Some(base_at) = base else {
                self.roots.push(node);
                return;
            };
            if let Some(&base) = by_location.get(&base_at) {
                self.nodes[base].children.push(node);
                return;
            }
            let Ok(base) = self.add(packs, by_location, base_at) else {
                return;
            };
            self.nodes[base].children.push(node);
            node = base;
        }
    }

    /// Reads every wanted object this forest reaches and hands each to `deliver` once, with
    /// its position in the wanted list, in parallel. Whole objects larger than `size_limit`
    /// with nothing built on them are not inflated ([`Content::TooLarge`]). Returns, for each
    /// wanted position, whether it was delivered: the others are for the caller to read one by
    /// one ([`crate::git::odb::Odb`]), which names what is missing or damaged.
    pub fn visit<F>(&self, packs: &Packs, size_limit: u64, deliver: &F) -> Vec<bool>
    where
        F: Fn(usize, Kind, Content<'_>) + Sync,
    {
        let delivered: Vec<AtomicBool> = (0..self.wanted_count)
            .map(|_| AtomicBool::new(false))
            .collect();
        let visit = Visit {
            forest: self,
            packs,
            size_limit,
            deliver,
            delivered: &delivered,
        };
        self.roots
            .par_iter()
            .for_each(|&root| visit.node(root, None));
        delivered.into_iter().map(AtomicBool::into_inner).collect()
    }
}

struct Visit<'a, F> {
    forest: &'a DeltaForest,
    packs: &'a Packs,
    size_limit: u64,
    deliver: &'a F,
    delivered: &'a [AtomicBool],
}

impl<F> Visit<'_, F>
where
    F: Fn(usize, Kind, Content<'_>) + Sync,
{
    /// Visits the subtree of `index`: the smaller children's subtrees first (in parallel,
    /// recursing), then on into the largest child in this loop, each object's buffer reused
    /// as soon as the next one is built.
    fn node(&self, mut index: usize, base: Option<(Kind, &[u8])>) {
        let Some(mut object) = self.read(index, base) else {
            return;
        };
        loop {
            let (kind, bytes) = (object.0, object.1.as_slice());
            let Some((&largest, others)) = self.forest.nodes[index].children.split_last() else {
                break;
            };
            match others {
                [] => {}
                [one] => self.node(*one, Some((kind, bytes))),
                many => many
                    .par_iter()
                    .for_each(|&child| self.node(child, Some((kind, bytes)))),
            }
            let Some(next) = self.read(largest, Some((kind, bytes))) else {
                break;
            };
            give_back(std::mem::replace(&mut object, next).1);
            index = largest;
        }
        give_back(object.1);
    }

    /// Builds one entry's object and delivers it if wanted. `None` when there is nothing to
    /// build on: an object over the size limit (delivered as [`Content::TooLarge`] if it is a
    /// wanted leaf; otherwise its subtree is left undelivered) or a damaged entry (its subtree
    /// stays undelivered, for the caller to read one by one and report).
    fn read(&self, index: usize, base: Option<(Kind, &[u8])>) -> Option<(Kind, Vec<u8>)> {
        let node = &self.forest.nodes[index];
        let mut object = take_buffer();
        let built = self
            .packs
            .build_into(node.at, &node.entry, base, self.size_limit, &mut object);
        let kind = match built {
            Ok(kind) => kind,
            // Over the caller's limit: announced as such. (Over the reader's own cap but
            // within the caller's limit: left undelivered, like damage.)
            Err(PackError::TooLarge { size, .. })
                if node.children.is_empty() && size > self.size_limit =>
            {
                if let Some(position) = node.wanted {
                    let kind = match node.entry.stored {
                        super::Stored::Whole(kind) => kind,
                        _ => base.map_or(Kind::Blob, |(kind, _)| kind),
                    };
                    (self.deliver)(position, kind, Content::TooLarge(size));
                    self.delivered[position].store(true, Ordering::Relaxed);
                }
                give_back(object);
                return None;
            }
            Err(_) => {
                give_back(object);
                return None;
            }
        };
        if let Some(position) = node.wanted {
            (self.deliver)(position, kind, Content::Data(&object));
            self.delivered[position].store(true, Ordering::Relaxed);
        }
        Some((kind, object))
    }
}

/// Spare buffers a thread keeps, and the largest it keeps.
const SPARE_BUFFERS: usize = 4;
const MAX_SPARE_CAPACITY: usize = 8 << 20;

thread_local! {
    /// Buffers of objects already visited, for the next objects this thread builds: the
    /// allocator then neither maps nor faults in fresh pages for every blob.
    static SPARE: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn take_buffer() -> Vec<u8> {
    SPARE
        .with(|spare| spare.borrow_mut().pop())
        .unwrap_or_default()
}

fn give_back(buffer: Vec<u8>) {
    if buffer.capacity() <= MAX_SPARE_CAPACITY {
        SPARE.with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < SPARE_BUFFERS {
                spare.push(buffer);
            }
        });
    }
}
