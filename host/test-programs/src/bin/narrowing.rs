//! narrowing: spawn a parent from the root context with one grant, then a
//! child under it with another, and report what the host allowed.
//!
//! Usage: `narrowing <parent-grant-json> <child-grant-json>`, each grant
//! `"inherit"`, `"none"` or `{"scopes":[..],"resource_id":..,"ttl_seconds":..,
//! "constraints":{"max_hops":..,"budget":..,"resources":[..],"ttl_seconds":..,
//! "max_calls":..}}` (all but `scopes` optional).
//!
//! Prints `RESULT parent ok <delegation-id or ->` (or `err <kind> <message>`,
//! and then stops), then `RESULT child ok <delegation-id or ->` or
//! `RESULT child err <kind> <message>`.

use caracal::Caracal;
use caracal_test_programs::{args, host_err, ok, or_dash, parse_grant};

fn main() {
    let args = args(2, "narrowing <parent-grant-json> <child-grant-json>");
    let (parent_grant, child_grant) = (parse_grant(&args[0]), parse_grant(&args[1]));
    let caracal = Caracal::new();

    let parent = match caracal.spawn().label("parent").grant(parent_grant).start() {
        Ok(parent) => parent,
        Err(error) => return host_err("parent", &error),
    };
    let info = parent.context().expect("context of a live session");
    ok("parent", or_dash(info.delegation_id.as_deref()));

    match parent.spawn().label("child").grant(child_grant).start() {
        Ok(child) => {
            let info = child.context().expect("context of a live session");
            ok("child", or_dash(info.delegation_id.as_deref()));
        }
        Err(error) => host_err("child", &error),
    }
}
