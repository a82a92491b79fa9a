//! huntbook's configuration: an `msticpyconfig.yaml` file read as it is.
//!
//! The file is found the way msticpy finds it: the path in `MSTICPYCONFIG` (or
//! `HUNTBOOKCONFIG`), else `msticpyconfig.yaml` in the working directory, else
//! `~/.config/huntbook/msticpyconfig.yaml`. No file is not an error: every lookup then
//! answers "not configured".
//!
//! Provider sections look like this, in `TIProviders`, `DataProviders` or `OtherProviders`:
//!
//! ```yaml
//! TIProviders:
//!   VirusTotal:
//!     Args:
//!       AuthKey:
//!         EnvironmentVar: VT_API_KEY
//!     Primary: True
//!     Provider: VirusTotal
//! ```
//!
//! A value is either given inline or through `EnvironmentVar`; `KeyVault` references are
//! reported as not supported rather than silently ignored. Secrets come back as [`Secret`],
//! whose `Debug` and `Display` print `***`.
//!
//! ```
//! use huntbook_data::config::Config;
//!
//! let config = Config::from_yaml_str(
//!     "TIProviders:\n  OTX:\n    Args:\n      AuthKey: abc123\n    Primary: true\n",
//! ).unwrap();
//! let otx = config.ti_provider("OTX").unwrap();
//! let key = otx.secret("AuthKey").unwrap().unwrap();
//! assert_eq!(key.expose(), "abc123");
//! assert_eq!(format!("{key:?}"), "Secret(***)");
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

/// The name of the configuration file.
pub const FILE_NAME: &str = "msticpyconfig.yaml";

/// A configuration problem, with the file it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// The file is not valid YAML.
    #[error("configuration file {path} is not valid YAML: {message}")]
    Yaml {
        /// The file, or `<string>` for text given directly.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },

    /// A setting refers to an environment variable that is not set.
    #[error(
        "setting {setting} of {provider} names environment variable {variable}, which is not set; export it or put the value in the configuration file"
    )]
    MissingEnvironmentVariable {
        /// The provider section.
        provider: String,
        /// The setting inside `Args`.
        setting: String,
        /// The variable's name.
        variable: String,
    },

    /// A setting uses a form huntbook does not read (a Key Vault reference, say).
    #[error(
        "setting {setting} of {provider} uses {form}, which huntbook does not read; give the value inline or through EnvironmentVar"
    )]
    Unsupported {
        /// The provider section.
        provider: String,
        /// The setting inside `Args`.
        setting: String,
        /// The form found.
        form: String,
    },
}

/// A secret value: an API key, a client secret, a password.
///
/// It never prints: `Debug` and `Display` show `***`. Use [`Secret::expose`] only where the
/// value is sent to the service it belongs to.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The whole configuration file.
#[derive(Debug, Clone, Default)]
pub struct Config {
    root: Value,
    path: Option<PathBuf>,
}

impl Config {
    /// Finds and reads the configuration file; an empty configuration when there is none.
    pub fn load() -> Result<Config, ConfigError> {
        match find_file() {
            Some(path) => Config::from_path(&path),
            None => Ok(Config::default()),
        }
    }

    /// Reads the configuration from a file.
    pub fn from_path(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = parse(&text, path)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Reads the configuration from YAML text.
    pub fn from_yaml_str(text: &str) -> Result<Config, ConfigError> {
        parse(text, Path::new("<string>"))
    }

    /// The file this configuration came from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A provider in the `TIProviders` section.
    pub fn ti_provider(&self, name: &str) -> Option<ProviderSettings> {
        self.provider("TIProviders", name)
    }

    /// A provider in the `DataProviders` section.
    pub fn data_provider(&self, name: &str) -> Option<ProviderSettings> {
        self.provider("DataProviders", name)
    }

    /// A provider in the `OtherProviders` section (GeoIP databases, IPStack, …).
    pub fn other_provider(&self, name: &str) -> Option<ProviderSettings> {
        self.provider("OtherProviders", name)
    }

    /// The names of the providers in a section, in file order.
    pub fn provider_names(&self, section: &str) -> Vec<String> {
        match self.root.get(section) {
            Some(Value::Mapping(map)) => map.keys().filter_map(value_to_string).collect(),
            _ => Vec::new(),
        }
    }

    /// A provider in any section, by section name (`TIProviders`, …) and provider name.
    pub fn provider(&self, section: &str, name: &str) -> Option<ProviderSettings> {
        let entry = self.root.get(section)?.get(name)?;
        Some(ProviderSettings::from_value(name, entry))
    }

    /// A value anywhere in the file by a path of keys, e.g. `["AzureSentinel", "Workspaces"]`.
    pub fn value(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter()
            .try_fold(&self.root, |value, key| value.get(*key))
    }
}

/// One provider's settings: its `Args`, `Primary` flag and `Provider` name.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// The section key (`VirusTotal`, `OTX`, …).
    pub name: String,
    /// `Provider:` when given (the class name msticpy would load), else the key.
    pub provider: String,
    /// `Primary:`; true when absent.
    pub primary: bool,
    args: BTreeMap<String, Value>,
}

impl ProviderSettings {
    fn from_value(name: &str, entry: &Value) -> ProviderSettings {
        let args = match entry.get("Args") {
            Some(Value::Mapping(map)) => map
                .iter()
                .filter_map(|(k, v)| Some((value_to_string(k)?, v.clone())))
                .collect(),
            _ => BTreeMap::new(),
        };
        let provider = entry
            .get("Provider")
            .and_then(value_to_string)
            .unwrap_or_else(|| name.to_string());
        let primary = entry
            .get("Primary")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        ProviderSettings {
            name: name.to_string(),
            provider,
            primary,
            args,
        }
    }

    /// The names of the settings under `Args`.
    pub fn arg_names(&self) -> impl Iterator<Item = &str> {
        self.args.keys().map(String::as_str)
    }

    /// A non-secret setting as text, resolving `EnvironmentVar`.
    pub fn get_str(&self, setting: &str) -> Result<Option<String>, ConfigError> {
        let Some(value) = self.args.get(setting) else {
            return Ok(None);
        };
        self.resolve(setting, value)
    }

    /// A secret setting, resolving `EnvironmentVar`.
    pub fn secret(&self, setting: &str) -> Result<Option<Secret>, ConfigError> {
        Ok(self.get_str(setting)?.map(Secret))
    }

    fn resolve(&self, setting: &str, value: &Value) -> Result<Option<String>, ConfigError> {
        if let Some(variable) = value.get("EnvironmentVar").and_then(value_to_string) {
            return match std::env::var(&variable) {
                Ok(found) if !found.is_empty() => Ok(Some(found)),
                _ => Err(ConfigError::MissingEnvironmentVariable {
                    provider: self.name.clone(),
                    setting: setting.to_string(),
                    variable,
                }),
            };
        }

        if let Value::Mapping(map) = value {
            let form = map
                .keys()
                .filter_map(value_to_string)
                .next()
                .unwrap_or_else(|| "an empty mapping".to_string());
            return Err(ConfigError::Unsupported {
                provider: self.name.clone(),
                setting: setting.to_string(),
                form,
            });
        }

        Ok(value_to_string(value).filter(|text| !text.is_empty()))
    }
}

fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let root: Value = serde_yaml::from_str(text).map_err(|e| ConfigError::Yaml {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let root = if root.is_null() {
        Value::Mapping(Default::default())
    } else {
        root
    };
    Ok(Config { root, path: None })
}

fn find_file() -> Option<PathBuf> {
    for variable in ["HUNTBOOKCONFIG", "MSTICPYCONFIG"] {
        if let Some(path) = std::env::var_os(variable).map(PathBuf::from) {
            if path.is_file() {
                return Some(path);
            }
            tracing::warn!(variable, path = %path.display(), "configuration file named by the environment does not exist");
        }
    }

    let local = PathBuf::from(FILE_NAME);
    if local.is_file() {
        return Some(local);
    }

    let user = dirs::config_dir()?.join("huntbook").join(FILE_NAME);
    user.is_file().then_some(user)
}

fn value_to_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
TIProviders:
  VirusTotal:
    Args:
      AuthKey:
        EnvironmentVar: HUNTBOOK_TEST_VT_KEY_UNSET
    Primary: False
    Provider: VirusTotal
  XForce:
    Args:
      ApiID: my-id
      AuthKey:
        KeyVault:
    Provider: XForce
OtherProviders:
  GeoIPLite:
    Args:
      DBFolder: ~/.msticpy
"#;

    #[test]
    fn reads_sections_and_flags() {
        let config = Config::from_yaml_str(SAMPLE).unwrap();
        assert_eq!(
            config.provider_names("TIProviders"),
            ["VirusTotal", "XForce"]
        );
        let vt = config.ti_provider("VirusTotal").unwrap();
        assert!(!vt.primary);
        let xf = config.ti_provider("XForce").unwrap();
        assert!(xf.primary);
        assert_eq!(xf.get_str("ApiID").unwrap().as_deref(), Some("my-id"));
        assert!(config.ti_provider("OTX").is_none());
        let geo = config.other_provider("GeoIPLite").unwrap();
        assert_eq!(
            geo.get_str("DBFolder").unwrap().as_deref(),
            Some("~/.msticpy")
        );
    }

    #[test]
    fn missing_environment_variable_is_named() {
        let config = Config::from_yaml_str(SAMPLE).unwrap();
        let err = config
            .ti_provider("VirusTotal")
            .unwrap()
            .secret("AuthKey")
            .unwrap_err();
        assert!(
            err.to_string().contains("HUNTBOOK_TEST_VT_KEY_UNSET"),
            "{err}"
        );
    }

    #[test]
    fn key_vault_is_reported_unsupported() {
        let config = Config::from_yaml_str(SAMPLE).unwrap();
        let err = config
            .ti_provider("XForce")
            .unwrap()
            .secret("AuthKey")
            .unwrap_err();
        assert!(matches!(err, ConfigError::Unsupported { .. }), "{err}");
    }

    #[test]
    fn secrets_do_not_print() {
        let secret = Secret::new("hunter2");
        assert_eq!(secret.to_string(), "***");
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn bad_yaml_names_the_source() {
        let err = Config::from_yaml_str("TIProviders: [unclosed").unwrap_err();
        assert!(err.to_string().contains("<string>"), "{err}");
    }

    #[test]
    fn empty_text_is_an_empty_configuration() {
        let config = Config::from_yaml_str("").unwrap();
        assert!(config.provider_names("TIProviders").is_empty());
    }
}
