//! `mw login` and `mw logout`: save a checked key as a named profile, and forget one
//! (the profiles themselves are `profile.rs`).

use crate::args::Cli;
use crate::client::{Client, Failure};
use megawatt_api as api;

/// `mw login`: checks the key against the exchange (`GET /v1/me`), then saves the URL
/// and key as the profile `--profile` names (default `default`).
pub fn login(cli: &Cli, key: Option<&str>, make_default: bool) -> Result<(), Failure> {
    let key = match key {
        Some(k) => k.trim().to_string(),
        None => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| Failure::usage(format!("cannot read the key: {e}")))?;
            line.trim().to_string()
        }
    };
    if key.is_empty() {
        return Err(Failure::usage("no key: give --key or pipe it to mw login"));
    }
    let url = cli
        .url
        .clone()
        .unwrap_or_else(|| crate::profile::DEFAULT_URL.to_string());
    let me: api::MeView = Client::new(&url, Some(key.clone())).get("/v1/me")?;
    let name = cli.profile.clone().unwrap_or_else(|| "default".to_string());
    let mut config = crate::profile::load()?;
    config.profiles.insert(
        name.clone(),
        crate::profile::Profile {
            url: url.clone(),
            key,
        },
    );
    if make_default || config.default.is_none() {
        config.default = Some(name.clone());
    }
    let path = crate::profile::save(&config)?;
    let p = &me.participant;
    println!(
        "logged in to {url} as {} ({}): profile {name} in {}",
        p.name,
        p.id,
        path.display()
    );
    Ok(())
}

/// `mw logout`: removes the profile `--profile` names (else the default one).
pub fn logout(cli: &Cli) -> Result<(), Failure> {
    let mut config = crate::profile::load()?;
    let Some(name) = cli.profile.clone().or(config.default.clone()) else {
        return Err(Failure::usage(
            "no profile to forget: name one with --profile",
        ));
    };
    if config.profiles.remove(&name).is_none() {
        return Err(Failure::usage(format!("no profile {name:?}")));
    }
    if config.default.as_deref() == Some(name.as_str()) {
        config.default = None;
    }
    crate::profile::save(&config)?;
    println!("forgot profile {name}");
    Ok(())
}
