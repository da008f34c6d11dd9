//! `Side`: one side of a book as price levels. Each level holds its resting orders'
//! entries in a `Vec` in id (time) order, so matching scans contiguous memory. Orders
//! rest in id order, so appending keeps each level sorted; removal marks the entry dead
//! (found by binary search on the id) and a level is compacted once most of it is dead.
//! Tombstones and compaction follow from the commands alone, so the state stays a pure
//! function of them.

use crate::ids::OrderId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Levels with fewer entries than this are never compacted.
const COMPACT_MIN: usize = 16;

/// An entry of a level: whether the order still rests, and what matching reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot<E> {
    /// False once the order has left the book.
    pub live: bool,
    /// What matching reads.
    pub entry: E,
}

/// The resting orders at one price, in time order: their ids (searched by removals)
/// apart from their slots (scanned by matching), so each search touches little memory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level<E> {
    ids: Vec<OrderId>,
    slots: Vec<Slot<E>>,
    live: u32,
}

impl<E> Level<E> {
    fn position(&self, id: OrderId) -> Option<usize> {
        self.ids
            .binary_search(&id)
            .ok()
            .filter(|&i| self.slots[i].live)
    }

    /// The live entries, in time order.
    pub fn live(&self) -> impl Iterator<Item = (OrderId, &E)> {
        self.ids
            .iter()
            .zip(&self.slots)
            .filter(|(_, s)| s.live)
            .map(|(&id, s)| (id, &s.entry))
    }

    fn compact(&mut self) {
        let mut keep = self.slots.iter().map(|s| s.live);
        self.ids.retain(|_| keep.next().unwrap_or(false));
        self.slots.retain(|s| s.live);
    }
}

/// One side of a book: levels by key (the ask side uses the price, the bid side the
/// negated price, so that iteration is always best first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side<E> {
    levels: BTreeMap<i64, Level<E>>,
    len: usize,
}

impl<E> Default for Side<E> {
    fn default() -> Self {
        Side {
            levels: BTreeMap::new(),
            len: 0,
        }
    }
}

impl<E> Side<E> {
    /// Number of resting orders.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing rests.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds an order; its id must be above every id at its level.
    pub fn insert(&mut self, key: i64, id: OrderId, entry: E) {
        let level = self.levels.entry(key).or_insert_with(|| Level {
            ids: Vec::new(),
            slots: Vec::new(),
            live: 0,
        });
        debug_assert!(
            level.ids.last().is_none_or(|&last| last < id),
            "orders rest in id order"
        );
        level.ids.push(id);
        level.slots.push(Slot { live: true, entry });
        level.live += 1;
        self.len += 1;
    }

    /// Removes an order; returns its entry.
    pub fn remove(&mut self, key: i64, id: OrderId) -> Option<E>
    where
        E: Clone,
    {
        let level = self.levels.get_mut(&key)?;
        let i = level.position(id)?;
        level.slots[i].live = false;
        level.live -= 1;
        self.len -= 1;
        let entry = level.slots[i].entry.clone();
        if level.live == 0 {
            self.levels.remove(&key);
        } else if level.slots.len() >= COMPACT_MIN && level.live as usize * 2 < level.slots.len() {
            level.compact();
        }
        Some(entry)
    }

    /// The entry of a resting order.
    pub fn get(&self, key: i64, id: OrderId) -> Option<&E> {
        let level = self.levels.get(&key)?;
        level.position(id).map(|i| &level.slots[i].entry)
    }

    /// The entry of a resting order, mutably.
    pub fn get_mut(&mut self, key: i64, id: OrderId) -> Option<&mut E> {
        let level = self.levels.get_mut(&key)?;
        level.position(id).map(|i| &mut level.slots[i].entry)
    }

    /// Resting orders with key ≤ `last`, best first: (key, id, entry).
    pub fn up_to(&self, last: i64) -> impl Iterator<Item = (i64, OrderId, &E)> {
        self.levels
            .range(..=last)
            .flat_map(|(&k, level)| level.live().map(move |(id, e)| (k, id, e)))
    }

    /// Resting orders with `after` < key ≤ `last`, best first: (key, id, entry); none
    /// when `last` ≤ `after`.
    pub fn between(&self, after: i64, last: i64) -> impl Iterator<Item = (i64, OrderId, &E)> {
        use std::ops::Bound::{Excluded, Included};
        let range = (Excluded(after), Included(last.max(after)));
        self.levels
            .range(range)
            .flat_map(|(&k, level)| level.live().map(move |(id, e)| (k, id, e)))
    }

    /// Every resting order, best first.
    pub fn iter(&self) -> impl Iterator<Item = (i64, OrderId, &E)> {
        self.up_to(i64::MAX)
    }

    /// The best key, if any.
    pub fn best(&self) -> Option<i64> {
        self.levels.first_key_value().map(|(&k, _)| k)
    }

    /// Checks the structure: levels sorted by id, live counts right, no empty level.
    pub fn is_well_formed(&self) -> bool {
        let mut total = 0;
        for level in self.levels.values() {
            let sorted =
                level.ids.windows(2).all(|w| w[0] < w[1]) && level.ids.len() == level.slots.len();
            let live = level.slots.iter().filter(|s| s.live).count();
            if !sorted || live != level.live as usize || live == 0 {
                return false;
            }
            total += live;
        }
        total == self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_keep_time_order_and_compact() {
        let mut s: Side<u32> = Side::default();
        for i in 1..=40u64 {
            s.insert(if i % 2 == 0 { 5 } else { 3 }, OrderId(i), i as u32);
        }
        assert_eq!(s.len(), 40);
        let ids: Vec<u64> = s.up_to(3).map(|(_, id, _)| id.0).collect();
        assert_eq!(ids, (1..=40).filter(|i| i % 2 == 1).collect::<Vec<_>>());
        for i in (2..=36).step_by(2) {
            assert_eq!(s.remove(5, OrderId(i)), Some(i as u32));
        }
        assert!(s.is_well_formed());
        assert_eq!(s.get(5, OrderId(38)), Some(&38));
        assert_eq!(s.get(5, OrderId(2)), None);
        assert_eq!(s.remove(5, OrderId(2)), None);
        let ids: Vec<u64> = s
            .iter()
            .map(|(_, id, _)| id.0)
            .filter(|i| i % 2 == 0)
            .collect();
        assert_eq!(ids, vec![38, 40]);
        s.remove(5, OrderId(38));
        s.remove(5, OrderId(40));
        assert_eq!(s.best(), Some(3));
        assert!(s.is_well_formed());
    }
}
