//! Entry points for the fuzz targets in `fuzz/` and for the regression test that replays what
//! they found (`tests/fuzz_regressions.rs`): each takes arbitrary bytes, drives one part of the
//! pure core that reads untrusted data, and checks what must hold whatever the input. A panic is
//! the failure. Native only, hidden from the docs: not part of the API.

use serde_json::Value;

use crate::eval::{self, NoSubQueries};
use crate::live::{Action, LiveMachine};
use crate::models::{Activity, Company, Contact, Deal, User};
use crate::offline::{self, ConflictPolicy, OpKind};
use crate::pipeline::Pipeline;
use crate::query::Query;
use crate::rest;
use crate::schema::{self, ClassSchema};

/// Deal first (the live target's class), then the rest of the registry, then `_User`.
const CLASSES: [&ClassSchema; 5] = [
    &schema::DEAL,
    &schema::COMPANY,
    &schema::CONTACT,
    &schema::ACTIVITY,
    &schema::USER,
];

fn schema_for(selector: u8) -> &'static ClassSchema {
    CLASSES[usize::from(selector) % CLASSES.len()]
}

/// Server answers: any bytes as a response body (with a status taken from the first byte),
/// decoded as every class, as a find's results, a batch, a write result, a session and a
/// pipeline load. Whatever decodes must re-encode for the server without panicking.
pub fn server_json(data: &[u8]) {
    let Some((&first, rest_bytes)) = data.split_first() else {
        return;
    };
    let body = String::from_utf8_lossy(rest_bytes);
    let status = [200u16, 201, 400, 404, 500, 503][usize::from(first) % 6];
    let Ok(value) = rest::decode_response(status, &body) else {
        return;
    };
    if let Ok(deal) = rest::decode_object::<Deal>(value.clone()) {
        let _ = schema::to_wire(&deal, true);
    }
    if let Ok(company) = rest::decode_object::<Company>(value.clone()) {
        let _ = schema::to_wire(&company, true);
    }
    if let Ok(contact) = rest::decode_object::<Contact>(value.clone()) {
        let _ = schema::to_wire(&contact, true);
    }
    if let Ok(activity) = rest::decode_object::<Activity>(value.clone()) {
        let _ = schema::to_wire(&activity, true);
    }
    let _ = rest::decode_object::<User>(value.clone());
    let _ = rest::decode_results::<Deal>(value.clone());
    let _ = rest::decode_results::<Activity>(value.clone());
    let _ = rest::decode_results::<Contact>(value.clone());
    let _ = rest::decode_results::<Company>(value.clone());
    let _ = rest::decode_batch(value.clone(), 2);
    let _ = rest::decode_write(value.clone());
    let _ = rest::decode_session(value.clone(), None);
    let empty = serde_json::Map::new();
    let kinds = [
        OpKind::Create {
            body: empty.clone(),
        },
        OpKind::Update {
            body: empty.clone(),
            base: empty,
        },
        OpKind::Delete,
    ];
    for kind in &kinds {
        let _ = offline::judge(Ok(value.clone()), kind);
    }
    let mut pipeline = Pipeline::new();
    if pipeline.load_json(&body).is_ok() {
        let total: usize = pipeline.columns().iter().map(|c| c.count as usize).sum();
        assert!(
            total <= pipeline.len(),
            "columns hold more deals than loaded"
        );
        let _ = pipeline.stats(0);
    }
}

/// LiveQuery frames: the input split on newlines, each fed to a connected machine with a Deal
/// subscription, with ticks and reconnects in between. The machine must never panic and never
/// ask to catch up or report events for a subscription it does not have.
pub fn live_frames(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let deal = schema_for(0);
    let mut machine = LiveMachine::new("crm", "js-key", Some("r:token".into()), 1000);
    let Ok(sub) = machine.subscribe(deal, Query::default()) else {
        return;
    };
    machine.start();
    machine.on_open(1);
    machine.on_message(r#"{"op":"connected","clientId":"c1"}"#, 2);
    let mut now = 3;
    for (i, line) in text.split('\n').enumerate() {
        now += 137;
        match line.as_bytes().first() {
            Some(b'!') => machine.on_close(0.5),
            Some(b'~') => machine.reconnect_due(),
            Some(b'@') => machine.on_open(now),
            _ => machine.on_message(line, now),
        }
        if i % 3 == 0 {
            machine.tick(now);
        }
        for event in machine.take_events() {
            assert_eq!(
                event.subscription, sub,
                "an event for an unknown subscription"
            );
        }
        for action in machine.take_actions() {
            if let Action::CatchUp(c) = action {
                assert_eq!(
                    c.subscription, sub,
                    "a catch-up for an unknown subscription"
                );
                // Whatever the server lists, the machine must take it without panicking.
                let listed = vec![("d1".to_string(), Some(now)), ("d2".to_string(), None)];
                let wanted = machine.catch_up_listed(c.subscription, c.epoch, listed);
                let fetched = wanted
                    .iter()
                    .map(|id| serde_json::json!({ "objectId": id, "title": line }))
                    .collect();
                machine.catch_up_fetched(c.subscription, c.epoch, fetched);
            }
        }
        let _ = machine.take_outbox();
    }
}

/// Local queries: the input is JSON `{"class": n, "query": <Query>, "objects": [..]}`. The query
/// runs over the objects with the local evaluator, is compiled for the server, and must keep the
/// evaluator's contract: a page is at most `limit` long and every object on it matches.
pub fn local_eval(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let class = input.get("class").and_then(Value::as_u64).unwrap_or(0) as u8;
    let schema = schema_for(class);
    let Some(query) = input
        .get("query")
        .cloned()
        .and_then(|q| serde_json::from_value::<Query>(q).ok())
    else {
        return;
    };
    let objects: Vec<Value> = match input.get("objects") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let _ = query.compile_where(schema);
    let _ = offline::plan::plan(schema, &query);
    for o in &objects {
        let _ = offline::record(schema.class_name, o);
    }
    let Ok(page) = eval::run(schema, &query, objects.clone(), &NoSubQueries) else {
        return;
    };
    let limit = query.limit.unwrap_or(100) as usize;
    assert!(page.len() <= limit, "a page longer than its limit");
    if query.keys.is_empty() {
        for o in &page {
            assert_eq!(
                eval::matches(schema, &query, o, &NoSubQueries).ok(),
                Some(true),
                "a returned object does not match"
            );
        }
    }
    let count = eval::count(schema, &query, objects, &NoSubQueries);
    if let Ok(n) = count {
        let skip = query.skip.unwrap_or(0) as usize;
        assert_eq!(
            page.len(),
            n.saturating_sub(skip).min(limit),
            "count and page disagree"
        );
    }
}

/// Offline writes meeting the server: a queued update body, the base it was made on and the
/// server's object (all from the input JSON `{"body":{..},"base":{..},"server":{..}}`) merged
/// under both policies and applied to a local object.
pub fn offline_merge(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let schema = schema_for(input.get("class").and_then(Value::as_u64).unwrap_or(0) as u8);
    let map = |key: &str| match input.get(key) {
        Some(Value::Object(m)) => m.clone(),
        _ => serde_json::Map::new(),
    };
    let (body, base) = (map("body"), map("base"));
    let server = input.get("server").cloned().unwrap_or(Value::Null);
    for policy in [ConflictPolicy::LastWriterWins, ConflictPolicy::ServerWins] {
        let (send, conflicts) = offline::merge_update(schema, "id1", &body, &base, &server, policy);
        assert!(
            send.keys().all(|k| body.contains_key(k)),
            "a merge sent a field the update did not touch"
        );
        assert!(conflicts.iter().all(|c| body.contains_key(&c.field)));
    }
    let mut local = server.clone();
    offline::apply_update(&mut local, &body);
    let _ = offline::base_of(schema, Some(&local), &body);
}
