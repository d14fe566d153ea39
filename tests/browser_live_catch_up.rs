//! The Live Query catch-up against a real reorder on the server: a write held in Cloud Code
//! (backend/cloud/test-hooks.js) whose event is lost while the socket is down. A file of its
//! own: the test waits for seconds of real time, and each file has its own time budget.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use crm_wasm::Deal;
use serde_json::{json, Value};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Parse stamps `updatedAt` when a write starts and publishes the event when it commits. A
/// write held 7 s by the test hook (backend/cloud/test-hooks.js), whose event is lost while the
/// socket is down, is stamped more than 5 s before the newest event the client saw: a catch-up
/// "since the newest event, minus a 5 s margin" never found it. Comparing versions does.
#[wasm_bindgen_test]
async fn a_slow_write_whose_event_was_lost_is_caught_up_however_old_its_stamp() {
    fault("reset").await;
    let (a, _) = signed_up("liveslow").await;
    let b = second_client(&a).await;
    let slow: Deal = rust(a.create_deal(ts(json!({"title": "slow"}))).await.unwrap());
    let fast: Deal = rust(a.create_deal(ts(json!({"title": "fast"}))).await.unwrap());
    let (live, id, events) = live_on(
        &b,
        json!({"url": PROXY_WS, "reconnectBaseMs": 100, "reconnectMaxMs": 400, "heartbeatMs": 0}),
    )
    .await;
    let landed = Rc::new(Cell::new(false));
    {
        let writer = second_client(&a).await;
        let landed = landed.clone();
        let slow_id = slow.object_id.clone().unwrap();
        wasm_bindgen_futures::spawn_local(async move {
            writer
                .update_deal(
                    slow_id.into(),
                    js(&json!({"title": "slow landed", "notes": "crm-test-hold:7000"})),
                )
                .await
                .unwrap();
            landed.set(true);
        });
    }
    // 5.6 s into the slow write, a fast one; its event arrives live.
    sleep(5600).await;
    assert!(!landed.get(), "the hook holds the slow write");
    a.update_deal(
        fast.object_id.clone().unwrap().into(),
        js(&json!({"title": "fast landed"})),
    )
    .await
    .unwrap();
    within(2000.0, "the fast write's event", || {
        titles(&events, "update").contains(&"fast landed".to_string())
    })
    .await;
    // The socket goes down until well after the slow write commits.
    fault("down?ms=2500").await;
    within(6000.0, "the slow write to commit", || landed.get()).await;
    assert!(
        !titles(&events, "update").contains(&"slow landed".to_string()),
        "its event was lost with the socket"
    );
    within(10000.0, "reconnecting", || live.is_subscribed(id)).await;
    within(5000.0, "the catch-up of the slow write", || {
        events
            .borrow()
            .iter()
            .any(|e| e["caughtUp"] == true && e["object"]["title"] == "slow landed")
    })
    .await;
    // The reorder really happened: the slow write is stamped more than 5 s before the fast one.
    let stamp = |title: &str| -> i64 {
        let events = events.borrow();
        let e = events
            .iter()
            .find(|e| e["object"]["title"] == title)
            .unwrap();
        crm_wasm::IsoDate::parse(e["object"]["updatedAt"].as_str().unwrap())
            .unwrap()
            .millis()
    };
    let gap = stamp("fast landed") - stamp("slow landed");
    assert!(gap > 5000, "slow stamped {gap} ms before fast");
    let caught: Vec<Value> = events
        .borrow()
        .iter()
        .filter(|e| e["caughtUp"] == true)
        .cloned()
        .collect();
    assert_eq!(caught.len(), 1, "only the difference: {caught:?}");
    live.close();
    fault("reset").await;
}
