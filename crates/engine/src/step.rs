//! A step function of the hour: the quantity of GPUs in use (or available) at each hour,
//! stored as sorted breakpoints. Pools keep one for capacity in use; asks keep one for
//! the GPUs still available over their window.
//!
//! Canonical form (checked by [`StepFn::is_canonical`]): breakpoint hours strictly
//! increase, each breakpoint's value differs from the one before it (the value before
//! the first breakpoint is zero), and the last value is zero. Two equal functions
//! therefore have equal bytes, whatever history built them.

use crate::units::{Hour, Window};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// Piecewise-constant `u32` function of the hour, zero outside its breakpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepFn {
    /// `(hour, value)`: the function equals `value` from `hour` until the next breakpoint.
    /// Inline up to four breakpoints: most asks never need more, so they never allocate.
    pts: SmallVec<[(u32, u32); 4]>,
}

impl StepFn {
    /// The zero function.
    pub fn new() -> StepFn {
        StepFn {
            pts: SmallVec::new(),
        }
    }

    /// The function equal to `value` over `window` and zero elsewhere.
    pub fn constant(window: Window, value: u32) -> StepFn {
        let mut f = StepFn::new();
        f.add(window, value);
        f
    }

    /// True when the function is zero everywhere.
    pub fn is_zero(&self) -> bool {
        self.pts.is_empty()
    }

    /// Index of the last breakpoint at or before `h`, if any.
    fn floor_index(&self, h: u32) -> Option<usize> {
        match self.pts.binary_search_by_key(&h, |p| p.0) {
            Ok(i) => Some(i),
            Err(0) => None,
            Err(i) => Some(i - 1),
        }
    }

    /// The value at hour `h`.
    pub fn value_at(&self, h: Hour) -> u32 {
        self.floor_index(h.0).map_or(0, |i| self.pts[i].1)
    }

    /// The largest value over `window`.
    pub fn max_over(&self, window: Window) -> u32 {
        self.fold_over(window, 0, u32::max)
    }

    /// The smallest value over `window`.
    pub fn min_over(&self, window: Window) -> u32 {
        self.fold_over(window, u32::MAX, u32::min)
    }

    fn fold_over(&self, window: Window, init: u32, f: impl Fn(u32, u32) -> u32) -> u32 {
        let (start, end) = (window.start.0, window.end.0);
        let first = self.floor_index(start);
        let mut acc = f(init, first.map_or(0, |i| self.pts[i].1));
        let from = first.map_or(0, |i| i + 1);
        for &(h, v) in &self.pts[from..] {
            if h >= end {
                break;
            }
            acc = f(acc, v);
        }
        acc
    }

    /// Adds `delta` over `window`. Panics on `u32` overflow (callers check capacity first).
    pub fn add(&mut self, window: Window, delta: u32) {
        self.update(window, |v| {
            v.checked_add(delta).expect("step function overflow")
        });
    }

    /// Subtracts `delta` over `window`. Panics if any value would go below zero: that
    /// would mean capacity was released twice, a broken invariant.
    pub fn sub(&mut self, window: Window, delta: u32) {
        self.update(window, |v| {
            v.checked_sub(delta).expect("step function underflow")
        });
    }

    /// Applies `f` to every value over `window`, then restores canonical form.
    fn update(&mut self, window: Window, f: impl Fn(u32) -> u32) {
        debug_assert!(window.start < window.end);
        let i = self.split_at(window.start.0);
        let j = self.split_at(window.end.0);
        for p in &mut self.pts[i..j] {
            p.1 = f(p.1);
        }
        // Only the breakpoints at the window's two ends can have become redundant:
        // inside it, neighbours changed by the same function stay distinct.
        self.drop_if_redundant(j);
        self.drop_if_redundant(i);
        debug_assert!(self.is_canonical());
    }

    /// Ensures a breakpoint at `h` and returns its index.
    fn split_at(&mut self, h: u32) -> usize {
        match self.pts.binary_search_by_key(&h, |p| p.0) {
            Ok(i) => i,
            Err(i) => {
                let v = if i == 0 { 0 } else { self.pts[i - 1].1 };
                self.pts.insert(i, (h, v));
                i
            }
        }
    }

    /// Removes breakpoint `i` if its value equals the value before it.
    fn drop_if_redundant(&mut self, i: usize) {
        if i < self.pts.len() {
            let before = if i == 0 { 0 } else { self.pts[i - 1].1 };
            if self.pts[i].1 == before {
                self.pts.remove(i);
            }
        }
    }

    /// The non-zero pieces as `(window, value)`, in hour order.
    pub fn segments(&self) -> impl Iterator<Item = (Window, u32)> + '_ {
        self.pts.windows(2).filter(|w| w[0].1 != 0).map(|w| {
            (
                Window {
                    start: Hour(w[0].0),
                    end: Hour(w[1].0),
                },
                w[0].1,
            )
        })
    }

    /// Number of breakpoints (a measure of the function's complexity).
    pub fn breakpoints(&self) -> usize {
        self.pts.len()
    }

    /// Checks the canonical form described in the module documentation.
    pub fn is_canonical(&self) -> bool {
        let mut prev_h = None;
        let mut prev_v = 0;
        for &(h, v) in &self.pts {
            if prev_h.is_some_and(|p| p >= h) || v == prev_v {
                return false;
            }
            prev_h = Some(h);
            prev_v = v;
        }
        prev_v == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(s: u32, e: u32) -> Window {
        Window {
            start: Hour(s),
            end: Hour(e),
        }
    }

    #[test]
    fn add_sub_and_queries() {
        let mut f = StepFn::new();
        f.add(w(10, 20), 5);
        f.add(w(15, 30), 3);
        assert_eq!(f.value_at(Hour(9)), 0);
        assert_eq!(f.value_at(Hour(10)), 5);
        assert_eq!(f.value_at(Hour(15)), 8);
        assert_eq!(f.value_at(Hour(20)), 3);
        assert_eq!(f.value_at(Hour(30)), 0);
        assert_eq!(f.max_over(w(0, 100)), 8);
        assert_eq!(f.max_over(w(20, 21)), 3);
        assert_eq!(f.min_over(w(10, 30)), 3);
        assert_eq!(f.min_over(w(5, 30)), 0);
        assert_eq!(f.min_over(w(12, 14)), 5);
        let segs: Vec<_> = f.segments().collect();
        assert_eq!(segs, vec![(w(10, 15), 5), (w(15, 20), 8), (w(20, 30), 3)]);
        f.sub(w(15, 30), 3);
        f.sub(w(10, 20), 5);
        assert!(f.is_zero());
    }

    #[test]
    #[should_panic(expected = "underflow")]
    fn releasing_more_than_held_panics() {
        let mut f = StepFn::constant(w(0, 10), 2);
        f.sub(w(5, 15), 1);
    }

    proptest! {
        /// The step function agrees with a dense array model under any sequence of
        /// additions and (valid) subtractions, and stays canonical.
        #[test]
        fn matches_dense_model(ops in proptest::collection::vec((0u32..40, 1u32..20, 1u32..5, any::<bool>()), 1..60)) {
            let mut f = StepFn::new();
            let mut dense = [0u32; 64];
            for (s, len, d, is_add) in ops {
                let win = w(s, s + len);
                let range = s as usize..(s + len) as usize;
                if is_add {
                    f.add(win, d);
                    dense[range].iter_mut().for_each(|v| *v += d);
                } else if dense[range.clone()].iter().all(|&v| v >= d) {
                    f.sub(win, d);
                    dense[range].iter_mut().for_each(|v| *v -= d);
                }
                prop_assert!(f.is_canonical());
                for h in 0..64u32 {
                    prop_assert_eq!(f.value_at(Hour(h)), dense[h as usize]);
                }
                for (a, b) in [(0u32, 64u32), (s, s + len), (s / 2, s + 1)] {
                    let slice = &dense[a as usize..b as usize];
                    prop_assert_eq!(f.max_over(w(a, b)), *slice.iter().max().unwrap());
                    prop_assert_eq!(f.min_over(w(a, b)), *slice.iter().min().unwrap());
                }
            }
        }
    }
}
