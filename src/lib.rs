//! crm-wasm: a typed, offline-capable CRM data layer for React apps, talking to Parse Server.
//!
//! The crate is split the way automerge and loro are: a pure core that builds and tests
//! natively (`cargo test`), and a thin browser layer compiled only for wasm32.
//!
//! Pure core (no js-sys / web-sys):
//! - [`error`]: the one error type and its stable codes;
//! - [`wire`]: Parse's encodings of dates, pointers, included objects and ACLs;
//! - [`models`]: User, Company, Contact, Deal, Activity, their enums and validation;
//! - [`schema`]: which field holds which kind of value, and encoding for the server;
//! - [`offline`]: stored records, the queue of offline writes, replay outcomes, conflict merging;
//! - [`pipeline`]: deals grouped by stage with totals, forecasts, filters, sorting, moves;
//! - [`eval`]: the same queries run over local objects, with Parse Server's semantics;
//! - [`query`]: queries and their compilation to Parse's `where` / `order` parameters;
//! - [`rest`]: Parse's REST requests and responses as plain data, independent of any transport;
//! - [`live`]: the LiveQuery protocol as a state machine (reconnect, heartbeat, catch-up);
//! - [`client`]: the session lifecycle and CRUD logic, over a [`client::Platform`].
//!
//! Browser layer (wasm32 only): `web` (fetch, storage), `socket` (WebSocket), `idb` (IndexedDB) and `bindings` (the `#[wasm_bindgen]`
//! surface, thin and typed through tsify).

pub mod client;
pub mod error;
pub mod eval;
#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod live;
pub mod models;
pub mod offline;
pub mod pipeline;
pub mod query;
pub mod rest;
pub mod schema;
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod bindings;
#[cfg(target_arch = "wasm32")]
mod idb;
#[cfg(target_arch = "wasm32")]
pub mod local_store;
#[cfg(target_arch = "wasm32")]
mod socket;
#[cfg(target_arch = "wasm32")]
mod web;

pub use error::CrmError;
pub use models::{
    Activity, ActivityType, Company, Contact, Deal, RelatedTo, Stage, User, Validate,
};
pub use wire::{Acl, AclEntry, IsoDate, Pointer, Ref};
