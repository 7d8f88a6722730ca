//! Following a growing log (`audit tail --follow`): [`Follower`].

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use crate::chain::AuditRecord;
use crate::error::{AuditError, LineError};
use crate::file::parse_line;

/// Reads the complete lines appended to a log since the last
/// [`poll`](Self::poll). A line still being written (no `\n` yet) is held
/// back until it is complete.
#[derive(Debug)]
pub struct Follower {
    path: PathBuf,
    file: File,
    /// Bytes read so far (including `partial`).
    offset: u64,
    /// Complete lines read so far.
    line: u64,
    /// The incomplete last line.
    partial: Vec<u8>,
}

impl Follower {
    /// Follows the log at `path` from its first line.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AuditError> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|source| AuditError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(Follower {
            path,
            file,
            offset: 0,
            line: 0,
            partial: Vec::new(),
        })
    }

    /// Follows the log at `path` from its end: the next poll yields only
    /// lines completed after this call. Line numbers stay those of the file.
    pub fn open_at_end(path: impl AsRef<Path>) -> Result<Self, AuditError> {
        let mut follower = Self::open(path)?;
        follower.read_new(|_, _| ())?;
        Ok(follower)
    }

    /// Number of complete lines read so far (the last line number seen).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The records (or bad lines) completed since the last poll, in order.
    /// [`AuditError::Shrunk`] if the file got shorter.
    pub fn poll(&mut self) -> Result<Vec<Result<AuditRecord, LineError>>, AuditError> {
        let mut items = Vec::new();
        self.read_new(|line, bytes| items.push(parse_line(line, bytes)))?;
        Ok(items)
    }

    /// Polls every `interval` and hands each new item to `on_item` until
    /// `on_item` breaks (the rest of that poll's items are dropped) or
    /// `stop` returns true (checked after each poll, before sleeping).
    pub fn follow(
        &mut self,
        interval: Duration,
        mut stop: impl FnMut() -> bool,
        mut on_item: impl FnMut(Result<AuditRecord, LineError>) -> ControlFlow<()>,
    ) -> Result<(), AuditError> {
        loop {
            for item in self.poll()? {
                if on_item(item).is_break() {
                    return Ok(());
                }
            }
            if stop() {
                return Ok(());
            }
            thread::sleep(interval);
        }
    }

    /// Reads to the end of the file, calling `each_line(number, bytes)` for
    /// every line completed (bytes without the `\n`).
    fn read_new(&mut self, mut each_line: impl FnMut(u64, &[u8])) -> Result<(), AuditError> {
        let len = self.file.metadata().map_err(|e| self.io(e))?.len();
        if len < self.offset {
            return Err(AuditError::Shrunk {
                path: self.path.clone(),
                len,
                offset: self.offset,
            });
        }
        self.file
            .seek(SeekFrom::Start(self.offset))
            .map_err(|e| self.io(e))?;
        let mut chunk = vec![0; 64 * 1024];
        loop {
            let n = match self.file.read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.io(e)),
            };
            self.offset += n as u64;
            let mut data = &chunk[..n];
            while let Some(i) = data.iter().position(|&b| b == b'\n') {
                self.partial.extend_from_slice(&data[..i]);
                self.line += 1;
                each_line(self.line, &self.partial);
                self.partial.clear();
                data = &data[i + 1..];
            }
            self.partial.extend_from_slice(data);
        }
    }

    fn io(&self, source: io::Error) -> AuditError {
        AuditError::Io {
            path: self.path.clone(),
            source,
        }
    }
}
