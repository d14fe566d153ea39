//! What the client needs from its environment, as one small trait: the browser implements it
//! with fetch, timers, `localStorage` and Web Crypto; tests with a scripted or simulated server.

use serde_json::Value;

use crate::error::Result;
use crate::rest::{Request, Session};

/// What the client needs from its environment.
#[allow(async_fn_in_trait)] // single-threaded (wasm): no Send bound wanted
pub trait Platform {
    /// Sends one request; `session_token` is added as `X-Parse-Session-Token` when present.
    async fn send(&self, request: &Request, session_token: Option<&str>) -> Result<Value>;
    /// Resolves after `ms` milliseconds.
    async fn sleep(&self, ms: u32);
    /// The path Parse is mounted at (`/parse`), which `/batch` sub-requests must carry.
    fn mount_path(&self) -> String;
    /// Fills `buf` with cryptographically random bytes.
    fn random_bytes(&self, buf: &mut [u8]);
    fn load_session(&self) -> Option<Session>;
    fn store_session(&self, session: Option<&Session>);
    /// The client queued an event ([`Client::take_events`]). Whatever call it came from (a
    /// single write, a batch, a catch-up, a sync), this is the one place every event passes:
    /// the platform arranges delivery once the call has let go of its borrows.
    fn events_queued(&self) {}
}
