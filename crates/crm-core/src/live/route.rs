//! What leaves the driver, shaped for its destinations: the options a JavaScript caller gives,
//! events as plain objects for a callback, changes for a pin of the local store, and a
//! pipeline fed by a subscription (events held while the pipeline loads, so none falls between
//! the load and the subscription).

use serde::Deserialize;
use serde_json::Value;

use super::driver::{Driver, LiveEnv, LiveSink};
use super::machine::{LiveEvent, LiveEventKind, LiveMachine};
use crate::class::CrmClass;
use crate::client::{Endpoint, Platform};
use crate::error::{CrmError, Result};
use crate::models::Deal;
use crate::pipeline::Pipeline;
use crate::query::Query;

/// Options of a Live Query client (an unknown one is refused, as the client's are).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiveOptions {
    /// e.g. "ws://127.0.0.1:1337/parse"; default: the client's server URL with ws(s)://.
    #[serde(default)]
    pub url: Option<String>,
    /// How often to check a quiet connection is alive; default 15000, 0 turns it off.
    #[serde(default)]
    pub heartbeat_ms: Option<u32>,
    /// First reconnection delay (doubling, jittered); default 500.
    #[serde(default)]
    pub reconnect_base_ms: Option<u32>,
    /// Longest reconnection delay; default 30000.
    #[serde(default)]
    pub reconnect_max_ms: Option<u32>,
}

impl LiveOptions {
    /// The URL, the machine and the heartbeat period for a client of `endpoint` signed in
    /// with `session_token` (required).
    pub fn configure(
        &self,
        endpoint: &Endpoint,
        session_token: Option<String>,
    ) -> Result<(String, LiveMachine, u32)> {
        // An http:// URL was taken and the client sat disconnected without a word.
        if let Some(url) = &self.url {
            let host = url
                .strip_prefix("ws://")
                .or_else(|| url.strip_prefix("wss://"));
            if host.is_none_or(str::is_empty) {
                return Err(CrmError::InvalidInput(format!(
                    "url {url:?} must start with ws:// or wss://"
                )));
            }
        }
        if session_token.is_none() {
            return Err(CrmError::NotSignedIn);
        }
        let url = self.url.clone().unwrap_or_else(|| endpoint.websocket_url());
        let heartbeat = self.heartbeat_ms.unwrap_or(15_000);
        let mut machine = LiveMachine::new(
            &endpoint.app_id,
            &endpoint.javascript_key,
            session_token,
            heartbeat,
        );
        machine.set_backoff(
            self.reconnect_base_ms.unwrap_or(500).max(10),
            self.reconnect_max_ms.unwrap_or(30_000).max(10),
        );
        Ok((url, machine, heartbeat))
    }
}

/// An event's object (or original) in the JS shape, decoded as the class's model so bad data
/// from the server is an error, not a surprise; a caught-up delete carries only the id.
pub fn object_json(class: CrmClass, event: &LiveEvent, v: &Value) -> Result<Value> {
    if event.kind == LiveEventKind::Delete && event.caught_up {
        return Ok(v.clone());
    }
    fn typed<T: serde::de::DeserializeOwned + serde::Serialize>(v: &Value) -> Result<Value> {
        let object: T = serde_json::from_value(v.clone())
            .map_err(|e| CrmError::MalformedResponse(format!("live event: {e}")))?;
        serde_json::to_value(object).map_err(|e| CrmError::MalformedResponse(e.to_string()))
    }
    crate::with_model!(class, T => typed::<T>(v))
}

/// `{kind, object, original?, caughtUp}` for a JavaScript handler.
pub fn event_json(class: CrmClass, event: &LiveEvent) -> Result<Value> {
    let mut out = serde_json::json!({
        "kind": event.kind,
        "object": object_json(class, event, &event.object)?,
        "caughtUp": event.caught_up,
    });
    if let Some(original) = &event.original {
        out["original"] = object_json(class, event, original)?;
    }
    Ok(out)
}

/// What an event does to a pin that follows the query.
#[derive(Debug, PartialEq)]
pub enum PinChange {
    /// Store (and pin) this object, JS shape.
    Put(Value),
    /// Unpin the object with this id: deleted, or no longer matching.
    Remove(String),
}

/// The change `event` makes to a followed pin; None for an object without an id.
pub fn pin_change(class: CrmClass, event: &LiveEvent) -> Result<Option<PinChange>> {
    let object = object_json(class, event, &event.object)?;
    let Some(id) = object.get("objectId").and_then(Value::as_str) else {
        return Ok(None);
    };
    Ok(Some(
        if matches!(event.kind, LiveEventKind::Delete | LiveEventKind::Leave) {
            PinChange::Remove(id.to_owned())
        } else {
            PinChange::Put(object)
        },
    ))
}

/// A pipeline following a subscription. Until [`PipelineFeed::loaded`] events are held, then
/// applied after the loaded deals, in order.
#[derive(Debug, Default)]
pub struct PipelineFeed {
    held: Option<Vec<LiveEvent>>,
}

impl PipelineFeed {
    /// A feed whose pipeline is loading.
    pub fn loading() -> Self {
        PipelineFeed {
            held: Some(Vec::new()),
        }
    }

    /// Applies (or holds) one event; answers whether the pipeline may have changed.
    pub fn event(&mut self, pipeline: &mut Pipeline, event: LiveEvent) -> Result<bool> {
        match &mut self.held {
            Some(held) => {
                held.push(event);
                Ok(false)
            }
            None => pipeline.apply_live_event(&event).map(|()| true),
        }
    }

    /// Loads `deals`, then applies what was held meanwhile.
    pub fn loaded(&mut self, pipeline: &mut Pipeline, deals: Vec<Deal>) -> Result<()> {
        let held = self.held.take().unwrap_or_default();
        pipeline.load(deals)?;
        for event in &held {
            // An event about a deal the load already holds at that version is no change.
            let _ = pipeline.apply_live_event(event);
        }
        Ok(())
    }
}

impl<E: LiveEnv, P: Platform + 'static, S: LiveSink> Driver<E, P, S> {
    /// Loads every Deal matching `query` for the seeded subscription `id` and tells the
    /// machine their versions (its catch-up baseline). On failure the subscription is dropped.
    pub async fn load_seeded(
        self: &std::rc::Rc<Self>,
        id: u32,
        query: &Query,
    ) -> Result<Vec<Deal>> {
        let loaded: Result<Vec<Deal>> = self.client().find_all(query).await;
        match loaded {
            Ok(deals) => {
                let versions = deals
                    .iter()
                    .filter_map(|d| Some((d.object_id.clone()?, d.updated_at.map(|t| t.millis()))))
                    .collect();
                self.seed_known(id, versions);
                Ok(deals)
            }
            Err(e) => {
                self.unsubscribe(id);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::sim::deal;

    fn event(kind: LiveEventKind, object: Value, caught_up: bool) -> LiveEvent {
        LiveEvent {
            subscription: 1,
            kind,
            object,
            original: None,
            caught_up,
        }
    }

    #[test]
    fn options_configure_the_machine() {
        let endpoint = Endpoint {
            server_url: "http://127.0.0.1:1/parse".into(),
            app_id: "a".into(),
            javascript_key: "k".into(),
            timeout_ms: 1,
            persist_session: false,
        };
        let o = LiveOptions::default();
        assert_eq!(
            o.configure(&endpoint, None).err().unwrap().code(),
            "NOT_SIGNED_IN"
        );
        let (url, _, heartbeat) = o.configure(&endpoint, Some("r:t".into())).unwrap();
        assert_eq!(
            (url.as_str(), heartbeat),
            ("ws://127.0.0.1:1/parse", 15_000)
        );
        let o: LiveOptions = serde_json::from_str(r#"{"url":"ws://x/y","heartbeatMs":0}"#).unwrap();
        let (url, _, heartbeat) = o.configure(&endpoint, Some("r:t".into())).unwrap();
        assert_eq!((url.as_str(), heartbeat), ("ws://x/y", 0));
        let o: LiveOptions = serde_json::from_str(r#"{"url":"http://x/y"}"#).unwrap();
        let e = o.configure(&endpoint, Some("r:t".into())).err().unwrap();
        assert_eq!(e.code(), "INVALID_INPUT");
        assert!(e.to_string().contains("ws:// or wss://"), "{e}");
    }

    #[test]
    fn events_take_the_js_shape_and_bad_objects_are_errors() {
        let e = event(LiveEventKind::Update, deal("d1", "won", 1_000), false);
        let js = event_json(CrmClass::Deal, &e).unwrap();
        assert_eq!(js["kind"], "update");
        assert_eq!(js["object"]["objectId"], "d1");
        assert_eq!(js["caughtUp"], false);
        assert!(js.get("original").is_none());
        let bad = event(
            LiveEventKind::Create,
            serde_json::json!({"objectId": "d", "amount": "x"}),
            false,
        );
        assert_eq!(
            event_json(CrmClass::Deal, &bad).unwrap_err().code(),
            "MALFORMED_RESPONSE"
        );
        // A caught-up delete carries only the id, which is not a whole Deal: taken as is.
        let gone = event(
            LiveEventKind::Delete,
            serde_json::json!({"objectId": "d"}),
            true,
        );
        assert_eq!(
            event_json(CrmClass::Deal, &gone).unwrap()["object"]["objectId"],
            "d"
        );
    }

    #[test]
    fn pins_store_or_drop() {
        let put = event(LiveEventKind::Enter, deal("d1", "won", 1_000), false);
        assert!(
            matches!(pin_change(CrmClass::Deal, &put).unwrap(), Some(PinChange::Put(o)) if o["objectId"] == "d1")
        );
        let left = event(LiveEventKind::Leave, deal("d1", "won", 1_000), false);
        assert_eq!(
            pin_change(CrmClass::Deal, &left).unwrap(),
            Some(PinChange::Remove("d1".into()))
        );
    }

    #[test]
    fn a_loading_pipeline_holds_events_and_applies_them_after_the_load() {
        let mut p = Pipeline::new();
        let mut feed = PipelineFeed::loading();
        let moved = event(LiveEventKind::Update, deal("d1", "won", 2_000), false);
        assert!(!feed.event(&mut p, moved).unwrap());
        assert_eq!(p.len(), 0);
        let old: Deal = serde_json::from_value(deal("d1", "lead", 1_000)).unwrap();
        feed.loaded(&mut p, vec![old]).unwrap();
        assert_eq!(
            p.deal("d1").unwrap().stage.as_ref().unwrap().as_str(),
            "won"
        );
        let created = event(LiveEventKind::Create, deal("d2", "lead", 3_000), false);
        assert!(feed.event(&mut p, created).unwrap());
        assert_eq!(p.len(), 2);
    }
}
