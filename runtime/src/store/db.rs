//! The store's one connection, to SQLite or to PostgreSQL. The store's
//! queries are written once, in the SQL both accept (`?1` placeholders,
//! `ON CONFLICT`, `CAST(... AS BIGINT)`), and run on either: the two stores
//! cannot drift apart in what a query means. What only one of them has
//! (SQLite's pragmas and its earlier table forms, PostgreSQL's advisory
//! locks and commit modes) stays in the functions that say so.

use super::{Result, StoreError};
use std::collections::HashMap;

/// A parameter of a query.
#[derive(Clone, Copy, Debug)]
pub(crate) enum P<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl From<i64> for P<'_> {
    fn from(v: i64) -> Self {
        P::Int(v)
    }
}
impl From<u32> for P<'_> {
    fn from(v: u32) -> Self {
        P::Int(v.into())
    }
}
impl<'a> From<&'a str> for P<'a> {
    fn from(v: &'a str) -> Self {
        P::Text(v)
    }
}
impl<'a> From<&'a String> for P<'a> {
    fn from(v: &'a String) -> Self {
        P::Text(v)
    }
}
impl<'a> From<&'a [u8]> for P<'a> {
    fn from(v: &'a [u8]) -> Self {
        P::Blob(v)
    }
}
impl<'a> From<&'a Vec<u8>> for P<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        P::Blob(v)
    }
}
impl<'a, T: Into<P<'a>>> From<Option<T>> for P<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(P::Null, Into::into)
    }
}

/// `ps![a, b, ...]`: the parameters of a query.
macro_rules! ps {
    ($($v:expr),* $(,)?) => { &[$($crate::store::db::P::from($v)),*] };
}
pub(crate) use ps;

/// A value read from a row.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum V {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

/// A row read, its columns in the query's order.
pub(crate) struct Row(Vec<V>);

pub(crate) trait FromV: Sized {
    fn from_v(v: V) -> std::result::Result<Self, &'static str>;
}
impl FromV for i64 {
    fn from_v(v: V) -> std::result::Result<Self, &'static str> {
        match v {
            V::Int(i) => Ok(i),
            _ => Err("an integer"),
        }
    }
}
impl FromV for u32 {
    fn from_v(v: V) -> std::result::Result<Self, &'static str> {
        match v {
            V::Int(i) => u32::try_from(i).map_err(|_| "a count of at most 2^32"),
            _ => Err("an integer"),
        }
    }
}
impl FromV for u64 {
    fn from_v(v: V) -> std::result::Result<Self, &'static str> {
        match v {
            V::Int(i) => u64::try_from(i).map_err(|_| "a count"),
            _ => Err("an integer"),
        }
    }
}
impl FromV for bool {
    fn from_v(v: V) -> std::result::Result<Self, &'static str> {
        match v {
            V::Int(i) => Ok(i != 0),
            _ => Err("a truth value"),
        }
    }
}
impl FromV for String {
    fn from_v(v: V) -> std::result::Result<Self, &'static str> {
        match v {
            V::Text(s) => Ok(s),
            _ => Err("a text"),
        }
    }
}
impl FromV for Vec<u8> {
    fn from_v(v: V) -> std::result::Result<Self, &'static str> {
        match v {
            V::Blob(b) => Ok(b),
            V::Text(s) => Ok(s.into_bytes()),
            _ => Err("bytes"),
        }
    }
}
impl<T: FromV> FromV for Option<T> {
    fn from_v(v: V) -> std::result::Result<Self, &'static str> {
        match v {
            V::Null => Ok(None),
            v => T::from_v(v).map(Some),
        }
    }
}

impl Row {
    pub(crate) fn get<T: FromV>(&mut self, i: usize) -> Result<T> {
        let v = self.0.get_mut(i).map(|v| std::mem::replace(v, V::Null));
        let v = v.ok_or_else(|| StoreError::Message(format!("a query has no column {i}")))?;
        T::from_v(v).map_err(|want| {
            StoreError::Message(format!(
                "column {i} of a stored row is not {want}; the store was written by another program or is damaged"
            ))
        })
    }
}

/// The two databases a store can live in.
pub(crate) enum Conn {
    Sqlite(rusqlite::Connection),
    Pg {
        client: Box<postgres::Client>,
        /// Prepared statements by their SQL (the store's queries are a
        /// fixed set of texts, so this stays small).
        prepared: HashMap<&'static str, postgres::Statement>,
        /// Where it is connected, as messages show it (no password).
        target: String,
        /// Messages sent to the server and answered (statements,
        /// preparations, transaction control): what a transaction costs in
        /// waits on the network, read by [`Conn::round_trips`].
        trips: u64,
    },
}

impl rusqlite::ToSql for P<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            P::Null => ValueRef::Null,
            P::Int(i) => ValueRef::Integer(i),
            P::Text(s) => ValueRef::Text(s.as_bytes()),
            P::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl postgres::types::ToSql for P<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        use postgres::types::{IsNull, Type};
        match *self {
            P::Null => Ok(IsNull::Yes),
            P::Int(i) if *ty == Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
            P::Int(i) if *ty == Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
            P::Int(i) if *ty == Type::BOOL => (i != 0).to_sql(ty, out),
            P::Int(i) => i.to_sql(ty, out),
            P::Text(s) => s.to_sql(ty, out),
            P::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        // Each value checks its column's type as it is written.
        true
    }

    postgres::types::to_sql_checked!();
}

/// `?1` as PostgreSQL spells it: `$1`. The store's SQL has no `?` in a
/// string literal.
fn pg_sql(sql: &str) -> String {
    sql.replace('?', "$")
}

fn pg_value(row: &postgres::Row, i: usize) -> std::result::Result<V, postgres::Error> {
    use postgres::types::Type;
    let ty = row.columns()[i].type_().clone();
    Ok(if ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map_or(V::Null, V::Int)
    } else if ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map_or(V::Null, |v| V::Int(v.into()))
    } else if ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)?
            .map_or(V::Null, |v| V::Int(v.into()))
    } else if ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?
            .map_or(V::Null, |v| V::Int(v.into()))
    } else if ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)?
            .map_or(V::Null, V::Blob)
    } else {
        row.try_get::<_, Option<String>>(i)?
            .map_or(V::Null, V::Text)
    })
}

impl Conn {
    pub(crate) fn is_pg(&self) -> bool {
        matches!(self, Conn::Pg { .. })
    }

    fn err_sqlite(&self, label: &str, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: label.to_string(),
            source,
        }
    }

    fn pg_statement(
        prepared: &mut HashMap<&'static str, postgres::Statement>,
        client: &mut postgres::Client,
        trips: &mut u64,
        sql: &'static str,
    ) -> std::result::Result<postgres::Statement, postgres::Error> {
        *trips += 1;
        if let Some(s) = prepared.get(sql) {
            return Ok(s.clone());
        }
        *trips += 1;
        let s = client.prepare(&pg_sql(sql))?;
        prepared.insert(sql, s.clone());
        Ok(s)
    }

    /// Runs a statement; the rows it changed.
    pub(crate) fn execute(&mut self, label: &str, sql: &'static str, ps: &[P]) -> Result<u64> {
        match self {
            Conn::Sqlite(c) => {
                let r = c
                    .prepare_cached(sql)
                    .and_then(|mut s| s.execute(rusqlite::params_from_iter(ps.iter())));
                match r {
                    Ok(n) => Ok(n as u64),
                    Err(e) => Err(self.err_sqlite(label, e)),
                }
            }
            Conn::Pg {
                client,
                prepared,
                target,
                trips,
            } => {
                let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    ps.iter().map(|p| p as _).collect();
                Self::pg_statement(prepared, client, trips, sql)
                    .and_then(|s| client.execute(&s, &params))
                    .map_err(|e| pg_error(target, e))
            }
        }
    }

    /// Calls `f` with each row of a query, in order, without holding them
    /// all.
    pub(crate) fn each(
        &mut self,
        label: &str,
        sql: &'static str,
        ps: &[P],
        f: &mut dyn FnMut(Row) -> Result<()>,
    ) -> Result<()> {
        match self {
            Conn::Sqlite(c) => {
                let sq = |e| StoreError::Sqlite {
                    path: label.to_string(),
                    source: e,
                };
                let mut stmt = c.prepare_cached(sql).map_err(sq)?;
                let n = stmt.column_count();
                let mut rows = stmt
                    .query(rusqlite::params_from_iter(ps.iter()))
                    .map_err(sq)?;
                while let Some(r) = rows.next().map_err(sq)? {
                    let mut row = Vec::with_capacity(n);
                    for i in 0..n {
                        use rusqlite::types::ValueRef;
                        row.push(match r.get_ref(i).map_err(sq)? {
                            ValueRef::Null => V::Null,
                            ValueRef::Integer(i) => V::Int(i),
                            ValueRef::Real(x) => V::Int(x as i64),
                            ValueRef::Text(t) => V::Text(String::from_utf8_lossy(t).into_owned()),
                            ValueRef::Blob(b) => V::Blob(b.to_vec()),
                        });
                    }
                    f(Row(row))?;
                }
                Ok(())
            }
            Conn::Pg {
                client,
                prepared,
                target,
                trips,
            } => {
                let pe = |e| pg_error(target, e);
                let s = Self::pg_statement(prepared, client, trips, sql).map_err(pe)?;
                let mut rows = client.query_raw(&s, ps.iter()).map_err(pe)?;
                use postgres::fallible_iterator::FallibleIterator;
                while let Some(r) = rows.next().map_err(pe)? {
                    let row = (0..r.len())
                        .map(|i| pg_value(&r, i))
                        .collect::<std::result::Result<Vec<V>, _>>()
                        .map_err(pe)?;
                    f(Row(row))?;
                }
                Ok(())
            }
        }
    }

    /// All the rows of a query.
    pub(crate) fn query(&mut self, label: &str, sql: &'static str, ps: &[P]) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        self.each(label, sql, ps, &mut |r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query, if any.
    pub(crate) fn query_opt(
        &mut self,
        label: &str,
        sql: &'static str,
        ps: &[P],
    ) -> Result<Option<Row>> {
        Ok(self.query(label, sql, ps)?.into_iter().next())
    }

    /// Runs a PostgreSQL-only statement whose parameters are PostgreSQL
    /// values (arrays, for writing many rows in one round trip; see
    /// `page`); the rows it changed. On SQLite there is no such statement.
    pub(crate) fn pg_execute(
        &mut self,
        label: &str,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<u64> {
        match self {
            Conn::Sqlite(_) => Err(StoreError::Message(format!(
                "the store `{label}`: a PostgreSQL statement was given to SQLite"
            ))),
            Conn::Pg {
                client,
                prepared,
                target,
                trips,
            } => Self::pg_statement(prepared, client, trips, sql)
                .and_then(|s| client.execute(&s, params))
                .map_err(|e| pg_error(target, e)),
        }
    }

    /// Calls `f` with each row of a PostgreSQL-only query whose parameters
    /// are PostgreSQL values (arrays, for reading many accounts' rows in one
    /// round trip; see `serve`). On SQLite there is no such query.
    pub(crate) fn pg_each(
        &mut self,
        label: &str,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
        f: &mut dyn FnMut(Row) -> Result<()>,
    ) -> Result<()> {
        match self {
            Conn::Sqlite(_) => Err(StoreError::Message(format!(
                "the store `{label}`: a PostgreSQL query was given to SQLite"
            ))),
            Conn::Pg {
                client,
                prepared,
                target,
                trips,
            } => {
                let pe = |e| pg_error(target, e);
                let s = Self::pg_statement(prepared, client, trips, sql).map_err(pe)?;
                let mut rows = client.query_raw(&s, params.iter().copied()).map_err(pe)?;
                use postgres::fallible_iterator::FallibleIterator;
                while let Some(r) = rows.next().map_err(pe)? {
                    let row = (0..r.len())
                        .map(|i| pg_value(&r, i))
                        .collect::<std::result::Result<Vec<V>, _>>()
                        .map_err(pe)?;
                    f(Row(row))?;
                }
                Ok(())
            }
        }
    }

    /// Statements without parameters, separated by `;`.
    pub(crate) fn batch(&mut self, label: &str, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql).map_err(|e| StoreError::Sqlite {
                path: label.to_string(),
                source: e,
            }),
            Conn::Pg {
                client,
                target,
                trips,
                ..
            } => {
                *trips += 1;
                client.batch_execute(sql).map_err(|e| pg_error(target, e))
            }
        }
    }

    /// Sets SQLite's `synchronous` pragma, or PostgreSQL's
    /// `synchronous_commit` for the transaction under way: `false` lets a
    /// commit return before it is on disk (a killed process loses nothing,
    /// a crash of the machine or of the database server loses the last
    /// commits, as if the run had stopped earlier).
    pub(crate) fn durable(&mut self, label: &str, on: bool) -> Result<()> {
        match self {
            Conn::Sqlite(c) => c
                .pragma_update(None, "synchronous", if on { "FULL" } else { "NORMAL" })
                .map_err(|e| StoreError::Sqlite {
                    path: label.to_string(),
                    source: e,
                }),
            Conn::Pg {
                client,
                target,
                trips,
                ..
            } => {
                *trips += 1;
                client
                    .batch_execute(if on {
                        "SET LOCAL synchronous_commit = on"
                    } else {
                        "SET LOCAL synchronous_commit = off"
                    })
                    .map_err(|e| pg_error(target, e))
            }
        }
    }

    /// The round trips to the server so far (0 on SQLite, which runs in
    /// this process).
    pub(crate) fn round_trips(&self) -> u64 {
        match self {
            Conn::Sqlite(_) => 0,
            Conn::Pg { trips, .. } => *trips,
        }
    }
}

pub(crate) fn pg_error(target: &str, source: postgres::Error) -> StoreError {
    let detail = match source.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => source.to_string(),
    };
    StoreError::Message(format!("the store `{target}`: {detail}"))
}
