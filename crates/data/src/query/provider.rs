//! The [`QueryProvider`]: named queries over one driver.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;

use super::file::{self, QueryDefinition};
use super::{builtin, environment, render};
use crate::DataError;
use crate::driver::Driver;
use crate::query::params::Params;

/// Named queries over one driver: built-in query files for the driver's environments, plus
/// any folders of query files added with [`QueryProvider::with_query_dirs`].
///
/// ```no_run
/// use huntbook_data::driver::local::LocalDataDriver;
/// use huntbook_data::query::{Params, QueryProvider};
///
/// let provider = QueryProvider::new(Box::new(LocalDataDriver::new("sample-data")));
/// let logons = provider.query("WindowsSecurity.list_host_logons", &Params::new())?;
/// # Ok::<(), huntbook_data::DataError>(())
/// ```
pub struct QueryProvider {
    driver: Box<dyn Driver>,
    queries: BTreeMap<String, Arc<QueryDefinition>>,
    load_errors: Vec<DataError>,
    pub(super) max_workers: usize,
}

impl std::fmt::Debug for QueryProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryProvider")
            .field("environments", &self.driver.environments())
            .field("queries", &self.queries.len())
            .field("load_errors", &self.load_errors.len())
            .finish()
    }
}

impl QueryProvider {
    /// A provider over `driver` with the built-in queries for the driver's environments.
    pub fn new(driver: Box<dyn Driver>) -> QueryProvider {
        let mut provider = QueryProvider {
            driver,
            queries: BTreeMap::new(),
            load_errors: Vec::new(),
            max_workers: 4,
        };
        for (path, text) in builtin::FILES {
            match file::parse_file(text, &format!("built-in:{path}")) {
                Ok((queries, errors)) => {
                    provider.add_matching(queries);
                    provider.load_errors.extend(errors);
                }
                Err(error) => provider.load_errors.push(error),
            }
        }
        provider
    }

    /// Adds every query file under these folders (recursively). Files for other environments
    /// are skipped; a query with the same name as an earlier one replaces it. Files that cannot
    /// be read are listed in [`QueryProvider::load_errors`].
    pub fn with_query_dirs<I, P>(mut self, dirs: I) -> QueryProvider
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        for dir in dirs {
            let dir = dir.into();
            let (queries, errors) = file::load_dir(&dir);
            tracing::debug!(dir = %dir.display(), queries = queries.len(), "query folder read");
            self.add_matching(queries);
            self.load_errors.extend(errors);
        }
        self
    }

    /// Adds the queries of one file, whatever their environment; returns how many were added.
    /// Sources that do not fit the schema are added to [`QueryProvider::load_errors`].
    pub fn add_query_file(
        &mut self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<usize, DataError> {
        let (queries, errors) = file::load_file(path.as_ref())?;
        let count = queries.len();
        queries.into_iter().for_each(|query| self.add_query(query));
        self.load_errors.extend(errors);
        Ok(count)
    }

    /// Sets how many chunks of a split query run at once (default 4, at least 1).
    pub fn with_max_workers(mut self, workers: usize) -> QueryProvider {
        self.max_workers = workers.max(1);
        self
    }

    /// Adds one query (for every one of its families), whatever its environment.
    pub fn add_query(&mut self, query: QueryDefinition) {
        let query = Arc::new(query);
        let families = if query.families.is_empty() {
            vec![String::new()]
        } else {
            query.families.clone()
        };
        for family in families {
            let key = if family.is_empty() {
                query.name.clone()
            } else {
                format!("{family}.{}", query.name)
            };
            if self
                .queries
                .insert(key.clone(), Arc::clone(&query))
                .is_some()
            {
                tracing::debug!(%key, file = %query.file, "query replaces an earlier one");
            }
        }
    }

    fn add_matching(&mut self, queries: Vec<QueryDefinition>) {
        for query in queries {
            if self.serves(&query) {
                self.add_query(query);
            }
        }
    }

    fn serves(&self, query: &QueryDefinition) -> bool {
        query.environments.iter().any(|wanted| {
            self.driver
                .environments()
                .iter()
                .any(|served| environment::same(wanted, served))
        })
    }

    /// Problems met while loading query files: each names the file and source.
    pub fn load_errors(&self) -> &[DataError] {
        &self.load_errors
    }

    /// The driver queries run on.
    pub fn driver(&self) -> &dyn Driver {
        self.driver.as_ref()
    }

    /// Every query as `family.name`, sorted.
    pub fn list_queries(&self) -> Vec<String> {
        self.queries.keys().cloned().collect()
    }

    /// The definition of a query, by `family.name` or by a name unique across families.
    pub fn definition(&self, name: &str) -> Result<&QueryDefinition, DataError> {
        if let Some(query) = self.queries.get(name) {
            return Ok(query);
        }
        let by_short: Vec<&String> = self
            .queries
            .iter()
            .filter(|(_, query)| query.name == name)
            .map(|(key, _)| key)
            .collect();
        let distinct: Vec<&Arc<QueryDefinition>> = {
            let mut found: Vec<&Arc<QueryDefinition>> = Vec::new();
            for key in &by_short {
                let query = &self.queries[*key];
                if !found.iter().any(|seen| Arc::ptr_eq(seen, query)) {
                    found.push(query);
                }
            }
            found
        };
        match distinct.as_slice() {
            [query] => Ok(query),
            [] => Err(DataError::UnknownQuery {
                name: name.to_string(),
                suggestions: suggest(name, self.queries.keys()),
            }),
            _ => Err(DataError::AmbiguousQuery {
                name: name.to_string(),
                candidates: by_short.into_iter().cloned().collect(),
            }),
        }
    }

    /// A query's description, parameters (type, default, whether required) and template.
    pub fn query_help(&self, name: &str) -> Result<String, DataError> {
        let query = self.definition(name)?;
        let mut help = format!(
            "Query: {}\n{}\n",
            query.full_name(),
            query.description.trim()
        );
        help.push_str(&format!(
            "Data environments: {}\n",
            query.environments.join(", ")
        ));
        help.push_str("Parameters:\n");
        if query.parameters.is_empty() {
            help.push_str("  (none)\n");
        }
        for (param, definition) in &query.parameters {
            let note = match &definition.default {
                None => " (required)".to_string(),
                Some(value) => format!(" (default: {})", short(&value.to_string())),
            };
            help.push_str(&format!("  {param}: {}{note}\n", definition.kind));
            help.push_str(&format!("      {}\n", definition.description.trim()));
            if !definition.aliases.is_empty() {
                help.push_str(&format!(
                    "      aliases: {}\n",
                    definition.aliases.join(", ")
                ));
            }
        }
        help.push_str("Query:\n");
        help.push_str(&query.query);
        Ok(help)
    }

    /// The query text a call would run, without running it.
    pub fn render(&self, name: &str, params: &Params) -> Result<String, DataError> {
        self.render_at(name, params, Utc::now())
    }

    pub(super) fn render_at(
        &self,
        name: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> Result<String, DataError> {
        render::render(self.definition(name)?, params, self.driver.as_ref(), now)
    }

    /// Runs a named query with parameters.
    pub fn query(&self, name: &str, params: &Params) -> Result<DataFrame, DataError> {
        let text = self.render(name, params)?;
        tracing::debug!(%name, "running query");
        self.exec_query(&text)
    }

    /// Runs query text as it is.
    pub fn exec_query(&self, text: &str) -> Result<DataFrame, DataError> {
        Ok(self.driver.query(text)?)
    }
}

fn short(text: &str) -> String {
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text.to_string()
    }
}

/// Up to three known names close to `name`: same short name in another family, a name that
/// contains it, or a small edit distance.
fn suggest<'a>(name: &str, known: impl Iterator<Item = &'a String>) -> Vec<String> {
    let wanted = name.to_ascii_lowercase();
    let wanted_short = wanted.rsplit('.').next().unwrap_or(&wanted).to_string();
    let mut scored: Vec<(usize, &String)> = known
        .filter_map(|candidate| {
            let lower = candidate.to_ascii_lowercase();
            let short = lower.rsplit('.').next().unwrap_or(&lower);
            let score = if short == wanted_short {
                0
            } else if lower.contains(&wanted_short) {
                1
            } else {
                let distance = edit_distance(&wanted_short, short);
                if distance > 3 {
                    return None;
                }
                1 + distance
            };
            Some((score, candidate))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, name)| name.clone())
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn suggestions_prefer_same_short_name() {
        let known = ["Net.list_flows".to_string(), "Host.list_host".to_string()];
        assert_eq!(
            suggest("Foo.list_flows", known.iter()),
            vec!["Net.list_flows".to_string()]
        );
        assert_eq!(suggest("list_flow", known.iter())[0], "Net.list_flows");
    }
}
