//! [`TiLookup`]: fans indicators out to providers and gathers the answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use huntbook_data::IocType;
use polars::prelude::{DataFrame, PolarsError};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::cache::{self, DiskCache};
use super::rate::TokenBucket;
use super::{Provider, Status, TiError, TiResult, detect, results_frame};
use crate::ip::string_values;

/// A progress callback: called with (lookups done, lookups in all) after each lookup.
pub type Progress = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// How lookups run.
#[derive(Debug, Clone)]
pub struct LookupOptions {
    /// Lookups in flight at once, over all providers.
    pub concurrency: usize,
    /// Time allowed for one provider to answer one indicator, retries included.
    pub timeout: Duration,
    /// The cache, if any (default: `dirs::cache_dir()/huntbook/ti`, 24 h).
    pub cache: Option<DiskCache>,
    /// Emit an `unsupported` row for every provider that does not handle an indicator's
    /// type; otherwise only when no provider handles it (so no indicator is dropped).
    pub include_unsupported: bool,
    /// Send private, loopback, documentation and other non-global addresses to remote
    /// providers too (default false: they get an `unsupported` row saying why).
    pub send_private_addresses: bool,
}

impl Default for LookupOptions {
    fn default() -> Self {
        let cache = cache::default_dir().map(|d| DiskCache::new(d, Duration::from_secs(86_400)));
        LookupOptions {
            concurrency: 16,
            timeout: Duration::from_secs(120),
            cache,
            include_unsupported: false,
            send_private_addresses: false,
        }
    }
}

impl LookupOptions {
    /// Sets the concurrency (at least 1).
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Sets the per-lookup timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Uses a cache folder with a TTL.
    pub fn with_cache(mut self, dir: impl Into<std::path::PathBuf>, ttl: Duration) -> Self {
        self.cache = Some(DiskCache::new(dir, ttl));
        self
    }

    /// Turns the cache off.
    pub fn without_cache(mut self) -> Self {
        self.cache = None;
        self
    }

    /// Sends non-global addresses to remote providers too.
    pub fn with_private_addresses(mut self, send: bool) -> Self {
        self.send_private_addresses = send;
        self
    }

    /// Emits `unsupported` rows for every provider that skips an indicator.
    pub fn with_unsupported_rows(mut self, include: bool) -> Self {
        self.include_unsupported = include;
        self
    }
}

struct Entry {
    provider: Arc<dyn Provider>,
    bucket: Option<Arc<TokenBucket>>,
}

/// Threat-intel lookups over a set of providers.
pub struct TiLookup {
    providers: Vec<Entry>,
    options: LookupOptions,
    progress: Option<Progress>,
}

impl Default for TiLookup {
    fn default() -> Self {
        TiLookup::new()
    }
}

impl std::fmt::Debug for TiLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TiLookup")
            .field("providers", &self.provider_names())
            .field("options", &self.options)
            .finish()
    }
}

impl TiLookup {
    /// No providers yet, default options.
    pub fn new() -> TiLookup {
        TiLookup {
            providers: Vec::new(),
            options: LookupOptions::default(),
            progress: None,
        }
    }

    /// Every provider of `TIProviders` in the configuration that has its key, with notes
    /// on the ones skipped and why (never containing a key).
    pub fn from_config(config: &huntbook_data::config::Config) -> (TiLookup, Vec<String>) {
        let (providers, notes) = super::providers::from_config(config);
        let lookup = providers
            .into_iter()
            .fold(TiLookup::new(), TiLookup::with_boxed);
        (lookup, notes)
    }

    /// Adds a provider.
    pub fn with_provider(self, provider: impl Provider + 'static) -> TiLookup {
        self.with_shared(Arc::new(provider))
    }

    /// Adds a boxed provider.
    pub fn with_boxed(self, provider: Box<dyn Provider>) -> TiLookup {
        self.with_shared(Arc::from(provider))
    }

    /// Adds a shared provider.
    pub fn with_shared(mut self, provider: Arc<dyn Provider>) -> TiLookup {
        let bucket = provider
            .rate_limit()
            .map(|limit| Arc::new(TokenBucket::new(limit)));
        self.providers.push(Entry { provider, bucket });
        self
    }

    /// Sets the options.
    pub fn with_options(mut self, options: LookupOptions) -> TiLookup {
        self.options = options;
        self
    }

    /// Sets a progress callback, called with (done, total).
    pub fn with_progress(
        mut self,
        progress: impl Fn(usize, usize) + Send + Sync + 'static,
    ) -> TiLookup {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// The providers' names, in order.
    pub fn provider_names(&self) -> Vec<&str> {
        self.providers.iter().map(|e| e.provider.name()).collect()
    }

    /// The options in use.
    pub fn options(&self) -> &LookupOptions {
        &self.options
    }

    /// Looks up one indicator (type detected when `None`); see [`results_frame`] for columns.
    pub fn lookup_ioc(
        &self,
        ioc: &str,
        ioc_type: Option<IocType>,
    ) -> Result<DataFrame, PolarsError> {
        let kind = ioc_type.unwrap_or_else(|| detect(ioc));
        results_frame(&self.lookup_typed(vec![(ioc.to_string(), kind)]))
    }

    /// Looks up indicators, detecting each one's type.
    pub fn lookup_iocs<S: AsRef<str>>(&self, iocs: &[S]) -> Result<DataFrame, PolarsError> {
        let items = iocs
            .iter()
            .map(|i| (i.as_ref().to_string(), detect(i.as_ref())))
            .collect();
        results_frame(&self.lookup_typed(items))
    }

    /// Looks up the values of a column; types come from `type_column` (msticpy names such as
    /// `ipv4`, `sha256_hash`) when given and readable, else are detected.
    pub fn lookup_column(
        &self,
        data: &DataFrame,
        ioc_column: &str,
        type_column: Option<&str>,
    ) -> Result<DataFrame, PolarsError> {
        let values = string_values(data, ioc_column)?;
        let types = match type_column {
            Some(column) => string_values(data, column)?,
            None => vec![None; values.len()],
        };
        let items = values
            .into_iter()
            .zip(types)
            .filter_map(|(value, kind)| {
                let value = value?;
                let kind = kind
                    .and_then(|k| k.parse().ok())
                    .unwrap_or_else(|| detect(&value));
                Some((value, kind))
            })
            .collect();
        results_frame(&self.lookup_typed(items))
    }

    /// Looks up (indicator, type) pairs and returns the rows, in input order then provider
    /// order.
    pub fn lookup_typed(&self, items: Vec<(String, IocType)>) -> Vec<TiResult> {
        super::http::block_on(self.lookup_async(items))
    }

    /// The asynchronous form of [`TiLookup::lookup_typed`], for callers with a runtime.
    /// Repeated (indicator, type) pairs are looked up once and their rows repeated.
    pub async fn lookup_async(&self, items: Vec<(String, IocType)>) -> Vec<TiResult> {
        let mut unique: Vec<(String, IocType)> = Vec::new();
        let mut index: std::collections::HashMap<(String, IocType), usize> = Default::default();
        let slots: Vec<usize> = items
            .into_iter()
            .map(|item| {
                *index.entry(item.clone()).or_insert_with(|| {
                    unique.push(item);
                    unique.len() - 1
                })
            })
            .collect();

        let rows = self.lookup_unique(unique).await;
        let mut by_item: Vec<Vec<TiResult>> = Vec::new();
        for (item, row) in rows {
            if by_item.len() <= item {
                by_item.resize_with(item + 1, Vec::new);
            }
            by_item[item].push(row);
        }
        slots
            .into_iter()
            .flat_map(|slot| by_item.get(slot).cloned().unwrap_or_default())
            .collect()
    }

    /// Looks up distinct items; rows come back as (item index, row), sorted.
    async fn lookup_unique(&self, items: Vec<(String, IocType)>) -> Vec<(usize, TiResult)> {
        let (tasks, mut rows) = self.plan(&items);
        let total = tasks.len();
        let done = Arc::new(AtomicUsize::new(0));
        let semaphore = Arc::new(Semaphore::new(self.options.concurrency.max(1)));
        let mut set = JoinSet::new();
        for (slot, (item, provider)) in tasks.into_iter().enumerate() {
            let (ioc, kind) = items[item].clone();
            let entry = &self.providers[provider];
            let job = Job {
                provider: entry.provider.clone(),
                bucket: entry.bucket.clone(),
                cache: self.options.cache.clone(),
                timeout: self.options.timeout,
                semaphore: semaphore.clone(),
            };
            set.spawn(async move { (slot, item, provider, job.run(ioc, kind).await) });
        }
        let mut found: Vec<(usize, usize, TiResult)> = Vec::with_capacity(total);
        while let Some(joined) = set.join_next().await {
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(progress) = &self.progress {
                progress(finished, total);
            }
            match joined {
                Ok((_, item, provider, row)) => found.push((item, provider, row)),
                Err(error) => tracing::warn!(%error, "a lookup task ended abnormally"),
            }
        }
        self.fill_lost(&items, &mut found);
        rows.extend(found);
        rows.sort_by_key(|(item, provider, _)| (*item, *provider));
        rows.into_iter().map(|(item, _, row)| (item, row)).collect()
    }

    /// The (item, provider) pairs to ask, and the rows known without asking.
    #[allow(clippy::type_complexity)]
    fn plan(
        &self,
        items: &[(String, IocType)],
    ) -> (Vec<(usize, usize)>, Vec<(usize, usize, TiResult)>) {
        let mut tasks = Vec::new();
        let mut rows = Vec::new();
        for (index, (ioc, kind)) in items.iter().enumerate() {
            let mut asked = false;
            let withheld = self.withheld_reason(ioc, *kind);
            for (p, entry) in self.providers.iter().enumerate() {
                let provider = &entry.provider;
                let name = provider.name();
                match (provider.supports(*kind), &withheld) {
                    (true, Some(reason)) if provider.is_remote() => {
                        rows.push((
                            index,
                            p,
                            TiResult::withheld(ioc, *kind, name, reason.clone()),
                        ));
                        asked = true;
                    }
                    (true, _) => {
                        tasks.push((index, p));
                        asked = true;
                    }
                    (false, _) if self.options.include_unsupported => {
                        rows.push((index, p, TiResult::unsupported(ioc, *kind, name)));
                    }
                    (false, _) => {}
                }
            }
            if !asked && !self.options.include_unsupported {
                rows.push((index, usize::MAX, TiResult::unsupported(ioc, *kind, "")));
            }
        }
        (tasks, rows)
    }

    /// Why an address must not go to remote providers, if it must not.
    fn withheld_reason(&self, ioc: &str, kind: IocType) -> Option<String> {
        if self.options.send_private_addresses || !matches!(kind, IocType::Ipv4 | IocType::Ipv6) {
            return None;
        }
        let ip = ioc.trim().parse::<std::net::IpAddr>().ok()?;
        let class = crate::ip::ip_type(&ip);
        (!class.is_global()).then(|| {
            format!(
                "{class} address: not sent to online providers \
                 (LookupOptions::with_private_addresses)"
            )
        })
    }

    /// Adds an error row for any planned lookup whose task died, so nothing is lost.
    fn fill_lost(&self, items: &[(String, IocType)], found: &mut Vec<(usize, usize, TiResult)>) {
        let (tasks, _) = self.plan(items);
        if found.len() == tasks.len() {
            return;
        }
        let have: std::collections::HashSet<(usize, usize)> =
            found.iter().map(|(i, p, _)| (*i, *p)).collect();
        for (item, provider) in tasks {
            if !have.contains(&(item, provider)) {
                let (ioc, kind) = &items[item];
                let name = self.providers[provider].provider.name();
                let error = Err(TiError::Parse(
                    "the provider failed unexpectedly".to_string(),
                ));
                found.push((
                    item,
                    provider,
                    TiResult::from_outcome(ioc, *kind, name, error),
                ));
            }
        }
    }
}

struct Job {
    provider: Arc<dyn Provider>,
    bucket: Option<Arc<TokenBucket>>,
    cache: Option<DiskCache>,
    timeout: Duration,
    semaphore: Arc<Semaphore>,
}

impl Job {
    async fn run(self, ioc: String, kind: IocType) -> TiResult {
        let name = self.provider.name().to_string();
        let cache = self.cache.as_ref().filter(|_| self.provider.cacheable());
        if let Some(hit) = match cache {
            Some(cache) => cache.get(&name, kind, &ioc).await,
            None => None,
        } {
            return TiResult::from_outcome(&ioc, kind, &name, Ok(hit));
        }

        let Ok(_permit) = self.semaphore.acquire().await else {
            let error = Err(TiError::Parse("lookups were cancelled".to_string()));
            return TiResult::from_outcome(&ioc, kind, &name, error);
        };
        if let Some(bucket) = &self.bucket {
            bucket.acquire().await;
        }
        let outcome =
            match tokio::time::timeout(self.timeout, self.provider.lookup(&ioc, kind)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(TiError::Timeout(self.timeout.as_secs().max(1))),
            };

        if let (Some(cache), Ok(answer)) = (cache, &outcome) {
            cache.put(&name, kind, &ioc, answer).await;
        }
        let row = TiResult::from_outcome(&ioc, kind, &name, outcome);
        if let Status::Error(message) = &row.status {
            tracing::debug!(provider = %name, %message, "lookup failed");
        }
        row
    }
}
