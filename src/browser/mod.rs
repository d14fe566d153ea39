//! The browser adapters: each implements one of the core's small traits (or wraps one browser
//! API) and holds no CRM logic.
//!
//! - `fetch`: [`crate::client::Platform`] over fetch (with a timeout), `localStorage` for the
//!   session and Web Crypto for ids;
//! - `timers`: the Live Query driver's environment ([`crate::live::LiveEnv`]): `setTimeout`,
//!   the clock, tasks, and the WebSocket;
//! - `shared`: what a client and everything made from it share (the core client, its events'
//!   one path to JavaScript listeners);
//! - `socket`: a WebSocket reporting through Rust callbacks;
//! - `handles`: the registry that finds a handle class's object from a JS argument;
//! - `idb`: IndexedDB requests and transactions as futures;
//! - `local_store`: the local datastore's IndexedDB layout (records, pins, queue, meta), over
//!   the core's offline rules;
//! - `answers`: the local store's recent page and count answers, given again while the class's
//!   stamp is unchanged;
//! - `local_handle`: the local datastore's live state behind its handle: the core's replay run
//!   under a Web Lock, a replay when the browser comes back online, sync events delivered;
//! - `js`: JavaScript values in and out of the `#[wasm_bindgen]` surface (checked arguments,
//!   JSON both ways, typed errors, listeners, the async exports' one promise path);
//! - `live_sink`: where the Live Query driver's output goes (callbacks, a pipeline, a pin);
//! - `locks`: Web Locks (one tab replays the queue at a time) and the browser's online state.

pub(crate) mod answers;
pub mod fetch;
pub(crate) mod handles;
pub(crate) mod idb;
pub(crate) mod js;
pub(crate) mod live_sink;
pub(crate) mod local_handle;
pub mod local_store;
pub(crate) mod locks;
pub(crate) mod shared;
pub(crate) mod socket;
pub(crate) mod timers;
