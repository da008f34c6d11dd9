//! `OrderMap`: the live orders by id. A hash map (with a fixed, seedless hasher) because
//! matching looks orders up on its hottest path; it is never iterated in an order that
//! matters: serialization and [`OrderMap::sorted`] go through the ids in order.

use crate::ids::OrderId;
use crate::order::Order;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Live orders by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderMap(FxHashMap<OrderId, Order>);

impl OrderMap {
    /// The order `id`, if live.
    pub fn get(&self, id: &OrderId) -> Option<&Order> {
        self.0.get(id)
    }

    /// The order `id`, mutably, if live.
    pub fn get_mut(&mut self, id: &OrderId) -> Option<&mut Order> {
        self.0.get_mut(id)
    }

    /// Adds a live order.
    pub fn insert(&mut self, order: Order) {
        let old = self.0.insert(order.id, order);
        debug_assert!(old.is_none(), "order ids are never reused");
    }

    /// Removes a live order.
    pub fn remove(&mut self, id: &OrderId) -> Option<Order> {
        self.0.remove(id)
    }

    /// Number of live orders.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when no order is live.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The live orders of `owner`, by id (only those are sorted).
    pub fn of_owner(&self, owner: crate::ids::ParticipantId) -> Vec<&Order> {
        let mut v: Vec<&Order> = self.0.values().filter(|o| o.owner == owner).collect();
        v.sort_unstable_by_key(|o| o.id);
        v
    }

    /// All live orders, by id.
    pub fn sorted(&self) -> Vec<&Order> {
        let mut v: Vec<&Order> = self.0.values().collect();
        v.sort_unstable_by_key(|o| o.id);
        v
    }
}

impl std::ops::Index<&OrderId> for OrderMap {
    type Output = Order;
    fn index(&self, id: &OrderId) -> &Order {
        self.0.get(id).expect("live order")
    }
}

impl Serialize for OrderMap {
    /// As the sequence of orders by id, so equal maps give equal bytes.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.sorted())
    }
}

impl<'de> Deserialize<'de> for OrderMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OrderMap, D::Error> {
        let orders = Vec::<Order>::deserialize(d)?;
        let mut map = FxHashMap::default();
        map.reserve(orders.len());
        for o in orders {
            if map.insert(o.id, o).is_some() {
                return Err(serde::de::Error::custom("duplicate order id"));
            }
        }
        Ok(OrderMap(map))
    }
}
