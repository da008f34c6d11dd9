//! `Dense`: a map from ids that the engine assigns 1, 2, 3, … and never removes
//! (participants, facilities, pools, contracts) to their values, stored as a `Vec`.
//! Lookups are an index, inserts a push; serialization is the plain sequence.

use crate::ids::{ContractId, FacilityId, ParticipantId, PoolId};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// An id that is a dense index: the first id is 1.
pub trait DenseId: Copy {
    /// The id's raw value.
    fn raw(self) -> u64;
    /// The id from its raw value.
    fn from_raw(raw: u64) -> Self;
}

macro_rules! dense_id {
    ($($t:ty),*) => {$(
        impl DenseId for $t {
            fn raw(self) -> u64 { self.0 }
            fn from_raw(raw: u64) -> Self { Self(raw) }
        }
    )*};
}
dense_id!(ParticipantId, FacilityId, PoolId, ContractId);

/// Values by dense id, in id order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Dense<K, V> {
    items: Vec<V>,
    #[serde(skip)]
    _key: PhantomData<K>,
}

impl<K, V> Default for Dense<K, V> {
    fn default() -> Self {
        Dense {
            items: Vec::new(),
            _key: PhantomData,
        }
    }
}

impl<K: DenseId, V> Dense<K, V> {
    fn index(id: &K) -> Option<usize> {
        usize::try_from(id.raw().checked_sub(1)?).ok()
    }

    /// The value of `id`, if assigned.
    pub fn get(&self, id: &K) -> Option<&V> {
        self.items.get(Self::index(id)?)
    }

    /// The value of `id`, mutably, if assigned.
    pub fn get_mut(&mut self, id: &K) -> Option<&mut V> {
        let i = Self::index(id)?;
        self.items.get_mut(i)
    }

    /// True when `id` is assigned.
    pub fn contains_key(&self, id: &K) -> bool {
        self.get(id).is_some()
    }

    /// Stores the value of the next id, which must be `id`.
    pub fn insert(&mut self, id: K, value: V) {
        assert_eq!(
            Self::index(&id),
            Some(self.items.len()),
            "ids are assigned in order"
        );
        self.items.push(value);
    }

    /// Number of ids assigned.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when no id is assigned.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Values in id order.
    pub fn values(&self) -> std::slice::Iter<'_, V> {
        self.items.iter()
    }

    /// (id, value) pairs in id order.
    pub fn iter(&self) -> impl Iterator<Item = (K, &V)> + '_ {
        self.keys().zip(self.items.iter())
    }

    /// Ids in order.
    pub fn keys(&self) -> impl Iterator<Item = K> + '_ {
        (1..=self.items.len() as u64).map(K::from_raw)
    }
}

impl<K: DenseId, V> std::ops::Index<&K> for Dense<K, V> {
    type Output = V;
    fn index(&self, id: &K) -> &V {
        self.get(id).expect("assigned id")
    }
}
