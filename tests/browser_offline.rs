//! Browser tests of the local datastore (IndexedDB) and offline writes, against the real Parse
//! Server. "Offline" is the fault proxy refusing every connection; a lost answer is the proxy
//! cutting it after the server committed.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use crm_wasm::bindings::{CrmClient, LocalStore};
use crm_wasm::Deal;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn values(v: JsValue) -> Vec<Value> {
    serde_wasm_bindgen::from_value(v).unwrap()
}

fn titles(v: JsValue) -> Vec<String> {
    values(v)
        .iter()
        .map(|o| o["title"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn status(store: &LocalStore) -> Value {
    serde_wasm_bindgen::from_value(store.status()).unwrap()
}

fn arr(items: Vec<Value>) -> Vec<JsValue> {
    items.iter().map(js).collect()
}

/// A signed-in client through the fault proxy (no retries, so "offline" shows at once) and a
/// direct one for the same user, to look at the server.
async fn pair(prefix: &str) -> (CrmClient, CrmClient) {
    fault("reset").await;
    let (direct, _) = signed_up(prefix).await;
    let proxied = client_with(json!({"serverUrl": PROXY_URL, "maxRetries": 0}));
    proxied
        .become_user(direct.session_token().unwrap().into())
        .await
        .unwrap();
    (proxied, direct)
}

async fn open(c: &CrmClient) -> LocalStore {
    let store = LocalStore::open(c.handle_ref(), Some(ts(json!({"autoSync": false}))));
    LocalStore::try_from_js_value(store.await.unwrap()).unwrap()
}

fn recorder(store: &LocalStore, event: &str) -> Rc<RefCell<Vec<Value>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let f = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        sink.borrow_mut()
            .push(serde_wasm_bindgen::from_value(e).unwrap_or(Value::Null))
    });
    store
        .on(event.into(), f.into_js_value().unchecked_into())
        .unwrap();
    seen
}

async fn server_titles(c: &CrmClient, title: &str) -> usize {
    c.deals()
        .equal_to("title".into(), JsValue::from_str(title))
        .unwrap()
        .count()
        .await
        .unwrap()
        .as_f64()
        .unwrap() as usize
}

#[wasm_bindgen_test]
async fn pinned_objects_answer_the_same_queries_locally() {
    let (c, _) = signed_up("pin").await;
    let deals: js_sys::Array = (0..30)
        .map(|i| ts(json!({"title": format!("Pinned {i:02}"), "amount": i * 10, "stage": (["lead", "won", "lost"][i % 3])})))
        .collect();
    c.save_all_deals(deals.into()).await.unwrap();
    let store = open(&c).await;
    let all = values(c.deals().find_all().await.unwrap());
    assert_eq!(
        store
            .pin_all("Deal".into(), arr(all.clone()).into(), None)
            .await
            .unwrap(),
        30
    );
    let won_server = c
        .deals()
        .equal_to("stage".into(), JsValue::from_str("won"))
        .unwrap()
        .descending(vec!["amount".into()])
        .unwrap()
        .limit(5.0.into())
        .unwrap();
    let won_local = won_server.from_local_datastore(store.handle_ref()).unwrap();
    assert_eq!(
        titles(won_local.find().await.unwrap()),
        titles(won_server.find().await.unwrap())
    );
    assert_eq!(won_local.count().await.unwrap(), 10.0);

    // A named pin holds its own subset.
    let first_five: Vec<Value> = all.iter().take(5).cloned().collect();
    store
        .pin_with_name("hot".into(), "Deal".into(), arr(first_five.clone()).into())
        .await
        .unwrap();
    assert_eq!(
        c.deals()
            .from_pin(store.handle_ref(), Some("hot".into()))
            .unwrap()
            .count()
            .await
            .unwrap(),
        5.0
    );
    store.unpin_all("hot".into()).await.unwrap();
    assert_eq!(
        c.deals()
            .from_pin(store.handle_ref(), Some("hot".into()))
            .unwrap()
            .count()
            .await
            .unwrap(),
        0.0
    );
    assert_eq!(
        c.deals()
            .from_local_datastore(store.handle_ref())
            .unwrap()
            .count()
            .await
            .unwrap(),
        30.0,
        "still in the default pin"
    );
    let id = first_five[0]["objectId"].as_str().unwrap().to_owned();
    store
        .unpin("Deal".into(), vec![id.clone()].into(), None)
        .await
        .unwrap();
    assert_eq!(
        c.deals()
            .from_local_datastore(store.handle_ref())
            .unwrap()
            .count()
            .await
            .unwrap(),
        29.0
    );
    assert_eq!(
        code_of(
            &c.deals()
                .from_local_datastore(store.handle_ref())
                .unwrap()
                .get(id.into())
                .await
                .unwrap_err()
        ),
        "OBJECT_NOT_FOUND"
    );
    store.unpin_all("Deal".into()).await.unwrap();
    assert_eq!(
        c.deals()
            .from_local_datastore(store.handle_ref())
            .unwrap()
            .count()
            .await
            .unwrap(),
        0.0
    );
    // Bad input is refused with a code, and nothing is stored.
    let err = store
        .pin_all(
            "Deal".into(),
            arr(vec![
                json!({"objectId": "x", "amount": "lots", "title": "t"}),
            ])
            .into(),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "INVALID_INPUT");
    assert_eq!(
        code_of(
            &store
                .pin_all("Nope".into(), js_sys::Array::new().into(), None)
                .await
                .unwrap_err()
        ),
        "INVALID_INPUT"
    );
    store.close();
}

#[wasm_bindgen_test]
async fn a_queue_left_by_an_earlier_visit_is_sent_when_the_store_opens_online() {
    // Found by a newcomer: a deal made offline, the tab closed, the app opened again online:
    // the change waited ("1 pending") until the browser went offline and back.
    let (p, direct) = pair("left").await;
    let store = open(&p).await;
    fault("down?ms=600000").await;
    let title = unique("left offline ");
    store
        .create("Deal".into(), js(&json!({"title": title, "stage": "lead"})))
        .await
        .unwrap();
    store.close();
    fault("reset").await;
    // The app's way: automatic sync (the default), no call to sync().
    let store = LocalStore::open(p.handle_ref(), None).await.unwrap();
    let store = LocalStore::try_from_js_value(store).unwrap();
    let mut waited = 0;
    while !values(store.pending().await.unwrap()).is_empty() && waited < 10_000 {
        sleep(100).await;
        waited += 100;
    }
    assert!(
        values(store.pending().await.unwrap()).is_empty(),
        "still pending after 10 s"
    );
    assert_eq!(server_titles(&direct, &title).await, 1);
    store.close();
}

#[wasm_bindgen_test]
async fn offline_writes_survive_a_reload_and_sync_exactly_once_with_pointers_intact() {
    let (p, direct) = pair("offline").await;
    let victim: Deal = rust(
        direct
            .create_deal(ts(json!({"title": "to delete offline"})))
            .await
            .unwrap(),
    );
    let store = open(&p).await;
    fault("down?ms=600000").await; // offline from here

    let company = values(
        js_sys::Array::of1(
            &store
                .create("Company".into(), js(&json!({"name": "Offline Inc"})))
                .await
                .unwrap(),
        )
        .into(),
    )
    .remove(0);
    let cid = company["objectId"].as_str().unwrap().to_owned();
    let contact = store
        .create(
            "Contact".into(),
            js(&json!({"name": "Ada", "company": {"className": "Company", "objectId": cid}})),
        )
        .await
        .unwrap();
    let contact_id: String = serde_wasm_bindgen::from_value::<Value>(contact).unwrap()["objectId"]
        .as_str()
        .unwrap()
        .to_owned();
    let title = unique("made offline ");
    let deal = store
        .create(
            "Deal".into(),
            js(&json!({"title": title, "amount": 100, "stage": "lead"})),
        )
        .await
        .unwrap();
    let deal_id = serde_wasm_bindgen::from_value::<Value>(deal).unwrap()["objectId"]
        .as_str()
        .unwrap()
        .to_owned();
    store
        .update(
            "Deal".into(),
            deal_id.clone().into(),
            js(&json!({"stage": "won", "amount": {"increment": 50}})),
        )
        .await
        .unwrap();
    store
        .destroy("Deal".into(), victim.object_id.clone().unwrap().into())
        .await
        .unwrap();

    // Applied locally at once.
    let local = values(
        p.deals()
            .from_local_datastore(store.handle_ref())
            .unwrap()
            .equal_to("stage".into(), JsValue::from_str("won"))
            .unwrap()
            .find()
            .await
            .unwrap(),
    );
    assert_eq!(
        (local[0]["title"].as_str(), local[0]["amount"].as_f64()),
        (Some(title.as_str()), Some(150.0))
    );
    let report: Value = serde_wasm_bindgen::from_value(store.sync().await.unwrap()).unwrap();
    assert_eq!(
        (report["offline"].clone(), report["pending"].clone()),
        (json!(true), json!(5))
    );
    assert_eq!(status(&store)["state"], "offline");
    store.close();

    // "Reload": a new handle on the same database still has the queue and the data.
    let store = open(&p).await;
    assert_eq!(values(store.pending().await.unwrap()).len(), 5);
    fault("reset").await; // back online
    let progress = recorder(&store, "progress");
    let report: Value = serde_wasm_bindgen::from_value(store.sync().await.unwrap()).unwrap();
    assert_eq!(
        (
            report["applied"].clone(),
            report["pending"].clone(),
            report["offline"].clone()
        ),
        (json!(5), json!(0), json!(false))
    );
    assert!(progress
        .borrow()
        .iter()
        .any(|p| p["done"] == 5 && p["total"] == 5));

    assert_eq!(server_titles(&direct, &title).await, 1);
    let on_server: Deal = rust(direct.get_deal(deal_id.into(), None).await.unwrap());
    assert_eq!(
        (on_server.amount, on_server.stage.map(|s| s.to_string())),
        (Some(150.0), Some("won".into()))
    );
    let ada: crm_wasm::Contact = rust(
        direct
            .get_contact(
                contact_id.into(),
                Some(js_sys::Array::of1(&"company".into()).into()),
            )
            .await
            .unwrap(),
    );
    assert_eq!(
        ada.company
            .as_ref()
            .and_then(|r| r.object())
            .map(|c| c.name.as_str()),
        Some("Offline Inc")
    );
    assert_eq!(
        code_of(
            &direct
                .get_deal(victim.object_id.unwrap().into(), None)
                .await
                .unwrap_err()
        ),
        "OBJECT_NOT_FOUND"
    );
    // A second sync has nothing to do and creates nothing.
    let report: Value = serde_wasm_bindgen::from_value(store.sync().await.unwrap()).unwrap();
    assert_eq!(report["applied"], 0);
    assert_eq!(server_titles(&direct, &title).await, 1);
    store.close();
}

#[wasm_bindgen_test]
async fn a_create_whose_answer_was_lost_in_an_earlier_sync_is_not_duplicated() {
    let (p, direct) = pair("lostsync").await;
    let store = open(&p).await;
    fault("down?ms=600000").await;
    let title = unique("lost answer ");
    store
        .create("Deal".into(), js(&json!({"title": title})))
        .await
        .unwrap();
    fault("reset").await;
    fault("drop-response").await; // the server commits, the answer never arrives
    let report: Value = serde_wasm_bindgen::from_value(store.sync().await.unwrap()).unwrap();
    assert_eq!(
        (report["offline"].clone(), report["pending"].clone()),
        (json!(true), json!(1)),
        "looks lost"
    );
    assert_eq!(
        server_titles(&direct, &title).await,
        1,
        "but the server has it"
    );
    // The replay carries the same objectId and request id: recognised, confirmed, not doubled.
    let report: Value = serde_wasm_bindgen::from_value(store.sync().await.unwrap()).unwrap();
    assert_eq!(
        (report["applied"].clone(), report["pending"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(server_titles(&direct, &title).await, 1);
    store.close();
}

#[wasm_bindgen_test]
async fn a_rejected_write_is_kept_and_reported_and_the_rest_goes_on() {
    let (p, direct) = pair("rejected").await;
    let store = open(&p).await;
    let rejected = recorder(&store, "rejected");
    fault("down?ms=600000").await;
    let t1 = unique("before ");
    let t2 = unique("after ");
    store
        .create("Deal".into(), js(&json!({"title": t1})))
        .await
        .unwrap();
    store
        .create("Activity".into(), js(&json!({"type": "call", "relatedTo": {"className": "Deal", "objectId": "missing123"}})))
        .await
        .unwrap();
    store
        .create("Deal".into(), js(&json!({"title": t2})))
        .await
        .unwrap();
    fault("reset").await;
    let report: Value = serde_wasm_bindgen::from_value(store.sync().await.unwrap()).unwrap();
    assert_eq!(
        (
            report["applied"].clone(),
            report["rejected"].clone(),
            report["pending"].clone()
        ),
        (json!(2), json!(1), json!(1))
    );
    assert_eq!(
        (
            server_titles(&direct, &t1).await,
            server_titles(&direct, &t2).await
        ),
        (1, 1)
    );
    assert_eq!(rejected.borrow().len(), 1);
    assert_eq!(rejected.borrow()[0]["error"]["code"], "VALIDATION_FAILED");
    let pending = values(store.pending().await.unwrap());
    assert_eq!(
        pending[0]["rejected"]["code"], "VALIDATION_FAILED",
        "kept, not dropped"
    );
    assert_eq!(status(&store)["state"], "error");
    store
        .drop_op(pending[0]["seq"].as_f64().unwrap())
        .await
        .unwrap();
    assert!(values(store.pending().await.unwrap()).is_empty());
    store.close();
}

#[wasm_bindgen_test]
async fn concurrent_changes_merge_field_by_field_and_conflicts_are_reported() {
    let (p, direct) = pair("conflict").await;
    let d: Deal = rust(
        direct
            .create_deal(ts(
                json!({"title": "original", "amount": 10, "notes": "old"}),
            ))
            .await
            .unwrap(),
    );
    let id = d.object_id.unwrap();
    let store = open(&p).await;
    store
        .pin_all(
            "Deal".into(),
            vec![js(&serde_json::to_value(rust::<Deal>(
                direct.get_deal(id.clone().into(), None).await.unwrap(),
            ))
            .unwrap())]
            .into(),
            None,
        )
        .await
        .unwrap();
    let conflicts = recorder(&store, "conflict");
    fault("down?ms=600000").await;
    store
        .update(
            "Deal".into(),
            id.clone().into(),
            js(&json!({"title": "ours", "amount": 20})),
        )
        .await
        .unwrap();
    // Meanwhile, someone else changes the title and the notes on the server.
    direct
        .update_deal(
            id.clone().into(),
            js(&json!({"title": "theirs", "notes": "new"})),
        )
        .await
        .unwrap();
    fault("reset").await;
    store.sync().await.unwrap();
    let got: Deal = rust(direct.get_deal(id.into(), None).await.unwrap());
    assert_eq!(got.title, "ours", "last writer wins by default");
    assert_eq!(got.amount, Some(20.0));
    assert_eq!(
        got.notes.as_deref(),
        Some("new"),
        "a field the offline change did not touch keeps the server's value"
    );
    assert_eq!(conflicts.borrow().len(), 1);
    assert_eq!(
        (
            conflicts.borrow()[0]["field"].clone(),
            conflicts.borrow()[0]["theirs"].clone()
        ),
        (json!("title"), json!("theirs"))
    );
    store.close();
}

#[wasm_bindgen_test]
async fn refreshing_a_pin_brings_changes_and_notices_deletions() {
    let (c, _) = signed_up("refresh").await;
    let a: Deal = rust(
        c.create_deal(ts(json!({"title": "a", "stage": "won"})))
            .await
            .unwrap(),
    );
    let b: Deal = rust(
        c.create_deal(ts(json!({"title": "b", "stage": "won"})))
            .await
            .unwrap(),
    );
    let store = open(&c).await;
    let won = c
        .deals()
        .equal_to("stage".into(), JsValue::from_str("won"))
        .unwrap();
    let first: Value =
        serde_wasm_bindgen::from_value(store.refresh_pin(won.handle_ref(), None).await.unwrap())
            .unwrap();
    assert_eq!(
        (first["updated"].clone(), first["removed"].clone()),
        (json!(2), json!(0))
    );
    c.update_deal(
        a.object_id.clone().unwrap().into(),
        js(&json!({"title": "a2"})),
    )
    .await
    .unwrap();
    c.delete_deal(b.object_id.clone().unwrap().into())
        .await
        .unwrap();
    c.create_deal(ts(json!({"title": "c", "stage": "won"})))
        .await
        .unwrap();
    let second: Value =
        serde_wasm_bindgen::from_value(store.refresh_pin(won.handle_ref(), None).await.unwrap())
            .unwrap();
    assert_eq!(second["removed"], 1);
    assert_eq!(
        second["updated"], 2,
        "a2 and c, nothing else: versions are compared"
    );
    let mut local = titles(
        won.from_pin(store.handle_ref(), None)
            .unwrap()
            .find()
            .await
            .unwrap(),
    );
    local.sort();
    assert_eq!(local, ["a2", "c"]);
    store.close();
}

#[wasm_bindgen_test]
async fn every_write_to_the_local_data_is_told_once_as_a_change() {
    let (c, _) = signed_up("change").await;
    let deals: js_sys::Array = (0..30)
        .map(|i| ts(json!({"title": format!("Told {i:02}"), "stage": "lead"})))
        .collect();
    c.save_all_deals(deals.into()).await.unwrap();
    let all = values(c.deals().find_all().await.unwrap());
    let store = open(&c).await;
    let changes = recorder(&store, "change");
    let told = || changes.borrow().clone();
    let deal = json!({"className": "Deal"});

    // 30 deals pinned in one write: one change.
    store
        .pin_all("Deal".into(), arr(all.clone()).into(), None)
        .await
        .unwrap();
    sleep(0).await;
    assert_eq!(told(), std::slice::from_ref(&deal));
    let id = all[0]["objectId"].as_str().unwrap().to_owned();
    store
        .unpin("Deal".into(), js(&json!([id])), None)
        .await
        .unwrap();
    sleep(0).await;
    assert_eq!(told().len(), 2);

    // An offline write, then the replay's answer stored over it.
    store
        .create("Company".into(), js(&json!({"name": "Told Inc"})))
        .await
        .unwrap();
    sleep(0).await;
    assert_eq!(told()[2], json!({"className": "Company"}));
    let report: Value = serde_wasm_bindgen::from_value(store.sync().await.unwrap()).unwrap();
    assert_eq!(report["applied"], 1, "{report}");
    sleep(0).await;
    assert_eq!(told().len(), 4, "{:?}", told());
    assert_eq!(told()[3], json!({"className": "Company"}));

    // A refresh that stores changes tells them; a listener removed hears nothing more.
    let all_deals = c.deals();
    store
        .refresh_pin(all_deals.handle_ref(), None)
        .await
        .unwrap();
    sleep(0).await;
    assert!(told()[4..].contains(&deal), "{:?}", told());
    assert!(store
        .on("changes".into(), js_sys::Function::new_no_args(""))
        .is_err());

    // Closed, the status says so (it said "error" once a call met the closed database, which
    // an app shows as a sync problem), told once, whatever is called after.
    let statuses = recorder(&store, "status");
    store.close();
    sleep(0).await;
    assert_eq!(status(&store)["state"], "closed");
    assert_eq!(statuses.borrow().len(), 1, "{:?}", statuses.borrow());
    assert_eq!(statuses.borrow()[0]["state"], "closed");
    assert_eq!(code_of(&store.sync().await.unwrap_err()), "CLOSED");
    assert_eq!(
        code_of(
            &store
                .create("Company".into(), js(&json!({"name": "After"})))
                .await
                .unwrap_err()
        ),
        "CLOSED"
    );
    sleep(0).await;
    assert_eq!(status(&store)["state"], "closed");
    assert_eq!(statuses.borrow().len(), 1, "{:?}", statuses.borrow());
}

#[wasm_bindgen_test]
async fn two_handles_syncing_at_once_replay_each_write_once() {
    let (p, direct) = pair("twotabs").await;
    let first = Rc::new(open(&p).await);
    let second = Rc::new(open(&p).await);
    fault("down?ms=600000").await;
    let title = unique("two tabs ");
    for _ in 0..3 {
        first
            .create("Deal".into(), js(&json!({"title": title})))
            .await
            .unwrap();
    }
    fault("reset").await;
    // Both start replaying at once, as two tabs coming back online would.
    let results: Rc<RefCell<Vec<Value>>> = Rc::new(RefCell::new(Vec::new()));
    for store in [first.clone(), second.clone()] {
        let out = results.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let r = store.sync().await.unwrap();
            out.borrow_mut()
                .push(serde_wasm_bindgen::from_value(r).unwrap());
        });
    }
    let start = js_sys::Date::now();
    while results.borrow().len() < 2 {
        assert!(js_sys::Date::now() - start < 10_000.0, "both syncs finish");
        sleep(20).await;
    }
    let applied: u64 = results
        .borrow()
        .iter()
        .map(|r| r["applied"].as_u64().unwrap())
        .sum();
    assert_eq!(
        applied, 3,
        "the lock lets one replay, the other finds nothing left"
    );
    assert_eq!(server_titles(&direct, &title).await, 3);
    first.close();
    second.close();
}

#[wasm_bindgen_test]
async fn logging_out_deletes_the_users_local_data() {
    let (c, user) = signed_up("wipe").await;
    let d: Deal = rust(c.create_deal(ts(json!({"title": "mine"}))).await.unwrap());
    let store = open(&c).await;
    store
        .pin_all("Deal".into(), vec![js(&d)].into(), None)
        .await
        .unwrap();
    assert_eq!(
        c.deals()
            .from_local_datastore(store.handle_ref())
            .unwrap()
            .count()
            .await
            .unwrap(),
        1.0
    );
    c.log_out().await.unwrap();
    c.log_in(user.username.clone().into(), PASSWORD.into())
        .await
        .unwrap();
    let again = open(&c).await;
    assert_eq!(
        c.deals()
            .from_local_datastore(again.handle_ref())
            .unwrap()
            .count()
            .await
            .unwrap(),
        0.0
    );
    assert!(values(again.pending().await.unwrap()).is_empty());
    again.close();
}
