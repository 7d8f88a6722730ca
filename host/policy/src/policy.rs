//! Loading a Rego policy and evaluating it, deny by default.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use regorus::utils::limits::ExecutionTimerConfig;
use regorus::{Engine, LimitError, Value};

use crate::error::regorus_message;
use crate::{Decision, DenyReason, PolicyError, PolicyInput};

/// An operator's Rego policy, parsed and checked once, evaluated per call.
///
/// `Policy` is `Send + Sync` (and cheap to `Clone`): share one across threads.
///
/// # Concurrency and cost
///
/// regorus' [`Engine`] evaluates through `&mut self`, so `Policy` keeps one
/// *prepared* engine (parsed, analysed) as a template and clones it for each
/// evaluation. Measured in a release build on the 2-core dev VM: a clone
/// copies a few reference-counted pointers (about 0.1 µs); a whole
/// evaluation of `tests/fixtures/scopes.rego` takes 6–8 µs when it allows
/// (~1.5 µs of it building the input value) and 12–13 µs when it denies and
/// also evaluates the `reason` rule; loading takes ~0.1 ms. A
/// `Mutex<Engine>` saved about the clone's cost uncontended but serialises
/// every evaluation across threads (regorus' evaluation path takes no
/// global lock, so clones run in parallel), so cloning is the better trade.
///
/// # Deny by default
///
/// Only a decision rule that evaluates to exactly `true` allows. `false`,
/// undefined and non-boolean results deny with a [`DenyReason`] saying
/// which; evaluation errors are a [`PolicyError`] from [`Policy::evaluate`]
/// and a deny from [`Policy::decide`].
///
/// # The optional `reason` rule
///
/// If the policy declares a rule named `reason` beside the decision rule
/// (`data.caracal.reason` for `data.caracal.allow`), a denied call
/// (false or undefined) evaluates it too; a non-empty string becomes
/// [`DenyReason::Stated`]. Any other value, or undefined, keeps the default
/// reason; an error evaluating it is an error like any other.
#[derive(Clone)]
pub struct Policy {
    name: String,
    rule: String,
    reason_rule: Option<String>,
    time_limit: Duration,
    /// Prepared template; only ever evaluated through a clone.
    engine: Engine,
}

// `Policy` is shared across the host's request threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Policy>();
};

impl Policy {
    /// The decision rule the host uses unless configured otherwise.
    pub const DEFAULT_RULE: &'static str = "data.caracal.allow";

    /// Wall-clock budget for one evaluation unless changed with
    /// [`Policy::with_time_limit`]; past it the evaluation fails (closed).
    pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_millis(100);

    /// Parses `rego` (Rego v1), checks it and checks that it declares
    /// `rule` (a rule path such as [`Policy::DEFAULT_RULE`]).
    ///
    /// `name` labels the policy in errors and in regorus' messages
    /// (normally the file name).
    pub fn from_source(
        name: impl Into<String>,
        rego: impl Into<String>,
        rule: impl Into<String>,
    ) -> Result<Self, PolicyError> {
        let name = name.into();
        let rule = rule.into();
        let mut engine = Engine::new();
        engine.set_execution_timer_config(timer(Self::DEFAULT_TIME_LIMIT));
        engine
            .add_policy(name.clone(), rego.into())
            .map_err(|err| PolicyError::Parse {
                name: name.clone(),
                message: regorus_message(&err),
            })?;
        // Static analysis (unsafe variables, recursion, ...) runs when an
        // engine is first evaluated; do it now, once, on the template so the
        // errors surface at load and every clone starts prepared.
        engine
            .eval_query("true".to_owned(), false)
            .map_err(|err| PolicyError::Compile {
                name: name.clone(),
                message: regorus_message(&err),
            })?;
        if let Err(message) = declares(&engine, &rule) {
            return Err(PolicyError::UnknownRule {
                name,
                rule,
                message,
            });
        }
        let reason_rule = rule
            .rsplit_once('.')
            .map(|(package, _)| format!("{package}.reason"))
            .filter(|reason| *reason != rule && declares(&engine, reason).is_ok());
        Ok(Self {
            name,
            rule,
            reason_rule,
            time_limit: Self::DEFAULT_TIME_LIMIT,
            engine,
        })
    }

    /// Reads and loads a policy file; its path is the policy's name.
    pub fn from_file(path: impl AsRef<Path>, rule: impl Into<String>) -> Result<Self, PolicyError> {
        let path = path.as_ref();
        let rego = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_source(path.display().to_string(), rego, rule)
    }

    /// Replaces the per-evaluation wall-clock budget
    /// ([`Policy::DEFAULT_TIME_LIMIT`]).
    #[must_use]
    pub fn with_time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self.engine.set_execution_timer_config(timer(limit));
        self
    }

    /// The policy's name (its path when loaded from a file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The decision rule, e.g. `data.caracal.allow`.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The `reason` rule found beside the decision rule, if any.
    pub fn reason_rule(&self) -> Option<&str> {
        self.reason_rule.as_deref()
    }

    /// The per-evaluation wall-clock budget.
    pub fn time_limit(&self) -> Duration {
        self.time_limit
    }

    /// Evaluates the decision rule for `input`.
    ///
    /// `Ok(Decision::Allow)` only when the rule is exactly `true`. A runtime
    /// error or an exceeded time limit is an `Err`; callers must treat it as
    /// a deny ([`Policy::decide`] does).
    pub fn evaluate(&self, input: &PolicyInput) -> Result<Decision, PolicyError> {
        let mut engine = self.engine.clone();
        engine.set_input(input.to_value());
        let rule = || self.rule.clone();
        let reason = match self.eval(&mut engine, &self.rule)? {
            Value::Bool(true) => return Ok(Decision::Allow),
            Value::Bool(false) => DenyReason::False { rule: rule() },
            Value::Undefined => DenyReason::Undefined { rule: rule() },
            other => {
                return Ok(Decision::Deny(DenyReason::NotBoolean {
                    rule: rule(),
                    found: type_name(&other),
                }));
            }
        };
        if let Some(reason_rule) = &self.reason_rule
            && let Value::String(text) = self.eval(&mut engine, reason_rule)?
            && !text.trim().is_empty()
        {
            return Ok(Decision::Deny(DenyReason::Stated(text.to_string())));
        }
        Ok(Decision::Deny(reason))
    }

    /// [`Policy::evaluate`], failing closed: an error becomes
    /// [`DenyReason::Error`] naming it.
    pub fn decide(&self, input: &PolicyInput) -> Decision {
        self.evaluate(input)
            .unwrap_or_else(|err| Decision::Deny(DenyReason::Error(err.to_string())))
    }

    fn eval(&self, engine: &mut Engine, rule: &str) -> Result<Value, PolicyError> {
        engine.eval_rule(rule.to_owned()).map_err(|err| {
            if hit_time_limit(&*err) {
                PolicyError::TimeLimit {
                    name: self.name.clone(),
                    rule: rule.to_owned(),
                    limit: self.time_limit,
                }
            } else {
                PolicyError::Evaluation {
                    name: self.name.clone(),
                    rule: rule.to_owned(),
                    message: regorus_message(&err),
                }
            }
        })
    }
}

impl fmt::Debug for Policy {
    // The engine would print the whole AST.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("name", &self.name)
            .field("rule", &self.rule)
            .field("reason_rule", &self.reason_rule)
            .field("time_limit", &self.time_limit)
            .finish_non_exhaustive()
    }
}

/// `Ok` when `rule` names a rule the engine's policy declares, else regorus'
/// message. Compiling on a throwaway clone resolves the path without
/// touching the template.
fn declares(engine: &Engine, rule: &str) -> Result<(), String> {
    engine
        .clone()
        .compile_with_entrypoint(&regorus::Rc::from(rule))
        .map(drop)
        .map_err(|err| regorus_message(&err))
}

fn timer(limit: Duration) -> ExecutionTimerConfig {
    ExecutionTimerConfig {
        limit,
        // Work units between clock reads: frequent enough to stop within a
        // hair of the limit, rare enough not to show up in the cost.
        check_interval: std::num::NonZeroU32::new(64).expect("64 is not zero"),
    }
}

fn hit_time_limit(err: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(err), |err| err.source()).any(|err| {
        matches!(
            err.downcast_ref::<LimitError>(),
            Some(LimitError::TimeLimitExceeded { .. })
        )
    })
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Set(_) => "set",
        Value::Object(_) => "object",
        Value::Undefined => "undefined",
    }
}
