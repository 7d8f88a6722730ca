//! Name resolution for the connector: [`Resolve`], the system resolver and
//! a fixed table for tests.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;

/// What a resolution yields: every address the name has.
pub type Resolution = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>>;

/// Resolves a host name to its addresses. The connector checks every
/// address it returns before connecting to one, and never resolves a name
/// a second time for the same request.
pub trait Resolve: Send + Sync + std::fmt::Debug {
    /// The addresses of `name` (a DNS name, never an IP literal).
    fn resolve(&self, name: &str) -> Resolution;
}

/// The operating system's resolver (`getaddrinfo`, on a blocking thread).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: &str) -> Resolution {
        let query = format!("{name}:0");
        Box::pin(async move {
            let addresses = tokio::net::lookup_host(query).await?;
            Ok(addresses.map(|address| address.ip()).collect())
        })
    }
}

/// A fixed table of names and their addresses, for tests and for pinning
/// names (as `curl --resolve` does). A name not in the table fails to
/// resolve.
#[derive(Debug, Default, Clone)]
pub struct StaticResolver {
    names: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    /// An empty table: every name fails to resolve.
    pub fn new() -> StaticResolver {
        StaticResolver::default()
    }

    /// Adds `name` (any case, no trailing dot) resolving to `addresses`, in
    /// that order.
    pub fn with(mut self, name: &str, addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        self.names
            .insert(name.to_ascii_lowercase(), addresses.into_iter().collect());
        self
    }
}

impl Resolve for StaticResolver {
    fn resolve(&self, name: &str) -> Resolution {
        let found = self
            .names
            .get(&name.trim_end_matches('.').to_ascii_lowercase())
            .cloned();
        Box::pin(async move {
            found.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    "failed to lookup address information: not in the static table",
                )
            })
        })
    }
}
