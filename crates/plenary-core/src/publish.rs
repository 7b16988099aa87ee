//! Publishing, the client side: what staff send to the server. Shared by the
//! app (drop a file on a document) and `plenary publish`.
//!
//! The server owns every rule (roles, revision numbering, idempotence, type
//! checks); this module only carries requests and turns refusals into errors
//! that say what the server said.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::{DocumentId, Language, MediaType, Version};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the server at {server} cannot be reached: {source}")]
    Unreachable {
        server: String,
        #[source]
        source: reqwest::Error,
    },
    /// The server refused, with its own code (`forbidden`, `revision_exists`,
    /// `unsupported_type`, `too_large`, ...) and message.
    #[error("{message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the server sent something unexpected: {0}")]
    Protocol(String),
}

impl PublishError {
    /// A stable code for callers to branch on: the server's own code, or
    /// `unreachable` / `protocol`.
    pub fn code(&self) -> &str {
        match self {
            PublishError::Unreachable { .. } => "unreachable",
            PublishError::Refused { code, .. } => code,
            PublishError::Protocol(_) => "protocol",
        }
    }
}

/// Who the server thinks the token belongs to (`GET /v1/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `anonymous`, `reader`, `annotator`, `staff` or `admin`.
    pub role: String,
    #[serde(default)]
    pub name: String,
}

impl Identity {
    pub fn can_publish(&self) -> bool {
        matches!(self.role.as_str(), "staff" | "admin")
    }
}

/// One file to publish as a version of a document in a language. The label
/// decides the revision on the server: a label other languages already use
/// joins that revision, a new label makes the next revision.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub document_id: DocumentId,
    pub language: Language,
    pub label: String,
    pub revision: Option<u32>,
    pub file_name: String,
    pub media_type: MediaType,
    pub bytes: Vec<u8>,
}

/// What the server answered: the version, and whether it is new (`false`
/// when the same file was already published in that language: idempotent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    pub version: Version,
    pub created: bool,
}

#[derive(Debug, Clone)]
pub struct Publisher {
    http: reqwest::Client,
    server: String,
    token: Option<String>,
}

impl Publisher {
    pub fn new(server: &str, token: Option<String>) -> Result<Self, PublishError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // Large uploads on meeting-room Wi-Fi take a while; a stalled one
            // is cut by the read timeout.
            .read_timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| PublishError::Protocol(e.to_string()))?;
        Ok(Publisher {
            http,
            server: server.trim_end_matches('/').to_owned(),
            token,
        })
    }

    fn authorise(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, PublishError> {
        let resp =
            self.authorise(req)
                .send()
                .await
                .map_err(|source| PublishError::Unreachable {
                    server: self.server.clone(),
                    source,
                })?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        Err(PublishError::Refused {
            status,
            code: body["error"]["code"]
                .as_str()
                .unwrap_or("unknown")
                .to_owned(),
            message: body["error"]["message"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("the server answered {status}")),
        })
    }

    /// Who this token is on the server.
    pub async fn identity(&self) -> Result<Identity, PublishError> {
        self.send(self.http.get(format!("{}/v1/me", self.server)))
            .await?
            .json()
            .await
            .map_err(|e| PublishError::Protocol(format!("/v1/me: {e}")))
    }

    /// Uploads `new` as a version (multipart, as the server's API describes).
    pub async fn publish_version(&self, new: NewVersion) -> Result<Published, PublishError> {
        let part = reqwest::multipart::Part::bytes(new.bytes)
            .file_name(new.file_name)
            .mime_str(new.media_type.as_str())
            .map_err(|e| PublishError::Protocol(e.to_string()))?;
        let mut form = reqwest::multipart::Form::new()
            .text("language", new.language.code().to_owned())
            .text("label", new.label)
            .part("file", part);
        if let Some(revision) = new.revision {
            form = form.text("revision", revision.to_string());
        }
        let url = format!("{}/v1/documents/{}/versions", self.server, new.document_id);
        let resp = self.send(self.http.post(url).multipart(form)).await?;
        let created = resp.status() == reqwest::StatusCode::CREATED;
        let version = resp
            .json()
            .await
            .map_err(|e| PublishError::Protocol(format!("the published version: {e}")))?;
        Ok(Published { version, created })
    }
}
