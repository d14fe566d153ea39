//! Browser tests of the wasm surface against the real Parse Server on loopback.
//! Run by `scripts/test.sh` in headless Chromium and Firefox (`wasm-pack test --headless`);
//! the server URL is fixed at build time by CRM_TEST_SERVER_URL.
#![cfg(target_arch = "wasm32")]

use crm_wasm::bindings::CrmClient;
use crm_wasm::{Deal, Stage, User};
use serde::Serialize;
use tsify::Ts;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SERVER_URL: &str = match option_env!("CRM_TEST_SERVER_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:1437/parse",
};

fn js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

fn client() -> CrmClient {
    let options = js(&serde_json::json!({
        "serverUrl": SERVER_URL, "appId": "crm", "javascriptKey": "crm-js-key", "persistSession": false
    }));
    CrmClient::new(Ts::new_unchecked(options)).unwrap()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", (js_sys::Math::random() * 1e12) as u64)
}

async fn signed_up(prefix: &str) -> (CrmClient, User) {
    let c = client();
    let name = unique(prefix);
    let user = c
        .sign_up(
            name.clone(),
            format!("{name}@example.com"),
            "pw-123456".into(),
        )
        .await
        .unwrap();
    (c, user.to_rust().unwrap())
}

fn deal(value: serde_json::Value) -> Ts<Deal> {
    Ts::new_unchecked(js(&value))
}

/// The `code` property of a thrown CrmError.
fn code_of(err: &JsValue) -> String {
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "errors are Error objects: {err:?}"
    );
    js_sys::Reflect::get(err, &"code".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn sign_up_log_in_create_and_list_by_stage() {
    let (c, user) = signed_up("slice").await;
    assert!(user.object_id.is_some());
    let title = unique("Deal ");
    let created: Deal = c
        .create_deal(deal(serde_json::json!({
            "title": title, "amount": 1500.0, "stage": "qualified",
            "expectedCloseDate": "2026-12-01T00:00:00.000Z"
        })))
        .await
        .unwrap()
        .to_rust()
        .unwrap();
    let id = created.object_id.clone().unwrap();
    assert_eq!(id.len(), 10, "client-chosen objectId");
    assert!(created.created_at.is_some());

    // A second deal closing earlier must come first in the stage list.
    c.create_deal(deal(serde_json::json!({
        "title": "earlier", "stage": "qualified", "expectedCloseDate": "2026-06-01T00:00:00.000Z"
    })))
    .await
    .unwrap();
    c.create_deal(deal(
        serde_json::json!({"title": "other stage", "stage": "won"}),
    ))
    .await
    .unwrap();

    // Log out, log back in: the session is new and the data is still there.
    let username = user.username.clone();
    c.log_out().await.unwrap();
    assert!(c.current_user().unwrap().is_none());
    c.log_in(username, "pw-123456".into()).await.unwrap();

    let qualified: Vec<Deal> = c
        .deals_by_stage("qualified".into(), None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.to_rust().unwrap())
        .collect();
    let titles: Vec<&str> = qualified.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, vec!["earlier", title.as_str()]);
    assert!(qualified.iter().all(|d| d.stage == Some(Stage::Qualified)));
    assert_eq!(qualified[1].amount, Some(1500.0));
    assert_eq!(qualified[1].object_id.as_deref(), Some(id.as_str()));
}

#[wasm_bindgen_test]
async fn another_user_can_neither_read_nor_change_the_deal() {
    let (a, _) = signed_up("owner").await;
    let (b, _) = signed_up("intruder").await;
    let created: Deal = a
        .create_deal(deal(
            serde_json::json!({"title": "A's secret deal", "amount": 99.0, "stage": "lead"}),
        ))
        .await
        .unwrap()
        .to_rust()
        .unwrap();
    let id = created.object_id.clone().unwrap();

    let err = b.get_deal(id.clone(), None).await.unwrap_err();
    assert_eq!(code_of(&err), "OBJECT_NOT_FOUND");
    let visible = b.find_deals(None).await.unwrap();
    assert!(visible
        .iter()
        .all(|d| d.to_rust().unwrap().object_id.as_deref() != Some(id.as_str())));

    let err = b
        .update_deal(deal(
            serde_json::json!({"objectId": id, "title": "stolen", "stage": "lost"}),
        ))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "OBJECT_NOT_FOUND");
    let err = b.delete_deal(id.clone()).await.unwrap_err();
    assert_eq!(code_of(&err), "OBJECT_NOT_FOUND");

    // Unchanged for the owner.
    let still: Deal = a.get_deal(id, None).await.unwrap().to_rust().unwrap();
    assert_eq!(
        (still.title.as_str(), still.stage),
        ("A's secret deal", Some(Stage::Lead))
    );
}

#[wasm_bindgen_test]
async fn created_by_is_set_by_the_server_and_cannot_be_forged() {
    let (a, user_a) = signed_up("forger").await;
    let (_, user_b) = signed_up("victim").await;
    let company = a
        .create_company(Ts::new_unchecked(js(&serde_json::json!({
            "name": "Acme", "createdBy": {"className": "_User", "objectId": user_b.object_id}
        }))))
        .await
        .unwrap();
    let id = company.to_rust().unwrap().object_id.unwrap();
    let fetched = a.get_company(id, None).await.unwrap().to_rust().unwrap();
    let creator = fetched
        .created_by
        .as_ref()
        .and_then(|r| r.object_id())
        .map(str::to_owned);
    assert_eq!(creator, user_a.object_id);
}

#[wasm_bindgen_test]
async fn included_pointers_decode_into_typed_objects() {
    let (c, _) = signed_up("include").await;
    let company = c
        .create_company(Ts::new_unchecked(js(
            &serde_json::json!({"name": "Globex", "industry": "Energy"}),
        )))
        .await
        .unwrap()
        .to_rust()
        .unwrap();
    let cid = company.object_id.clone().unwrap();
    let created = c
        .create_deal(deal(serde_json::json!({
            "title": "With company", "company": {"className": "Company", "objectId": cid}
        })))
        .await
        .unwrap()
        .to_rust()
        .unwrap();
    let fetched = c
        .get_deal(created.object_id.unwrap(), Some(vec!["company".into()]))
        .await
        .unwrap()
        .to_rust()
        .unwrap();
    let included = fetched
        .company
        .as_ref()
        .and_then(|r| r.object())
        .expect("company included");
    assert_eq!(
        (included.name.as_str(), included.industry.as_deref()),
        ("Globex", Some("Energy"))
    );
}

#[wasm_bindgen_test]
async fn bad_input_is_a_typed_error_and_nothing_is_sent() {
    let (c, _) = signed_up("badinput").await;
    let cases = [
        (serde_json::json!({"amount": 5}), "MISSING_FIELD"),
        (serde_json::json!({"title": "  "}), "MISSING_FIELD"),
        (
            serde_json::json!({"title": "x", "amount": -3}),
            "INVALID_FIELD",
        ),
        (
            serde_json::json!({"title": "x", "stage": "someday"}),
            "INVALID_FIELD",
        ),
        (
            serde_json::json!({"title": "x", "expectedCloseDate": "next week"}),
            "INVALID_INPUT",
        ),
        (serde_json::json!({"title": 42}), "INVALID_INPUT"),
    ];
    for (input, code) in cases {
        let err = c.create_deal(deal(input.clone())).await.unwrap_err();
        assert_eq!(code_of(&err), code, "{input}");
    }
    // NaN and Infinity cannot be written in JSON: build them in JS.
    for amount in [f64::NAN, f64::INFINITY] {
        let obj = js_sys::Object::new();
        js_sys::Reflect::set(&obj, &"title".into(), &"x".into()).unwrap();
        js_sys::Reflect::set(&obj, &"amount".into(), &JsValue::from_f64(amount)).unwrap();
        let err = c
            .create_deal(Ts::new_unchecked(obj.into()))
            .await
            .unwrap_err();
        assert_eq!(code_of(&err), "INVALID_FIELD");
    }
    let err = c
        .create_deal(Ts::new_unchecked(JsValue::from_str("not an object")))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "INVALID_INPUT");
    // None of those reached the server; the module still works.
    assert!(c.find_deals(None).await.unwrap().is_empty());
    assert!(c
        .create_deal(deal(serde_json::json!({"title": "fine"})))
        .await
        .is_ok());
}

#[wasm_bindgen_test]
async fn server_errors_carry_stable_codes() {
    let (c, user) = signed_up("dupe").await;
    let again = client();
    let err = again
        .sign_up(
            user.username.clone(),
            format!("other-{}", user.email.clone().unwrap()),
            "pw".into(),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "USERNAME_TAKEN");
    assert_eq!(
        js_sys::Reflect::get(&err, &"parseCode".into())
            .unwrap()
            .as_f64(),
        Some(202.0)
    );
    let err = again
        .log_in(user.username.clone(), "wrong password".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "OBJECT_NOT_FOUND");
    let err = client().find_deals(None).await.unwrap_err();
    assert_eq!(code_of(&err), "NOT_SIGNED_IN");
    drop(c);
}

#[wasm_bindgen_test]
async fn an_invalid_session_signs_out_and_tells_the_app() {
    let (c, _) = signed_up("expire").await;
    let token = c.session_token().unwrap();
    // Revoke the session from a second client that adopts the same token.
    let other = client();
    other.become_user(token).await.unwrap();
    other.log_out().await.unwrap();

    let fired = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = fired.clone();
    let listener =
        wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || counter.set(counter.get() + 1));
    c.on_session_expired(
        listener
            .as_ref()
            .unchecked_ref::<js_sys::Function>()
            .clone(),
    );
    let err = c.find_deals(None).await.unwrap_err();
    assert_eq!(code_of(&err), "INVALID_SESSION");
    assert_eq!(fired.get(), 1);
    assert!(c.current_user().unwrap().is_none());
}

#[wasm_bindgen_test]
async fn network_failure_is_distinct_from_server_errors() {
    let options = js(&serde_json::json!({
        "serverUrl": "http://127.0.0.1:9/parse", "appId": "crm", "javascriptKey": "k", "persistSession": false
    }));
    let c = CrmClient::new(Ts::new_unchecked(options)).unwrap();
    let err = c.log_in("nobody".into(), "pw".into()).await.unwrap_err();
    assert_eq!(code_of(&err), "NETWORK_ERROR");
}
