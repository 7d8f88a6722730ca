//! Integration tests of `caracal-store`: one behavioural suite run against
//! a real SQLite file and the real PostgreSQL on 127.0.0.1:5432 (database
//! `test`, one fresh schema per test; override the URL with
//! `CARACAL_TEST_PG_URL`). PostgreSQL being unreachable fails the tests.

mod audit;
mod calls;
mod changes;
mod edges;
mod fixture;
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
