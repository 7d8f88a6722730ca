//! Capacity limits and defaults (DESIGN §3).

/// Deepest nesting a session may have; the root context is depth 0.
pub const MAX_DEPTH: u32 = 10;
/// Most live (active or suspended) children one session may have at once.
pub const MAX_LIVE_CHILDREN: usize = 10;
/// Most live sessions under one root (an agent's whole tree) when the
/// configuration sets no other bound.
pub const DEFAULT_MAX_SESSIONS_PER_ROOT: usize = 2048;
/// Most labels one session may carry.
pub const MAX_LABELS: usize = 32;
/// Longest label, in characters, after trimming.
pub const MAX_LABEL_CHARS: usize = 64;
/// Longest task TTL, in seconds (one day).
pub const MAX_TTL_SECONDS: u32 = 86_400;
/// Task TTL, in seconds, when neither the request nor the config sets one.
pub const DEFAULT_TTL_SECONDS: u32 = 3600;
/// Service lease length, in milliseconds, when the config sets none.
pub const DEFAULT_LEASE_MS: u64 = 30_000;
/// Highest delegation hop count; hops beyond it are clamped (as the wire
/// envelope clamps `caracal.hop`).
pub const MAX_HOP: u32 = 10;
