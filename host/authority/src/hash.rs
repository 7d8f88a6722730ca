//! The hasher of the engine's internal maps and sets.
//!
//! Maps keyed by session and edge ids, and sets of node and edge indexes,
//! use FxHash (`rustc-hash`) rather than the standard library's SipHash,
//! which costs more than the rest of a liveness check. SipHash's defence
//! against hash flooding is not needed here: every key inserted is an id
//! the engine minted (a UUIDv7 with 74 random bits), an id another host
//! minted and wrote to the shared store, or an index the engine assigned;
//! ids a guest names are only looked up, which cannot degrade a map.

pub(crate) use rustc_hash::{FxHashMap as IdMap, FxHashSet as IdSet};
