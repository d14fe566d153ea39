//! Sending with retries: which failures are retried (transport failures and transient server
//! faults, for reads and for writes that carry a request id), the backoff between attempts,
//! and what follows a refused session (signed out, `SessionExpired` queued).

use serde_json::Value;

use super::exactly_once::{resendable, Replayed};
use super::{Client, Platform};
use crate::error::{parse_code, CrmError, Result};
use crate::rest::{Method, Request};

/// When and how often a failed request is sent again. Only transport failures and transient
/// server faults are retried, and only for reads and for writes that carry a request id: a
/// request the server definitely rejected is never sent again.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay_ms: u32,
    pub max_delay_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay_ms: 250,
            max_delay_ms: 5_000,
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with "equal jitter": half the capped delay, plus a random share of
    /// the other half (`random` in [0, 1)), so clients that failed together do not retry together.
    pub fn delay_ms(&self, attempt: u32, random: f64) -> u32 {
        let exp = u64::from(self.base_delay_ms).saturating_mul(1u64 << attempt.min(20));
        let capped = exp.min(u64::from(self.max_delay_ms)) as f64;
        (capped / 2.0 + capped / 2.0 * random.clamp(0.0, 1.0)) as u32
    }
}

impl<P: Platform> Client<P> {
    pub(super) async fn send_once(&self, request: &Request, token: Option<&str>) -> Result<Value> {
        self.requests_sent.set(self.requests_sent.get() + 1);
        self.platform.send(request, token).await
    }

    /// Sends with retries (see [`RetryPolicy`]), confirms replayed writes, and signs out on an
    /// invalid session.
    pub(super) async fn send(&self, request: &Request) -> Result<Value> {
        let token = if request.authenticated {
            self.session_token()
        } else {
            None
        };
        let retriable = !request.is_write() || request.request_id.is_some();
        let mut attempt = 0;
        // A copy under a new request id, once the first id proved burned (see below).
        let mut renewed: Option<Request> = None;
        let result = loop {
            let request = renewed.as_ref().unwrap_or(request);
            match self.send_once(request, token.as_deref()).await {
                Err(e) if retriable && e.is_transient() && attempt < self.retry.max_retries => {
                    self.platform
                        .sleep(self.retry.delay_ms(attempt, self.random_unit()))
                        .await;
                    attempt += 1;
                }
                Err(
                    e @ CrmError::Server {
                        parse_code: parse_code::DUPLICATE_REQUEST,
                        ..
                    },
                ) => match self.check_replayed_write(request, token.as_deref()).await {
                    Replayed::Applied(answer) => break Ok(answer),
                    // The server took the request id but never finished the write (it died in
                    // between): the id is burned, the write is not there. Sending it again under
                    // a new id is safe for a create (its objectId is ours: a late original would
                    // make the copy fail as a duplicate) and for plain values (setting them twice
                    // is setting them once).
                    Replayed::Absent if renewed.is_none() && resendable(request) => {
                        renewed = Some(Request {
                            request_id: Some(self.new_id()),
                            ..request.clone()
                        });
                    }
                    // Cannot tell yet: the read-back failed (a busy server times it out too), or
                    // the write is not there but may still be running (the server takes the
                    // request id when a write starts and commits it later). Look again after a
                    // backoff: sending the same id again is only answered 159, never applied.
                    _ if attempt < self.retry.max_retries => {
                        self.platform
                            .sleep(self.retry.delay_ms(attempt, self.random_unit()))
                            .await;
                        attempt += 1;
                    }
                    _ => break Err(e),
                },
                // A retried write whose first attempt went through (here, or in an earlier
                // replay of the offline queue): the create now finds its own id taken, the
                // delete finds nothing to delete.
                Err(
                    e @ CrmError::Server {
                        parse_code: code, ..
                    },
                ) if (attempt > 0 || request.replay)
                    && matches!(
                        (code, request.method),
                        (parse_code::DUPLICATE_VALUE, Method::Post)
                            | (parse_code::OBJECT_NOT_FOUND, Method::Delete)
                    ) =>
                {
                    break self
                        .confirm_replayed_write(request, token.as_deref(), e)
                        .await;
                }
                other => break other,
            }
        };
        if let Err(CrmError::Server {
            parse_code: parse_code::INVALID_SESSION_TOKEN,
            ..
        }) = &result
        {
            if let Some(token) = &token {
                self.session_refused(token);
            }
        }
        result
    }
}
