//! Finds the PostgreSQL server binaries at build time, so a machine without
//! them gets one clear message from `cargo test` instead of a failing test
//! per PostgreSQL case. With `CARACAL_TEST_PG_URL` set, the tests use that
//! server and no binaries are needed.

include!("src/locate.rs");

fn main() {
    for var in ["CARACAL_PG_BIN", "CARACAL_TEST_PG_URL", "PATH"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    println!("cargo::rerun-if-changed=src/locate.rs");
    if std::env::var_os("CARACAL_TEST_PG_URL").is_some() {
        return;
    }
    match locate_server_bin_dir() {
        Some(dir) => {
            // Rebuilt when the server is upgraded or removed.
            println!("cargo::rerun-if-changed={}", dir.join("postgres").display());
        }
        None => {
            // Checked again on every build until it is installed.
            println!("cargo::rerun-if-changed=/usr/lib/postgresql");
            println!("cargo::error={MISSING_SERVER_HELP}");
        }
    }
}
