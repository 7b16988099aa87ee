//! The user's preferences and the server they sync from, kept in the cache's
//! `settings` table beside what they keep offline (see `keep.rs`).
//!
//! They live in the cache (not in a separate config file) so that a cache
//! folder moved with `--cache-dir` carries its whole client state, and so
//! that one transactional store holds everything the client remembers.
//! Freeing space or removing the downloaded files never touches them.

use serde::{Deserialize, Serialize};

use super::Cache;
use crate::InvalidInput;
use crate::error::Result;
use crate::model::Language;

const PREFERENCES: &str = "preferences";
const SERVER: &str = "server";

/// The interface languages Plenary is translated into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UiLanguage {
    En,
    Fr,
}

/// How the user reads: the interface language and the order in which
/// document languages are preferred ("French, then English").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// `None`: follow the system's language.
    pub ui_language: Option<UiLanguage>,
    /// Most preferred first; a document opens in the first of these it
    /// exists in. Empty: follow the system's languages, then English.
    pub document_languages: Vec<Language>,
}

impl Preferences {
    /// Checks what a user (or a UI) asks to store.
    pub fn validate(&self) -> Result<()> {
        let mut seen = Vec::new();
        for l in &self.document_languages {
            if seen.contains(l) {
                return Err(InvalidInput::new(
                    "document_languages",
                    format!("{} is listed twice", l.code()),
                )
                .into());
            }
            seen.push(*l);
        }
        Ok(())
    }
}

/// The Plenary server this client syncs from, as the user set it in the app.
/// Command-line flags and environment variables take precedence over it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    pub url: Option<String>,
    /// The access token the secretariat gave. Stored in the cache database,
    /// which lives in the user's private data folder.
    pub token: Option<String>,
}

impl ServerSettings {
    /// Trims, drops empty values and checks the address is an http(s) URL.
    pub fn normalized(self) -> Result<ServerSettings> {
        let clean = |s: Option<String>| {
            s.map(|s| s.trim().to_owned())
                .filter(|s: &String| !s.is_empty())
        };
        let url = clean(self.url).map(|u| u.trim_end_matches('/').to_owned());
        if let Some(u) = &url {
            let lower = u.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !u.chars().any(char::is_whitespace) => {}
                _ => {
                    return Err(InvalidInput::new(
                        "server",
                        format!(
                            "{u:?} is not a server address; it looks like https://plenary.example.org"
                        ),
                    )
                    .into());
                }
            }
        }
        let token = clean(self.token);
        if let Some(t) = &token
            && t.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(InvalidInput::new(
                "token",
                "the token holds spaces or control characters; paste it exactly as given",
            )
            .into());
        }
        Ok(ServerSettings { url, token })
    }
}

impl Cache {
    pub fn preferences(&self) -> Result<Preferences> {
        Ok(self.setting(PREFERENCES)?.unwrap_or_default())
    }

    pub fn set_preferences(&self, preferences: &Preferences) -> Result<()> {
        preferences.validate()?;
        self.set_setting(PREFERENCES, preferences)
    }

    pub fn server_settings(&self) -> Result<ServerSettings> {
        Ok(self.setting(SERVER)?.unwrap_or_default())
    }

    /// Stores the server and token (normalised; an invalid address is refused
    /// and the stored one kept).
    pub fn set_server_settings(&self, server: ServerSettings) -> Result<ServerSettings> {
        let server = server.normalized()?;
        self.set_setting(SERVER, &server)?;
        Ok(server)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn preferences_round_trip_and_default_to_following_the_system() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        assert_eq!(cache.preferences().unwrap(), Preferences::default());
        let prefs = Preferences {
            ui_language: Some(UiLanguage::Fr),
            document_languages: vec![Language::Fr, Language::En],
        };
        cache.set_preferences(&prefs).unwrap();
        drop(cache);
        let cache = Cache::open(dir.path()).unwrap();
        assert_eq!(
            cache.preferences().unwrap(),
            prefs,
            "preferences survive a restart"
        );
    }

    #[test]
    fn a_language_listed_twice_is_refused_and_the_old_preferences_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let good = Preferences {
            ui_language: None,
            document_languages: vec![Language::Ar],
        };
        cache.set_preferences(&good).unwrap();
        let err = cache
            .set_preferences(&Preferences {
                ui_language: None,
                document_languages: vec![Language::En, Language::En],
            })
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert_eq!(cache.preferences().unwrap(), good);
    }

    #[test]
    fn server_settings_are_normalised_and_bad_addresses_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let stored = cache
            .set_server_settings(ServerSettings {
                url: Some("  http://127.0.0.1:8787/ ".into()),
                token: Some(" abc123 ".into()),
            })
            .unwrap();
        assert_eq!(stored.url.as_deref(), Some("http://127.0.0.1:8787"));
        assert_eq!(stored.token.as_deref(), Some("abc123"));
        assert_eq!(cache.server_settings().unwrap(), stored);

        for bad in ["ftp://x", "plenary.example.org", "http://", "http://a b"] {
            let err = cache
                .set_server_settings(ServerSettings {
                    url: Some(bad.into()),
                    token: None,
                })
                .unwrap_err();
            assert_eq!(
                err.code(),
                ErrorCode::InvalidInput,
                "{bad:?} must be refused"
            );
        }
        assert_eq!(
            cache.server_settings().unwrap(),
            stored,
            "a refused address leaves the stored one in place"
        );
        let err = cache
            .set_server_settings(ServerSettings {
                url: None,
                token: Some("ab\ncd".into()),
            })
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);

        let cleared = cache
            .set_server_settings(ServerSettings {
                url: Some(" ".into()),
                token: Some(String::new()),
            })
            .unwrap();
        assert_eq!(
            cleared,
            ServerSettings::default(),
            "blank values clear the server"
        );
    }
}
