//! Configuration, layered: built-in defaults, then an optional TOML file
//! (`--config`), then `VDX_*` environment variables, then command-line flags.
//! Unknown keys in the file are an error, as is any value of the wrong type.

use std::net::IpAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::db::DatabaseUrl;

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The whole runtime configuration. Every key is documented in the README's table.
/// Secrets are wrapped: `Debug` shows the database URL without its password
/// and the OIDC client secret as `[REDACTED]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite://…` (default) or `postgres://…`.
    pub database_url: DatabaseUrl,
    /// Largest pool of database connections.
    pub database_max_connections: u32,
    /// Memory for the latest-values cache of hot vehicles, in MiB.
    pub latest_cache_mb: u64,
    /// Address to listen on.
    pub host: IpAddr,
    /// Port to listen on; 0 picks a free one.
    pub port: u16,
    /// The URL partners reach this gateway at; the token issuer. Defaults to `http://{host}:{port}`.
    pub public_url: Option<String>,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `vdx_gateway=debug,info`.
    pub log_level: String,
    /// Largest accepted request body in bytes (REST, OAuth forms).
    pub max_body_bytes: usize,
    /// Largest accepted GraphQL request body in bytes.
    pub graphql_max_body_bytes: usize,
    /// Lifetime of access tokens, in seconds.
    pub access_token_ttl_secs: u64,
    /// Lifetime of each refresh token, in seconds (every use issues a new one).
    pub refresh_token_ttl_secs: u64,
    /// How long shutdown waits for in-flight requests, in seconds.
    pub shutdown_timeout_secs: u64,
    /// How long a command waits for its car before it expires, in seconds,
    /// unless the request asks for less.
    pub command_ttl_secs: u64,
    /// The OEM identity provider (OpenID Connect issuer URL) for federated
    /// driver sign-in to the portal; unset turns federated sign-in off.
    pub oidc_issuer: Option<String>,
    /// vdx's client id at that provider.
    pub oidc_client_id: Option<String>,
    /// vdx's client secret at that provider. Never serialized: the default
    /// layer has none, and the file and environment layers deserialize it.
    #[serde(skip_serializing)]
    pub oidc_client_secret: Option<SecretString>,
    /// The provider's name on the sign-in button.
    pub oidc_provider_name: String,
    /// The ID-token claim matched against driver usernames at first sign-in.
    pub oidc_username_claim: String,
}

/// What the configuration says about the OEM identity provider for
/// federated portal sign-in (`oidc_*`); `Debug` shows the secret as `[REDACTED]`.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Shown on the sign-in button.
    pub name: String,
    /// The ID-token claim matched against driver usernames on first sign-in.
    pub username_claim: String,
}

/// Keys settable through `VDX_*` environment variables.
const ENV_KEYS: &[&str] = &[
    "database_url",
    "database_max_connections",
    "latest_cache_mb",
    "host",
    "port",
    "public_url",
    "log_format",
    "log_level",
    "max_body_bytes",
    "graphql_max_body_bytes",
    "access_token_ttl_secs",
    "refresh_token_ttl_secs",
    "shutdown_timeout_secs",
    "command_ttl_secs",
    "oidc_issuer",
    "oidc_client_id",
    "oidc_client_secret",
    "oidc_provider_name",
    "oidc_username_claim",
];

pub const DEFAULT_DATABASE_URL: &str = "sqlite://vdx-data/vdx.db?mode=rwc";

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.into(),
            database_max_connections: 16,
            latest_cache_mb: 256,
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            public_url: None,
            log_format: LogFormat::Text,
            log_level: "info".to_owned(),
            max_body_bytes: 256 * 1024,
            graphql_max_body_bytes: 64 * 1024,
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            shutdown_timeout_secs: 30,
            command_ttl_secs: 300,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_provider_name: "your carmaker account".to_owned(),
            oidc_username_claim: "preferred_username".to_owned(),
        }
    }
}

/// Values given on the command line (or through the env vars clap reads);
/// `None` leaves the lower layers in charge.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<DatabaseUrl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
}

/// Why a configuration cannot be used; `vdx` prints it and exits with 2.
#[derive(Debug, thiserror::Error, displaydoc::Display)]
pub enum ConfigError {
    /// config file {0} does not exist
    MissingFile(String),
    /// {0}
    Unreadable(String),
    /// database_url must start with sqlite:, postgres:// or postgresql://, got {0}
    DatabaseUrl(String),
    /// {key} {value:?} is not a URL: {source}
    NotAUrl {
        key: &'static str,
        value: String,
        source: url::ParseError,
    },
    /// {0} must be greater than 0
    Zero(&'static str),
    /// oidc_issuer {0:?} must be https (http only on a loopback host)
    InsecureIssuer(String),
    /// oidc_issuer is set: oidc_client_id and oidc_client_secret are needed too
    IncompleteProvider,
}

impl Config {
    /// Builds the configuration from all layers.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::MissingFile(path.display().to_string()));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment
            .merge(Env::prefixed("VDX_").only(ENV_KEYS))
            .merge(Serialized::defaults(overrides));
        let config: Config = figment.extract().map_err(|e| {
            ConfigError::Unreadable(
                e.into_iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = self.database_url.expose();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(ConfigError::DatabaseUrl(self.database_url.to_string()));
        }
        if let Some(url) = &self.public_url {
            url::Url::parse(url).map_err(|source| ConfigError::NotAUrl {
                key: "public_url",
                value: url.clone(),
                source,
            })?;
        }
        if self.max_body_bytes == 0 || self.graphql_max_body_bytes == 0 {
            return Err(ConfigError::Zero(
                "max_body_bytes and graphql_max_body_bytes",
            ));
        }
        if self.access_token_ttl_secs == 0 || self.refresh_token_ttl_secs == 0 {
            return Err(ConfigError::Zero(
                "access_token_ttl_secs and refresh_token_ttl_secs",
            ));
        }
        if self.command_ttl_secs == 0 {
            return Err(ConfigError::Zero("command_ttl_secs"));
        }
        if self.latest_cache_mb == 0 {
            return Err(ConfigError::Zero("latest_cache_mb"));
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError::Zero("database_max_connections"));
        }
        if let Some(issuer) = &self.oidc_issuer {
            let url = url::Url::parse(issuer).map_err(|source| ConfigError::NotAUrl {
                key: "oidc_issuer",
                value: issuer.clone(),
                source,
            })?;
            let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
            if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
                return Err(ConfigError::InsecureIssuer(issuer.clone()));
            }
            if self.oidc_client_id.as_deref().is_none_or(str::is_empty)
                || self
                    .oidc_client_secret
                    .as_ref()
                    .is_none_or(|s| secrecy::ExposeSecret::expose_secret(s).is_empty())
            {
                return Err(ConfigError::IncompleteProvider);
            }
        }
        Ok(())
    }

    /// The federated sign-in provider, if one is configured (and valid, see `validate`).
    pub fn oidc_provider(&self) -> Option<ProviderConfig> {
        Some(ProviderConfig {
            issuer: self.oidc_issuer.clone()?,
            client_id: self.oidc_client_id.clone()?,
            client_secret: self.oidc_client_secret.clone()?,
            name: self.oidc_provider_name.clone(),
            username_claim: self.oidc_username_claim.clone(),
        })
    }

    /// The issuer and base URL, once the real port is known.
    pub fn public_url_for(&self, port: u16) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}:{port}", host_for_url(self.host)),
        }
    }
}

fn host_for_url(host: IpAddr) -> String {
    match host {
        IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".into(),
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".into(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(contents: &str) -> tempfile_path::TempPath {
        tempfile_path::TempPath::new(contents)
    }

    mod tempfile_path {
        pub struct TempPath(pub std::path::PathBuf);
        impl TempPath {
            pub fn new(contents: &str) -> Self {
                let path =
                    std::env::temp_dir().join(format!("vdx-config-{}.toml", uuid::Uuid::new_v4()));
                std::fs::write(&path, contents).unwrap();
                Self(path)
            }
        }
        impl Drop for TempPath {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let file = write("port = 9000\nlog_level = \"debug\"\n");
        let overrides = Overrides {
            port: Some(9100),
            ..Default::default()
        };
        let config = Config::load(Some(&file.0), &overrides).unwrap();
        assert_eq!(config.port, 9100);
        assert_eq!(config.log_level, "debug");
        assert_eq!(config.max_body_bytes, Config::default().max_body_bytes);
    }

    #[test]
    fn an_unknown_key_is_an_error_that_names_it() {
        let file = write("prot = 9000\n");
        let err = Config::load(Some(&file.0), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("prot"), "{err}");
    }

    #[test]
    fn a_bad_value_is_an_error_that_names_the_key() {
        let file = write("port = \"eighty\"\n");
        let err = Config::load(Some(&file.0), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("port"), "{err}");
    }

    #[test]
    fn a_missing_file_is_an_error() {
        assert!(
            Config::load(
                Some(Path::new("/nonexistent/vdx.toml")),
                &Overrides::default()
            )
            .is_err()
        );
    }

    #[test]
    fn federated_sign_in_needs_an_https_issuer_and_client_credentials() {
        let file = write("oidc_issuer = \"https://id.oem.example\"\n");
        let err = Config::load(Some(&file.0), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("oidc_client_secret"), "{err}");
        let file = write(
            "oidc_issuer = \"http://id.oem.example\"\noidc_client_id = \"vdx\"\noidc_client_secret = \"s\"\n",
        );
        let err = Config::load(Some(&file.0), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("https"), "{err}");
        let file = write(
            "oidc_issuer = \"https://id.oem.example\"\noidc_client_id = \"vdx\"\noidc_client_secret = \"s\"\n",
        );
        let config = Config::load(Some(&file.0), &Overrides::default()).unwrap();
        assert!(config.oidc_provider().is_some());
    }

    #[test]
    fn debug_output_of_the_configuration_shows_no_secret() {
        let file = write(
            "database_url = \"postgres://vdx:db-pass-4711@db:5432/vdx\"\n\
             oidc_issuer = \"https://id.oem.example\"\n\
             oidc_client_id = \"vdx\"\n\
             oidc_client_secret = \"oidc-secret-0815\"\n",
        );
        let overrides = Overrides {
            database_url: Some("postgres://vdx:flag-pass-42@db/vdx".into()),
            ..Default::default()
        };
        let from_file = Config::load(Some(&file.0), &Overrides::default()).unwrap();
        let from_flag = Config::load(Some(&file.0), &overrides).unwrap();
        let printed = [
            format!("{from_file:?}"),
            format!("{from_file:#?}"),
            format!("{from_flag:?}"),
            format!("{overrides:?}"),
            format!("{:?}", from_file.oidc_provider().unwrap()),
        ];
        for text in &printed {
            for secret in ["oidc-secret-0815", "db-pass-4711", "flag-pass-42"] {
                assert!(!text.contains(secret), "{secret} printed in {text}");
            }
        }
        assert!(
            printed[0].contains("db:5432"),
            "the rest stays readable: {}",
            printed[0]
        );
        // The values themselves are intact for the code that needs them.
        assert_eq!(
            from_flag.database_url.expose(),
            "postgres://vdx:flag-pass-42@db/vdx"
        );
        let provider = from_file.oidc_provider().unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&provider.client_secret),
            "oidc-secret-0815"
        );
    }
}
