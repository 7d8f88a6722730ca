//! A small blocking connection pool: both drivers' connections are `Send`
//! but not `Sync`, and a store is shared by every thread of a host.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, PoisonError};

use crate::error::StoreError;

/// Up to `max` connections, opened on demand by `open` and kept idle for
/// reuse; a caller waits when all are in use.
pub(crate) struct Pool<C> {
    state: Mutex<State<C>>,
    freed: Condvar,
    max: usize,
    open: Box<dyn Fn() -> Result<C, StoreError> + Send + Sync>,
    healthy: fn(&mut C) -> bool,
}

struct State<C> {
    idle: Vec<C>,
    /// Connections in existence (idle + lent out).
    count: usize,
}

impl<C> fmt::Debug for Pool<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Pool")
            .field("max", &self.max)
            .field("open", &state.count)
            .field("idle", &state.idle.len())
            .finish()
    }
}

impl<C> Pool<C> {
    /// A pool holding `first` (already opened, e.g. the migrating
    /// connection) and opening more with `open`, up to `max`. A connection
    /// is returned to the pool only while `healthy` says so.
    pub fn new(
        first: C,
        max: usize,
        open: impl Fn() -> Result<C, StoreError> + Send + Sync + 'static,
        healthy: fn(&mut C) -> bool,
    ) -> Self {
        Pool {
            state: Mutex::new(State {
                idle: vec![first],
                count: 1,
            }),
            freed: Condvar::new(),
            max: max.max(1),
            open: Box::new(open),
            healthy,
        }
    }

    /// A connection for exclusive use until the guard drops.
    pub fn get(&self) -> Result<Pooled<'_, C>, StoreError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.count < self.max {
                state.count += 1;
                drop(state);
                return match (self.open)() {
                    Ok(conn) => Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.forget();
                        Err(e)
                    }
                };
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// One connection fewer exists.
    fn forget(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.count -= 1;
        self.freed.notify_one();
    }

    fn put_back(&self, mut conn: C) {
        if !(self.healthy)(&mut conn) {
            drop(conn);
            self.forget();
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.idle.push(conn);
        self.freed.notify_one();
    }
}

/// A connection lent by a [`Pool`]; returned on drop.
pub(crate) struct Pooled<'a, C> {
    pool: &'a Pool<C>,
    conn: Option<C>,
}

impl<C> Deref for Pooled<'_, C> {
    type Target = C;

    fn deref(&self) -> &C {
        self.conn.as_ref().expect("present until drop")
    }
}

impl<C> DerefMut for Pooled<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn.as_mut().expect("present until drop")
    }
}

impl<C> Drop for Pooled<'_, C> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.put_back(conn);
        }
    }
}
