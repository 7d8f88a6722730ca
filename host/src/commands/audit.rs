//! `caracal-host audit verify|tail`: check and read the tamper-evident
//! audit trail.

use caracal_audit::{AuditError, Follower, render_json, render_line, verify_file};
use caracal_host::HostConfig;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Exit code of `audit verify` when the log was tampered with.
const EXIT_TAMPERED: u8 = 3;

/// Check or read the audit trail (default: the configured `audit_file`, else
/// `.caracal/audit.jsonl`).
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain; name the first edited, removed, inserted or
    /// reordered record. Exits 3 when the log was tampered with.
    Verify {
        /// The log file.
        file: Option<PathBuf>,
    },
    /// Print the records as readable lines.
    Tail {
        /// The log file.
        file: Option<PathBuf>,
        /// Keep printing records as they are appended.
        #[arg(long, short)]
        follow: bool,
        /// One JSON object per line, for machines.
        #[arg(long)]
        json: bool,
        /// Print only the last N records first.
        #[arg(long, short = 'n', value_name = "N")]
        lines: Option<usize>,
    },
}

impl AuditCommand {
    /// Runs the subcommand.
    pub fn execute(self) -> ExitCode {
        match self {
            AuditCommand::Verify { file } => verify(resolve(file)),
            AuditCommand::Tail {
                file,
                follow,
                json,
                lines,
            } => match tail(resolve(file), follow, json, lines) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => failure(&error),
            },
        }
    }
}

fn resolve(file: Option<PathBuf>) -> PathBuf {
    file.or_else(|| HostConfig::load().ok().and_then(|c| c.audit_file))
        .unwrap_or_else(|| PathBuf::from(super::DEFAULT_AUDIT_FILE))
}

fn verify(path: PathBuf) -> ExitCode {
    match verify_file(&path) {
        Ok(summary) => {
            println!(
                "ok: {} records, chain head {}",
                summary.records, summary.head
            );
            ExitCode::SUCCESS
        }
        Err(error) => match error.tamper() {
            Some(tamper) => {
                eprintln!(
                    "caracal-host: audit log {} was tampered with: {tamper}",
                    path.display()
                );
                ExitCode::from(EXIT_TAMPERED)
            }
            None => failure(&error),
        },
    }
}

fn tail(path: PathBuf, follow: bool, json: bool, lines: Option<usize>) -> Result<(), AuditError> {
    let print = |record: &caracal_audit::AuditRecord| {
        if json {
            println!("{}", render_json(record));
        } else {
            println!("{}", render_line(record));
        }
    };
    let mut follower = Follower::open(&path)?;
    let first = follower.poll()?;
    let skip = lines.map_or(0, |n| first.len().saturating_sub(n));
    for item in first.into_iter().skip(skip) {
        match item {
            Ok(record) => print(&record),
            Err(error) => eprintln!("caracal-host: {error}"),
        }
    }
    if follow {
        follower.follow(
            Duration::from_millis(200),
            || false,
            |item| {
                match item {
                    Ok(record) => print(&record),
                    Err(error) => eprintln!("caracal-host: {error}"),
                }
                ControlFlow::Continue(())
            },
        )?;
    }
    Ok(())
}

fn failure(error: &AuditError) -> ExitCode {
    super::print_error(error);
    ExitCode::from(super::EXIT_USER_ERROR)
}
