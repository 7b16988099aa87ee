//! The versioned HTTP API (`/v1/...`), described by `openapi.json`.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Multipart, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use futures_util::Stream;
use plenary_core::model::{
    DocumentId, Language, MediaType, Record, Sha256, Tombstone, Version, VersionId,
};
use plenary_core::sync::text::{FileText, TextOf, Texts, WirePreview};
use serde::Deserialize;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::WatchStream;
use tower::ServiceExt;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::store::files::FileLocation;
use crate::store::{FileMeta, Role, Viewer};

pub const OPENAPI: &str = include_str!("openapi.json");

/// How often an idle event stream carries a comment, so that proxies and
/// NAT tables keep it open.
pub const EVENT_HEARTBEAT: Duration = Duration::from_secs(15);

pub fn router(state: AppState) -> Router {
    let upload_limit = DefaultBodyLimit::max(state.config.max_upload_bytes);
    let oversized = axum::middleware::from_fn_with_state(state.clone(), reject_oversized);
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/me", get(me))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/feed", get(feed))
        .route("/v1/events", get(events))
        .route(
            "/v1/files/{sha256}",
            get(get_file)
                .put(put_file)
                .layer(upload_limit)
                .layer(oversized.clone()),
        )
        .route("/v1/files/{sha256}/text", get(get_text))
        .route("/v1/texts", post(post_texts))
        .route("/v1/records", post(post_records))
        .route(
            "/v1/documents/{id}/versions",
            post(upload_version).layer(upload_limit).layer(oversized),
        )
        .route("/v1/versions/{id}", axum::routing::delete(withdraw_version))
        .route("/v1/meetings/{id}/access", put(set_access))
        .route("/v1/groups", get(my_groups))
        .route("/v1/groups/{id}", put(set_group))
        .route(
            "/v1/groups/{group}/notes/{id}",
            axum::routing::delete(withdraw_note),
        )
        .route("/v1/notes", get(notes_feed))
        .route("/v1/notes/{id}", put(write_note))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no_such_route",
                "no such route; see /v1/openapi.json",
            )
        })
        .with_state(state)
}

/// Refuses an upload whose declared length is over the limit, but only after
/// reading what the client sends (up to a bound): a server that answers and
/// closes while the client is still sending makes the kernel reset the
/// connection, and the client never sees the 413 that says why.
async fn reject_oversized(
    State(state): State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    const DRAIN_AT_MOST: u64 = 64 * 1024 * 1024;
    let limit = state.config.max_upload_bytes as u64;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let Some(declared) = declared.filter(|&n| n > limit) else {
        return next.run(request).await;
    };
    let mut body = request.into_body().into_data_stream();
    let mut drained = 0u64;
    while drained < declared.min(limit + DRAIN_AT_MOST) {
        match body.next().await {
            Some(Ok(chunk)) => drained += chunk.len() as u64,
            _ => break,
        }
    }
    let mut response =
        too_large_or(StatusCode::PAYLOAD_TOO_LARGE, String::new(), &state).into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The caller, from `Authorization: Bearer <token>`; anonymous without one.
#[derive(Debug)]
pub struct Caller(pub Viewer);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(Caller(Viewer::Anonymous));
        };
        let unauthorized =
            |code, msg: &str| ApiError::new(StatusCode::UNAUTHORIZED, code, msg.to_owned());
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                unauthorized(
                    "invalid_token",
                    "send the token as 'Authorization: Bearer <token>'",
                )
            })?;
        let token = state.store.token_by_secret(secret).await?.ok_or_else(|| {
            unauthorized("invalid_token", "this token is not known to the server")
        })?;
        if token.revoked_at.is_some() {
            return Err(unauthorized(
                "token_revoked",
                "this token was revoked; ask the secretariat for a new one",
            ));
        }
        if token
            .expires_at
            .is_some_and(|t| t <= time::OffsetDateTime::now_utc())
        {
            return Err(unauthorized(
                "token_expired",
                "this token has expired; ask the secretariat for a new one",
            ));
        }
        Ok(Caller(Viewer::Token(token)))
    }
}

fn require(caller: &Caller, role: Role) -> ApiResult<()> {
    match caller.0.role() {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            format!("this needs a {} token", role.as_str()),
        )),
        Some(r) if r < role => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "a {} token cannot do this; it needs {}",
                r.as_str(),
                role.as_str()
            ),
        )),
        Some(_) => Ok(()),
    }
}

fn parse_sha(s: &str) -> ApiResult<Sha256> {
    s.parse().map_err(|e: plenary_core::InvalidInput| {
        ApiError::bad_request("invalid_sha256", e.to_string())
    })
}

fn json_rejection(e: JsonRejection) -> ApiError {
    ApiError::new(e.status(), "invalid_json", e.body_text())
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok", "cursor": *state.head.borrow()}))
}

/// Who the caller's token belongs to, so that clients show staff tools only
/// to staff (the server still checks every request).
async fn me(caller: Caller) -> Json<serde_json::Value> {
    Json(match &caller.0 {
        Viewer::Anonymous => serde_json::json!({"role": "anonymous", "name": ""}),
        Viewer::Token(t) => serde_json::json!({
            "role": t.role.as_str(),
            "name": t.name,
            "expires_at": t.expires_at.and_then(|e| e.format(&time::format_description::well_known::Rfc3339).ok()),
        }),
    })
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

#[derive(Debug, Deserialize)]
struct FeedQuery {
    since: Option<u64>,
    limit: Option<usize>,
}

async fn feed(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let mut page = state
        .store
        .feed(q.since.unwrap_or(0), q.limit.unwrap_or(1000), &caller.0)
        .await?;
    if caller.0.role().is_some() {
        page.notes = Some(*state.notes_head.borrow());
    }
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(page)).into_response())
}

/// Server-sent events: `event: cursor` with the feed's head and `event:
/// notes` with the shared notes feed's head, at once and on every change; a
/// comment heartbeat keeps idle connections open.
async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let feed = WatchStream::new(state.head.subscribe())
        .map(|head| Ok(Event::default().event("cursor").data(head.to_string())));
    let notes = WatchStream::new(state.notes_head.subscribe())
        .map(|head| Ok(Event::default().event("notes").data(head.to_string())));
    let stream = feed.merge(notes);
    Sse::new(stream).keep_alive(KeepAlive::new().interval(EVENT_HEARTBEAT))
}

fn etag(sha: &Sha256) -> String {
    format!("\"{sha}\"")
}

async fn get_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
    request: Request,
) -> ApiResult<Response> {
    let sha = parse_sha(&sha)?;
    let missing = || ApiError::not_found(format!("no file {sha}"));
    if !state.store.file_visible(sha, &caller.0).await? {
        return Err(missing());
    }
    let meta = state.store.file(sha).await?.ok_or_else(missing)?;
    let tag = etag(&sha);
    if request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
    {
        return Ok((StatusCode::NOT_MODIFIED, immutable_headers(&tag)).into_response());
    }
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut hot = state.hot.get(&sha);
    if hot.is_none() && state.hot.fits(meta.size) {
        // `read` checks the hash (once per file and process): a damaged file is never served.
        let bytes = Bytes::from(state.files.read(sha).await?);
        state.hot.put(sha, bytes.clone());
        hot = Some(bytes);
    }
    if let Some(bytes) = hot {
        let len = bytes.len() as u64;
        let (status, body, content_range) =
            match range.as_deref().map(|r| crate::hot::single_range(r, len)) {
                None | Some(Ok(None)) if range.as_deref().is_none_or(|r| !r.contains(',')) => {
                    (StatusCode::OK, bytes, None)
                }
                Some(Ok(Some(r))) => (
                    StatusCode::PARTIAL_CONTENT,
                    bytes.slice(r.start as usize..r.end as usize),
                    Some(format!("bytes {}-{}/{len}", r.start, r.end - 1)),
                ),
                Some(Err(())) => (
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    Bytes::new(),
                    Some(format!("bytes */{len}")),
                ),
                // Several ranges: rare; the file server below answers them.
                _ => return serve_path(&state, sha, meta.media_type, &tag, request).await,
            };
        let mut headers = immutable_headers(&tag);
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(meta.media_type.as_str()),
        );
        headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if let Some(v) = content_range.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(header::CONTENT_RANGE, v);
        }
        return Ok((status, headers, body).into_response());
    }
    serve_path(&state, sha, meta.media_type, &tag, request).await
}

/// Serves a file from disk (large files, multi-range requests).
async fn serve_path(
    state: &AppState,
    sha: Sha256,
    media_type: MediaType,
    tag: &str,
    request: Request,
) -> ApiResult<Response> {
    let Some(FileLocation::Path(path)) = state.files.locate(sha).await? else {
        return Err(ApiError::not_found(format!("no file {sha}")));
    };
    // ServeFile answers Range requests (206, 416) and HEAD for us.
    let response = tower_http::services::ServeFile::new(path)
        .oneshot(request)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let (mut parts, body) = response.into_parts();
    parts.headers.extend(immutable_headers(tag));
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media_type.as_str()),
    );
    Ok(Response::from_parts(parts, Body::new(body)))
}

fn immutable_headers(tag: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(v) = HeaderValue::from_str(tag) {
        h.insert(header::ETAG, v);
    }
    h
}

async fn get_text(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
) -> ApiResult<Response> {
    let sha = parse_sha(&sha)?;
    if !state.store.file_visible(sha, &caller.0).await? {
        return Err(ApiError::not_found(format!("no file {sha}")));
    }
    let text = file_text(&state, sha)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no text for {sha} (yet)")))?;
    Ok((immutable_headers(&etag(&sha)), Json(text)).into_response())
}

/// The most texts one `POST /v1/texts` may ask for.
pub const MAX_TEXTS_PER_REQUEST: usize = 100;

/// The body of `POST /v1/texts`, its shas as strings: a malformed one is
/// `invalid_sha256`, as in a path (the client's form is
/// `plenary_core::sync::text::TextsWanted`).
#[derive(Debug, Deserialize)]
struct TextsWanted {
    sha256: Vec<String>,
}

/// The texts of several files in one answer ([`Texts`]):
/// a sync asks for the texts of the files it stored in batches, not one
/// request per file, which on a meeting room's Wi-Fi (tens of milliseconds
/// a round trip) took longer than the files. Files the caller may not see
/// and files without a text yet are both listed as `missing`, alike.
async fn post_texts(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<TextsWanted>, JsonRejection>,
) -> ApiResult<Json<Texts>> {
    let Json(wanted) = body.map_err(json_rejection)?;
    if wanted.sha256.len() > MAX_TEXTS_PER_REQUEST {
        return Err(ApiError::bad_request(
            "too_many",
            format!(
                "{} texts asked for at once; at most {MAX_TEXTS_PER_REQUEST}",
                wanted.sha256.len()
            ),
        ));
    }
    let shas = wanted
        .sha256
        .iter()
        .map(|s| parse_sha(s))
        .collect::<ApiResult<Vec<Sha256>>>()?;
    let mut answer = Texts {
        texts: Vec::new(),
        missing: Vec::new(),
    };
    for sha in shas {
        let text = if state.store.file_visible(sha, &caller.0).await? {
            file_text(&state, sha).await?
        } else {
            None
        };
        match text {
            Some(text) => answer.texts.push(TextOf { sha256: sha, text }),
            None => answer.missing.push(sha),
        }
    }
    Ok(Json(answer))
}

/// A file's rendition with page 1's picture, or `None` when it has no text yet.
async fn file_text(state: &AppState, sha: Sha256) -> ApiResult<Option<FileText>> {
    let Some(rendition) = state.store.rendition(sha).await? else {
        return Ok(None);
    };
    // Page 1's picture rides along: no request more per file.
    let preview = state.store.preview(sha).await?;
    Ok(Some(FileText {
        rendition,
        preview: preview.as_ref().map(WirePreview::encode),
    }))
}

/// Checks that the bytes are what the client says they are.
fn sniff(bytes: &[u8], claimed: MediaType) -> ApiResult<()> {
    let mismatch = |why: &str| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "type_mismatch",
            format!("the file was sent as {} but {why}", claimed.as_str()),
        )
    };
    let is_pdf = bytes.starts_with(b"%PDF-");
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    match claimed {
        MediaType::Pdf if !is_pdf => Err(mismatch("it does not start with %PDF-")),
        MediaType::Docx if !crate::extract::is_docx(bytes) => Err(mismatch(
            "it is not a zip archive holding word/document.xml",
        )),
        MediaType::Html | MediaType::Text if is_pdf => Err(mismatch("it is a PDF")),
        MediaType::Html | MediaType::Text if is_zip => {
            Err(mismatch("it is a zip archive (a DOCX?)"))
        }
        MediaType::Html | MediaType::Text if std::str::from_utf8(bytes).is_err() => {
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_utf8",
                format!("{} files must be UTF-8; this one is not", claimed.as_str()),
            ))
        }
        _ => Ok(()),
    }
}

/// Stores a file (after checking its hash and type) and its text rendition.
/// Returns whether it was new.
pub async fn store_file(
    state: &AppState,
    sha: Sha256,
    media_type: MediaType,
    bytes: Bytes,
) -> ApiResult<bool> {
    if bytes.is_empty() {
        return Err(ApiError::bad_request("empty_file", "the file is empty"));
    }
    sniff(&bytes, media_type)?;
    let actual = Sha256::of(&bytes);
    if actual != sha {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "hash_mismatch",
            format!("the body hashes to {actual}, not {sha}; nothing was stored"),
        ));
    }
    if state.store.file(sha).await?.is_some() {
        return Ok(false);
    }
    let size = bytes.len() as u64;
    let timeout = state.config.extract_timeout;
    let (rendition, preview) = tokio::join!(
        crate::extract::extract(&bytes, media_type, timeout),
        async {
            match media_type {
                MediaType::Pdf => Some(crate::extract::pdf_preview(&bytes, timeout).await),
                _ => None,
            }
        }
    );
    state.files.put(sha, bytes.clone()).await?;
    state
        .store
        .add_file(FileMeta {
            sha256: sha,
            size,
            media_type,
        })
        .await?;
    state.store.set_rendition(sha, rendition).await?;
    if let Some(preview) = preview {
        if let Err(why) = &preview {
            tracing::info!(%sha, "no preview of page 1: {why}");
        }
        state.store.set_preview(sha, preview).await?;
    }
    // A new file is about to be fetched by every client that syncs.
    state.hot.put(sha, bytes);
    Ok(true)
}

async fn put_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    require(&caller, Role::Staff)?;
    let sha = parse_sha(&sha)?;
    let body = body.map_err(|e| too_large_or(e.status(), e.body_text(), &state))?;
    let media_type: MediaType = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_type",
                "send a Content-Type: application/pdf, text/html, text/plain or application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
        })?
        .parse()
        .map_err(|e: plenary_core::InvalidInput| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_type",
                e.to_string(),
            )
        })?;
    let size = body.len();
    let created = store_file(&state, sha, media_type, body).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(serde_json::json!({"sha256": sha, "size": size, "media_type": media_type})),
    )
        .into_response())
}

fn too_large_or(status: StatusCode, text: String, state: &AppState) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            status,
            "too_large",
            format!(
                "the upload is larger than this server accepts ({} MB)",
                state.config.max_upload_bytes / (1024 * 1024)
            ),
        )
    } else {
        ApiError::new(status, "invalid_body", text)
    }
}

async fn post_records(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<Vec<Record>>, JsonRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    require(&caller, Role::Staff)?;
    let Json(records) = body.map_err(json_rejection)?;
    let head = state.store.publish(records).await?;
    state.announce(head);
    Ok(Json(serde_json::json!({"cursor": head})))
}

/// A file name safe to offer for saving: the last path component, printable.
fn safe_file_name(name: Option<&str>, fallback: &str) -> String {
    name.and_then(|n| n.rsplit(['/', '\\']).next())
        .map(|n| n.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|n| !n.is_empty() && n != "." && n != ".." && n.len() <= 200)
        .unwrap_or_else(|| fallback.to_owned())
}

async fn upload_version(
    State(state): State<AppState>,
    caller: Caller,
    Path(document_id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    require(&caller, Role::Staff)?;
    let document_id: DocumentId =
        document_id
            .parse()
            .map_err(|e: plenary_core::InvalidInput| {
                ApiError::bad_request("invalid_id", e.to_string())
            })?;
    let Some(Record::Document(document)) =
        state.store.record("document", document_id.as_str()).await?
    else {
        return Err(ApiError::not_found(format!("no document {document_id}")));
    };
    let mut multipart =
        multipart.map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
    let (mut language, mut label, mut revision, mut file) = (None, None, None, None);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| too_large_or(e.status(), e.body_text(), &state))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let content_type = field.content_type().map(str::to_owned);
                let file_name = field.file_name().map(str::to_owned);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| too_large_or(e.status(), e.body_text(), &state))?;
                file = Some((content_type, file_name, bytes));
            }
            "language" | "label" | "revision" => {
                let text = field
                    .text()
                    .await
                    .map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
                match name.as_str() {
                    "language" => language = Some(text),
                    "label" => label = Some(text),
                    _ => revision = Some(text),
                }
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_multipart",
                    format!(
                        "unexpected field {other:?} (expected file, language, label, revision)"
                    ),
                ));
            }
        }
    }
    let missing = |f: &str| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_field",
            format!("the {f} field is required"),
        )
    };
    let language: Language = language
        .ok_or_else(|| missing("language"))?
        .parse()
        .map_err(|e: plenary_core::InvalidInput| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_language",
                e.to_string(),
            )
        })?;
    let label = label
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .ok_or_else(|| missing("label"))?;
    if label.chars().count() > 80 || label.chars().any(char::is_control) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_label",
            "the label must be at most 80 printable characters",
        ));
    }
    let (content_type, file_name, bytes) = file.ok_or_else(|| missing("file"))?;
    let media_type: MediaType = content_type
        .as_deref()
        .unwrap_or("application/octet-stream")
        .parse()
        .map_err(|e: plenary_core::InvalidInput| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_type",
                e.to_string(),
            )
        })?;
    let sha = Sha256::of(&bytes);
    let size = bytes.len() as u64;
    // Everything that can refuse the upload is checked before the file is
    // stored, so a refused upload leaves neither a file nor a row behind.
    if bytes.is_empty() {
        return Err(ApiError::bad_request("empty_file", "the file is empty"));
    }
    sniff(&bytes, media_type)?;
    let revision: Option<u32> = revision
        .map(|r| {
            r.trim().parse().map_err(|_| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_revision",
                    format!("{r:?} is not a revision number"),
                )
            })
        })
        .transpose()?;
    let existing = state.store.versions(document_id.as_str()).await?;
    if let Some(same) = existing
        .iter()
        .find(|v| v.language == language && v.sha256 == sha)
    {
        return Ok((StatusCode::OK, Json(same.clone())).into_response()); // idempotent
    }
    // The revision other languages already published under this label, else the next one.
    let revision = revision.unwrap_or_else(|| {
        existing
            .iter()
            .find(|v| v.label == label)
            .map(|v| v.revision)
            .unwrap_or_else(|| existing.iter().map(|v| v.revision + 1).max().unwrap_or(0))
    });
    if existing
        .iter()
        .any(|v| v.language == language && v.revision == revision)
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "revision_exists",
            format!(
                "{document_id} already has revision {revision} in {language}; withdraw it first or publish a new revision"
            ),
        ));
    }
    store_file(&state, sha, media_type, bytes).await?;
    let stem = document
        .symbol
        .as_ref()
        .map(|s| s.as_str().replace('/', "_"))
        .unwrap_or_else(|| document_id.to_string());
    let version = Version {
        id: VersionId::new(format!("{document_id}-{language}-r{revision}"))
            .map_err(|e| ApiError::bad_request("invalid_id", e.to_string()))?,
        document_id,
        language,
        revision,
        label,
        published_at: time::OffsetDateTime::now_utc(),
        sha256: sha,
        size,
        media_type,
        file_name: safe_file_name(
            file_name.as_deref(),
            &format!("{stem}-{language}.{}", media_type.extension()),
        ),
    };
    let head = state
        .store
        .publish(vec![Record::Version(version.clone())])
        .await?;
    state.announce(head);
    Ok((StatusCode::CREATED, Json(version)).into_response())
}

async fn withdraw_version(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    require(&caller, Role::Staff)?;
    let id: VersionId = id.parse().map_err(|e: plenary_core::InvalidInput| {
        ApiError::bad_request("invalid_id", e.to_string())
    })?;
    if state.store.record("version", id.as_str()).await?.is_none() {
        return Err(ApiError::not_found(format!("no version {id}")));
    }
    let head = state
        .store
        .publish(vec![Record::Tombstone(Tombstone::Version(id))])
        .await?;
    state.announce(head);
    Ok(Json(serde_json::json!({"cursor": head})))
}

#[derive(Debug, Deserialize)]
struct Access {
    restricted: bool,
    #[serde(default)]
    members: Vec<String>,
}

async fn set_access(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<Access>, JsonRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    require(&caller, Role::Admin)?;
    let Json(access) = body.map_err(json_rejection)?;
    state
        .store
        .set_meeting_access(&id, access.restricted.then_some(access.members))
        .await?;
    let head = state.store.head().await?;
    state.announce(head);
    Ok(Json(serde_json::json!({"cursor": head})))
}

fn token_of(caller: &Caller) -> ApiResult<&crate::store::TokenInfo> {
    match &caller.0 {
        Viewer::Token(t) => Ok(t),
        Viewer::Anonymous => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sharing notes needs a token",
        )),
    }
}

/// Who the caller is, and the groups they can share notes with.
async fn my_groups(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<plenary_core::sync::notes::Groups>> {
    let token = token_of(&caller)?;
    let groups = state.store.groups(Some(&token.id)).await?;
    Ok(Json(plenary_core::sync::notes::Groups {
        me: plenary_core::sync::notes::Member {
            id: token.id.clone(),
            name: token.name.clone(),
        },
        groups,
    }))
}

#[derive(Debug, Deserialize)]
struct GroupBody {
    name: String,
    #[serde(default)]
    members: Vec<String>,
}

async fn set_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<GroupBody>, JsonRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    require(&caller, Role::Admin)?;
    let Json(body) = body.map_err(json_rejection)?;
    state.store.set_group(&id, &body.name, body.members).await?;
    state.announce_notes(state.store.notes_head().await?);
    Ok(Json(serde_json::json!({"group": id})))
}

#[derive(Debug, Deserialize)]
struct NotesQuery {
    since: Option<u64>,
    limit: Option<usize>,
}

async fn notes_feed(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<NotesQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let token = token_of(&caller)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let page = state
        .store
        .notes(q.since.unwrap_or(0), q.limit.unwrap_or(500), token)
        .await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(page)).into_response())
}

/// Writes a shared note. 409 `note_conflict` with the server's `current`
/// copy when the write was based on an older revision.
async fn write_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<plenary_core::sync::notes::NoteWrite>, JsonRejection>,
) -> ApiResult<Response> {
    require(&caller, Role::Annotator)?;
    let token = token_of(&caller)?;
    let Json(write) = body.map_err(json_rejection)?;
    match state.store.write_note(&id, write, token).await? {
        crate::store::NoteWritten::Saved(note) => {
            state.announce_notes(note.seq);
            Ok(Json(note).into_response())
        }
        crate::store::NoteWritten::Conflict(current) => Ok((
            StatusCode::CONFLICT,
            Json(serde_json::json!({
                "error": {
                    "code": "note_conflict",
                    "message": format!(
                        "note {id} was changed by {} since this write's revision; merge and send again",
                        current.editor
                    ),
                },
                "current": current,
            })),
        )
            .into_response()),
    }
}

async fn withdraw_note(
    State(state): State<AppState>,
    caller: Caller,
    Path((group, id)): Path<(String, String)>,
) -> ApiResult<Json<serde_json::Value>> {
    require(&caller, Role::Annotator)?;
    let token = token_of(&caller)?;
    let head = state.store.withdraw_note(&group, &id, token).await?;
    state.announce_notes(head);
    Ok(Json(serde_json::json!({"cursor": head})))
}
