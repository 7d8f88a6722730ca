//! `spin:variables/variables@3.0.0` (spin-sdk 6 and 7) and
//! `fermyon:spin/variables@2.0.0` (spin-sdk 5 and older): a served
//! component's variables. The values are the component's
//! `[component.<id>.variables]`, rendered when the application loads; a
//! component run by `caracal-host run` has none. (`wasi:config/store` is
//! not provided.)

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::component::{Accessor, Linker};

use super::fermyon::variables as v2;
use super::{HasSpin, SpinView};
use crate::run_state::RunState;

mod generated {
    wasmtime::component::bindgen!({
        path: "wit/spin-variables.wit",
        world: "spin:variables/host",
        imports: { default: trappable },
    });
}

use generated::spin::variables::variables::{self as spin_variables, Error};

/// The variable values of one component (cheap to clone).
#[derive(Clone, Default)]
pub struct ComponentVariables(Arc<BTreeMap<String, String>>);

/// Names only: a value may be a secret.
impl std::fmt::Debug for ComponentVariables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl ComponentVariables {
    /// Variables with these values.
    pub fn new(values: BTreeMap<String, String>) -> ComponentVariables {
        ComponentVariables(Arc::new(values))
    }

    /// Spin's answer to `get(name)`: the value, `invalid-name` for a name
    /// that is not lower_snake_case, `undefined` for one the component does
    /// not declare.
    fn get(&self, name: &str) -> Result<String, Error> {
        if !caracal_spin::is_variable_name(name) {
            return Err(Error::InvalidName(format!(
                "`{name}` is not a variable name: lowercase letters, digits and underscores, starting with a letter"
            )));
        }
        self.0
            .get(name)
            .cloned()
            .ok_or_else(|| Error::Undefined(format!("the component declares no variable `{name}`")))
    }
}

impl spin_variables::Host for SpinView<'_> {}

impl<T> spin_variables::HostWithStore<T> for HasSpin {
    async fn get(
        accessor: &Accessor<T, Self>,
        name: String,
    ) -> wasmtime::Result<Result<String, Error>> {
        Ok(accessor.with(|mut view| view.get().apis.variables().get(&name)))
    }
}

impl v2::Host for SpinView<'_> {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<String, v2::Error>> {
        Ok(self.apis.variables().get(&name).map_err(|e| match e {
            Error::InvalidName(m) => v2::Error::InvalidName(m),
            Error::Undefined(m) => v2::Error::Undefined(m),
            Error::Provider(m) => v2::Error::Provider(m),
            Error::Other(m) => v2::Error::Other(m),
        }))
    }
}

/// Adds `spin:variables/variables@3.0.0`, answering from the component's
/// [`ComponentVariables`], to `linker` (the 2.0 form is added with the
/// rest of `fermyon:spin`).
pub(crate) fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    spin_variables::add_to_linker::<RunState, HasSpin>(linker, RunState::spin_view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_answers_like_spin() {
        let vars = ComponentVariables::new(BTreeMap::from([(
            "upstream".to_owned(),
            "http://127.0.0.1:8080".to_owned(),
        )]));
        assert_eq!(vars.get("upstream").unwrap(), "http://127.0.0.1:8080");
        assert!(matches!(vars.get("region"), Err(Error::Undefined(_))));
        for bad in ["Upstream", "1st", "", "up-stream"] {
            assert!(matches!(vars.get(bad), Err(Error::InvalidName(_))), "{bad}");
        }
    }
}
