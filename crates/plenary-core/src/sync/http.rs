//! One request to the server, classified, and retried with backoff.
//!
//! Classification (what [`super::Connection`] shows the delegate):
//! - **Offline**: no connection to the server could be made (no network,
//!   DNS failure, no route, connection refused, connect timeout). Nothing
//!   on the other side answered.
//! - **Unreachable**: the server was reached but did not serve: 5xx, 408,
//!   429, a response that stalled past the read timeout, a connection cut
//!   mid-response, a body that is not what the API promises.
//! - **Refused**: the server answered a 4xx (other than 408/429): a token it
//!   does not accept, a file it does not have. Retrying would not help.
//!
//! Offline and Unreachable failures are retried with exponential backoff and
//! jitter (honouring `Retry-After` on 503 and 429, capped); Refused are not.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;
use tokio_util::sync::CancellationToken;

use super::{SyncClient, SyncError};

/// How a failed request is tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, at least 1.
    pub attempts: u32,
    /// The wait before the second try; doubled for each further one.
    pub base_delay: Duration,
    /// The longest wait between two tries.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait after the `failures`-th failure (1-based): exponential, capped,
    /// with "equal jitter" (between half and all of it) so that many clients
    /// coming back after an outage do not all knock at once.
    pub fn backoff(&self, failures: u32) -> Duration {
        backoff(self.base_delay, self.max_delay, failures)
    }
}

pub(crate) fn backoff(base: Duration, max: Duration, failures: u32) -> Duration {
    let exp = base
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
        .min(max);
    let half = exp / 2;
    half + rand::rng().random_range(Duration::ZERO..=half)
}

/// One failed try.
#[derive(Debug)]
pub(crate) struct Failed {
    pub error: SyncError,
    pub retryable: bool,
    pub retry_after: Option<Duration>,
}

impl Failed {
    pub fn retry(error: SyncError) -> Self {
        Failed {
            error,
            retryable: true,
            retry_after: None,
        }
    }

    pub fn fatal(error: SyncError) -> Self {
        Failed {
            error,
            retryable: false,
            retry_after: None,
        }
    }
}

impl From<SyncError> for Failed {
    fn from(error: SyncError) -> Self {
        let retryable = matches!(
            error,
            SyncError::Offline { .. } | SyncError::Unreachable { .. } | SyncError::Corrupt { .. }
        );
        Failed {
            error,
            retryable,
            retry_after: None,
        }
    }
}

impl SyncClient {
    pub(crate) fn offline(&self, detail: impl Into<String>) -> SyncError {
        SyncError::Offline {
            server: self.server.clone(),
            detail: detail.into(),
        }
    }

    pub(crate) fn unreachable(&self, detail: impl Into<String>) -> SyncError {
        SyncError::Unreachable {
            server: self.server.clone(),
            detail: detail.into(),
        }
    }

    /// Classifies a transport error.
    pub(crate) fn transport(&self, e: &reqwest::Error, what: &str) -> SyncError {
        let detail = format!("{what}: {}", error_chain(e));
        if e.is_connect() {
            self.offline(detail)
        } else {
            self.unreachable(detail)
        }
    }

    /// Sends a GET (with `Range: bytes=N-` when `from` is given) and waits for
    /// the response's head at most `timeout`. Success statuses are returned.
    pub(crate) async fn get_once(
        &self,
        path: &str,
        from: Option<u64>,
        timeout: Duration,
    ) -> Result<reqwest::Response, Failed> {
        let mut req = self.http.get(format!("{}{path}", self.server));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(from) = from {
            req = req.header(reqwest::header::RANGE, format!("bytes={from}-"));
        }
        self.answer(req, &format!("GET {path}"), timeout).await
    }

    /// Sends a request with a JSON body (or none) and waits for the
    /// response's head at most `timeout`. A 409 that carries the server's
    /// current copy of a shared note is [`SyncError::Conflict`].
    pub(crate) async fn send_once(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
        timeout: Duration,
    ) -> Result<reqwest::Response, Failed> {
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| Failed::fatal(SyncError::Protocol(e.to_string())))?;
        let what = format!("{method} {path}");
        let mut req = self.http.request(method, format!("{}{path}", self.server));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.answer(req, &what, timeout).await
    }

    /// Reads a success's JSON body (named `what` in errors): a stall past
    /// `timeout`, a cut or a body that does not parse is retried.
    pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        resp: reqwest::Response,
        what: &str,
        timeout: Duration,
    ) -> Result<T, Failed> {
        let bytes = tokio::time::timeout(timeout, resp.bytes())
            .await
            .map_err(|_| Failed::retry(self.unreachable(format!("{what} stalled"))))?
            .map_err(|e| Failed::retry(self.transport(&e, what)))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Failed::retry(SyncError::Protocol(format!("{what}: {e}"))))
    }

    /// Sends `req`; success statuses are returned, others classified.
    async fn answer(
        &self,
        req: reqwest::RequestBuilder,
        what: &str,
        timeout: Duration,
    ) -> Result<reqwest::Response, Failed> {
        let resp = match tokio::time::timeout(timeout, req.send()).await {
            Err(_) => {
                return Err(Failed::retry(self.unreachable(format!(
                    "{what}: no answer within {} s",
                    timeout.as_secs_f32()
                ))));
            }
            Ok(Err(e)) => return Err(Failed::retry(self.transport(&e, what))),
            Ok(Ok(resp)) => resp,
        };
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body: serde_json::Value =
            match tokio::time::timeout(timeout, resp.json::<serde_json::Value>()).await {
                Ok(Ok(v)) => v,
                _ => serde_json::Value::Null,
            };
        let code = body["error"]["code"]
            .as_str()
            .unwrap_or("unknown")
            .to_owned();
        let message = body["error"]["message"]
            .as_str()
            .unwrap_or("no explanation given")
            .to_owned();
        if status == StatusCode::CONFLICT
            && let Ok(current) =
                serde_json::from_value::<super::notes::SharedNote>(body["current"].clone())
        {
            return Err(Failed::fatal(SyncError::Conflict(Box::new(current))));
        }
        let retryable = status.is_server_error()
            || status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS;
        if retryable {
            Err(Failed {
                error: self.unreachable(format!(
                    "{what}: the server answered {status} ({code}: {message})"
                )),
                retryable: true,
                retry_after,
            })
        } else {
            Err(Failed::fatal(SyncError::Refused {
                status: status.as_u16(),
                code,
                message,
            }))
        }
    }

    /// Runs `attempt` until it succeeds, fails for good, or the tries run out;
    /// waits between tries as the policy says (or as `Retry-After` asks).
    pub(crate) async fn with_retry<T, Fut>(
        &self,
        policy: &RetryPolicy,
        cancel: &CancellationToken,
        mut attempt: impl FnMut(u32) -> Fut,
    ) -> Result<T, SyncError>
    where
        Fut: Future<Output = Result<T, Failed>>,
    {
        let mut tries = 1;
        loop {
            let result = tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(SyncError::Cancelled),
                r = attempt(tries) => r,
            };
            let failed = match result {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            if !failed.retryable || tries >= policy.attempts.max(1) {
                return Err(failed.error);
            }
            let wait = match failed.retry_after {
                Some(asked) => asked.min(policy.max_retry_after),
                None => policy.backoff(tries),
            };
            tracing::info!(try_ = tries, wait_ms = wait.as_millis() as u64, error = %failed.error, "retrying");
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(SyncError::Cancelled),
                _ = tokio::time::sleep(wait) => {}
            }
            tries += 1;
        }
    }
}

/// A reqwest error with its causes ("error sending request: connection refused").
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(5),
        };
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = p.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let late = p.backoff(40);
            assert!(late >= Duration::from_millis(500) && late <= Duration::from_secs(1));
        }
        let spread: std::collections::BTreeSet<_> = (0..50).map(|_| p.backoff(4)).collect();
        assert!(spread.len() > 10, "jitter varies the waits: {spread:?}");
    }
}
