//! Queries: msticpy's YAML query files, typed parameters, templates and the
//! [`QueryProvider`] that runs them on a [`Driver`](crate::driver::Driver).
//!
//! - [`file`](mod@file): the query file schema and loader ([`QueryDefinition`],
//!   [`ParamDefinition`]).
//! - [`Params`] / [`ParamValue`] / [`ParamType`]: caller values and declared types.
//! - [`Template`]: Python `str.format` templates with errors that name placeholders.
//! - [`QueryProvider`]: `list_queries`, `query_help`, `render`, `query`, `exec_query`,
//!   `query_split` (time chunks run concurrently, results stacked, failures kept per chunk).
//! - [`environment`]: data environment names and aliases.
//! - [`builtin`]: the query files compiled into the crate.

pub mod builtin;
pub mod environment;
pub mod file;
mod frames;
mod params;
mod provider;
mod render;
mod split;
mod template;

pub use file::{ParamDefinition, QueryDefinition};
pub use frames::concat as concat_frames;
pub use params::{ParamType, ParamValue, Params, UnknownParamType, parse_datetime};
pub use provider::QueryProvider;
pub use render::{format_value, render};
pub use split::{ChunkError, SplitResult, TimeRange, time_chunks};
pub use template::{Template, TemplateError};
