//! Integration tests of `caracal-store`: one behavioural suite run against
//! a real SQLite file and a real PostgreSQL: a throwaway cluster this test
//! process starts from the system's server binaries (`caracal-pg-temp`),
//! one fresh schema per test; `CARACAL_TEST_PG_URL` names a running server
//! to use instead.

mod audit;
mod calls;
mod changes;
mod edges;
mod fixture;
mod kv;
mod leases;
mod races;
mod recovery;
mod sessions;

/// Runs `$test(&Fixture)` against both backends, as `$test::sqlite` and
/// `$test::postgres`.
#[macro_export]
macro_rules! both {
    ($($test:ident),+ $(,)?) => {
        $(
            mod $test {
                #[test]
                fn sqlite() {
                    super::$test(&$crate::fixture::Fixture::sqlite());
                }

                #[test]
                fn postgres() {
                    super::$test(&$crate::fixture::Fixture::postgres());
                }
            }
        )+
    };
}
