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
}

impl LimitExceeded {
    /// The limit's short name: `memory` or `wall-clock`.
    pub fn name(&self) -> &'static str {
        match self {
            LimitExceeded::Memory { .. } => "memory",
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
