//! crm-wasm: a typed, offline-capable CRM data layer for React apps, talking to Parse Server.
//!
//! The workspace is split the way automerge and loro are: the pure core is its own crate
//! (`crates/crm-core`, re-exported here module by module), which builds and tests natively and
//! has no browser types in its dependency tree; this crate holds only what needs the browser,
//! compiled for wasm32:
//! - `browser`: the browser adapters (fetch and storage, timers, WebSocket, IndexedDB, Web
//!   Locks), each behind one of the core's small traits;
//! - `bindings`: the `#[wasm_bindgen]` surface, which only converts, calls the core and
//!   converts back.

// Data from JS, IndexedDB or the network never panics the module: no unwrap or expect outside
// tests (a broken invariant is an error with a code, not an abort).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub use crm_core::fuzzing;
pub use crm_core::{
    class, client, error, eval, live, models, offline, pipeline, query, rest, schema, wire,
};

#[cfg(target_arch = "wasm32")]
pub mod bindings;
#[cfg(target_arch = "wasm32")]
pub mod browser;

pub use crm_core::{
    Acl, AclEntry, Activity, ActivityType, Company, Contact, CrmError, Deal, IsoDate, Pointer, Ref,
    RelatedTo, Stage, User, Validate,
};
