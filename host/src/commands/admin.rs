//! `caracal-host sessions|delegations|revoke|suspend|resume`: operate a
//! running host through its admin endpoint (see `caracal_host::admin`).

use caracal_host::admin::{AdminAccess, Impact, SessionRecord, Snapshot, dot, mermaid, tree};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;

/// The admin file a running `caracal-host run` writes (mode 0600).
pub const DEFAULT_ADMIN_FILE: &str = ".caracal/admin.json";

/// Where to find the running host.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The admin file the running host wrote.
    #[arg(long, global = true, value_name = "FILE", default_value = DEFAULT_ADMIN_FILE)]
    admin_file: PathBuf,
}

/// How to print sessions.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    /// Readable text.
    Text,
    /// JSON.
    Json,
    /// Graphviz `dot`.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
}

/// Inspect the sessions of a running host.
#[derive(Debug, clap::Subcommand)]
pub enum SessionsCommand {
    /// One line per session.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// The session tree with labels, lifecycle, status and scopes.
    Tree {
        /// Output format (`dot` and `mermaid` draw the delegation edges too).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// One session in full (JSON).
    Show {
        /// The session id.
        id: String,
    },
}

/// Inspect the delegation edges of a running host.
#[derive(Debug, clap::Subcommand)]
pub enum DelegationsCommand {
    /// One line per edge.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// What revoking an edge would take down, without doing it.
    Impact {
        /// The delegation id.
        id: String,
    },
}

/// A request to the admin endpoint.
struct Admin {
    access: AdminAccess,
}

impl Admin {
    fn open(target: &Target) -> Result<Admin, String> {
        AdminAccess::read(&target.admin_file)
            .map(|access| Admin { access })
            .map_err(|e| {
                format!(
                    "cannot read the admin file {} ({e}); is `caracal-host run` running here?",
                    target.admin_file.display()
                )
            })
    }

    /// Sends one request; the JSON answer or the endpoint's error message.
    fn call(&self, method: &str, path: &str) -> Result<serde_json::Value, String> {
        let address = self.access.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address)
            .map_err(|e| format!("cannot reach the host at {address}: {e}"))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            self.access.token
        )
        .map_err(|e| e.to_string())?;
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .map_err(|e| e.to_string())?;
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = dechunk(head, body);
        let json: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| format!("bad answer from the host: {e}"))?;
        if (200..300).contains(&status) {
            Ok(json)
        } else {
            Err(format!(
                "{} ({status}): {}",
                json["error"].as_str().unwrap_or("error"),
                json["message"].as_str().unwrap_or_default()
            ))
        }
    }

    fn snapshot(&self) -> Result<Snapshot, String> {
        serde_json::from_value(self.call("GET", "/v1/snapshot")?).map_err(|e| e.to_string())
    }
}

/// The body of a `transfer-encoding: chunked` answer, or `body` as is.
fn dechunk(head: &str, body: &str) -> String {
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return body.to_string();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

fn finish(result: Result<String, String>) -> ExitCode {
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("caracal-host: error: {message}");
            ExitCode::from(super::EXIT_FAILURE)
        }
    }
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

impl SessionsCommand {
    /// Runs the subcommand against the host `target` names.
    pub fn execute(self, target: &Target) -> ExitCode {
        finish(Admin::open(target).and_then(|admin| {
            let snapshot = admin.snapshot()?;
            Ok(match self {
                SessionsCommand::List { format } => match format {
                    Format::Json => pretty(&snapshot.sessions),
                    Format::Dot => dot(&snapshot),
                    Format::Mermaid => mermaid(&snapshot),
                    Format::Text => snapshot.sessions.iter().map(list_line).collect(),
                },
                SessionsCommand::Tree { format } => match format {
                    Format::Json => pretty(&snapshot),
                    Format::Dot => dot(&snapshot),
                    Format::Mermaid => mermaid(&snapshot),
                    Format::Text => tree(&snapshot),
                },
                SessionsCommand::Show { id } => {
                    let record: SessionRecord =
                        serde_json::from_value(admin.call("GET", &format!("/v1/sessions/{id}"))?)
                            .map_err(|e| e.to_string())?;
                    pretty(&record)
                }
            })
        }))
    }
}

fn list_line(session: &SessionRecord) -> String {
    format!(
        "{} {} {} {} [{}] scopes={}\n",
        session.id,
        if session.is_root {
            "root"
        } else {
            session.lifecycle.as_deref().unwrap_or("task")
        },
        session.status,
        session.application,
        session.labels.join(","),
        session.scopes.join(",")
    )
}

impl DelegationsCommand {
    /// Runs the subcommand against the host `target` names.
    pub fn execute(self, target: &Target) -> ExitCode {
        finish(Admin::open(target).and_then(|admin| match self {
            DelegationsCommand::List { format } => {
                let snapshot = admin.snapshot()?;
                Ok(match format {
                    Format::Json => pretty(&snapshot.delegations),
                    Format::Dot => dot(&snapshot),
                    Format::Mermaid => mermaid(&snapshot),
                    Format::Text => snapshot
                        .delegations
                        .iter()
                        .map(|d| {
                            format!(
                                "{} {} {} -> {} ({}) scopes={}\n",
                                d.id,
                                d.state,
                                d.issuer,
                                d.receiver,
                                d.receiver_application,
                                d.scopes.join(",")
                            )
                        })
                        .collect(),
                })
            }
            DelegationsCommand::Impact { id } => {
                let impact: Impact = serde_json::from_value(
                    admin.call("GET", &format!("/v1/delegations/{id}/impact"))?,
                )
                .map_err(|e| e.to_string())?;
                Ok(pretty(&impact))
            }
        }))
    }
}

/// `revoke`, `suspend` or `resume` one id.
pub fn act(target: &Target, action: &str, id: &str) -> ExitCode {
    let path = match action {
        "revoke" => format!("/v1/revoke/{id}"),
        other => format!("/v1/sessions/{id}/{other}"),
    };
    finish(
        Admin::open(target)
            .and_then(|admin| admin.call("POST", &path))
            .map(|answer| pretty(&answer)),
    )
}
