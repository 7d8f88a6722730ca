//! The `max_calls` meter: outbound calls counted per delegation edge,
//! atomically, so concurrent calls never exceed the bound.

use crate::error::{AuthorityError, denied};
use crate::session::SessionId;

use super::{Engine, not_found};

impl Engine {
    /// Counts one outbound call under `id`'s delegation edge and returns the
    /// calls made under it so far, refusing (Denied) once the edge's
    /// `max_calls` is spent. Sessions sharing an edge (inherited grants)
    /// share its meter. Unmetered authority (no `max_calls`, or the root's)
    /// counts nothing and returns 0.
    pub fn meter_call(&self, id: &SessionId) -> Result<u64, AuthorityError> {
        let (edge, max_calls) = {
            let tree = self.read();
            let idx = tree.find(id).ok_or_else(|| not_found(id))?;
            match &tree.node(idx).authority {
                Some(authority) => match (&authority.edge_id, authority.max_calls) {
                    (Some(edge), Some(max)) => (edge.clone(), max),
                    _ => return Ok(0),
                },
                None => return Ok(0),
            }
        };
        let mut calls = self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let used = calls.entry(edge.clone()).or_insert(0);
        if *used >= max_calls {
            return Err(denied(format!(
                "max_calls spent: {max_calls} call(s) allowed under delegation `{edge}`"
            )));
        }
        *used += 1;
        Ok(*used)
    }
}
