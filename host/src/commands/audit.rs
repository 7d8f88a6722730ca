//! `caracal-host audit verify|tail`: check and read the tamper-evident
//! audit trail.

use caracal_audit::{
    AuditError, AuditRecord, Follower, render_json, render_line, verify, verify_file,
};
use caracal_host::HostConfig;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Exit code of `audit verify` when the log was tampered with.
const EXIT_TAMPERED: u8 = 3;

/// Check or read the audit trail: a JSON-lines file when one is named or
/// configured (`audit_file`), else the state store's audit chain
/// (`--store`, `[store] url`, CARACAL_STORE_URL, default
/// `.caracal/caracal.db`).
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain; name the first edited, removed, inserted or
    /// reordered record. Exits 3 when the log was tampered with.
    Verify {
        /// The log file.
        file: Option<PathBuf>,
        /// The state store whose chain to verify.
        #[arg(long, value_name = "URL|PATH", conflicts_with = "file")]
        store: Option<String>,
    },
    /// Print the records as readable lines.
    Tail {
        /// The log file.
        file: Option<PathBuf>,
        /// The state store whose chain to print.
        #[arg(long, value_name = "URL|PATH", conflicts_with = "file")]
        store: Option<String>,
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
            AuditCommand::Verify { file, store } => match resolve(file, store) {
                Source::File(path) => verify_log(path),
                Source::Store(url) => verify_store(&url),
            },
            AuditCommand::Tail {
                file,
                store,
                follow,
                json,
                lines,
            } => match resolve(file, store) {
                Source::File(path) => match tail(path, follow, json, lines) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(error) => failure(&error),
                },
                Source::Store(url) => tail_store(&url, follow, json, lines),
            },
        }
    }
}

/// Where the records are read from.
enum Source {
    File(PathBuf),
    Store(String),
}

fn resolve(file: Option<PathBuf>, store: Option<String>) -> Source {
    if let Some(file) = file {
        return Source::File(file);
    }
    if let Some(store) = store {
        return Source::Store(store);
    }
    let config = HostConfig::load().ok();
    if let Some(file) = config.as_ref().and_then(|c| c.audit_file.clone()) {
        return Source::File(file);
    }
    Source::Store(
        config
            .and_then(|c| c.store_url)
            .unwrap_or_else(|| super::DEFAULT_STORE.to_owned()),
    )
}

/// One stored record: its seq and the parsed record (or why it does not
/// parse).
type StoredRecord = (u64, Result<AuditRecord, String>);

/// Every record of the store's chain after `after`, parsed (a row that
/// does not parse is reported by `verify` with its position).
fn store_records(url: &str, after: u64) -> Result<Vec<StoredRecord>, String> {
    let store =
        caracal_store::open(url).map_err(|e| format!("cannot open the state store {url}: {e}"))?;
    let rows = if after == 0 {
        store.all_audit_rows()
    } else {
        store.audit_rows(after, 10_000)
    }
    .map_err(|e| format!("cannot read the audit chain: {e}"))?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let record =
                serde_json::from_str::<AuditRecord>(&row.record_json).map_err(|e| e.to_string());
            (row.seq, record)
        })
        .collect())
}

fn verify_store(url: &str) -> ExitCode {
    let records = match store_records(url, 0) {
        Ok(records) => records,
        Err(message) => {
            eprintln!("caracal-host: {message}");
            return ExitCode::from(super::EXIT_USER_ERROR);
        }
    };
    match verify(records.into_iter().map(|(_, r)| r)) {
        Ok(summary) => {
            println!(
                "ok: {} records, chain head {}",
                summary.records, summary.head
            );
            ExitCode::SUCCESS
        }
        Err(tamper) => {
            eprintln!("caracal-host: the audit chain in {url} was tampered with: {tamper}");
            ExitCode::from(EXIT_TAMPERED)
        }
    }
}

fn tail_store(url: &str, follow: bool, json: bool, lines: Option<usize>) -> ExitCode {
    let mut after = 0;
    let mut first = true;
    loop {
        let records = match store_records(url, after) {
            Ok(records) => records,
            Err(message) => {
                eprintln!("caracal-host: {message}");
                return ExitCode::from(super::EXIT_USER_ERROR);
            }
        };
        let skip = match (first, lines) {
            (true, Some(n)) => records.len().saturating_sub(n),
            _ => 0,
        };
        for (seq, record) in records.into_iter().skip(skip) {
            after = seq;
            match record {
                Ok(record) if json => println!("{}", render_json(&record)),
                Ok(record) => println!("{}", render_line(&record)),
                Err(error) => eprintln!("caracal-host: record {seq}: {error}"),
            }
        }
        if !follow {
            return ExitCode::SUCCESS;
        }
        first = false;
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn verify_log(path: PathBuf) -> ExitCode {
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
