//! PostgreSQL through the synchronous `postgres` crate.
//!
//! The connection comes from a URL (`postgresql://user:pass@host:5432/db`, or the
//! `key=value` form), from `DataProviders.PostgreSQL` (`Url`, or `Host`, `Port`, `User`,
//! `Password`, `Database`), or from libpq's variables `PGHOST`, `PGPORT`, `PGUSER`,
//! `PGPASSWORD`, `PGDATABASE`. Connections are plain TCP or a unix socket: TLS is not built
//! into the workspace, so use a local socket, a loopback port or an SSH tunnel.
//!
//! Types become polars dtypes as follows (see [`values`]):
//!
//! | PostgreSQL | polars |
//! |---|---|
//! | `int2`, `int4`, `int8`, `oid` | Int64 |
//! | `float4`, `float8`, `numeric` | Float64 (`numeric` exact as String with [`NumericMode::Text`]) |
//! | `bool` | Boolean |
//! | `timestamp` (as UTC), `timestamptz` | Datetime(µs, UTC) |
//! | `date` | Date |
//! | `interval` | Duration(µs) |
//! | `json`, `jsonb`, arrays | String of JSON text |
//! | `text`, `varchar`, `char`, `name`, `uuid`, `inet`, `cidr`, `time`, `bytea` (`\x…`), enums | String |
//!
//! A value that cannot be decoded becomes null with the reason in the `_errors` column.

pub mod values;

use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use polars::prelude::DataFrame;

use crate::config::Config;
use crate::driver::auth::setting;
use crate::driver::http::{ColumnBuilder, ColumnKind, TableBuilder, error_chain};
use crate::driver::{Driver, DriverError};
use values::{PgValue, column_kind};

const DRIVER: &str = "postgres";

/// How `numeric` columns come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumericMode {
    /// As Float64 (may round beyond 15–17 significant digits).
    #[default]
    Float,
    /// As exact decimal text.
    Text,
}

impl fmt::Display for NumericMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NumericMode::Float => "float",
            NumericMode::Text => "text",
        })
    }
}

impl std::str::FromStr for NumericMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "float" | "f64" => Ok(NumericMode::Float),
            "text" | "string" => Ok(NumericMode::Text),
            _ => Err(format!("unknown numeric mode {text:?}; use float or text")),
        }
    }
}

/// How to connect and read.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// The connection settings (their `Debug` hides the password).
    pub config: ::postgres::Config,
    /// How `numeric` columns come back.
    pub numeric: NumericMode,
}

impl PostgresOptions {
    /// Options from a URL or a `key=value` connection string.
    pub fn from_url(url: &str) -> Result<Self, DriverError> {
        let mut config: ::postgres::Config = url.parse().map_err(|e| DriverError::Config {
            driver: DRIVER,
            message: format!("the connection string is not valid: {e}"),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        Ok(PostgresOptions {
            config,
            numeric: NumericMode::Float,
        })
    }

    /// Options from libpq's variables: `PGHOST` (default `localhost`), `PGPORT` (5432),
    /// `PGUSER`, `PGPASSWORD`, `PGDATABASE`.
    pub fn from_env() -> Result<Self, DriverError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self::from_parts(
            env("PGHOST").as_deref(),
            env("PGPORT").as_deref(),
            env("PGUSER").as_deref(),
            env("PGPASSWORD").as_deref(),
            env("PGDATABASE").as_deref(),
        )
    }

    /// Options from `DataProviders.PostgreSQL`: `Url`, or `Host`, `Port`, `User`,
    /// `Password`, `Database`.
    pub fn from_config(config: &Config) -> Result<Self, DriverError> {
        let Some(settings) = config.data_provider("PostgreSQL") else {
            return Err(DriverError::Config {
                driver: DRIVER,
                message: "no DataProviders.PostgreSQL section in msticpyconfig.yaml".to_string(),
            });
        };
        let get = |names: &[&str]| setting(DRIVER, &settings, names);
        if let Some(url) = get(&["Url", "ConnectionString"])? {
            return Self::from_url(&url);
        }
        Self::from_parts(
            get(&["Host"])?.as_deref(),
            get(&["Port"])?.as_deref(),
            get(&["User", "UserName"])?.as_deref(),
            get(&["Password"])?.as_deref(),
            get(&["Database", "DbName"])?.as_deref(),
        )
    }

    fn from_parts(
        host: Option<&str>,
        port: Option<&str>,
        user: Option<&str>,
        password: Option<&str>,
        database: Option<&str>,
    ) -> Result<Self, DriverError> {
        let mut config = ::postgres::Config::new();
        config.host(host.unwrap_or("localhost"));
        let port = port.unwrap_or("5432");
        config.port(port.parse().map_err(|_| DriverError::Config {
            driver: DRIVER,
            message: format!("port {port:?} is not a number"),
        })?);
        let user = user
            .map(str::to_string)
            .or_else(|| std::env::var("USER").ok());
        if let Some(user) = user {
            config.user(&user);
        }
        if let Some(password) = password {
            config.password(password);
        }
        if let Some(database) = database {
            config.dbname(database);
        }
        config.connect_timeout(Duration::from_secs(10));
        Ok(PostgresOptions {
            config,
            numeric: NumericMode::Float,
        })
    }

    /// Sets how `numeric` columns come back.
    pub fn with_numeric(mut self, mode: NumericMode) -> Self {
        self.numeric = mode;
        self
    }

    /// Where the connection goes, without credentials: `host:port/database`.
    pub fn display(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(::postgres::config::Host::Tcp(host)) => host.clone(),
            Some(::postgres::config::Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_string(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let database = self
            .config
            .get_dbname()
            .or(self.config.get_user())
            .unwrap_or_default();
        format!("{host}:{port}/{database}")
    }
}

/// The PostgreSQL driver: one connection, reopened when it drops.
pub struct PostgresDriver {
    options: PostgresOptions,
    client: Mutex<::postgres::Client>,
}

impl fmt::Debug for PostgresDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresDriver")
            .field("server", &self.options.display())
            .finish()
    }
}

impl PostgresDriver {
    /// Connects.
    pub fn connect(options: PostgresOptions) -> Result<Self, DriverError> {
        let client = open(&options)?;
        Ok(PostgresDriver {
            options,
            client: Mutex::new(client),
        })
    }

    /// Connects to a URL.
    pub fn connect_url(url: &str) -> Result<Self, DriverError> {
        Self::connect(PostgresOptions::from_url(url)?)
    }

    /// The options in force.
    pub fn options(&self) -> &PostgresOptions {
        &self.options
    }

    /// Runs one or more statements that return no rows (DDL, inserts), in one batch.
    pub fn execute(&self, sql: &str) -> Result<(), DriverError> {
        let mut client = self.client()?;
        client.batch_execute(sql).map_err(|e| self.error(e))
    }

    /// Runs one SQL statement and returns its rows.
    pub fn run(&self, sql: &str) -> Result<DataFrame, DriverError> {
        let mut client = self.client()?;
        let statement = client.prepare(sql).map_err(|e| self.error(e))?;
        let rows = client.query(&statement, &[]).map_err(|e| self.error(e))?;
        drop(client);

        let numeric = self.options.numeric;
        let schema: Vec<(String, ColumnKind)> = statement
            .columns()
            .iter()
            .map(|c| {
                let kind = match (column_kind(c.type_()), numeric) {
                    (ColumnKind::Float, NumericMode::Text)
                        if *c.type_() == ::postgres::types::Type::NUMERIC =>
                    {
                        ColumnKind::String
                    }
                    (kind, _) => kind,
                };
                (c.name().to_string(), kind)
            })
            .collect();
        let mut table = TableBuilder::new(schema);
        for row in &rows {
            table.push_with(|i, column| {
                let value = row
                    .try_get::<_, Option<PgValue>>(i)
                    .map_err(|e| format!("{}: {}", column.name(), error_chain(&e)))?;
                push_value(column, value);
                Ok(())
            });
        }
        table.finish(DRIVER)
    }

    fn client(&self) -> Result<MutexGuard<'_, ::postgres::Client>, DriverError> {
        let mut client = self
            .client
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if client.is_closed() {
            tracing::debug!(server = %self.options.display(), "reconnecting to PostgreSQL");
            *client = open(&self.options)?;
        }
        Ok(client)
    }

    fn error(&self, error: ::postgres::Error) -> DriverError {
        describe(&self.options, error)
    }
}

fn open(options: &PostgresOptions) -> Result<::postgres::Client, DriverError> {
    options
        .config
        .connect(::postgres::NoTls)
        .map_err(|e| describe(options, e))
}

fn describe(options: &PostgresOptions, error: ::postgres::Error) -> DriverError {
    let Some(db) = error.as_db_error() else {
        return DriverError::Connect {
            driver: DRIVER,
            url: options.display(),
            message: error_chain(&error),
        };
    };
    let mut message = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    if let Some(detail) = db.detail() {
        message.push_str(&format!("; detail: {detail}"));
    }
    if let Some(hint) = db.hint() {
        message.push_str(&format!("; hint: {hint}"));
    }
    if let Some(::postgres::error::ErrorPosition::Original(at)) = db.position() {
        message.push_str(&format!(" (at character {at})"));
    }
    if db.code().code().starts_with("28") {
        return DriverError::Auth {
            driver: DRIVER,
            message,
        };
    }
    DriverError::Query {
        driver: DRIVER,
        message,
    }
}

fn push_value(column: &mut ColumnBuilder, value: Option<PgValue>) {
    let Some(value) = value else {
        column.push_null();
        return;
    };
    match value {
        PgValue::Null => column.push_null(),
        PgValue::Bool(b) => column.push_bool(Some(b)),
        PgValue::Int(i) | PgValue::Timestamp(i) | PgValue::Interval(i) => column.push_i64(Some(i)),
        PgValue::Date(days) => column.push_i64(Some(days.into())),
        PgValue::Float(f) => column.push_f64(Some(f)),
        PgValue::Numeric(text) if column.kind() == ColumnKind::Float => {
            column.push_f64(text.parse().ok());
        }
        PgValue::Numeric(text) | PgValue::Text(text) => {
            let _ = column.push_text(Some(&text));
        }
        PgValue::Json(json) => {
            let _ = column.push_text(Some(&json.to_string()));
        }
        array @ PgValue::Array(_) => {
            let _ = column.push_text(Some(&array.to_json().to_string()));
        }
    }
}

impl Driver for PostgresDriver {
    fn environments(&self) -> &[&'static str] {
        &["PostgreSQL", "Postgres"]
    }

    fn query(&self, text: &str) -> Result<DataFrame, DriverError> {
        self.run(text)
    }

    fn format_datetime(&self, value: &DateTime<Utc>) -> String {
        format!(
            "'{}'::timestamptz",
            value.to_rfc3339_opts(SecondsFormat::Micros, true)
        )
    }

    fn format_list(&self, items: &[String], quote: bool) -> String {
        let quoted: Vec<String> = if quote {
            items
                .iter()
                .map(|item| format!("'{}'", item.replace('\'', "''")))
                .collect()
        } else {
            items.to_vec()
        };
        quoted.join(", ")
    }
}
