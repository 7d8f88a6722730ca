//! `caracal:agent/types`: turning host refusals into the WIT `error` variant.

use crate::bindings::types::{Error, Host};
use crate::ctx::AgentCtxView;
use crate::error::HostCallError;
use caracal_authority::AuthorityError;

impl Host for AgentCtxView<'_> {
    fn convert_error(&mut self, error: HostCallError) -> wasmtime::Result<Error> {
        match error {
            HostCallError::Refused(refusal) => Ok(to_wit(refusal)),
            HostCallError::Trap(trap) => Err(trap),
        }
    }
}

fn to_wit(error: AuthorityError) -> Error {
    let message = error.message().to_string();
    match error {
        AuthorityError::Denied(_) => Error::Denied(message),
        AuthorityError::Invalid(_) => Error::Invalid(message),
        AuthorityError::NotFound(_) => Error::NotFound(message),
        AuthorityError::Gone(_) => Error::Gone(message),
        AuthorityError::Limit(_) => Error::Limit(message),
        _ => Error::Unavailable(message),
    }
}
