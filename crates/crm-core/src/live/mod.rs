//! Live Queries: the protocol as a state machine ([`machine`]) and the exact catch-up after a
//! gap ([`catch_up`]). The browser driver (`bindings::live`) owns the socket and the timers.

pub mod catch_up;
pub mod machine;

pub use catch_up::{Version, Versions};
pub use machine::{Action, CatchUp, LiveEvent, LiveEventKind, LiveMachine, LiveStatus};
