//! A served component's variables, readable through Spin's
//! `spin:variables/variables@3.0.0` (what spin-sdk 7's `variables::get`
//! imports). The values are the component's `[component.<id>.variables]`,
//! rendered when the application loads; a component run by
//! `caracal-host run` has none. (`wasi:config/store` is not provided.)

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::component::{Accessor, HasData, Linker};

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

/// The store data the variables interfaces are implemented on.
struct HasVariables;

impl HasData for HasVariables {
    type Data<'a> = &'a ComponentVariables;
}

impl spin_variables::Host for &ComponentVariables {}

impl<T> spin_variables::HostWithStore<T> for HasVariables {
    async fn get(
        accessor: &Accessor<T, Self>,
        name: String,
    ) -> wasmtime::Result<Result<String, Error>> {
        Ok(accessor.with(|mut view| view.get().get(&name)))
    }
}

/// Adds `spin:variables/variables`, answering from the store's
/// [`ComponentVariables`], to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    spin_variables::add_to_linker::<RunState, HasVariables>(linker, |state| state.variables())
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
