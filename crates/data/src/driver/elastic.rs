//! Elasticsearch and OpenSearch: `POST {base}/{index}/_search`, paged with `search_after`.
//!
//! The query text is a search body in JSON (`{"query": {…}}`), or, when it does not start
//! with `{`, a Lucene query string sent as `query_string`. Without a `from` in the body the
//! driver pages: it adds `size` (the page size) and a `sort` (the body's own, else
//! [`ElasticOptions::sort`]) and sends each next request with `search_after` set to the last
//! hit's `sort` values, until a page comes back short or `max_rows` is reached.
//!
//! Each hit becomes a row: `_index`, `_id`, then `_source` flattened to dotted column names
//! (`http.request.method`). Types are inferred from the values: booleans, integers
//! (Int64), numbers (Float64), ISO datetimes (Datetime(µs, UTC)), arrays and objects
//! (JSON text), other text (String). Shard failures and `timed_out` make a partial result.

use polars::prelude::DataFrame;
use serde_json::{Map, Value, json};
use url::Url;

use crate::config::{Config, Secret};
use crate::driver::auth::setting;
use crate::driver::http::client::parse_json;
use crate::driver::http::{
    ColumnKind, Credential, HttpClient, HttpOptions, HttpRequest, Page, PartialResults,
    QueryResult, TableBuilder, collect_pages,
};
use crate::driver::{Driver, DriverError};

const DRIVER: &str = "elastic";

/// Where and how searches run.
#[derive(Debug, Clone)]
pub struct ElasticOptions {
    /// The cluster URL, e.g. `https://localhost:9200`.
    pub base_url: String,
    /// The index or index pattern searched (`logs-*`).
    pub index: String,
    /// Credentials: basic, `ApiKey`, or bearer.
    pub credential: Option<Credential>,
    /// Hits per page.
    pub page_size: usize,
    /// The most rows one query returns.
    pub max_rows: usize,
    /// The sort used for paging when the body has none.
    pub sort: Value,
    /// What to do with shard failures and timeouts.
    pub partial_results: PartialResults,
    /// Timeouts and retries.
    pub http: HttpOptions,
}

impl ElasticOptions {
    /// Options for an index of a cluster.
    pub fn new(base_url: &str, index: &str) -> Self {
        ElasticOptions {
            base_url: base_url.trim_end_matches('/').to_string(),
            index: index.to_string(),
            credential: None,
            page_size: 1000,
            max_rows: 100_000,
            sort: json!([{ "_doc": "asc" }]),
            partial_results: PartialResults::Keep,
            http: HttpOptions::default(),
        }
    }

    /// Signs in with a user and password.
    pub fn with_basic_auth(mut self, user: &str, password: Secret) -> Self {
        self.credential = Some(Credential::Basic {
            user: user.to_string(),
            password,
        });
        self
    }

    /// Signs in with an API key (the base64 `id:key` Elasticsearch hands out).
    pub fn with_api_key(mut self, key: Secret) -> Self {
        self.credential = Some(Credential::Scheme {
            scheme: "ApiKey".to_string(),
            value: key,
        });
        self
    }

    /// Sets the page size (at least 1).
    pub fn with_page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Sets the row limit.
    pub fn with_max_rows(mut self, rows: usize) -> Self {
        self.max_rows = rows;
        self
    }

    /// Sets the paging sort, e.g. `[{"@timestamp": "asc"}, {"event.id": "asc"}]`; give a
    /// unique tie-breaker so that pages neither skip nor repeat hits.
    pub fn with_sort(mut self, sort: Value) -> Self {
        self.sort = sort;
        self
    }

    /// Sets the partial-result policy.
    pub fn with_partial_results(mut self, policy: PartialResults) -> Self {
        self.partial_results = policy;
        self
    }

    /// Sets timeouts and retries.
    pub fn with_http(mut self, http: HttpOptions) -> Self {
        self.http = http;
        self
    }

    /// Reads `DataProviders.Elastic` (`Url`, `Index`, `UserName` + `Password` or `ApiKey`),
    /// else `HUNTBOOK_ELASTIC_URL`, `HUNTBOOK_ELASTIC_INDEX`, `HUNTBOOK_ELASTIC_API_KEY` or
    /// `HUNTBOOK_ELASTIC_USER` + `HUNTBOOK_ELASTIC_PASSWORD`.
    pub fn discover(config: Option<&Config>) -> Result<Self, DriverError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut found = [None, None, None, None, None];
        if let Some(settings) = config.and_then(|c| c.data_provider("Elastic")) {
            let names: [&[&str]; 5] = [
                &["Url", "Host"],
                &["Index"],
                &["UserName", "User"],
                &["Password"],
                &["ApiKey"],
            ];
            for (slot, names) in found.iter_mut().zip(names) {
                *slot = setting(DRIVER, &settings, names)?;
            }
        }
        let variables = ["URL", "INDEX", "USER", "PASSWORD", "API_KEY"];
        for (slot, variable) in found.iter_mut().zip(variables) {
            if slot.is_none() {
                *slot = env(&format!("HUNTBOOK_ELASTIC_{variable}"));
            }
        }
        let [url, index, user, password, api_key] = found;
        let Some(url) = url else {
            return Err(DriverError::Config {
                driver: DRIVER,
                message: "no Elasticsearch URL: set Url under DataProviders.Elastic.Args or \
                          export HUNTBOOK_ELASTIC_URL"
                    .to_string(),
            });
        };
        let mut options = Self::new(&url, index.as_deref().unwrap_or("*"));
        if let Some(key) = api_key {
            options = options.with_api_key(Secret::new(key));
        } else if let (Some(user), Some(password)) = (user, password) {
            options = options.with_basic_auth(&user, Secret::new(password));
        }
        Ok(options)
    }
}

/// The Elasticsearch / OpenSearch driver.
#[derive(Debug)]
pub struct ElasticDriver {
    options: ElasticOptions,
    http: HttpClient,
}

impl ElasticDriver {
    /// A driver for a cluster.
    pub fn new(options: ElasticOptions) -> Result<Self, DriverError> {
        let http = HttpClient::new(DRIVER, options.http.clone())?;
        Ok(ElasticDriver { options, http })
    }

    /// Runs a search, following pages, and returns the hits with any partial-result note.
    pub fn query_result(&self, text: &str) -> Result<QueryResult, DriverError> {
        let mut body = search_body(text)?;
        let url = self.url()?;
        let single = body.get("from").is_some();
        let limit = body
            .get("size")
            .and_then(Value::as_u64)
            .map_or(self.options.max_rows, |s| {
                usize::try_from(s)
                    .unwrap_or(usize::MAX)
                    .min(self.options.max_rows)
            });
        if !single {
            body["size"] = json!(self.options.page_size.min(limit.max(1)));
            if body.get("sort").is_none() {
                body["sort"] = self.options.sort.clone();
            }
        }

        let mut hits = SearchHits::default();
        let max_pages = if single {
            1
        } else {
            limit.div_ceil(self.options.page_size.max(1)) + 1
        };
        let (_, cut) = collect_pages(max_pages.max(1), |after: Option<&Value>| {
            if let Some(after) = after {
                body["search_after"] = after.clone();
            }
            let page = self.search(&url, &body)?;
            let before = hits.rows.len();
            let next = hits.add_page(page, limit)?;
            let full = hits.rows.len() - before >= self.options.page_size;
            let more = !single && full && hits.rows.len() < limit;
            Ok(Page {
                items: (),
                next: if more { next } else { None },
            })
        })?;
        if cut {
            hits.notes
                .push(format!("stopped after {} rows", hits.rows.len()));
        }
        hits.finish()
    }

    fn url(&self) -> Result<Url, DriverError> {
        let address = format!("{}/{}/_search", self.options.base_url, self.options.index);
        Url::parse(&address).map_err(|e| DriverError::Config {
            driver: DRIVER,
            message: format!("search URL {address} is not a URL: {e}"),
        })
    }

    fn search(&self, url: &Url, body: &Value) -> Result<Value, DriverError> {
        let mut request = HttpRequest::post(url.clone()).with_json(body);
        if let Some(credential) = &self.options.credential {
            request = request.with_credential(credential.clone());
        }
        let response = self.http.send(&request)?;
        parse_json(DRIVER, &request.display_url(), &response.body)
    }
}

impl Driver for ElasticDriver {
    fn environments(&self) -> &[&'static str] {
        &["Elastic", "OpenSearch"]
    }

    fn query(&self, text: &str) -> Result<DataFrame, DriverError> {
        let result = self.query_result(text)?;
        self.options.partial_results.apply(DRIVER, result)
    }

    fn format_list(&self, items: &[String], quote: bool) -> String {
        let quoted: Vec<String> = if quote {
            items
                .iter()
                .map(|item| Value::String(item.clone()).to_string())
                .collect()
        } else {
            items.to_vec()
        };
        quoted.join(", ")
    }
}

/// The search body for a query text: JSON as given, or a `query_string` query.
pub fn search_body(text: &str) -> Result<Value, DriverError> {
    let trimmed = text.trim();
    if !trimmed.starts_with('{') {
        return Ok(json!({ "query": { "query_string": { "query": trimmed } } }));
    }
    let body: Value = serde_json::from_str(trimmed).map_err(|e| DriverError::Parse {
        driver: DRIVER,
        what: "query text".to_string(),
        message: format!(
            "not a JSON search body (line {} column {}): {e}",
            e.line(),
            e.column()
        ),
    })?;
    if !body.is_object() {
        return Err(DriverError::Parse {
            driver: DRIVER,
            what: "query text".to_string(),
            message: "a search body must be a JSON object".to_string(),
        });
    }
    Ok(body)
}

/// Hits gathered from search answers.
#[derive(Debug, Default)]
pub struct SearchHits {
    rows: Vec<Map<String, Value>>,
    columns: Vec<String>,
    notes: Vec<String>,
}

impl SearchHits {
    /// Adds one `_search` answer (up to `limit` rows in all) and returns the last hit's `sort`
    /// values, the `search_after` of the next page.
    pub fn add_page(&mut self, answer: Value, limit: usize) -> Result<Option<Value>, DriverError> {
        self.check_shards(&answer);
        let Value::Object(mut answer) = answer else {
            return Err(shape_error("the answer is not a JSON object"));
        };
        let hits = answer
            .get_mut("hits")
            .and_then(|h| h.get_mut("hits"))
            .map(Value::take)
            .ok_or_else(|| shape_error("the answer has no hits.hits"))?;
        let Value::Array(hits) = hits else {
            return Err(shape_error("hits.hits is not an array"));
        };

        let mut last_sort = None;
        for hit in hits {
            if self.rows.len() >= limit {
                break;
            }
            let Value::Object(mut hit) = hit else {
                return Err(shape_error("a hit is not an object"));
            };
            last_sort = hit.remove("sort");
            self.push_hit(hit);
        }
        Ok(last_sort)
    }

    fn check_shards(&mut self, answer: &Value) {
        if answer.get("timed_out").and_then(Value::as_bool) == Some(true) {
            self.notes
                .push("the search timed out on the server".to_string());
        }
        let failed = answer
            .pointer("/_shards/failed")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if failed > 0 {
            let reason = answer
                .pointer("/_shards/failures/0/reason/reason")
                .and_then(Value::as_str)
                .unwrap_or("no reason given");
            self.notes.push(format!("{failed} shards failed: {reason}"));
        }
    }

    fn push_hit(&mut self, mut hit: Map<String, Value>) {
        let mut row = Map::new();
        for meta in ["_index", "_id"] {
            if let Some(value) = hit.remove(meta) {
                row.insert(meta.to_string(), value);
            }
        }
        if let Some(Value::Object(source)) = hit.remove("_source") {
            flatten("", source, &mut row);
        }
        for key in row.keys() {
            if !self.columns.contains(key) {
                self.columns.push(key.clone());
            }
        }
        self.rows.push(row);
    }

    /// The hits as a table.
    pub fn finish(self) -> Result<QueryResult, DriverError> {
        let schema: Vec<(String, ColumnKind)> = self
            .columns
            .iter()
            .map(|name| {
                let kind = ColumnKind::infer(self.rows.iter().filter_map(|r| r.get(name)));
                (name.clone(), kind)
            })
            .collect();
        let mut table = TableBuilder::new(schema);
        for row in &self.rows {
            table.push_object(row);
        }
        let frame = table.finish(DRIVER)?;
        let partial_error = (!self.notes.is_empty()).then(|| self.notes.join("; "));
        Ok(QueryResult {
            tables: vec![("hits".to_string(), frame)],
            partial_error,
        })
    }
}

fn shape_error(message: &str) -> DriverError {
    DriverError::Parse {
        driver: DRIVER,
        what: "_search answer".to_string(),
        message: message.into(),
    }
}

/// Flattens nested objects into dotted keys; arrays stay whole (JSON text later).
fn flatten(prefix: &str, object: Map<String, Value>, out: &mut Map<String, Value>) {
    for (key, value) in object {
        let name = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) if !inner.is_empty() => flatten(&name, inner, out),
            other => {
                out.insert(name, other);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_and_bodies() {
        let body = search_body("user.id:kimchy").unwrap();
        assert_eq!(body["query"]["query_string"]["query"], "user.id:kimchy");
        let body = search_body(r#"{"query":{"match_all":{}}}"#).unwrap();
        assert!(body["query"]["match_all"].is_object());
        let err = search_body("{bad").unwrap_err();
        assert!(matches!(err, DriverError::Parse { .. }), "{err}");
    }

    #[test]
    fn sources_are_flattened() {
        let mut out = Map::new();
        let source = json!({"a": {"b": {"c": 1}}, "d": [1, 2], "e": {}});
        flatten("", source.as_object().unwrap().clone(), &mut out);
        assert_eq!(out["a.b.c"], 1);
        assert_eq!(out["d"], json!([1, 2]));
        assert_eq!(out["e"], json!({}));
    }
}
