//! Browser tests of the `Pipeline` wasm surface, fed from the real Parse Server.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use crm_wasm::bindings::PipelineHandle;
use crm_wasm::pipeline::ColumnSummary;
use crm_wasm::{Deal, Stage};
use serde_json::json;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn columns(p: &PipelineHandle) -> Vec<(String, u32, f64, f64)> {
    let columns: Vec<ColumnSummary> = serde_wasm_bindgen::from_value(p.columns().unwrap()).unwrap();
    columns
        .into_iter()
        .map(|c| (c.stage, c.count, c.total, c.weighted))
        .collect()
}

fn page(p: &PipelineHandle, stage: &str, offset: u32, limit: u32) -> Vec<Deal> {
    let cards = p
        .page(stage.into(), offset.into(), limit.into())
        .unwrap()
        .unchecked_into::<js_sys::Array>();
    cards
        .iter()
        .map(|d| serde_wasm_bindgen::from_value(d).unwrap())
        .collect()
}

fn page_titles(p: &PipelineHandle, stage: &str, offset: u32, limit: u32) -> Vec<String> {
    page(p, stage, offset, limit)
        .into_iter()
        .map(|d| d.title)
        .collect()
}

#[wasm_bindgen_test]
async fn a_pipeline_loads_from_the_server_groups_filters_pages_and_moves() {
    let (c, _) = signed_up("pipeline").await;
    let deals = vec![
        json!({"title": "Lead A", "amount": 1000, "stage": "lead", "expectedCloseDate": "2026-03-01"}),
        json!({"title": "Lead B", "amount": 3000, "stage": "lead", "expectedCloseDate": "2026-02-01"}),
        json!({"title": "Nego", "amount": 2000, "stage": "negotiation"}),
        json!({"title": "Won big", "amount": 10000, "stage": "won"}),
        json!({"title": "Lost one", "amount": 500, "stage": "lost"}),
    ];
    c.save_all_deals(deals.into_iter().map(ts).collect::<js_sys::Array>().into())
        .await
        .unwrap();

    let p = PipelineHandle::new();
    let notified = Rc::new(Cell::new(0));
    let n = notified.clone();
    let listener = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || n.set(n.get() + 1));
    let unsubscribe = p.subscribe(
        listener
            .as_ref()
            .unchecked_ref::<js_sys::Function>()
            .clone(),
    );
    let v0 = p.version();
    p.load_query(c.deals().handle_ref()).await.unwrap();
    assert!(p.version() > v0);
    assert_eq!(notified.get(), 1);
    assert_eq!(p.size(), 5);
    assert_eq!(
        columns(&p),
        vec![
            ("lead".into(), 2, 4000.0, 400.0),
            ("qualified".into(), 0, 0.0, 0.0),
            ("proposal".into(), 0, 0.0, 0.0),
            ("negotiation".into(), 1, 2000.0, 1500.0),
            ("won".into(), 1, 10000.0, 10000.0),
            ("lost".into(), 1, 500.0, 0.0),
        ]
    );
    assert_eq!(
        page_titles(&p, "lead", 0, 10),
        ["Lead B", "Lead A"],
        "by expected close date"
    );
    assert_eq!(page_titles(&p, "lead", 1, 10), ["Lead A"]);

    p.set_filter(ts(json!({"minAmount": 1500}))).unwrap();
    assert_eq!(columns(&p)[0].1, 1);
    p.set_filter(ts(json!({"text": "LEAD"}))).unwrap();
    assert_eq!(columns(&p).iter().map(|c| c.1).sum::<u32>(), 2);
    p.set_filter(ts(json!({}))).unwrap();
    let err = p.set_filter(ts(json!({"staleDays": -1}))).unwrap_err();
    assert_eq!(code_of(&err), "INVALID_INPUT");

    // Move and save: the pipeline changes at once and the server follows.
    let lead_a = page(&p, "lead", 1, 1).remove(0);
    let id = lead_a.object_id.clone().unwrap();
    p.move_and_save(c.handle_ref(), id.clone().into(), "proposal".into())
        .await
        .unwrap();
    assert_eq!(columns(&p)[2].1, 1);
    let on_server: Deal = rust(c.get_deal(id.clone().into(), None).await.unwrap());
    assert_eq!(on_server.stage, Some(Stage::Proposal));

    // A move whose save fails is undone: the deal was deleted on the server meanwhile.
    c.delete_deal(id.clone().into()).await.unwrap();
    let err = p
        .move_and_save(c.handle_ref(), id.clone().into(), "won".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "OBJECT_NOT_FOUND");
    assert_eq!(columns(&p)[2].1, 1, "back in proposal");
    assert_eq!(columns(&p)[4].1, 1, "won unchanged");

    // Events from elsewhere: upsert and remove.
    p.upsert(ts(json!({"objectId": "liveDeal01", "title": "From a live query", "stage": "won", "amount": 1}))).unwrap();
    assert_eq!(columns(&p)[4].2, 10001.0);
    assert!(p.remove("liveDeal01".into()).unwrap());
    assert!(!p.remove("liveDeal01".into()).unwrap());

    let stats: crm_wasm::pipeline::Stats =
        serde_wasm_bindgen::from_value(p.stats().unwrap()).unwrap();
    assert_eq!(stats.win_rate, Some(0.5));

    // Bad input keeps what is there.
    let before = p.size();
    assert_eq!(
        code_of(&p.load_json("[{\"title\": \"no id\"}]".into()).unwrap_err()),
        "INVALID_INPUT"
    );
    assert_eq!(
        code_of(&p.move_deal("nope".into(), "won".into()).unwrap_err()),
        "INVALID_INPUT"
    );
    assert_eq!(p.size(), before);

    let calls = notified.get();
    unsubscribe.call0(&wasm_bindgen::JsValue::NULL).unwrap();
    p.regroup();
    assert_eq!(notified.get(), calls, "no calls after unsubscribing");
}

/// Long texts cross into wasm through `TextEncoder.encodeInto` (src/browser/js.rs `js_text`):
/// characters of every UTF-8 length, past the first guess of a byte a character, arrive intact,
/// and a lone surrogate (possible in a JS string, not in UTF-8) arrives as U+FFFD.
#[wasm_bindgen_test]
fn a_long_json_text_with_any_characters_loads_intact() {
    let titles: Vec<String> = (0..300)
        .map(|i| format!("Déal {i} ✓ 😀 {}", "é".repeat(i % 50)))
        .chain(["LONE".to_string()])
        .collect();
    let deals: Vec<_> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"objectId": format!("d{i:04}"), "title": t, "stage": "lead"}))
        .collect();
    let text = serde_json::to_string(&deals).unwrap();
    let (before, after) = text.split_once("LONE").unwrap();
    let js = js_sys::JsString::from(before)
        .concat(&js_sys::JsString::from_char_code1(0xD800))
        .concat(&after.into());
    assert!(
        js.length() > 10_000,
        "long enough to take the encodeInto path"
    );

    let p = PipelineHandle::new();
    p.load_json(js.into()).unwrap();
    let mut expected = titles.clone();
    *expected.last_mut().unwrap() = "\u{FFFD}".into();
    assert_eq!(page_titles(&p, "lead", 0, 400), expected);
}
