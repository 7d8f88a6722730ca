//! Per-agent resource limits: a linear-memory ceiling (Wasmtime
//! [`StoreLimits`]) and a wall-clock deadline (checked on epoch ticks), and
//! the typed error an agent stops with when it exceeds one.

use std::fmt;
use std::time::Duration;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};

/// Limits for one agent run. The default is no limit beyond wasm's own
/// (4 GiB of memory per 32-bit linear memory, no deadline).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunLimits {
    /// Most bytes any one linear memory of the agent may grow to.
    pub max_memory_bytes: Option<u64>,
    /// Longest the agent may run, by the host's clock.
    pub max_wall_time: Option<Duration>,
}

/// What the host holds for an agent when no memory limit is set:
/// `wasi:http` fields and the other resource-table entries are bounded by
/// this much all the same.
pub const DEFAULT_HOST_HELD_BYTES: u64 = 256 << 20;

/// How much the host holds on one agent's behalf, from its memory limit:
/// the resource table (fields, requests, bodies, streams, pollables) has at
/// most [`HostBudget::max_table_entries`] entries, and one `wasi:http`
/// field map at most [`HostBudget::field_size_limit`] bytes, so fields held
/// in the table stay within the same number of bytes as the agent's linear
/// memory (or [`DEFAULT_HOST_HELD_BYTES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HostBudget {
    pub(crate) bytes: u64,
    pub(crate) field_size_limit: usize,
    pub(crate) max_table_entries: usize,
}

/// A guest always gets at least this many table entries (a few per
/// request in flight).
const MIN_TABLE_ENTRIES: usize = 1024;

impl HostBudget {
    pub(crate) fn of(limits: &RunLimits) -> HostBudget {
        let bytes = limits.max_memory_bytes.unwrap_or(DEFAULT_HOST_HELD_BYTES);
        let per_entry = usize::try_from(bytes / MIN_TABLE_ENTRIES as u64)
            .unwrap_or(usize::MAX)
            .clamp(8 << 10, 128 << 10);
        let entries = usize::try_from(bytes / per_entry as u64).unwrap_or(usize::MAX);
        HostBudget {
            bytes,
            field_size_limit: per_entry,
            max_table_entries: entries.max(MIN_TABLE_ENTRIES),
        }
    }
}

impl RunLimits {
    /// These limits, each one taken from `overrides` where it sets one.
    pub fn overridden_by(self, overrides: RunLimits) -> RunLimits {
        RunLimits {
            max_memory_bytes: overrides.max_memory_bytes.or(self.max_memory_bytes),
            max_wall_time: overrides.max_wall_time.or(self.max_wall_time),
        }
    }
}

/// Which limit an agent exceeded; the error it is stopped with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitExceeded {
    /// The agent tried to grow a linear memory past the ceiling.
    #[error(
        "memory limit exceeded: the agent asked for {desired} bytes of linear memory; the limit is {limit} bytes"
    )]
    Memory {
        /// The configured ceiling, in bytes.
        limit: u64,
        /// The size the agent asked to grow to, in bytes.
        desired: u64,
    },
    /// The agent ran past its wall-clock deadline.
    #[error("wall-clock limit exceeded: the agent ran for {}; the limit is {}", Secs(*ran_ms), Secs(*limit_ms))]
    WallClock {
        /// The configured limit, in milliseconds.
        limit_ms: u64,
        /// How long it had run when it was stopped, in milliseconds.
        ran_ms: u64,
    },
    /// The agent made the host hold more on its behalf (`wasi:http`
    /// fields, requests, bodies, streams and other resource-table entries)
    /// than its budget allows.
    #[error(
        "memory limit exceeded: the agent made the host hold {entries} resources on its behalf (wasi:http fields, bodies, streams), the most its {limit} bytes allow"
    )]
    HostHeld {
        /// The budget, in bytes (the memory limit, or the default).
        limit: u64,
        /// The resource-table entries it allows.
        entries: usize,
    },
}

impl LimitExceeded {
    /// The limit's short name: `memory` or `wall-clock`.
    pub fn name(&self) -> &'static str {
        match self {
            LimitExceeded::Memory { .. } | LimitExceeded::HostHeld { .. } => "memory",
            LimitExceeded::WallClock { .. } => "wall-clock",
        }
    }
}

/// Milliseconds shown as seconds.
struct Secs(u64);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03} s", self.0 / 1000, self.0 % 1000)
    }
}

/// The store's resource limiter: [`StoreLimits`] decides, and a refused
/// memory growth stops the agent with [`LimitExceeded::Memory`] instead of
/// handing the guest a failed `memory.grow` it would abort on anyway.
pub(crate) struct AgentLimiter {
    limits: StoreLimits,
    max_memory_bytes: Option<u64>,
}

impl AgentLimiter {
    pub(crate) fn new(max_memory_bytes: Option<u64>) -> AgentLimiter {
        let mut builder = StoreLimitsBuilder::new();
        if let Some(bytes) = max_memory_bytes {
            builder = builder.memory_size(usize::try_from(bytes).unwrap_or(usize::MAX));
        }
        AgentLimiter {
            limits: builder.build(),
            max_memory_bytes,
        }
    }
}

impl ResourceLimiter for AgentLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        match (allowed, self.max_memory_bytes) {
            (false, Some(limit)) if desired as u64 > limit => Err(LimitExceeded::Memory {
                limit,
                desired: desired as u64,
            }
            .into()),
            _ => Ok(allowed),
        }
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_growth_past_the_ceiling_is_a_typed_error() {
        let mut limiter = AgentLimiter::new(Some(1 << 20));
        assert!(limiter.memory_growing(0, 1 << 20, None).unwrap());
        let error = limiter.memory_growing(1 << 20, 2 << 20, None).unwrap_err();
        let exceeded = error.downcast_ref::<LimitExceeded>().unwrap();
        assert_eq!(
            exceeded,
            &LimitExceeded::Memory {
                limit: 1 << 20,
                desired: 2 << 20
            }
        );
        assert!(exceeded.to_string().contains("memory limit exceeded"));
    }

    #[test]
    fn the_host_budget_bounds_fields_held_by_the_memory_limit() {
        for mb in [16u64, 64, 256, 4096] {
            let limits = RunLimits {
                max_memory_bytes: Some(mb << 20),
                max_wall_time: None,
            };
            let budget = HostBudget::of(&limits);
            let worst = (budget.max_table_entries * budget.field_size_limit) as u64;
            assert!(
                worst <= (mb << 20).max(1024 * (8 << 10)),
                "{mb} MiB: {budget:?}"
            );
            assert!(budget.max_table_entries >= MIN_TABLE_ENTRIES);
        }
        let default = HostBudget::of(&RunLimits::default());
        assert_eq!(default.bytes, DEFAULT_HOST_HELD_BYTES);
        assert!(
            (default.max_table_entries * default.field_size_limit) as u64
                <= DEFAULT_HOST_HELD_BYTES
        );
    }

    #[test]
    fn no_ceiling_allows_growth() {
        let mut limiter = AgentLimiter::new(None);
        assert!(limiter.memory_growing(0, 1 << 30, None).unwrap());
    }

    #[test]
    fn overrides_win_field_by_field() {
        let config = RunLimits {
            max_memory_bytes: Some(1),
            max_wall_time: Some(Duration::from_secs(5)),
        };
        let flags = RunLimits {
            max_memory_bytes: Some(2),
            max_wall_time: None,
        };
        assert_eq!(
            config.overridden_by(flags),
            RunLimits {
                max_memory_bytes: Some(2),
                max_wall_time: Some(Duration::from_secs(5)),
            }
        );
    }

    #[test]
    fn wall_clock_message_names_the_limit() {
        let error = LimitExceeded::WallClock {
            limit_ms: 2000,
            ran_ms: 2010,
        };
        assert_eq!(
            error.to_string(),
            "wall-clock limit exceeded: the agent ran for 2.010 s; the limit is 2.000 s"
        );
        assert_eq!(error.name(), "wall-clock");
    }
}
