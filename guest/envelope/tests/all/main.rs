//! Integration tests of `caracal-envelope` through its public API only.

mod fuzz;
mod interop;
