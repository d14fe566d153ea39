//! Browser tests of retries and exactly-once writes: the client talks to the real Parse Server
//! through a loopback proxy (tests/support/fault-proxy.mjs) that drops answers after the server
//! committed, answers 5xx, or stalls. Fault tests run one at a time (wasm-bindgen-test runs a
//! file's tests in sequence), since the proxy's faults are global.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use crm_wasm::bindings::CrmClient;
use crm_wasm::Deal;
use serde_json::json;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A signed-in client that goes through the proxy, and one that talks to the server directly
/// (to check what really happened).
async fn through_proxy(prefix: &str) -> (CrmClient, CrmClient) {
    fault("reset").await;
    let (direct, _) = signed_up(prefix).await;
    let proxied = client_with(json!({"serverUrl": PROXY_URL}));
    proxied
        .become_user(direct.session_token().unwrap().into())
        .await
        .unwrap();
    (proxied, direct)
}

async fn count_titled(c: &CrmClient, title: &str) -> f64 {
    c.deals()
        .equal_to("title".into(), JsValue::from_str(title))
        .unwrap()
        .count()
        .await
        .unwrap()
        .as_f64()
        .unwrap()
}

#[wasm_bindgen_test]
async fn a_create_whose_answer_is_lost_is_retried_without_a_duplicate() {
    let (p, direct) = through_proxy("lostcreate").await;
    let title = unique("exactly once ");
    fault("drop-response").await;
    let before = p.requests_sent();
    let saved: Deal = rust(
        p.create_deal(ts(json!({"title": title, "amount": 5})))
            .await
            .unwrap(),
    );
    assert_eq!(
        p.requests_sent() - before,
        3.0,
        "sent, retried (159), confirmed by reading back"
    );
    assert!(saved.created_at.is_some());
    assert_eq!(count_titled(&direct, &title).await, 1.0);
}

#[wasm_bindgen_test]
async fn an_increment_whose_answer_is_lost_is_applied_once() {
    let (p, direct) = through_proxy("lostupdate").await;
    let deal: Deal = rust(
        direct
            .create_deal(ts(json!({"title": "counter", "amount": 100})))
            .await
            .unwrap(),
    );
    let id = deal.object_id.unwrap();
    fault("drop-response").await;
    p.update_deal(id.clone().into(), js(&json!({"amount": {"increment": 5}})))
        .await
        .unwrap();
    let got: Deal = rust(direct.get_deal(id.into(), None).await.unwrap());
    assert_eq!(got.amount, Some(105.0), "not 110");
}

#[wasm_bindgen_test]
async fn a_delete_whose_answer_is_lost_succeeds() {
    let (p, direct) = through_proxy("lostdelete").await;
    let deal: Deal = rust(
        direct
            .create_deal(ts(json!({"title": "to delete"})))
            .await
            .unwrap(),
    );
    let id = deal.object_id.unwrap();
    fault("drop-response").await;
    p.delete_deal(id.clone().into()).await.unwrap();
    assert_eq!(
        code_of(&direct.get_deal(id.into(), None).await.unwrap_err()),
        "OBJECT_NOT_FOUND"
    );
}

#[wasm_bindgen_test]
async fn a_batch_whose_answer_is_lost_creates_each_object_once() {
    let (p, direct) = through_proxy("lostbatch").await;
    let title = unique("batch once ");
    let deals: JsValue = (0..60)
        .map(|i| ts(json!({"title": title, "amount": i})))
        .collect::<js_sys::Array>()
        .into();
    fault("drop-response").await;
    let out = p
        .save_all_deals(deals)
        .await
        .unwrap()
        .unchecked_into::<js_sys::Array>();
    assert!(
        out.iter().all(|r| get(&r, "ok").as_bool() == Some(true)),
        "every object confirmed"
    );
    assert_eq!(count_titled(&direct, &title).await, 60.0);
}

#[wasm_bindgen_test]
async fn server_errors_5xx_are_retried_with_backoff() {
    let (p, direct) = through_proxy("retry5xx").await;
    let title = unique("after 503s ");
    fault("status?code=503&count=2").await;
    let before = p.requests_sent();
    let started = js_sys::Date::now();
    p.create_deal(ts(json!({"title": title}))).await.unwrap();
    assert_eq!(p.requests_sent() - before, 3.0, "two 503s, then success");
    assert!(
        js_sys::Date::now() - started >= 125.0 + 250.0,
        "waited between attempts"
    );
    assert_eq!(count_titled(&direct, &title).await, 1.0);
    // Reads retry too.
    fault("status?code=502&count=1").await;
    assert!(p.deals().find().await.is_ok());
}

#[wasm_bindgen_test]
async fn a_definite_rejection_is_not_retried() {
    let (p, _) = through_proxy("noretry").await;
    let before = p.requests_sent();
    let err = p
        .create_activity(ts(
            json!({"type": "call", "relatedTo": {"className": "Deal", "objectId": "missing999"}}),
        ))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "VALIDATION_FAILED");
    assert_eq!(p.requests_sent() - before, 1.0);
    // Retries give up after maxRetries and report the last failure.
    let impatient = client_with(json!({"serverUrl": PROXY_URL, "maxRetries": 1}));
    impatient
        .become_user(p.session_token().unwrap().into())
        .await
        .unwrap();
    fault("status?code=503&count=5").await;
    let before = impatient.requests_sent();
    let err = impatient.deals().find().await.unwrap_err();
    assert_eq!(code_of(&err), "SERVER_ERROR");
    assert_eq!(impatient.requests_sent() - before, 2.0);
    fault("reset").await;
}

#[wasm_bindgen_test]
async fn an_answer_that_is_not_parse_json_is_a_malformed_response() {
    let (p, _) = through_proxy("malformed").await;
    fault("status?code=200").await;
    let err = p.deals().find().await.unwrap_err();
    assert_eq!(code_of(&err), "MALFORMED_RESPONSE");
    assert!(p.deals().find().await.is_ok(), "the client keeps working");
}

#[wasm_bindgen_test]
async fn a_slow_server_times_out_with_its_own_code() {
    let (p, _) = through_proxy("timeout").await;
    let quick = client_with(json!({"serverUrl": PROXY_URL, "timeoutMs": 300, "maxRetries": 0}));
    quick
        .become_user(p.session_token().unwrap().into())
        .await
        .unwrap();
    fault("delay?ms=1500").await;
    let err = quick.deals().find().await.unwrap_err();
    assert_eq!(code_of(&err), "TIMEOUT");
    fault("reset").await;
}
