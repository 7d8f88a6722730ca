//! `spin:sqlite/sqlite@3.1.0` (spin-sdk 6 and 7; a 3.0.0 import is served
//! by it) and `fermyon:spin/sqlite@2.0.0` (spin-sdk 5 and older): one
//! SQLite file per database label, `<state dir>/spin-sqlite/<app>/<label>.db`.
//!
//! A statement reaches only its own database: the connection may attach
//! none (`ATTACH`, `VACUUM INTO` and `VACUUM` are refused, so SQL cannot
//! open or write another host file) and extensions stay unloadable. A
//! result held by the host is bounded by [`MAX_RESULT_BYTES`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::limits::Limit;
use rusqlite::types::{Value as SqlValue, ValueRef};
use wasmtime::component::{Accessor, FutureReader, Linker, Resource, StreamReader};

use super::fermyon::sqlite as v2;
use super::{HasSpin, Refusal, SpinView};
use crate::run_state::RunState;

mod generated {
    wasmtime::component::bindgen!({
        path: "wit/spin-sqlite.wit",
        world: "spin:sqlite/host",
        imports: { default: trappable },
        with: {
            "spin:sqlite/sqlite.connection": crate::spin_apis::sqlite::SqliteConnection,
        },
    });
}

use generated::spin::sqlite::sqlite::{self as v3, Error, QueryResult, RowResult, Value};

/// The most a query result may hold in the host (the sum of its values'
/// sizes); a larger one is an `io` error asking for `LIMIT`.
pub const MAX_RESULT_BYTES: usize = 64 * 1024 * 1024;

/// Where one application's SQLite databases live.
#[derive(Clone, Debug, Default)]
pub struct SqliteDatabases {
    dir: Option<PathBuf>,
}

impl SqliteDatabases {
    /// Databases as files `<dir>/<label>.db` (the directory is created on
    /// first use).
    pub fn in_dir(dir: PathBuf) -> SqliteDatabases {
        SqliteDatabases { dir: Some(dir) }
    }

    /// No place for databases (a host without a state directory): every
    /// open is an `io` error that says so.
    pub fn unavailable() -> SqliteDatabases {
        SqliteDatabases { dir: None }
    }

    fn open(&self, label: &str) -> Result<rusqlite::Connection, SqlError> {
        let dir = self.dir.as_deref().ok_or_else(|| {
            SqlError::Io("the host has no state directory for SQLite databases".to_owned())
        })?;
        std::fs::create_dir_all(dir)
            .map_err(|e| SqlError::Io(format!("cannot create {}: {e}", dir.display())))?;
        open_confined(&dir.join(format!("{label}.db"))).map_err(SqlError::from)
    }
}

/// Opens `path` for a guest's SQL: no attached databases, a busy timeout.
fn open_confined(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// An open database: the resource behind both versions' `connection`.
pub struct SqliteConnection {
    label: String,
    conn: Arc<Mutex<rusqlite::Connection>>,
}

impl std::fmt::Debug for SqliteConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteConnection")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// Both versions' `error`, before conversion.
#[derive(Debug)]
enum SqlError {
    NoSuchDatabase,
    AccessDenied,
    DatabaseFull,
    Io(String),
}

impl SqlError {
    fn reason(&self) -> String {
        match self {
            SqlError::NoSuchDatabase => "no such database".to_owned(),
            SqlError::AccessDenied => {
                "the component's sqlite_databases does not list it".to_owned()
            }
            SqlError::DatabaseFull => "the database is full".to_owned(),
            SqlError::Io(message) => message.clone(),
        }
    }
}

impl From<rusqlite::Error> for SqlError {
    fn from(e: rusqlite::Error) -> SqlError {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => SqlError::DatabaseFull,
            _ => SqlError::Io(e.to_string()),
        }
    }
}

impl From<SqlError> for Error {
    fn from(e: SqlError) -> Error {
        match e {
            SqlError::NoSuchDatabase => Error::NoSuchDatabase,
            SqlError::AccessDenied => Error::AccessDenied,
            SqlError::DatabaseFull => Error::DatabaseFull,
            SqlError::Io(m) => Error::Io(m),
        }
    }
}

impl From<SqlError> for v2::Error {
    fn from(e: SqlError) -> v2::Error {
        match e {
            SqlError::NoSuchDatabase => v2::Error::NoSuchDatabase,
            SqlError::AccessDenied => v2::Error::AccessDenied,
            SqlError::DatabaseFull => v2::Error::DatabaseFull,
            SqlError::Io(m) => v2::Error::Io(m),
        }
    }
}

/// A parameter or result value, between the WIT forms and SQLite's.
enum Cell {
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    Null,
}

impl Cell {
    fn size(&self) -> usize {
        match self {
            Cell::Text(s) => s.len(),
            Cell::Blob(b) => b.len(),
            _ => 8,
        }
    }

    fn into_sql(self) -> SqlValue {
        match self {
            Cell::Integer(i) => SqlValue::Integer(i),
            Cell::Real(r) => SqlValue::Real(r),
            Cell::Text(s) => SqlValue::Text(s),
            Cell::Blob(b) => SqlValue::Blob(b),
            Cell::Null => SqlValue::Null,
        }
    }

    fn from_sql(value: ValueRef<'_>) -> Cell {
        match value {
            ValueRef::Integer(i) => Cell::Integer(i),
            ValueRef::Real(r) => Cell::Real(r),
            ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
            ValueRef::Null => Cell::Null,
        }
    }
}

/// What a statement returned: column names and rows.
struct Rows {
    columns: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

/// Runs one statement with `params` on `conn`.
fn execute(
    conn: &rusqlite::Connection,
    statement: &str,
    params: Vec<Cell>,
) -> Result<Rows, SqlError> {
    let mut prepared = conn.prepare(statement)?;
    let columns: Vec<String> = prepared.column_names().map(str::to_owned).collect();
    let params = rusqlite::params_from_iter(params.into_iter().map(Cell::into_sql));
    let mut cursor = prepared.query(params)?;
    let mut rows = Vec::new();
    let mut held = 0usize;
    while let Some(row) = cursor.next()? {
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            let cell = Cell::from_sql(row.get_ref(i)?);
            held += cell.size();
            values.push(cell);
        }
        if held > MAX_RESULT_BYTES {
            return Err(SqlError::Io(format!(
                "the result holds more than {MAX_RESULT_BYTES} bytes; fetch it in pages (LIMIT/OFFSET)"
            )));
        }
        rows.push(values);
    }
    Ok(Rows { columns, rows })
}

/// The statement as the audit record shows it (at most 200 characters).
fn shown(statement: &str) -> String {
    let mut shown: String = statement.chars().take(200).collect();
    if shown.len() < statement.len() {
        shown.push('…');
    }
    shown
}

impl SpinView<'_> {
    /// Opens database `label` when the component's manifest lists it.
    fn sql_open(&mut self, label: &str) -> Result<Resource<SqliteConnection>, SqlError> {
        let granted = match self.apis.inner.sqlite.as_ref() {
            None => Err(Refusal::NotGranted),
            Some(grant) => grant.open(label),
        };
        let opened = match granted {
            Err(Refusal::NoSuch) => Err(SqlError::NoSuchDatabase),
            Err(Refusal::NotGranted) => Err(SqlError::AccessDenied),
            Ok(databases) => databases.open(label),
        };
        let pushed = opened.and_then(|conn| {
            let connection = SqliteConnection {
                label: label.to_owned(),
                conn: Arc::new(Mutex::new(conn)),
            };
            self.table
                .push(connection)
                .map_err(|_| SqlError::Io("too many connections open".to_owned()))
        });
        if let Err(error) = &pushed {
            self.audit(
                format!("sqlite:{label}"),
                "open",
                Some(&error.reason()),
                &[],
            );
        }
        pushed
    }

    /// The connection behind `connection`, and its label.
    fn sql_connection(
        &mut self,
        connection: &Resource<SqliteConnection>,
    ) -> wasmtime::Result<(String, Arc<Mutex<rusqlite::Connection>>)> {
        let c = self.table.get(connection)?;
        Ok((c.label.clone(), c.conn.clone()))
    }

    /// Audits one statement's outcome.
    fn sql_audit<T>(&self, label: &str, statement: &str, result: &Result<T, SqlError>) {
        let denied = result.as_ref().err().map(SqlError::reason);
        self.audit(
            format!("sqlite:{label}"),
            "execute",
            denied.as_deref(),
            &[("statement", &shown(statement))],
        );
    }

    /// Runs `statement` on `connection`, here and now.
    fn sql_execute(
        &mut self,
        connection: &Resource<SqliteConnection>,
        statement: &str,
        params: Vec<Cell>,
    ) -> wasmtime::Result<Result<Rows, SqlError>> {
        let (label, conn) = self.sql_connection(connection)?;
        let result = execute(&conn.lock().expect("sqlite connection"), statement, params);
        self.sql_audit(&label, statement, &result);
        Ok(result)
    }

    fn sql_last_insert_rowid(
        &mut self,
        connection: &Resource<SqliteConnection>,
    ) -> wasmtime::Result<i64> {
        let (_, conn) = self.sql_connection(connection)?;
        Ok(conn.lock().expect("sqlite connection").last_insert_rowid())
    }

    fn sql_changes(&mut self, connection: &Resource<SqliteConnection>) -> wasmtime::Result<u64> {
        let (_, conn) = self.sql_connection(connection)?;
        Ok(conn.lock().expect("sqlite connection").changes())
    }
}

// ---- spin:sqlite@3.1.0 ----

fn cell_of(value: Value) -> Cell {
    match value {
        Value::Integer(i) => Cell::Integer(i),
        Value::Real(r) => Cell::Real(r),
        Value::Text(s) => Cell::Text(s),
        Value::Blob(b) => Cell::Blob(b),
        Value::Null => Cell::Null,
    }
}

fn value_of(cell: Cell) -> Value {
    match cell {
        Cell::Integer(i) => Value::Integer(i),
        Cell::Real(r) => Value::Real(r),
        Cell::Text(s) => Value::Text(s),
        Cell::Blob(b) => Value::Blob(b),
        Cell::Null => Value::Null,
    }
}

fn row_results(rows: Vec<Vec<Cell>>) -> Vec<RowResult> {
    rows.into_iter()
        .map(|values| RowResult {
            values: values.into_iter().map(value_of).collect(),
        })
        .collect()
}

impl v3::Host for SpinView<'_> {}

impl v3::HostConnection for SpinView<'_> {
    fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, Error>> {
        Ok(self.sql_open(&database).map_err(Error::from))
    }

    fn execute(
        &mut self,
        connection: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> wasmtime::Result<Result<QueryResult, Error>> {
        let params = parameters.into_iter().map(cell_of).collect();
        Ok(self
            .sql_execute(&connection, &statement, params)?
            .map(|r| QueryResult {
                columns: r.columns,
                rows: row_results(r.rows),
            })
            .map_err(Error::from))
    }

    fn last_insert_rowid(
        &mut self,
        connection: Resource<SqliteConnection>,
    ) -> wasmtime::Result<i64> {
        self.sql_last_insert_rowid(&connection)
    }

    fn changes(&mut self, connection: Resource<SqliteConnection>) -> wasmtime::Result<u64> {
        self.sql_changes(&connection)
    }

    fn drop(&mut self, connection: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(connection)?;
        Ok(())
    }
}

impl<T> v3::HostConnectionWithStore<T> for HasSpin {
    async fn open_async(
        accessor: &Accessor<T, Self>,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, Error>> {
        Ok(accessor.with(|mut view| view.get().sql_open(&database).map_err(Error::from)))
    }

    async fn execute_async(
        accessor: &Accessor<T, Self>,
        connection: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> wasmtime::Result<
        Result<
            (
                Vec<String>,
                StreamReader<RowResult>,
                FutureReader<Result<(), Error>>,
            ),
            Error,
        >,
    > {
        let (label, conn) = accessor.with(|mut view| view.get().sql_connection(&connection))?;
        // The statement runs on a blocking thread; the guest's other tasks
        // go on meanwhile.
        let params: Vec<Cell> = parameters.into_iter().map(cell_of).collect();
        let sql = statement.clone();
        let result = tokio::task::spawn_blocking(move || {
            execute(&conn.lock().expect("sqlite connection"), &sql, params)
        })
        .await?;
        accessor.with(|mut access| {
            access.get().sql_audit(&label, &statement, &result);
            let rows = match result {
                Ok(rows) => rows,
                Err(error) => return Ok(Err(Error::from(error))),
            };
            let stream = StreamReader::new(&mut access, row_results(rows.rows))?;
            let done = FutureReader::new(&mut access, async {
                Ok::<_, wasmtime::Error>(Ok::<(), Error>(()))
            })?;
            Ok(Ok((rows.columns, stream, done)))
        })
    }

    async fn last_insert_rowid_async(
        accessor: &Accessor<T, Self>,
        connection: Resource<SqliteConnection>,
    ) -> wasmtime::Result<i64> {
        accessor.with(|mut view| view.get().sql_last_insert_rowid(&connection))
    }

    async fn changes_async(
        accessor: &Accessor<T, Self>,
        connection: Resource<SqliteConnection>,
    ) -> wasmtime::Result<u64> {
        accessor.with(|mut view| view.get().sql_changes(&connection))
    }
}

// ---- fermyon:spin/sqlite@2.0.0 ----

fn cell_of_v2(value: v2::Value) -> Cell {
    match value {
        v2::Value::Integer(i) => Cell::Integer(i),
        v2::Value::Real(r) => Cell::Real(r),
        v2::Value::Text(s) => Cell::Text(s),
        v2::Value::Blob(b) => Cell::Blob(b),
        v2::Value::Null => Cell::Null,
    }
}

fn value_of_v2(cell: Cell) -> v2::Value {
    match cell {
        Cell::Integer(i) => v2::Value::Integer(i),
        Cell::Real(r) => v2::Value::Real(r),
        Cell::Text(s) => v2::Value::Text(s),
        Cell::Blob(b) => v2::Value::Blob(b),
        Cell::Null => v2::Value::Null,
    }
}

impl v2::Host for SpinView<'_> {}

impl v2::HostConnection for SpinView<'_> {
    fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, v2::Error>> {
        Ok(self.sql_open(&database).map_err(v2::Error::from))
    }

    fn execute(
        &mut self,
        connection: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<v2::Value>,
    ) -> wasmtime::Result<Result<v2::QueryResult, v2::Error>> {
        let params = parameters.into_iter().map(cell_of_v2).collect();
        Ok(self
            .sql_execute(&connection, &statement, params)?
            .map(|r| v2::QueryResult {
                columns: r.columns,
                rows: r
                    .rows
                    .into_iter()
                    .map(|values| v2::RowResult {
                        values: values.into_iter().map(value_of_v2).collect(),
                    })
                    .collect(),
            })
            .map_err(v2::Error::from))
    }

    fn drop(&mut self, connection: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(connection)?;
        Ok(())
    }
}

/// Adds `spin:sqlite/sqlite@3.1.0` to `linker` (the 2.0 form is added with
/// the rest of `fermyon:spin`).
pub(crate) fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    v3::add_to_linker::<RunState, HasSpin>(linker, RunState::spin_view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_cannot_reach_another_file() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_confined(&dir.path().join("app.db")).unwrap();
        execute(&conn, "CREATE TABLE t (x)", Vec::new()).unwrap_or_else(|e| panic!("{e:?}"));
        let outside = dir.path().join("outside.db");
        for statement in [
            format!("ATTACH DATABASE '{}' AS o", outside.display()),
            format!("VACUUM INTO '{}'", outside.display()),
            "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libc.so.6')".to_owned(),
        ] {
            let result = execute(&conn, &statement, Vec::new());
            assert!(matches!(result, Err(SqlError::Io(_))), "{statement}");
        }
        assert!(!outside.exists(), "no SQL wrote a file beside the database");
    }

    #[test]
    fn values_round_trip_and_results_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_confined(&dir.path().join("app.db")).unwrap();
        execute(&conn, "CREATE TABLE t (i, r, s, b, n)", Vec::new())
            .unwrap_or_else(|e| panic!("{e:?}"));
        let params = vec![
            Cell::Integer(-7),
            Cell::Real(1.5),
            Cell::Text("é".into()),
            Cell::Blob(vec![0, 255]),
            Cell::Null,
        ];
        execute(&conn, "INSERT INTO t VALUES (?, ?, ?, ?, ?)", params)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let rows =
            execute(&conn, "SELECT * FROM t", Vec::new()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(rows.columns, ["i", "r", "s", "b", "n"]);
        let row = &rows.rows[0];
        assert!(matches!(row[0], Cell::Integer(-7)));
        assert!(matches!(row[1], Cell::Real(r) if r == 1.5));
        assert!(matches!(&row[2], Cell::Text(s) if s == "é"));
        assert!(matches!(&row[3], Cell::Blob(b) if b == &[0, 255]));
        assert!(matches!(row[4], Cell::Null));
        // 80 rows of 1 MiB each: more than the host holds for one result.
        let big = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 80) \
                   SELECT zeroblob(1048576) FROM n";
        assert!(
            matches!(execute(&conn, big, Vec::new()), Err(SqlError::Io(m)) if m.contains("LIMIT"))
        );
    }
}
