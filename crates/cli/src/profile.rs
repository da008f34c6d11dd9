//! Saved logins: profiles of an exchange's URL and an API key in a config file that only
//! its owner can read (mode 0600), so that `mw` works without `MW_URL` and `MW_TOKEN`.
//!
//! The file is TOML, at `$MW_CONFIG`, else `$XDG_CONFIG_HOME/megawatt/config.toml`, else
//! `~/.config/megawatt/config.toml`:
//!
//! ```toml
//! default = "acme"
//!
//! [profiles.acme]
//! url = "http://127.0.0.1:8080"
//! key = "mw_…"
//! ```
//!
//! Flags and environment variables win over a profile; `--profile` (or `MW_PROFILE`)
//! picks one, else the file's `default`. A profile's key is sent only to its own URL.

use crate::client::Failure;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where `mw` talks to when nothing says otherwise.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";

/// One saved login.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The exchange's URL.
    pub url: String,
    /// The API key.
    pub key: String,
}

/// The config file's contents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The profile used when none is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Ask before a buy of more GPU-hours than this (on a terminal, without `--yes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_buy_above_gpu_hours: Option<u64>,
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// The config file's path.
pub fn path() -> Result<PathBuf, Failure> {
    if let Some(p) = std::env::var_os("MW_CONFIG") {
        return Ok(PathBuf::from(p));
    }
    let base = match (
        std::env::var_os("XDG_CONFIG_HOME"),
        std::env::var_os("HOME"),
    ) {
        (Some(x), _) if !x.is_empty() => PathBuf::from(x),
        (_, Some(h)) => PathBuf::from(h).join(".config"),
        _ => return Err(Failure::usage("no config directory: set MW_CONFIG or HOME")),
    };
    Ok(base.join("megawatt").join("config.toml"))
}

/// The config file, or an empty one if there is none.
pub fn load() -> Result<Config, Failure> {
    let path = path()?;
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(Failure::usage(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Writes the config file, readable and writable by its owner only.
pub fn save(config: &Config) -> Result<PathBuf, Failure> {
    let path = path()?;
    let fail = |e: std::io::Error| Failure::usage(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let text = toml::to_string(config).map_err(|e| Failure::local(e.to_string()))?;
    write_private(&path, &text).map_err(fail)?;
    Ok(path)
}

/// Writes `text` to `path` with mode 0600 (set before any byte is written, and again on
/// a file that existed with wider permissions).
#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// The URL and key to use: flags and environment first, then the named profile (or
/// the default one), then the default URL and no key.
pub fn resolve(
    url: Option<&str>,
    token: Option<&str>,
    profile: Option<&str>,
) -> Result<(String, Option<String>), Failure> {
    let config = load()?;
    let name = profile.map(str::to_string).or(config.default.clone());
    let saved = match &name {
        Some(n) => match config.profiles.get(n) {
            Some(p) => Some(p.clone()),
            None if profile.is_some() => {
                let known: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
                return Err(Failure::usage(format!(
                    "no profile {n:?} (saved: {}); make it with mw login --profile {n}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
            None => None,
        },
        None => None,
    };
    let url = url
        .map(str::to_string)
        .or_else(|| saved.as_ref().map(|p| p.url.clone()))
        .unwrap_or_else(|| DEFAULT_URL.to_string());
    // A saved key goes only to the URL it was saved for: `--url` elsewhere needs its
    // own key.
    let token = token
        .map(str::to_string)
        .or_else(|| saved.filter(|p| p.url == url).map(|p| p.key));
    Ok((url, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_reads_back_as_written() {
        let mut c = Config {
            default: Some("acme".into()),
            ..Config::default()
        };
        c.profiles.insert(
            "acme".into(),
            Profile {
                url: "http://x:1".into(),
                key: "mw_1".into(),
            },
        );
        let text = toml::to_string(&c).unwrap();
        assert_eq!(toml::from_str::<Config>(&text).unwrap(), c);
        assert!(toml::from_str::<Config>("nonsense = 1").is_err());
    }
}
