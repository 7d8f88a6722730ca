//! root_headers: the root context projects headers only when asked to.
//!
//! With nothing bound, `Caracal::new().headers()` is refused
//! (`RESULT no-allow-root err <kind> <message>`), and
//! `Caracal::new().allow_root(true).headers()` is served
//! (`RESULT allow-root ok <header count>`, then one `HEADER <name>: <value>`
//! line per header, in the host's order).

use caracal::Caracal;
use caracal_test_programs::report;

fn main() {
    let _ = report("no-allow-root", Caracal::new().headers(), |headers| {
        headers.len()
    });
    if let Ok(headers) = report(
        "allow-root",
        Caracal::new().allow_root(true).headers(),
        |headers| headers.len(),
    ) {
        for (name, value) in &headers {
            println!("HEADER {name}: {value}");
        }
    }
}
