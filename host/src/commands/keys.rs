//! `caracal-host keys`: the token-signing keys in a state directory (the
//! host must be stopped: the directory is locked while it runs).

use caracal_host::HostError;
use caracal_host::state::HostIdentity;
use caracal_host::token::{STAGED_KEY_PUBLISHED_AHEAD_SECONDS, SigningAlgorithm};
use std::path::PathBuf;
use std::process::ExitCode;

/// Show or rotate the token-signing keys of a stopped host.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// List the keys: the one that signs, a staged one, retired ones still
    /// published.
    List(KeysTarget),
    /// Stage a new signing key: the next start publishes it and signs with
    /// it some five minutes later (once verifiers' cached key sets know
    /// it); the old key stays published until its tokens have expired.
    Rotate {
        #[command(flatten)]
        target: KeysTarget,
        /// The new key's algorithm (default: the configured `signing_alg`).
        #[arg(long, value_name = "ES256|EdDSA")]
        alg: Option<String>,
    },
    /// Print the JWK Set verifiers fetch (to publish it elsewhere).
    Jwks(KeysTarget),
}

/// Whose keys.
#[derive(Debug, clap::Args)]
pub struct KeysTarget {
    /// The host's state directory.
    #[arg(long, value_name = "DIR", default_value = ".caracal")]
    state_dir: PathBuf,
}

impl KeysCommand {
    /// Runs the subcommand.
    pub fn execute(self) -> ExitCode {
        match self.run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => super::report(&error),
        }
    }

    fn run(self) -> Result<(), HostError> {
        let config = caracal_host::HostConfig::load()?;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let (target, alg) = match &self {
            KeysCommand::List(target) | KeysCommand::Jwks(target) => (target, None),
            KeysCommand::Rotate { target, alg } => (target, alg.as_deref()),
        };
        let alg = match alg {
            None => config.signing_algorithm,
            Some(name) => SigningAlgorithm::parse(name).ok_or_else(|| {
                HostError::Engine(format!(
                    "unknown algorithm `{name}` (expected ES256 or EdDSA)"
                ))
            })?,
        };
        let identity = HostIdentity::in_dir(&target.state_dir).map_err(HostError::StateDir)?;
        let keys = match self {
            KeysCommand::Rotate { .. } => identity.stage_signing_key(alg, now_ms),
            _ => identity.signing_keys(config.signing_algorithm, now_ms),
        }
        .map_err(HostError::StateDir)?
        .expect("a directory identity keeps keys");
        if let KeysCommand::Jwks(_) = self {
            let jwks: Vec<serde_json::Value> = std::iter::once(keys.active.public().jwk())
                .chain(keys.staged.iter().map(|(key, _)| key.public().jwk()))
                .chain(keys.retired.iter().map(|r| r.key.jwk()))
                .collect();
            println!("{:#}", serde_json::json!({ "keys": jwks }));
            return Ok(());
        }
        let when = |ms: u64| format!("{}s from now", ms.saturating_sub(now_ms) / 1000);
        println!(
            "signing  {} {}",
            keys.active.algorithm().name(),
            keys.active.kid()
        );
        if let Some((key, at)) = &keys.staged {
            println!(
                "staged   {} {} (signs from the next start plus {STAGED_KEY_PUBLISHED_AHEAD_SECONDS}s, at the earliest {})",
                key.algorithm().name(),
                key.kid(),
                when(*at)
            );
        }
        for retired in &keys.retired {
            println!(
                "retired  {} {} (published until {})",
                retired.key.algorithm().name(),
                retired.key.kid(),
                when(retired.until_ms)
            );
        }
        Ok(())
    }
}
