//! Liveness: the epoch ticker, host-driven lease renewal and sweeping.
//!
//! One [`Ticker`] thread per host advances the wasm engine's epoch every
//! tick period and then runs the [`LeaseKeeper`]. The epoch drives each
//! store's deadline callback, which observes whether its guest is running
//! wasm ([`GuestActivity`]), enforces the wall-clock limit and yields to the
//! async executor: one ticker per engine, never a thread per guest.

mod activity;
mod keeper;
mod ticker;

pub use activity::GuestActivity;
pub use keeper::{COMPACT_EVERY, FORGET_AFTER, KeeperReport, LeaseKeeper};
pub use ticker::{TICK_PERIOD, Ticker};
