//! An indexed min-heap of deadlines keyed by node index: the deadline-ordered
//! structure the sweeper pops from.
//!
//! Unlike a `BinaryHeap` with lazily invalidated entries, each key has at most
//! one entry and its position is tracked, so a renewal moves the entry in
//! place (`O(log n)`) and a closed session's entry is removed at once. A
//! sweep therefore pops only deadlines that are really due: with lazy
//! invalidation, every renewed lease would leave a stale entry that a later
//! sweep pops, so sweep cost would track the renewal rate of all live
//! services instead of the number that lapsed.

/// Marks a key with no entry in `pos`.
const ABSENT: usize = usize::MAX;

/// A min-heap of `(deadline_ms, key)` with at most one entry per key; ties
/// are broken by key, so the order is deterministic.
#[derive(Debug, Default)]
pub(crate) struct DeadlineHeap {
    heap: Vec<(u64, usize)>,
    /// `pos[key]` is the key's index in `heap`, or [`ABSENT`].
    pos: Vec<usize>,
}

impl DeadlineHeap {
    /// Number of pending deadlines.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// The key's pending deadline, if it has one.
    #[cfg(test)]
    pub(crate) fn get(&self, key: usize) -> Option<u64> {
        self.slot(key).map(|i| self.heap[i].0)
    }

    /// Every `(deadline_ms, key)`, in no particular order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.heap.iter().copied()
    }

    /// The earliest entry, without removing it.
    pub(crate) fn peek(&self) -> Option<(u64, usize)> {
        self.heap.first().copied()
    }

    /// Inserts `key` at `deadline_ms`, or moves its entry there.
    pub(crate) fn set(&mut self, key: usize, deadline_ms: u64) {
        if let Some(i) = self.slot(key) {
            let old = self.heap[i].0;
            self.heap[i].0 = deadline_ms;
            if deadline_ms < old {
                self.sift_up(i);
            } else {
                self.sift_down(i);
            }
            return;
        }
        if self.pos.len() <= key {
            self.pos.resize(key + 1, ABSENT);
        }
        let i = self.heap.len();
        self.heap.push((deadline_ms, key));
        self.pos[key] = i;
        self.sift_up(i);
    }

    /// Removes the entry of `key`, if any.
    pub(crate) fn remove(&mut self, key: usize) {
        if let Some(i) = self.slot(key) {
            self.take(i);
        }
    }

    /// Removes and returns the earliest entry if its deadline is `<= now_ms`.
    pub(crate) fn pop_due(&mut self, now_ms: u64) -> Option<(u64, usize)> {
        match self.heap.first() {
            Some(&(deadline, _)) if deadline <= now_ms => Some(self.take(0)),
            _ => None,
        }
    }

    fn slot(&self, key: usize) -> Option<usize> {
        self.pos.get(key).copied().filter(|&i| i != ABSENT)
    }

    /// Removes the entry at heap index `i` and restores the heap order.
    fn take(&mut self, i: usize) -> (u64, usize) {
        let last = self.heap.len() - 1;
        self.swap(i, last);
        let entry = self.heap.pop().expect("the heap holds index `i`");
        self.pos[entry.1] = ABSENT;
        if i < self.heap.len() {
            // The moved entry may belong above or below `i`.
            self.sift_up(i);
            self.sift_down(i);
        }
        entry
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.pos[self.heap[a].1] = a;
        self.pos[self.heap[b].1] = b;
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[parent] <= self.heap[i] {
                break;
            }
            self.swap(i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        loop {
            let left = 2 * i + 1;
            let right = left + 1;
            let mut least = i;
            if left < self.heap.len() && self.heap[left] < self.heap[least] {
                least = left;
            }
            if right < self.heap.len() && self.heap[right] < self.heap[least] {
                least = right;
            }
            if least == i {
                break;
            }
            self.swap(i, least);
            i = least;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::DeadlineHeap;

    /// A small deterministic generator (64-bit LCG), so the test needs no
    /// dependency and always replays the same operations.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % below
        }
    }

    #[test]
    fn matches_a_sorted_model_under_random_operations() {
        let mut heap = DeadlineHeap::default();
        let mut model: BTreeMap<usize, u64> = BTreeMap::new();
        let mut rng = Lcg(7);
        let mut now = 0;
        for _ in 0..20_000 {
            let key = usize::try_from(rng.next(300)).unwrap();
            match rng.next(4) {
                0 | 1 => {
                    let deadline = now + rng.next(1_000);
                    heap.set(key, deadline);
                    model.insert(key, deadline);
                }
                2 => {
                    heap.remove(key);
                    model.remove(&key);
                }
                _ => {
                    now += rng.next(50);
                    while let Some((deadline, key)) = heap.pop_due(now) {
                        let expected = model.iter().map(|(&k, &d)| (d, k)).min().unwrap();
                        assert_eq!((deadline, key), expected);
                        model.remove(&key);
                    }
                    assert!(model.values().all(|&d| d > now));
                }
            }
            assert_eq!(heap.len(), model.len());
            assert_eq!(heap.get(key), model.get(&key).copied());
            let earliest = model.iter().map(|(&k, &d)| (d, k)).min();
            assert_eq!(heap.peek(), earliest);
        }
    }

    #[test]
    fn moving_an_entry_later_and_earlier_keeps_one_entry() {
        let mut heap = DeadlineHeap::default();
        heap.set(0, 10);
        heap.set(1, 20);
        heap.set(0, 30);
        assert_eq!(heap.peek(), Some((20, 1)));
        heap.set(0, 5);
        assert_eq!(heap.peek(), Some((5, 0)));
        assert_eq!(heap.len(), 2);
        heap.remove(0);
        heap.remove(0);
        assert_eq!(heap.pop_due(19), None);
        assert_eq!(heap.pop_due(20), Some((20, 1)));
        assert_eq!(heap.pop_due(u64::MAX), None);
    }
}
