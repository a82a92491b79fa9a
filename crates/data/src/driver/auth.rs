//! Credentials for the remote drivers: OAuth2 client credentials and static bearer tokens,
//! with a token cache that renews before expiry.
//!
//! Client credentials are read, in order, from the `DataProviders` section of
//! `msticpyconfig.yaml` (keys `TenantId`, `ClientId`, `ClientSecret` in any case), from
//! per-driver environment variables (`{PREFIX}_TENANT_ID`, `{PREFIX}_CLIENT_ID`,
//! `{PREFIX}_CLIENT_SECRET`, `{PREFIX}_TOKEN`) and from the Azure SDK's variables
//! (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_AUTHORITY_HOST`).
//! The token endpoint defaults to
//! `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`.
//!
//! ```
//! use huntbook_data::config::Secret;
//! use huntbook_data::driver::auth::{ClientCredentials, TokenSource};
//!
//! let creds = ClientCredentials::new("my-tenant", "my-app", Secret::new("s3cret"))
//!     .with_scope("https://api.loganalytics.io/.default");
//! assert_eq!(
//!     creds.token_url(),
//!     "https://login.microsoftonline.com/my-tenant/oauth2/v2.0/token"
//! );
//! assert!(!format!("{:?}", TokenSource::ClientCredentials(creds)).contains("s3cret"));
//! ```

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;
use url::Url;

use crate::config::{Config, ProviderSettings, Secret};
use crate::driver::DriverError;
use crate::driver::http::{Credential, HttpClient, HttpRequest};

/// The Microsoft identity platform's host.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// How long before expiry a cached token is renewed.
const RENEW_MARGIN: Duration = Duration::from_secs(300);

/// An application's OAuth2 client credentials and the scope it asks for.
#[derive(Clone)]
pub struct ClientCredentials {
    /// The directory (tenant) id or domain.
    pub tenant_id: String,
    /// The application (client) id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
    /// The authority: a host (`https://login.microsoftonline.com`) or a full token URL with
    /// a `{tenant}` placeholder.
    pub authority: String,
    /// The scope, e.g. `https://api.loganalytics.io/.default`.
    pub scope: String,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("authority", &self.authority)
            .field("scope", &self.scope)
            .finish()
    }
}

impl ClientCredentials {
    /// Credentials for the default authority and no scope yet.
    pub fn new(tenant_id: &str, client_id: &str, client_secret: Secret) -> Self {
        ClientCredentials {
            tenant_id: tenant_id.to_string(),
            client_id: client_id.to_string(),
            client_secret,
            authority: DEFAULT_AUTHORITY.to_string(),
            scope: String::new(),
        }
    }

    /// Sets the scope.
    pub fn with_scope(mut self, scope: &str) -> Self {
        self.scope = scope.to_string();
        self
    }

    /// Sets the authority host or token URL template (`{tenant}` is replaced).
    pub fn with_authority(mut self, authority: &str) -> Self {
        self.authority = authority.trim_end_matches('/').to_string();
        self
    }

    /// The token endpoint.
    pub fn token_url(&self) -> String {
        if self.authority.contains("{tenant}") {
            return self.authority.replace("{tenant}", &self.tenant_id);
        }
        format!("{}/{}/oauth2/v2.0/token", self.authority, self.tenant_id)
    }

    /// Reads credentials from `{prefix}_TENANT_ID`/`_CLIENT_ID`/`_CLIENT_SECRET` (when a
    /// prefix is given), else `AZURE_TENANT_ID`/`AZURE_CLIENT_ID`/`AZURE_CLIENT_SECRET`;
    /// `AZURE_AUTHORITY_HOST` overrides the authority. `None` when any of the three is unset.
    pub fn from_env(prefix: Option<&str>) -> Option<Self> {
        let read = |name: &str| {
            let prefixed = prefix.and_then(|p| env_value(&format!("{p}_{name}")));
            prefixed.or_else(|| env_value(&format!("AZURE_{name}")))
        };
        let mut creds = Self::new(
            &read("TENANT_ID")?,
            &read("CLIENT_ID")?,
            Secret::new(read("CLIENT_SECRET")?),
        );
        if let Some(host) = env_value("AZURE_AUTHORITY_HOST") {
            creds = creds.with_authority(&host);
        }
        Some(creds)
    }

    /// Reads credentials from a `DataProviders` entry (`TenantId`, `ClientId`,
    /// `ClientSecret`, optional `Authority`, any case). `Ok(None)` when the entry has none.
    pub fn from_settings(
        driver: &'static str,
        settings: &ProviderSettings,
    ) -> Result<Option<Self>, DriverError> {
        let tenant = setting(driver, settings, &["TenantId", "tenant_id"])?;
        let client = setting(driver, settings, &["ClientId", "client_id"])?;
        let secret = setting(driver, settings, &["ClientSecret", "client_secret"])?;
        let (Some(tenant), Some(client), Some(secret)) = (tenant, client, secret) else {
            return Ok(None);
        };
        let mut creds = Self::new(&tenant, &client, Secret::new(secret));
        if let Some(authority) = setting(driver, settings, &["Authority", "AuthorityHost"])? {
            creds = creds.with_authority(&authority);
        }
        Ok(Some(creds))
    }
}

/// Where a bearer token comes from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// A token given as it is (e.g. from `az account get-access-token`).
    Static(Secret),
    /// OAuth2 client credentials, exchanged for a token at the token endpoint.
    ClientCredentials(ClientCredentials),
}

impl TokenSource {
    /// Finds credentials for a driver: the `DataProviders.{provider}` config entry, then a
    /// static token in `{prefix}_TOKEN`, then client credentials from the environment.
    pub fn discover(
        driver: &'static str,
        config: Option<&Config>,
        provider: &str,
        env_prefix: &str,
        scope: &str,
    ) -> Result<TokenSource, DriverError> {
        if let Some(settings) = config.and_then(|c| c.data_provider(provider))
            && let Some(creds) = ClientCredentials::from_settings(driver, &settings)?
        {
            return Ok(TokenSource::ClientCredentials(creds.with_scope(scope)));
        }
        if let Some(token) = env_value(&format!("{env_prefix}_TOKEN")) {
            return Ok(TokenSource::Static(Secret::new(token)));
        }
        if let Some(creds) = ClientCredentials::from_env(Some(env_prefix)) {
            return Ok(TokenSource::ClientCredentials(creds.with_scope(scope)));
        }
        Err(DriverError::Auth {
            driver,
            message: format!(
                "no credentials found: set TenantId, ClientId and ClientSecret under \
                 DataProviders.{provider} in msticpyconfig.yaml, or export {env_prefix}_TOKEN, \
                 or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"
            ),
        })
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// A token source with a cache: client-credential tokens are fetched once and reused until
/// five minutes before they expire.
pub struct TokenCache {
    driver: &'static str,
    source: TokenSource,
    cached: Mutex<Option<(Secret, Instant)>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("driver", &self.driver)
            .field("source", &self.source)
            .finish()
    }
}

impl TokenCache {
    /// A cache over a source.
    pub fn new(driver: &'static str, source: TokenSource) -> Self {
        TokenCache {
            driver,
            source,
            cached: Mutex::new(None),
        }
    }

    /// The source.
    pub fn source(&self) -> &TokenSource {
        &self.source
    }

    /// A bearer credential, fetching a new token when none is cached or it is about to
    /// expire.
    pub fn credential(&self, http: &HttpClient) -> Result<Credential, DriverError> {
        let creds = match &self.source {
            TokenSource::Static(token) => return Ok(Credential::Bearer(token.clone())),
            TokenSource::ClientCredentials(creds) => creds,
        };
        if let Some((token, expires)) = self.lock().as_ref()
            && Instant::now() + RENEW_MARGIN < *expires
        {
            return Ok(Credential::Bearer(token.clone()));
        }

        let (token, lifetime) = self.fetch(http, creds)?;
        *self.lock() = Some((token.clone(), Instant::now() + lifetime));
        Ok(Credential::Bearer(token))
    }

    /// Forgets the cached token (after the service rejected it).
    pub fn invalidate(&self) {
        *self.lock() = None;
    }

    /// Whether a rejected request could succeed with a fresh token.
    pub fn can_renew(&self) -> bool {
        matches!(self.source, TokenSource::ClientCredentials(_))
    }

    /// Runs `send` with a credential; when the service answers 401 and the token came from
    /// client credentials, fetches a fresh token and tries once more.
    pub fn with_credential<T>(
        &self,
        http: &HttpClient,
        send: impl Fn(Credential) -> Result<T, DriverError>,
    ) -> Result<T, DriverError> {
        match send(self.credential(http)?) {
            Err(DriverError::Auth { .. }) if self.can_renew() && self.lock().is_some() => {
                tracing::debug!(driver = self.driver, "token rejected; fetching a new one");
                self.invalidate();
                send(self.credential(http)?)
            }
            other => other,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Secret, Instant)>> {
        self.cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn fetch(
        &self,
        http: &HttpClient,
        creds: &ClientCredentials,
    ) -> Result<(Secret, Duration), DriverError> {
        let token_url = creds.token_url();
        let url = Url::parse(&token_url).map_err(|e| DriverError::Config {
            driver: self.driver,
            message: format!("token endpoint {token_url} is not a URL: {e}"),
        })?;
        let request = HttpRequest::post(url)
            .with_form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &creds.client_id),
                ("client_secret", creds.client_secret.expose()),
                ("scope", &creds.scope),
            ])
            .with_secret(&creds.client_secret);

        let answer: TokenAnswer = http.send_json(&request).map_err(|e| self.token_error(e))?;
        let lifetime = answer
            .expires_in
            .as_ref()
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(3600);
        tracing::debug!(driver = self.driver, lifetime, "fetched an access token");
        Ok((
            Secret::new(answer.access_token),
            Duration::from_secs(lifetime),
        ))
    }

    fn token_error(&self, error: DriverError) -> DriverError {
        let driver = self.driver;
        match error {
            DriverError::Http {
                url,
                status,
                message,
                ..
            } if (400..500).contains(&status) => DriverError::Auth {
                driver,
                message: format!("token request to {url} failed (HTTP {status}): {message}"),
            },
            DriverError::Auth { message, .. } => DriverError::Auth {
                driver,
                message: format!("token request: {message}"),
            },
            DriverError::Parse { message, .. } => DriverError::Auth {
                driver,
                message: format!("the token endpoint's answer is not a token: {message}"),
            },
            other => other,
        }
    }
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A setting by any of its names, ignoring case.
pub(crate) fn setting(
    driver: &'static str,
    settings: &ProviderSettings,
    names: &[&str],
) -> Result<Option<String>, DriverError> {
    let found = settings
        .arg_names()
        .find(|arg| names.iter().any(|name| arg.eq_ignore_ascii_case(name)))
        .map(str::to_string);
    let Some(arg) = found else {
        return Ok(None);
    };
    settings.get_str(&arg).map_err(|e| DriverError::Config {
        driver,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_urls() {
        let creds = ClientCredentials::new("t1", "c1", Secret::new("x"));
        assert_eq!(
            creds.token_url(),
            "https://login.microsoftonline.com/t1/oauth2/v2.0/token"
        );
        let custom = creds.clone().with_authority("http://127.0.0.1:9/");
        assert_eq!(
            custom.token_url(),
            "http://127.0.0.1:9/t1/oauth2/v2.0/token"
        );
        let template = creds.with_authority("http://h/{tenant}/token");
        assert_eq!(template.token_url(), "http://h/t1/token");
    }

    #[test]
    fn config_credentials_in_any_case() {
        let config = Config::from_yaml_str(
            "DataProviders:\n  MicrosoftDefender:\n    Args:\n      tenantId: t\n      \
             ClientId: c\n      clientsecret: very-secret\n",
        )
        .unwrap();
        let source =
            TokenSource::discover("mde", Some(&config), "MicrosoftDefender", "HUNTBOOK_X", "s")
                .unwrap();
        let TokenSource::ClientCredentials(creds) = &source else {
            panic!("{source:?}")
        };
        assert_eq!((creds.tenant_id.as_str(), creds.scope.as_str()), ("t", "s"));
        assert!(!format!("{source:?}").contains("very-secret"));
    }

    #[test]
    fn missing_credentials_say_where_to_put_them() {
        let err = TokenSource::discover("kusto", None, "Kusto", "HUNTBOOK_UNSET_PREFIX", "s");
        if let Err(err) = err {
            let text = err.to_string();
            assert!(text.contains("HUNTBOOK_UNSET_PREFIX_TOKEN"), "{text}");
            assert!(text.contains("DataProviders.Kusto"), "{text}");
        }
    }
}
