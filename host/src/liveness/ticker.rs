//! [`Ticker`]: the one background thread per host that advances the wasm
//! engine's epoch and runs the lease keeper.

use super::LeaseKeeper;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the ticker advances the epoch and runs the keeper. It bounds
/// how late a wall-clock limit or a stuck guest is noticed.
pub const TICK_PERIOD: Duration = Duration::from_millis(10);

/// The background ticker; stopping it (or dropping it) joins the thread.
#[derive(Debug)]
pub struct Ticker {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Starts ticking `engine` and `keeper` every `period`.
    pub fn start(engine: wasmtime::Engine, keeper: Arc<LeaseKeeper>, period: Duration) -> Ticker {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("caracal-ticker".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(period) {
                    engine.increment_epoch();
                    keeper.tick();
                }
            })
            .expect("the OS can start the ticker thread");
        Ticker {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // A panicked keeper has already been reported by the panic hook.
            let _ = thread.join();
        }
    }
}
