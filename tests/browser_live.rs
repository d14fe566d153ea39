//! Browser tests of Live Queries against the real LiveQuery server, directly and through the
//! fault proxy (which can cut, freeze or refuse WebSocket connections).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use crm_wasm::bindings::{LiveQueryClient, LocalStore, PipelineHandle};
use crm_wasm::Deal;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_change_by_one_client_reaches_another_within_a_second() {
    let (a, _) = signed_up("livea").await;
    let b = second_client(&a).await;
    let (live, _, events) = live_on(&b, json!({})).await;
    assert_eq!(live.status().as_string().as_deref(), Some("connected"));

    let title = unique("Live ");
    let created: Deal = rust(
        a.create_deal(ts(json!({"title": title, "amount": 5, "stage": "lead"})))
            .await
            .unwrap(),
    );
    let took = within(1000.0, "the create event", || {
        titles(&events, "create").contains(&title)
    })
    .await;
    assert!(took < 1000.0);
    let event = events
        .borrow()
        .iter()
        .find(|e| e["kind"] == "create")
        .cloned()
        .unwrap();
    assert_eq!(event["object"]["objectId"], json!(created.object_id));
    assert_eq!(event["object"]["amount"].as_f64(), Some(5.0));
    assert_eq!(event["caughtUp"], json!(false));

    a.update_deal(
        created.object_id.clone().unwrap().into(),
        js(&json!({"stage": "won"})),
    )
    .await
    .unwrap();
    within(1000.0, "the update event", || {
        events
            .borrow()
            .iter()
            .any(|e| e["kind"] == "update" && e["object"]["stage"] == "won")
    })
    .await;
    a.delete_deal(created.object_id.clone().unwrap().into())
        .await
        .unwrap();
    within(1000.0, "the delete event", || {
        events.borrow().iter().any(|e| e["kind"] == "delete")
    })
    .await;
    live.close();
    assert_eq!(live.status().as_string().as_deref(), Some("closed"));
}

#[wasm_bindgen_test]
async fn a_live_list_gets_what_the_same_query_finds_over_rest() {
    // Parse's Live Query server matched "closing after June" for a deal with no close date, and
    // kept telling a deal whose date was taken away as an update; `find` leaves both out.
    let (a, _) = signed_up("liverest").await;
    let b = second_client(&a).await;
    let live = LiveQueryClient::new(b.handle_ref(), Some(ts(json!({})))).unwrap();
    let (events, handler) = recorder();
    let after_june = b
        .deals()
        .greater_than(
            "expectedCloseDate".into(),
            "2026-06-01T00:00:00.000Z".into(),
        )
        .unwrap();
    let id = live
        .subscribe(after_june.handle_ref(), handler.into())
        .unwrap();
    // And "no amount" (`{amount: null}`), which that server matched for nothing.
    let (no_date_events, no_date_handler) = recorder();
    let no_date = b.deals().equal_to("amount".into(), JsValue::NULL).unwrap();
    let no_date_id = live
        .subscribe(no_date.handle_ref(), no_date_handler.into())
        .unwrap();
    within(5000.0, "the subscriptions", || {
        live.is_subscribed(id) && live.is_subscribed(no_date_id)
    })
    .await;
    let title = unique("Live rest ");
    let undated = format!("{title} undated");
    let dated = format!("{title} dated");
    a.create_deal(ts(json!({"title": undated, "stage": "lead"})))
        .await
        .unwrap();
    let later: Deal = rust(
        a.create_deal(ts(json!({"title": dated, "stage": "lead", "amount": 5, "expectedCloseDate": "2026-07-01T00:00:00.000Z"})))
            .await
            .unwrap(),
    );
    within(2000.0, "the dated deal's create", || {
        titles(&events, "create").contains(&dated)
    })
    .await;
    // The date taken away: it leaves the list, as `find` says.
    a.update_deal(
        later.object_id.clone().unwrap().into(),
        js(&json!({"expectedCloseDate": null, "amount": null})),
    )
    .await
    .unwrap();
    within(2000.0, "the leave", || {
        titles(&events, "leave").contains(&dated)
    })
    .await;
    sleep(300).await;
    let told: Vec<(String, String)> = events
        .borrow()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or("").to_owned(),
                e["object"]["title"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        told,
        [
            ("create".to_owned(), dated.clone()),
            ("leave".to_owned(), dated.clone())
        ],
        "the undated deal is never told, the undated update is a leave"
    );
    // The deals without an amount: the undated one created, the other entering once its
    // amount was taken away.
    within(2000.0, "the deals without an amount", || {
        titles(&no_date_events, "create").contains(&undated)
            && titles(&no_date_events, "enter").contains(&dated)
    })
    .await;
    let found: Vec<Value> =
        serde_wasm_bindgen::from_value(after_june.find().await.unwrap()).unwrap();
    assert!(found
        .iter()
        .all(|d| d["title"] != json!(undated) && d["title"] != json!(dated)));
    live.close();
}

#[wasm_bindgen_test]
async fn contacts_and_companies_are_live_too_and_only_for_their_readers() {
    let (a, _) = signed_up("livecontacta").await;
    let b = second_client(&a).await;
    let (stranger, _) = signed_up("livecontactz").await;
    let mut watched = Vec::new();
    for c in [&b, &stranger] {
        let live = LiveQueryClient::new(c.handle_ref(), Some(ts(json!({})))).unwrap();
        let (contacts, on_contact) = recorder();
        let (companies, on_company) = recorder();
        let ids = [
            live.subscribe(c.contacts().handle_ref(), on_contact.into())
                .unwrap(),
            live.subscribe(c.companies().handle_ref(), on_company.into())
                .unwrap(),
        ];
        within(5000.0, "the subscriptions", || {
            ids.iter().all(|id| live.is_subscribed(*id))
        })
        .await;
        watched.push((live, contacts, companies));
    }
    let name = unique("Live contact ");
    a.create_contact(ts(json!({"name": name}))).await.unwrap();
    a.create_company(ts(json!({"name": format!("{name} Inc")})))
        .await
        .unwrap();
    let (_, contacts, companies) = &watched[0];
    within(2000.0, "the contact and company events", || {
        let named = |events: &Events, n: &str| {
            events
                .borrow()
                .iter()
                .any(|e| e["kind"] == "create" && e["object"]["name"] == n)
        };
        named(contacts, &name) && named(companies, &format!("{name} Inc"))
    })
    .await;
    // Another user never hears of them.
    sleep(500).await;
    let (_, theirs, their_companies) = &watched[1];
    assert!(theirs.borrow().is_empty() && their_companies.borrow().is_empty());
    for (live, _, _) in watched {
        live.close();
    }
}

#[wasm_bindgen_test]
async fn user_b_never_receives_events_for_user_as_deals() {
    let (a, _) = signed_up("livesecreta").await;
    let (b, _) = signed_up("livesecretb").await;
    let (live, _, events) = live_on(&b, json!({})).await;
    for i in 0..3 {
        a.create_deal(ts(json!({"title": format!("A private {i}")})))
            .await
            .unwrap();
    }
    let mine = unique("B own ");
    b.create_deal(ts(json!({"title": mine}))).await.unwrap();
    within(2000.0, "B's own event", || {
        titles(&events, "create").contains(&mine)
    })
    .await;
    sleep(500).await;
    let seen: Vec<String> = events
        .borrow()
        .iter()
        .map(|e| e["object"]["title"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(seen, vec![mine], "nothing of A's");
    live.close();
}

#[wasm_bindgen_test]
async fn after_the_connection_drops_it_reconnects_and_catches_up() {
    fault("reset").await;
    let (a, _) = signed_up("livedrop").await;
    let b = second_client(&a).await;
    let keep: Deal = rust(
        a.create_deal(ts(json!({"title": "will change", "amount": 1})))
            .await
            .unwrap(),
    );
    let doomed: Deal = rust(
        a.create_deal(ts(json!({"title": "will go"})))
            .await
            .unwrap(),
    );
    let (live, id, events) = live_on(
        &b,
        json!({"url": PROXY_WS, "reconnectBaseMs": 100, "reconnectMaxMs": 400, "heartbeatMs": 0}),
    )
    .await;
    // The subscription learns of `doomed` through an event, so it can notice its deletion.
    a.update_deal(
        doomed.object_id.clone().unwrap().into(),
        js(&json!({"notes": "seen"})),
    )
    .await
    .unwrap();
    within(1000.0, "the update of the doomed deal", || {
        titles(&events, "update").contains(&"will go".to_string())
    })
    .await;
    let statuses: Rc<RefCell<Vec<String>>> = Rc::new(RefCell::new(Vec::new()));
    let s = statuses.clone();
    live.on_status(
        Closure::<dyn Fn(JsValue)>::new(move |v: JsValue| {
            s.borrow_mut().push(v.as_string().unwrap_or_default())
        })
        .into_js_value()
        .unchecked_into(),
    );

    // The server is unreachable for 1.5 s; meanwhile changes happen.
    fault("down?ms=1500").await;
    within(2000.0, "noticing the drop", || {
        statuses.borrow().iter().any(|s| s == "disconnected")
    })
    .await;
    let made = unique("while away ");
    a.create_deal(ts(json!({"title": made}))).await.unwrap();
    a.update_deal(
        keep.object_id.clone().unwrap().into(),
        js(&json!({"title": "changed while away"})),
    )
    .await
    .unwrap();
    a.delete_deal(doomed.object_id.clone().unwrap().into())
        .await
        .unwrap();

    within(8000.0, "reconnecting", || live.is_subscribed(id)).await;
    within(3000.0, "the catch-up", || {
        let caught: Vec<Value> = events
            .borrow()
            .iter()
            .filter(|e| e["caughtUp"] == true)
            .cloned()
            .collect();
        let titles: Vec<&str> = caught
            .iter()
            .filter_map(|e| e["object"]["title"].as_str())
            .collect();
        titles.contains(&made.as_str())
            && titles.contains(&"changed while away")
            && caught.iter().any(|e| {
                e["kind"] == "delete" && e["object"]["objectId"] == json!(doomed.object_id)
            })
    })
    .await;
    // And live events flow again.
    let after = unique("after ");
    a.create_deal(ts(json!({"title": after}))).await.unwrap();
    within(2000.0, "a live event after reconnecting", || {
        titles(&events, "create").contains(&after)
    })
    .await;
    live.close();
    fault("reset").await;
}

#[wasm_bindgen_test]
async fn a_connection_that_dies_silently_is_noticed_by_the_heartbeat() {
    fault("reset").await;
    let (a, _) = signed_up("livefrozen").await;
    let b = second_client(&a).await;
    let (live, id, events) = live_on(
        &b,
        json!({"url": PROXY_WS, "heartbeatMs": 400, "reconnectBaseMs": 100}),
    )
    .await;
    fault("freeze-sockets").await;
    let made = unique("during silence ");
    a.create_deal(ts(json!({"title": made}))).await.unwrap();
    // No close ever arrives: only the heartbeat can tell, then reconnect and catch up.
    within(6000.0, "the deal via reconnect and catch-up", || {
        titles(&events, "update").contains(&made)
    })
    .await;
    assert!(live.is_subscribed(id));
    live.close();
    fault("reset").await;
}

#[wasm_bindgen_test]
async fn a_live_pipeline_applies_events_incrementally() {
    let (a, _) = signed_up("livepipe").await;
    a.create_deal(ts(
        json!({"title": "existing", "stage": "won", "amount": 100}),
    ))
    .await
    .unwrap();
    let b = second_client(&a).await;
    let live = LiveQueryClient::new(b.handle_ref(), None).unwrap();
    let pipeline = PipelineHandle::new();
    let id = live
        .live_pipeline(pipeline.handle_ref(), b.deals().handle_ref())
        .await
        .unwrap()
        .as_f64()
        .unwrap() as u32;
    within(5000.0, "the subscription", || live.is_subscribed(id)).await;
    let won = |p: &PipelineHandle| -> (u32, f64) {
        let cols: Vec<crm_wasm::pipeline::ColumnSummary> =
            serde_wasm_bindgen::from_value(p.columns().unwrap()).unwrap();
        (cols[4].count, cols[4].total)
    };
    assert_eq!(won(&pipeline), (1, 100.0));
    let v = pipeline.version();
    let d: Deal = rust(
        a.create_deal(ts(json!({"title": "new", "stage": "won", "amount": 50})))
            .await
            .unwrap(),
    );
    within(1000.0, "the pipeline to take the new deal", || {
        won(&pipeline) == (2, 150.0)
    })
    .await;
    assert!(pipeline.version() > v);
    a.update_deal(
        d.object_id.clone().unwrap().into(),
        js(&json!({"stage": "lost"})),
    )
    .await
    .unwrap();
    within(1000.0, "the move to lost", || won(&pipeline) == (1, 100.0)).await;
    a.delete_deal(d.object_id.unwrap().into()).await.unwrap();
    within(1000.0, "the delete", || pipeline.size() == 1).await;
    live.close();
}

/// The codes of the errors `live` reports, as they come.
fn error_codes(live: &LiveQueryClient) -> Events {
    let errors: Events = Rc::new(RefCell::new(Vec::new()));
    let sink = errors.clone();
    live.on_error(
        Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
            sink.borrow_mut().push(json!(code_of(&e)))
        })
        .into_js_value()
        .unchecked_into(),
    );
    errors
}

#[wasm_bindgen_test]
async fn a_revoked_session_is_refused_and_reported() {
    let (a, _) = signed_up("liverevoked").await;
    let b = second_client(&a).await;
    b.log_out().await.unwrap(); // revokes the token a still holds
    let live = LiveQueryClient::new(a.handle_ref(), None).unwrap();
    let errors = error_codes(&live);
    let (_, handler) = recorder();
    live.subscribe(a.deals().handle_ref(), handler.into())
        .unwrap();
    within(5000.0, "the refusal", || !errors.borrow().is_empty()).await;
    assert_eq!(live.status().as_string().as_deref(), Some("closed"));
    assert!(
        code_of(
            &LiveQueryClient::new(client().handle_ref(), None)
                .err()
                .unwrap()
        ) == "NOT_SIGNED_IN"
    );
}

/// Revoked while subscribed: Parse's LiveQuery server keeps the socket and sends its events to
/// no one. The next check finds the session ended, says so once and closes the client (it
/// reported an error every backoff on a socket that still said "connected").
#[wasm_bindgen_test]
async fn a_session_revoked_while_subscribed_closes_the_client_with_one_error() {
    let (a, _) = signed_up("liverevokedlater").await;
    let b = second_client(&a).await;
    let (live, _, events) = live_on(&a, json!({"heartbeatMs": 1000})).await;
    let errors = error_codes(&live);
    // An event, so that a check follows once events are quiet.
    let title = unique("Revoked later ");
    a.create_deal(ts(json!({"title": title, "stage": "lead"})))
        .await
        .unwrap();
    within(5000.0, "the create event", || {
        titles(&events, "create").contains(&title)
    })
    .await;
    b.log_out().await.unwrap(); // revokes the token a still holds
    within(15_000.0, "the client closing", || {
        live.status().as_string().as_deref() == Some("closed")
    })
    .await;
    sleep(3000).await;
    assert_eq!(*errors.borrow(), [json!("INVALID_SESSION")]);
}

#[wasm_bindgen_test]
async fn pinned_objects_in_the_local_store_follow_live_events() {
    let (a, _) = signed_up("livepin").await;
    let existing: Deal = rust(
        a.create_deal(ts(json!({"title": "already there"})))
            .await
            .unwrap(),
    );
    let b = second_client(&a).await;
    let store = LocalStore::open(b.handle_ref(), Some(ts(json!({"autoSync": false}))));
    let store = LocalStore::try_from_js_value(store.await.unwrap()).unwrap();
    let live = LiveQueryClient::new(b.handle_ref(), None).unwrap();
    let id = live
        .live_pin(store.handle_ref(), b.deals().handle_ref(), None)
        .await
        .unwrap()
        .as_f64()
        .unwrap() as u32;
    within(5000.0, "the subscription", || live.is_subscribed(id)).await;
    let local = || b.deals().from_local_datastore(store.handle_ref()).unwrap();
    assert_eq!(local().count().await.unwrap(), 1.0, "pinned at once");

    let made: Deal = rust(
        a.create_deal(ts(json!({"title": "arrives live"})))
            .await
            .unwrap(),
    );
    a.update_deal(
        existing.object_id.clone().unwrap().into(),
        js(&json!({"title": "changed live"})),
    )
    .await
    .unwrap();
    let start = js_sys::Date::now();
    loop {
        let found: Vec<Value> = serde_wasm_bindgen::from_value(
            local()
                .ascending(vec!["title".into()])
                .unwrap()
                .find()
                .await
                .unwrap(),
        )
        .unwrap();
        let titles: Vec<&str> = found.iter().filter_map(|d| d["title"].as_str()).collect();
        if titles == ["arrives live", "changed live"] {
            break;
        }
        assert!(
            js_sys::Date::now() - start < 3000.0,
            "local store follows: {titles:?}"
        );
        sleep(50).await;
    }
    a.delete_deal(made.object_id.unwrap().into()).await.unwrap();
    let start = js_sys::Date::now();
    while local().count().await.unwrap() != 1.0 {
        assert!(
            js_sys::Date::now() - start < 3000.0,
            "the delete reaches the local store"
        );
        sleep(50).await;
    }
    live.close();
    store.close();
}
