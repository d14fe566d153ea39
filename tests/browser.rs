//! Browser tests of auth and security against the real Parse Server on loopback, in headless
//! Chromium and Firefox (`scripts/test.sh`). The server URL is fixed at build time by
//! CRM_TEST_SERVER_URL; the sales-manager account by CRM_TEST_MANAGER ("user password"),
//! which scripts/test.sh creates with the master key on the Node side.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use crm_wasm::{Company, Deal, Stage};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn deal(value: serde_json::Value) -> JsValue {
    ts(value)
}

#[wasm_bindgen_test]
async fn sign_up_log_in_create_and_list_by_stage() {
    let (c, user) = signed_up("slice").await;
    assert!(user.object_id.is_some());
    let title = unique("Deal ");
    let created: Deal = rust(
        c.create_deal(deal(serde_json::json!({
            "title": title, "amount": 1500.0, "stage": "qualified",
            "expectedCloseDate": "2026-12-01T00:00:00.000Z"
        })))
        .await
        .unwrap(),
    );
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
    c.log_out().await.unwrap();
    assert!(c.current_user().unwrap().is_undefined());
    c.log_in(user.username.clone().into(), PASSWORD.into())
        .await
        .unwrap();

    let qualified: Vec<Deal> = c
        .deals_by_stage("qualified".into(), None, None)
        .await
        .unwrap()
        .into_rust();
    let titles: Vec<&str> = qualified.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, vec!["earlier", title.as_str()]);
    assert!(qualified.iter().all(|d| d.stage == Some(Stage::Qualified)));
    assert_eq!(qualified[1].amount, Some(1500.0));
    assert_eq!(qualified[1].object_id.as_deref(), Some(id.as_str()));
}

#[wasm_bindgen_test]
async fn the_session_survives_a_reload_and_log_out_ends_it() {
    let persistent = || client_with(serde_json::json!({"persistSession": true}));
    let first = persistent();
    let user = sign_up_on(&first, "reload").await;
    let token = first.session_token().unwrap();

    // A new client in the same page stands for the page after a reload.
    let reloaded = persistent();
    let restored = reloaded
        .current_user()
        .unwrap()
        .into_rust::<Option<crm_wasm::User>>()
        .expect("restored from storage");
    assert_eq!(restored.object_id, user.object_id);
    assert_eq!(restored.username, user.username);
    assert!(
        reloaded.find_deals(None).await.is_ok(),
        "the restored session works"
    );

    reloaded.log_out().await.unwrap();
    assert!(
        persistent().current_user().unwrap().is_undefined(),
        "log out clears the stored session"
    );
    // And the server revoked the token.
    let err = client().become_user(token.into()).await.unwrap_err();
    assert_eq!(code_of(&err), "INVALID_SESSION");
}

#[wasm_bindgen_test]
async fn become_adopts_a_session_token() {
    let (a, user) = signed_up("become").await;
    let b = client();
    let adopted: crm_wasm::User = rust(
        b.become_user(a.session_token().unwrap().into())
            .await
            .unwrap(),
    );
    assert_eq!(adopted.object_id, user.object_id);
    assert_eq!(b.session_token(), a.session_token());
    assert_eq!(
        code_of(
            &client()
                .become_user("r:not-a-token".into())
                .await
                .unwrap_err()
        ),
        "INVALID_SESSION"
    );
}

#[wasm_bindgen_test]
async fn password_reset_is_requested_and_bad_addresses_are_refused_locally() {
    let (c, user) = signed_up("reset").await;
    c.request_password_reset(user.email.clone().unwrap().into())
        .await
        .unwrap();
    let before = c.requests_sent();
    let err = c
        .request_password_reset("not-an-address".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "INVALID_FIELD");
    assert_eq!(c.requests_sent(), before, "nothing was sent");
}

#[wasm_bindgen_test]
async fn a_password_change_checks_the_current_one_and_signs_out_every_other_device() {
    let (c, user) = signed_up("passwd").await;
    // The same user on another device.
    let other = client();
    other
        .log_in(user.username.clone().into(), PASSWORD.into())
        .await
        .unwrap();
    // A wrong current password changes nothing.
    let err = c
        .change_password("not-my-password1".into(), "New-pass-2026".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "VALIDATION_FAILED");
    assert!(
        get(&err, "message")
            .as_string()
            .unwrap_or_default()
            .contains("the current password is wrong"),
        "{err:?}"
    );
    let before = c.session_token().unwrap();
    c.change_password(PASSWORD.into(), "New-pass-2026".into())
        .await
        .unwrap();
    // This client carries on with the new session; the other device's is over.
    let now = c.session_token().unwrap();
    assert_ne!(now, before);
    let me: crm_wasm::User = rust(client().become_user(now.into()).await.unwrap());
    assert_eq!(me.object_id, user.object_id);
    let err = client().become_user(before.into()).await.unwrap_err();
    assert_eq!(code_of(&err), "INVALID_SESSION");
    let err = other.find_deals(None).await.unwrap_err();
    assert_eq!(code_of(&err), "INVALID_SESSION");
    // The old password no longer logs in; the new one does.
    let err = client()
        .log_in(user.username.clone().into(), PASSWORD.into())
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "INVALID_CREDENTIALS");
    client()
        .log_in(user.username.clone().into(), "New-pass-2026".into())
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn another_user_can_neither_read_nor_change_the_deal() {
    let (a, _) = signed_up("owner").await;
    let (b, _) = signed_up("intruder").await;
    let created: Deal = rust(
        a.create_deal(deal(
            serde_json::json!({"title": "A's secret deal", "amount": 99.0, "stage": "lead"}),
        ))
        .await
        .unwrap(),
    );
    let id = created.object_id.clone().unwrap();

    assert_eq!(
        code_of(&b.get_deal(id.clone().into(), None).await.unwrap_err()),
        "OBJECT_NOT_FOUND"
    );
    let visible: Vec<Deal> = b.find_deals(None).await.unwrap().into_rust();
    assert!(visible
        .iter()
        .all(|d| d.object_id.as_deref() != Some(id.as_str())));
    let count = b
        .deals()
        .equal_to("objectId".into(), JsValue::from_str(&id))
        .unwrap()
        .count()
        .await
        .unwrap();
    assert_eq!(count, 0.0);

    let err = b
        .update_deal(
            id.clone().into(),
            js(&serde_json::json!({"title": "stolen", "stage": "lost"})),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "OBJECT_NOT_FOUND");
    assert_eq!(
        code_of(&b.delete_deal(id.clone().into()).await.unwrap_err()),
        "OBJECT_NOT_FOUND"
    );

    // Unchanged for the owner.
    let still: Deal = rust(a.get_deal(id.into(), None).await.unwrap());
    assert_eq!(
        (still.title.as_str(), still.stage),
        ("A's secret deal", Some(Stage::Lead))
    );
}

#[wasm_bindgen_test]
async fn created_by_is_set_by_the_server_and_cannot_be_forged() {
    let (a, user_a) = signed_up("forger").await;
    let (_, user_b) = signed_up("victim").await;
    let company: Company = rust(
        a.create_company(ts(serde_json::json!({
            "name": "Acme", "createdBy": {"className": "_User", "objectId": user_b.object_id}
        })))
        .await
        .unwrap(),
    );
    let fetched: Company = rust(
        a.get_company(company.object_id.unwrap().into(), None)
            .await
            .unwrap(),
    );
    let creator = fetched
        .created_by
        .as_ref()
        .and_then(|r| r.object_id())
        .map(str::to_owned);
    assert_eq!(creator, user_a.object_id);
    // The client refuses to even send a change of createdBy.
    let err = a
        .update_company(fetched.object_id.unwrap().into(), js(&serde_json::json!({"createdBy": {"className": "_User", "objectId": user_b.object_id}})))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "INVALID_FIELD");
}

#[wasm_bindgen_test]
async fn an_anonymous_client_is_refused_by_the_server() {
    // The client itself will not send an anonymous request...
    assert_eq!(
        code_of(&client().find_deals(None).await.unwrap_err()),
        "NOT_SIGNED_IN"
    );
    assert_eq!(
        code_of(&client().deals().find().await.unwrap_err()),
        "NOT_SIGNED_IN"
    );
    // ...and the server refuses one sent by hand.
    let headers = [
        ("X-Parse-Application-Id", "crm"),
        ("X-Parse-JavaScript-Key", "crm-js-key"),
    ];
    for class in ["Company", "Contact", "Deal", "Activity"] {
        let (status, body) = raw_fetch(
            "GET",
            &format!("{SERVER_URL}/classes/{class}"),
            &headers,
            None,
        )
        .await;
        assert!(status >= 400, "{class}: {status}");
        assert_eq!(body["code"], 101, "{class}: {body}");
    }
    let (status, _) = raw_fetch(
        "POST",
        &format!("{SERVER_URL}/classes/Deal"),
        &[
            ("X-Parse-Application-Id", "crm"),
            ("X-Parse-JavaScript-Key", "crm-js-key"),
            ("Content-Type", "application/json"),
        ],
        Some(r#"{"title":"anonymous"}"#),
    )
    .await;
    assert!(status >= 400);
}

#[wasm_bindgen_test]
async fn a_sales_manager_reads_everyones_deals_but_cannot_edit_them() {
    let Some((name, password)) = option_env!("CRM_TEST_MANAGER").and_then(|m| m.split_once(' '))
    else {
        panic!("CRM_TEST_MANAGER is not set: run the browser tests through scripts/test.sh");
    };
    let (a, _) = signed_up("repa").await;
    let (b, _) = signed_up("repb").await;
    let da: Deal = rust(
        a.create_deal(deal(serde_json::json!({"title": "deal of A"})))
            .await
            .unwrap(),
    );
    let db: Deal = rust(
        b.create_deal(deal(serde_json::json!({"title": "deal of B"})))
            .await
            .unwrap(),
    );
    let ids = vec![js(&da.object_id), js(&db.object_id)];

    let m = client();
    m.log_in(name.into(), password.into()).await.unwrap();
    let seen: Vec<Deal> = m
        .deals()
        .contained_in("objectId".into(), ids.into())
        .unwrap()
        .ascending(vec!["title".into()])
        .unwrap()
        .find()
        .await
        .unwrap()
        .unchecked_into::<js_sys::Array>()
        .iter()
        .map(|v| serde_wasm_bindgen::from_value(v).unwrap())
        .collect();
    let titles: Vec<&str> = seen.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, vec!["deal of A", "deal of B"]);
    let err = m
        .update_deal(
            da.object_id.clone().unwrap().into(),
            js(&serde_json::json!({"title": "managed"})),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "OBJECT_NOT_FOUND");
    assert_eq!(
        code_of(
            &m.delete_deal(db.object_id.clone().unwrap().into())
                .await
                .unwrap_err()
        ),
        "OBJECT_NOT_FOUND"
    );
}

#[wasm_bindgen_test]
async fn server_errors_carry_stable_codes() {
    let (_, user) = signed_up("dupe").await;
    let again = client();
    let err = again
        .sign_up(
            user.username.clone().into(),
            format!("other-{}", user.email.clone().unwrap()).into(),
            PASSWORD.into(),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "USERNAME_TAKEN");
    assert_eq!(get(&err, "parseCode").as_f64(), Some(202.0));
    let err = again
        .sign_up(
            unique("fresh").into(),
            user.email.clone().unwrap().into(),
            PASSWORD.into(),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "EMAIL_TAKEN");
    let err = again
        .log_in(user.username.clone().into(), "wrong password".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "INVALID_CREDENTIALS");
    // Cloud Code's verdict on something the client cannot check (a relatedTo that is not there).
    again
        .log_in(user.username.clone().into(), PASSWORD.into())
        .await
        .unwrap();
    let err = again
        .create_activity(ts(serde_json::json!({"type": "call", "relatedTo": {"className": "Deal", "objectId": "missing123"}})))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "VALIDATION_FAILED");
}

#[wasm_bindgen_test]
async fn an_invalid_session_signs_out_and_tells_the_app() {
    let (c, _) = signed_up("expire").await;
    // Revoke the session from a second client that adopts the same token.
    let other = client();
    other
        .become_user(c.session_token().unwrap().into())
        .await
        .unwrap();
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
    assert!(c.current_user().unwrap().is_undefined());
}

/// Every call, not only the single-object ones, tells the app of a refused session: a batch
/// answers per object (nothing is thrown), and the listener still hears of it.
#[wasm_bindgen_test]
async fn a_batch_that_meets_an_invalid_session_tells_the_app_too() {
    let (c, _) = signed_up("expirebatch").await;
    let other = client();
    other
        .become_user(c.session_token().unwrap().into())
        .await
        .unwrap();
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
    let results = c
        .destroy_all_deals(js(&serde_json::json!(["abc1234567"])))
        .await
        .unwrap();
    let first = js_sys::Array::from(&results).get(0);
    assert_eq!(get(&first, "ok").as_bool(), Some(false));
    assert_eq!(code_of(&get(&first, "error")), "INVALID_SESSION");
    // Delivered in a task of its own, before any caller awaiting the promise resumes.
    sleep(0).await;
    assert_eq!(fired.get(), 1);
    assert!(c.current_user().unwrap().is_undefined());
}

#[wasm_bindgen_test]
fn the_vocabularies_are_exported_for_the_app() {
    use crm_wasm::bindings::{activity_types, closed_stages, stages};
    assert_eq!(
        stages(),
        [
            "lead",
            "qualified",
            "proposal",
            "negotiation",
            "won",
            "lost"
        ]
    );
    assert_eq!(closed_stages(), ["won", "lost"]);
    assert_eq!(activity_types(), ["call", "email", "meeting", "note"]);
}

#[wasm_bindgen_test]
async fn bad_input_is_a_typed_error_and_nothing_is_sent() {
    let (c, _) = signed_up("badinput").await;
    let before = c.requests_sent();
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
        (
            serde_json::json!({"title": "x", "company": "c1"}),
            "INVALID_INPUT",
        ),
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
        let err = c.create_deal(obj.clone().into()).await.unwrap_err();
        assert_eq!(code_of(&err), "INVALID_FIELD");
        // In a partial update NaN must not turn into "unset".
        let changes = js_sys::Object::new();
        js_sys::Reflect::set(&changes, &"amount".into(), &JsValue::from_f64(amount)).unwrap();
        let err = c
            .update_deal("abcdefghij".into(), changes.into())
            .await
            .unwrap_err();
        assert_eq!(code_of(&err), "INVALID_FIELD");
        // Nor in a query condition.
        let err = c
            .deals()
            .equal_to("amount".into(), JsValue::from_f64(amount))
            .err()
            .expect("refused");
        assert_eq!(code_of(&err), "INVALID_INPUT");
    }
    let err = c
        .create_deal(JsValue::from_str("not an object"))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "INVALID_INPUT");
    assert_eq!(
        c.requests_sent(),
        before,
        "none of those reached the server"
    );
    assert!(
        c.create_deal(deal(serde_json::json!({"title": "fine"})))
            .await
            .is_ok(),
        "the module still works"
    );
}

#[wasm_bindgen_test]
async fn network_failure_is_distinct_from_server_errors() {
    let c =
        client_with(serde_json::json!({"serverUrl": "http://127.0.0.1:9/parse", "maxRetries": 0}));
    let err = c.log_in("nobody".into(), "pw".into()).await.unwrap_err();
    assert_eq!(code_of(&err), "NETWORK_ERROR");
}
