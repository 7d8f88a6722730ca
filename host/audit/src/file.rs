//! The JSON-lines file log: [`AuditLog`], [`read`], [`verify_file`].
//!
//! One record per line, each line the record's JSON and `\n`. The file is
//! only ever appended to.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::chain::{AuditRecord, Chain};
use crate::error::{AuditError, LineError, json_message};
use crate::event::AuditEvent;
use crate::verify::{Tamper, VerifySummary, verify};

/// How an [`AuditLog`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogOptions {
    /// `fsync` (`File::sync_data`) after every append, so an acknowledged
    /// record survives power loss, not only a process crash. Default `true`.
    pub sync: bool,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions { sync: true }
    }
}

impl LogOptions {
    /// Sets [`LogOptions::sync`].
    #[must_use]
    pub fn sync(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }
}

/// An append-only, hash-chained JSON-lines audit log file.
///
/// Thread-safe: [`append`](Self::append) takes `&self` and serializes
/// writers with a mutex. One writer per file: opening takes an exclusive
/// advisory lock ([`File::try_lock`]), so a second `AuditLog` on the same
/// file, in this process or another, gets [`AuditError::Locked`]. Readers
/// ([`read`], [`verify_file`], [`Follower`](crate::Follower)) take no lock.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    options: LogOptions,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    file: File,
    chain: Chain,
    /// File length after the last complete append.
    len: u64,
    poisoned: bool,
}

impl AuditLog {
    /// Opens (creating it and its parent directories if needed) the log at
    /// `path` with default [`LogOptions`] (fsync on).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AuditError> {
        Self::open_with(path, LogOptions::default())
    }

    /// Opens the log at `path`, creating it and its parent directories.
    ///
    /// The chain resumes from the last line, which must be a complete
    /// record (ending in `\n`) whose hash matches its content; otherwise
    /// this returns [`AuditError::DamagedTail`] naming the line and changes
    /// nothing. Appending after damage would bury it under valid-looking
    /// records, and cutting it off would destroy evidence, so the choice is
    /// left to an operator (`audit verify` names the line; an append torn
    /// by a crash is an incomplete last line that can be removed by hand).
    /// Only the last line is read: run [`verify_file`] for the whole chain.
    pub fn open_with(path: impl AsRef<Path>, options: LogOptions) -> Result<Self, AuditError> {
        let path = path.as_ref().to_path_buf();
        let io = |source| AuditError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(AuditError::Locked { path }),
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let len = file.metadata().map_err(io)?.len();
        let chain = match resume_point(&mut file, len).map_err(io)? {
            Ok(chain) => chain,
            Err(source) => return Err(AuditError::DamagedTail { path, source }),
        };
        Ok(AuditLog {
            path,
            options,
            inner: Mutex::new(Inner {
                file,
                chain,
                len,
                poisoned: false,
            }),
        })
    }

    /// The log file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Seq of the last record (0 for an empty log).
    pub fn last_seq(&self) -> u64 {
        self.lock().chain.next_seq() - 1
    }

    /// Hash of the last record ([`GENESIS_PREV`](crate::GENESIS_PREV) for
    /// an empty log): the value to keep elsewhere as an anchor.
    pub fn head(&self) -> String {
        self.lock().chain.head().to_owned()
    }

    /// Seals `event` as the next record, writes it as one line and flushes
    /// it to the OS (and to disk when [`LogOptions::sync`]).
    ///
    /// If the write fails, the partial line is cut off again and the chain
    /// does not advance. If that cut, or the fsync, fails, the log is
    /// poisoned: this and later appends return an error
    /// ([`AuditError::Poisoned`] after the first).
    pub fn append(&self, event: AuditEvent) -> Result<AuditRecord, AuditError> {
        let mut inner = self.lock();
        if inner.poisoned {
            return Err(AuditError::Poisoned {
                path: self.path.clone(),
            });
        }
        let mut chain = inner.chain.clone();
        let record = chain.seal(event);
        let mut line =
            serde_json::to_vec(&record).expect("an audit record (strings and numbers) serializes");
        line.push(b'\n');
        if let Err(source) = inner.file.write_all(&line) {
            let len = inner.len;
            if inner.file.set_len(len).is_err() {
                inner.poisoned = true;
            }
            return Err(self.io(source));
        }
        inner.len += line.len() as u64;
        inner.chain = chain;
        if self.options.sync
            && let Err(source) = inner.file.sync_data()
        {
            inner.poisoned = true;
            return Err(self.io(source));
        }
        Ok(record)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Inner is consistent between statements; a panic elsewhere while
        // holding the lock does not corrupt it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn io(&self, source: io::Error) -> AuditError {
        AuditError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

/// Where the chain resumes in a file of `len` bytes: `Ok(Err(_))` if the
/// last line is damaged.
fn resume_point(file: &mut File, len: u64) -> io::Result<Result<Chain, Tamper>> {
    if len == 0 {
        return Ok(Ok(Chain::new()));
    }
    if read_range(file, len - 1, len)? != b"\n" {
        return Ok(Err(Tamper::Unparsable {
            line: count_newlines(file, len)? + 1,
            message: "incomplete last line (no newline at the end): an append was cut short \
                      or the file was truncated"
                .to_owned(),
        }));
    }
    let start = last_line_start(file, len - 1)?;
    let bytes = read_range(file, start, len - 1)?;
    let line = count_newlines(file, start)? + 1;
    let record: AuditRecord = match serde_json::from_slice(&bytes) {
        Ok(record) => record,
        Err(e) => {
            return Ok(Err(Tamper::Unparsable {
                line,
                message: json_message(&e),
            }));
        }
    };
    let computed = record.compute_hash();
    if computed != record.hash {
        return Ok(Err(Tamper::Edited {
            line,
            seq: record.seq,
            stored: record.hash,
            computed,
        }));
    }
    Ok(Ok(Chain::after(&record)))
}

const CHUNK: u64 = 8 * 1024;

/// Offset just after the last `\n` before `end` (0 if none).
fn last_line_start(file: &mut File, end: u64) -> io::Result<u64> {
    let mut pos = end;
    while pos > 0 {
        let start = pos.saturating_sub(CHUNK);
        let chunk = read_range(file, start, pos)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        pos = start;
    }
    Ok(0)
}

fn read_range(file: &mut File, start: u64, end: u64) -> io::Result<Vec<u8>> {
    let len = usize::try_from(end - start).map_err(io::Error::other)?;
    let mut buf = vec![0; len];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut buf)?;
    Ok(buf)
}

/// Number of `\n` in the first `end` bytes (only for error reports).
fn count_newlines(file: &mut File, end: u64) -> io::Result<u64> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::new(file.take(end));
    let mut count = 0;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(count);
        }
        count += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        let n = buf.len();
        reader.consume(n);
    }
}

/// Reads the log at `path` line by line.
///
/// Each line yields a record or a [`LineError`]; a bad line does not stop
/// the iteration, an I/O error does. A last line without `\n` is read too.
pub fn read(path: impl AsRef<Path>) -> Result<Records, AuditError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Records {
        reader: BufReader::new(file),
        line: 0,
        buf: Vec::new(),
        done: false,
    })
}

/// Iterator over a log's lines, from [`read`].
#[derive(Debug)]
pub struct Records {
    reader: BufReader<File>,
    line: u64,
    buf: Vec<u8>,
    done: bool,
}

impl Iterator for Records {
    type Item = Result<AuditRecord, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.buf.clear();
        match self.reader.read_until(b'\n', &mut self.buf) {
            Ok(0) => {
                self.done = true;
                None
            }
            Ok(_) => {
                self.line += 1;
                Some(parse_line(self.line, &self.buf))
            }
            Err(source) => {
                self.done = true;
                Some(Err(LineError::Io {
                    line: self.line + 1,
                    source,
                }))
            }
        }
    }
}

/// Parses one line (with or without its `\n`).
pub(crate) fn parse_line(line: u64, bytes: &[u8]) -> Result<AuditRecord, LineError> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|error| LineError::Parse { line, error })
}

/// Verifies the whole log at `path` (see [`verify`](crate::verify)).
///
/// A tampered chain is [`AuditError::Tampered`] (its
/// [`tamper`](AuditError::tamper) says where and what); a read failure is
/// [`AuditError::Io`]. On a log being written, an append in progress can
/// show as an unparsable last line.
pub fn verify_file(path: impl AsRef<Path>) -> Result<VerifySummary, AuditError> {
    let path = path.as_ref();
    let mut io_error = None;
    let items = read(path)?.map_while(|item| match item {
        Ok(record) => Some(Ok(record)),
        Err(LineError::Parse { error, .. }) => Some(Err(json_message(&error))),
        Err(LineError::Io { source, .. }) => {
            io_error = Some(source);
            None
        }
    });
    let result = verify(items);
    if let Some(source) = io_error {
        return Err(AuditError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    result.map_err(|source| AuditError::Tampered {
        path: path.to_path_buf(),
        source,
    })
}
