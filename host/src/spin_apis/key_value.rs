//! `spin:key-value/key-value@3.0.0` (spin-sdk 6 and 7) and
//! `fermyon:spin/key-value@2.0.0` (spin-sdk 5 and older) on the host's own
//! state store: SQLite by default, the shared PostgreSQL when configured,
//! so hosts serving the same application see the same keys. Without a
//! state store (a library host built without one) the stores live in
//! memory. Spin's limits hold: keys up to [`MAX_KEY_BYTES`], values up to
//! [`MAX_VALUE_BYTES`], [`MAX_KEYS_PER_STORE`] keys per store.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use caracal_store::{KvSet, Store, StoreError};
use wasmtime::component::{Accessor, FutureReader, Linker, Resource, StreamReader};

use super::fermyon::key_value as v2;
use super::{HasSpin, Refusal, SpinView};
use crate::run_state::RunState;

mod generated {
    wasmtime::component::bindgen!({
        path: "wit/spin-key-value.wit",
        world: "spin:key-value/host",
        imports: { default: trappable },
        with: {
            "spin:key-value/key-value.store": crate::spin_apis::key_value::KvStore,
        },
    });
}

use generated::spin::key_value::key_value::{self as v3, Error};

/// The longest key Spin's key-value stores take, in bytes (UTF-8).
pub const MAX_KEY_BYTES: usize = 256;
/// The largest value, in bytes.
pub const MAX_VALUE_BYTES: usize = 1024 * 1024;
/// The most keys one store holds.
pub const MAX_KEYS_PER_STORE: u64 = 1024;

/// Where one application's key-value stores live: each label is a space
/// `<scope>/<label>` of the state store (or of a map in memory).
#[derive(Clone)]
pub struct KvSpaces {
    scope: String,
    backend: Backend,
}

/// Spaces in memory: space → key → value.
type MemorySpaces = BTreeMap<String, BTreeMap<String, Vec<u8>>>;

#[derive(Clone)]
enum Backend {
    Store(Arc<dyn Store>),
    Memory(Arc<Mutex<MemorySpaces>>),
}

impl std::fmt::Debug for KvSpaces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match &self.backend {
            Backend::Store(store) => store.backend(),
            Backend::Memory(_) => "memory",
        };
        f.debug_struct("KvSpaces")
            .field("scope", &self.scope)
            .field("backend", &backend)
            .finish()
    }
}

impl KvSpaces {
    /// Stores in the state store `store`, named under `scope` (zone,
    /// application and app name: what two hosts serving the same app
    /// share).
    pub fn on_store(store: Arc<dyn Store>, scope: impl Into<String>) -> KvSpaces {
        KvSpaces {
            scope: scope.into(),
            backend: Backend::Store(store),
        }
    }

    /// Stores in this process's memory, lost when it exits.
    pub fn in_memory(scope: impl Into<String>) -> KvSpaces {
        KvSpaces {
            scope: scope.into(),
            backend: Backend::Memory(Arc::default()),
        }
    }

    fn space(&self, label: &str) -> String {
        format!("{}/{label}", self.scope)
    }

    /// Runs `f` on the state store where it may block.
    fn on<T: Send>(
        &self,
        f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send,
        memory: impl FnOnce(&mut MemorySpaces) -> T,
    ) -> Result<T, KvError> {
        match &self.backend {
            Backend::Store(store) => crate::state::off_runtime(&**store, || f(&**store))
                .map_err(|e| KvError::Other(format!("the state store failed: {e}"))),
            Backend::Memory(map) => Ok(memory(&mut map.lock().expect("kv map"))),
        }
    }

    fn get(&self, space: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.on(
            |s| s.kv_get(space, key),
            |m| m.get(space).and_then(|s| s.get(key)).cloned(),
        )
    }

    fn set(&self, space: &str, key: &str, value: &[u8]) -> Result<(), KvError> {
        let outcome = self.on(
            |s| s.kv_set(space, key, value, MAX_KEYS_PER_STORE),
            |m| {
                let keys = m.entry(space.to_owned()).or_default();
                if !keys.contains_key(key) && keys.len() as u64 >= MAX_KEYS_PER_STORE {
                    return KvSet::Full {
                        max_keys: MAX_KEYS_PER_STORE,
                    };
                }
                keys.insert(key.to_owned(), value.to_vec());
                KvSet::Stored
            },
        )?;
        match outcome {
            KvSet::Stored => Ok(()),
            KvSet::Full { max_keys } => Err(KvError::Other(format!(
                "the store holds {max_keys} keys, the most a Spin key-value store holds"
            ))),
        }
    }

    fn delete(&self, space: &str, key: &str) -> Result<(), KvError> {
        self.on(
            |s| s.kv_delete(space, key).map(drop),
            |m| {
                m.get_mut(space).map(|s| s.remove(key));
            },
        )
    }

    fn exists(&self, space: &str, key: &str) -> Result<bool, KvError> {
        self.on(
            |s| s.kv_exists(space, key),
            |m| m.get(space).is_some_and(|s| s.contains_key(key)),
        )
    }

    fn keys(&self, space: &str) -> Result<Vec<String>, KvError> {
        self.on(
            |s| s.kv_keys(space),
            |m| {
                m.get(space)
                    .map(|s| s.keys().cloned().collect())
                    .unwrap_or_default()
            },
        )
    }
}

/// An open store: the resource behind both versions' `store`.
#[derive(Debug)]
pub struct KvStore {
    label: String,
    space: String,
}

/// Both versions' `error`, before conversion.
#[derive(Debug)]
enum KvError {
    StoreTableFull,
    NoSuchStore,
    AccessDenied,
    Other(String),
}

impl KvError {
    fn reason(&self) -> String {
        match self {
            KvError::StoreTableFull => "too many stores open".to_owned(),
            KvError::NoSuchStore => "no such store".to_owned(),
            KvError::AccessDenied => "the component's key_value_stores does not list it".to_owned(),
            KvError::Other(message) => message.clone(),
        }
    }
}

impl From<KvError> for Error {
    fn from(e: KvError) -> Error {
        match e {
            KvError::StoreTableFull => Error::StoreTableFull,
            KvError::NoSuchStore => Error::NoSuchStore,
            KvError::AccessDenied => Error::AccessDenied,
            KvError::Other(m) => Error::Other(m),
        }
    }
}

impl From<KvError> for v2::Error {
    fn from(e: KvError) -> v2::Error {
        match e {
            KvError::StoreTableFull => v2::Error::StoreTableFull,
            KvError::NoSuchStore => v2::Error::NoSuchStore,
            KvError::AccessDenied => v2::Error::AccessDenied,
            KvError::Other(m) => v2::Error::Other(m),
        }
    }
}

/// Refuses a key Spin would refuse.
fn check_key(key: &str) -> Result<(), KvError> {
    if key.len() > MAX_KEY_BYTES {
        return Err(KvError::Other(format!(
            "the key is {} bytes; Spin's key-value keys are at most {MAX_KEY_BYTES}",
            key.len()
        )));
    }
    Ok(())
}

impl SpinView<'_> {
    /// Opens store `label` when the component's manifest lists it.
    fn kv_open(&mut self, label: &str) -> Result<Resource<KvStore>, KvError> {
        let opened = match self.apis.inner.key_value.as_ref() {
            None => Err(Refusal::NotGranted),
            Some(grant) => grant.open(label).map(|spaces| spaces.space(label)),
        };
        let error = match opened {
            Ok(space) => {
                let store = KvStore {
                    label: label.to_owned(),
                    space,
                };
                return self.table.push(store).map_err(|_| {
                    let error = KvError::StoreTableFull;
                    self.audit(format!("kv:{label}"), "open", Some(&error.reason()), &[]);
                    error
                });
            }
            Err(Refusal::NoSuch) => KvError::NoSuchStore,
            Err(Refusal::NotGranted) => KvError::AccessDenied,
        };
        self.audit(format!("kv:{label}"), "open", Some(&error.reason()), &[]);
        Err(error)
    }

    /// Runs `op` on the store behind `store`, and audits it (with the key
    /// when there is one).
    fn kv_op<T>(
        &mut self,
        store: &Resource<KvStore>,
        op: &str,
        key: Option<&str>,
        f: impl FnOnce(&KvSpaces, &str) -> Result<T, KvError>,
    ) -> wasmtime::Result<Result<T, KvError>> {
        let KvStore { label, space } = self.table.get(store)?;
        let (label, space) = (label.clone(), space.clone());
        let spaces = &self
            .apis
            .inner
            .key_value
            .as_ref()
            .expect("a store was opened, so key-value is granted")
            .backend;
        let result = key
            .map_or(Ok(()), check_key)
            .and_then(|()| f(spaces, &space));
        let detail: Vec<(&str, &str)> = key.map(|k| ("key", k)).into_iter().collect();
        let denied = result.as_ref().err().map(KvError::reason);
        self.audit(format!("kv:{label}"), op, denied.as_deref(), &detail);
        Ok(result)
    }

    fn kv_get(
        &mut self,
        store: &Resource<KvStore>,
        key: &str,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, KvError>> {
        self.kv_op(store, "get", Some(key), |s, space| s.get(space, key))
    }

    fn kv_set(
        &mut self,
        store: &Resource<KvStore>,
        key: &str,
        value: &[u8],
    ) -> wasmtime::Result<Result<(), KvError>> {
        self.kv_op(store, "set", Some(key), |s, space| {
            if value.len() > MAX_VALUE_BYTES {
                return Err(KvError::Other(format!(
                    "the value is {} bytes; Spin's key-value values are at most {MAX_VALUE_BYTES}",
                    value.len()
                )));
            }
            s.set(space, key, value)
        })
    }

    fn kv_delete(
        &mut self,
        store: &Resource<KvStore>,
        key: &str,
    ) -> wasmtime::Result<Result<(), KvError>> {
        self.kv_op(store, "delete", Some(key), |s, space| s.delete(space, key))
    }

    fn kv_exists(
        &mut self,
        store: &Resource<KvStore>,
        key: &str,
    ) -> wasmtime::Result<Result<bool, KvError>> {
        self.kv_op(store, "exists", Some(key), |s, space| s.exists(space, key))
    }

    fn kv_keys(
        &mut self,
        store: &Resource<KvStore>,
    ) -> wasmtime::Result<Result<Vec<String>, KvError>> {
        self.kv_op(store, "get-keys", None, |s, space| s.keys(space))
    }
}

// ---- spin:key-value@3.0.0 (async) ----

impl v3::Host for SpinView<'_> {}

impl v3::HostStore for SpinView<'_> {
    fn drop(&mut self, store: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

impl<T> v3::HostStoreWithStore<T> for HasSpin {
    async fn open(
        accessor: &Accessor<T, Self>,
        label: String,
    ) -> wasmtime::Result<Result<Resource<KvStore>, Error>> {
        Ok(accessor.with(|mut view| view.get().kv_open(&label).map_err(Error::from)))
    }

    async fn get(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        accessor.with(|mut view| Ok(view.get().kv_get(&store, &key)?.map_err(Error::from)))
    }

    async fn set(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        accessor.with(|mut view| {
            Ok(view
                .get()
                .kv_set(&store, &key, &value)?
                .map_err(Error::from))
        })
    }

    async fn delete(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        accessor.with(|mut view| Ok(view.get().kv_delete(&store, &key)?.map_err(Error::from)))
    }

    async fn exists(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        accessor.with(|mut view| Ok(view.get().kv_exists(&store, &key)?.map_err(Error::from)))
    }

    async fn get_keys(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
    ) -> wasmtime::Result<(StreamReader<String>, FutureReader<Result<(), Error>>)> {
        accessor.with(|mut access| {
            let (keys, outcome) = match access.get().kv_keys(&store)? {
                Ok(keys) => (keys, Ok(())),
                Err(error) => (Vec::new(), Err(Error::from(error))),
            };
            let keys = StreamReader::new(&mut access, keys)?;
            let outcome =
                FutureReader::new(
                    &mut access,
                    async move { Ok::<_, wasmtime::Error>(outcome) },
                )?;
            Ok((keys, outcome))
        })
    }
}

// ---- fermyon:spin/key-value@2.0.0 (sync) ----

impl v2::Host for SpinView<'_> {}

impl v2::HostStore for SpinView<'_> {
    fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<KvStore>, v2::Error>> {
        Ok(self.kv_open(&label).map_err(v2::Error::from))
    }

    fn get(
        &mut self,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, v2::Error>> {
        Ok(self.kv_get(&store, &key)?.map_err(v2::Error::from))
    }

    fn set(
        &mut self,
        store: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), v2::Error>> {
        Ok(self.kv_set(&store, &key, &value)?.map_err(v2::Error::from))
    }

    fn delete(
        &mut self,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), v2::Error>> {
        Ok(self.kv_delete(&store, &key)?.map_err(v2::Error::from))
    }

    fn exists(
        &mut self,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, v2::Error>> {
        Ok(self.kv_exists(&store, &key)?.map_err(v2::Error::from))
    }

    fn get_keys(
        &mut self,
        store: Resource<KvStore>,
    ) -> wasmtime::Result<Result<Vec<String>, v2::Error>> {
        Ok(self.kv_keys(&store)?.map_err(v2::Error::from))
    }

    fn drop(&mut self, store: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

/// Adds `spin:key-value/key-value@3.0.0` to `linker` (the 2.0 form is
/// added with the rest of `fermyon:spin`).
pub(crate) fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    v3::add_to_linker::<RunState, HasSpin>(linker, RunState::spin_view)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host without a state store keeps its key-value stores in memory,
    /// with the same answers and bounds as the store-backed ones.
    #[test]
    fn in_memory_spaces_answer_like_the_state_store() {
        let spaces = KvSpaces::in_memory("local/default/app");
        let space = spaces.space("default");
        assert_eq!(space, "local/default/app/default");
        assert_eq!(spaces.get(&space, "k").unwrap(), None);
        spaces.set(&space, "k", b"v").unwrap();
        assert_eq!(spaces.get(&space, "k").unwrap().as_deref(), Some(&b"v"[..]));
        assert!(spaces.exists(&space, "k").unwrap());
        assert!(
            !spaces.exists(&spaces.space("other"), "k").unwrap(),
            "labels stay apart"
        );
        for n in 1..MAX_KEYS_PER_STORE {
            spaces.set(&space, &format!("key{n}"), b"").unwrap();
        }
        let full = spaces.set(&space, "one-too-many", b"");
        assert!(matches!(full, Err(KvError::Other(m)) if m.contains("1024 keys")));
        spaces.set(&space, "k", b"overwritten").unwrap();
        assert_eq!(
            spaces.keys(&space).unwrap().len() as u64,
            MAX_KEYS_PER_STORE
        );
        spaces.delete(&space, "k").unwrap();
        assert!(!spaces.exists(&space, "k").unwrap());
        assert!(check_key(&"k".repeat(MAX_KEY_BYTES)).is_ok());
        assert!(check_key(&"k".repeat(MAX_KEY_BYTES + 1)).is_err());
    }
}
