//! Random trace and span ids: `wasi:random/random@0.3.0` on wasm (the
//! interface spin-sdk components already target), a `std` hasher seeded per
//! process elsewhere (host builds exist for tests and clippy only).

/// A random, non-zero span id.
pub(super) fn span_id() -> [u8; 8] {
    loop {
        let id = random_u64().to_be_bytes();
        if id != [0; 8] {
            return id;
        }
    }
}

/// A random, non-zero trace id.
pub(super) fn trace_id() -> [u8; 16] {
    loop {
        let mut id = [0; 16];
        id[..8].copy_from_slice(&random_u64().to_be_bytes());
        id[8..].copy_from_slice(&random_u64().to_be_bytes());
        if id != [0; 16] {
            return id;
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn random_u64() -> u64 {
    spin_sdk::wasip3::random::random::get_random_u64()
}

#[cfg(not(target_arch = "wasm32"))]
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::atomic::{AtomicU64, Ordering};

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    RandomState::new().hash_one(COUNTER.fetch_add(1, Ordering::Relaxed))
}
