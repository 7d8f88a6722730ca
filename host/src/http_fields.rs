//! `wasi:http/types@0.2` `fields.append`, as Wasmtime implements it but
//! for one case: appending a `content-length` equal to the one a map holds
//! already is accepted and changes nothing (RFC 9110 §8.6 lets a recipient
//! fold identical values into one). Wasmtime refuses every second
//! `content-length` (`invalid-syntax`), since differing values make framing
//! ambiguous; differing values are still refused here. The case is common:
//! wstd's `http_server` appends the body's length to headers a proxy copied
//! from an upstream that sent the same length (its `http_server_proxy`
//! example panics on `HeaderError::InvalidSyntax` without this).

use wasmtime::component::{Linker, Resource};
use wasmtime_wasi_http::FieldMap;
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::http::types as p2_types;

use crate::run_state::RunState;

/// The types interface as Wasmtime's `wasi:http` defines it (older 0.2
/// imports link to it by semver).
const P2_TYPES: &str = "wasi:http/types@0.2.12";

/// Whether appending `name: value` to `fields` repeats the
/// `content-length` it holds.
fn repeats_content_length(fields: &FieldMap, name: &str, value: &[u8]) -> bool {
    name.eq_ignore_ascii_case(http::header::CONTENT_LENGTH.as_str())
        && fields
            .get(http::header::CONTENT_LENGTH)
            .is_some_and(|held| held.as_bytes() == value)
}

fn append(
    state: &mut RunState,
    fields: Resource<FieldMap>,
    name: String,
    value: Vec<u8>,
) -> wasmtime::Result<Result<(), p2_types::HeaderError>> {
    let mut http = state.http();
    // A repeat is a `set` of the one value: the same map, with Wasmtime's
    // checks (an immutable map is still refused).
    let outcome = if repeats_content_length(http.table.get(&fields)?, &name, &value) {
        p2_types::HostFields::set(&mut http, fields, name, vec![value])
    } else {
        p2_types::HostFields::append(&mut http, fields, name, value)
    };
    match outcome {
        Ok(()) => Ok(Ok(())),
        Err(error) => error.downcast().map(Err),
    }
}

/// Replaces Wasmtime's `[method]fields.append` in `linker` (which must hold
/// `wasi:http/types@0.2` already) with [`append`].
pub(crate) fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let defined = linker.instance(P2_TYPES)?.func_wrap(
        "[method]fields.append",
        |mut store: wasmtime::StoreContextMut<'_, RunState>, (fields, name, value)| {
            append(store.data_mut(), fields, name, value).map(|answer| (answer,))
        },
    );
    linker.allow_shadowing(false);
    defined
}
