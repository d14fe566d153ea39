//! crm-core: the pure core of crm-wasm. It builds and tests natively (`cargo test -p crm-core`),
//! and nothing of wasm-bindgen, js-sys or web-sys is in its dependency tree, in any build and
//! with any features. The TypeScript declarations of the types that cross to JavaScript are
//! `ts/crm-core.d.ts` ([`TS_DECLARATIONS`]), checked against the types by
//! `tests/ts_declarations.rs`. The browser adapters and the `#[wasm_bindgen]` surface are in
//! the crm-wasm crate.
//!
//! - [`class`]: the class registry ([`class::CrmClass`], [`with_model!`]);
//! - [`error`]: the one error type and its stable codes;
//! - [`wire`]: Parse's encodings of dates, pointers, included objects and ACLs;
//! - [`models`]: User, Company, Contact, Deal, Activity, their enums and validation;
//! - [`schema`]: which field holds which kind of value, and encoding for the server;
//! - [`query`]: queries and their compilation to Parse's `where` / `order` parameters;
//! - [`eval`]: the same queries run over local objects, with Parse Server's semantics;
//! - [`rest`]: Parse's REST requests and responses as plain data, independent of any transport;
//! - [`client`]: the session lifecycle and CRUD logic, over a [`client::Platform`];
//! - [`live`]: the LiveQuery protocol as a state machine, and the exact catch-up after a gap;
//! - [`offline`]: stored records, the queue of offline writes, replay outcomes, conflict merging;
//! - [`pipeline`]: deals grouped by stage with totals, forecasts, filters, sorting, moves;
//! - [`search`]: global search over deals, contacts and companies (any case, accents or not).

// Data from JS, IndexedDB or the network never panics the module: no unwrap or expect outside
// tests (a broken invariant is an error with a code, not an abort).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod class;
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
pub mod search;
pub mod wire;

/// The TypeScript declarations of the types that cross to JavaScript, for crm-wasm's `.d.ts`.
pub const TS_DECLARATIONS: &str = include_str!("../ts/crm-core.d.ts");

pub use error::CrmError;
pub use models::{
    Activity, ActivityType, Company, Contact, Deal, RelatedTo, Stage, User, Validate,
};
pub use wire::{Acl, AclEntry, IsoDate, Pointer, Ref};
