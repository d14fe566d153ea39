//! Live Queries: the protocol as a state machine ([`machine`]), the exact catch-up after a gap
//! ([`catch_up`]), and the [`driver`] that runs both over a socket, timers and the REST client,
//! generic over its environment (the browser's in crm-wasm, a simulated one in the tests).

pub mod catch_up;
pub mod driver;
pub mod machine;
pub mod route;
#[cfg(test)]
pub(crate) mod sim;

pub use catch_up::{Version, Versions};
pub use driver::{Driver, LiveEnv, LiveSink, LiveSocket, SocketEvent};
pub use machine::{Action, CatchUp, LiveEvent, LiveEventKind, LiveMachine, LiveStatus};
pub use route::{event_json, pin_change, LiveOptions, PinChange, PipelineFeed};
