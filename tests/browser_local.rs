//! Differential test: the local query evaluator (crm_wasm::eval) and the IndexedDB local store's
//! planned queries (compound indexes walked with cursors) against the real Parse Server, on the
//! same data, for a generated set of queries. Same results, same order. And the local store's
//! schema upgrade: a database written in version 1's layout opens with its queue and pins. And
//! the remembered answers: given again only while no tab has written the class.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use crm_wasm::eval::{self, NoSubQueries, SubQueries};
use crm_wasm::query::{Constraint, Query};
use crm_wasm::schema::{COMPANY, DEAL};
use crm_wasm::{Company, Deal};
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A small deterministic generator, so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const STAGES: [&str; 6] = [
    "lead",
    "qualified",
    "proposal",
    "negotiation",
    "won",
    "lost",
];
// Mixed case, and letters outside ASCII (which the server's C-locale PostgreSQL does not fold
// in a case-insensitive match: the local evaluator must not either).
const WORDS: [&str; 9] = [
    "Renewal",
    "renewal",
    "Expansion",
    "Pilot",
    "Zeta",
    "alpha",
    "École",
    "école",
    "ÉCOLE plan",
];

fn dataset(rng: &mut Rng, companies: &[String]) -> Vec<Value> {
    (0..80)
        .map(|i| {
            let mut d = json!({
                "title": format!("{} {}", rng.pick(&WORDS), rng.below(5)),
                "stage": rng.pick(&STAGES),
            });
            if rng.below(5) > 0 {
                d["amount"] = json!(rng.below(10) * 100);
            }
            if rng.below(4) > 0 {
                d["expectedCloseDate"] = json!(format!(
                    "2026-0{}-{:02}T00:00:00.000Z",
                    1 + rng.below(6),
                    1 + rng.below(28)
                ));
            }
            if rng.below(3) > 0 {
                d["company"] = json!({"className": "Company", "objectId": rng.pick(companies)});
            }
            if rng.below(4) == 0 {
                d["notes"] = json!(format!("note {i}"));
            }
            d
        })
        .collect()
}

fn constraint(rng: &mut Rng, companies: &[String]) -> Constraint {
    use Constraint as C;
    let amount = || "amount".to_string();
    match rng.below(19) {
        // `{field: null}` and `$ne: null`: Parse on PostgreSQL finds a missing field.
        17 => C::EqualTo {
            field: (*rng.pick(&["amount", "notes", "expectedCloseDate", "company"])).into(),
            value: Value::Null,
        },
        18 => C::NotEqualTo {
            field: (*rng.pick(&["amount", "notes", "expectedCloseDate", "company"])).into(),
            value: Value::Null,
        },
        15 => C::NotEqualTo {
            field: amount(),
            value: json!(rng.below(10) * 100),
        },
        0 => C::EqualTo {
            field: "stage".into(),
            value: json!(rng.pick(&STAGES)),
        },
        1 => C::NotEqualTo {
            field: "stage".into(),
            value: json!(rng.pick(&STAGES)),
        },
        2 => C::ContainedIn {
            field: "stage".into(),
            values: vec![json!(rng.pick(&STAGES)), json!(rng.pick(&STAGES))],
        },
        3 => C::NotContainedIn {
            field: "amount".into(),
            values: vec![json!(rng.below(10) * 100), json!(0)],
        },
        4 => C::LessThan {
            field: amount(),
            value: json!(rng.below(10) * 100),
        },
        5 => C::LessThanOrEqualTo {
            field: amount(),
            value: json!(rng.below(10) * 100),
        },
        6 => C::GreaterThan {
            field: amount(),
            value: json!(rng.below(10) * 100),
        },
        7 => C::GreaterThanOrEqualTo {
            field: "expectedCloseDate".into(),
            value: json!(format!("2026-0{}-15", 1 + rng.below(6))),
        },
        8 => C::LessThan {
            field: "expectedCloseDate".into(),
            value: json!(format!("2026-0{}-01T00:00:00Z", 1 + rng.below(6))),
        },
        9 => C::Exists {
            field: (*rng.pick(&["notes", "amount", "company"])).into(),
        },
        10 => C::DoesNotExist {
            field: (*rng.pick(&["notes", "expectedCloseDate"])).into(),
        },
        11 => C::StartsWith {
            field: "title".into(),
            text: (*rng.pick(&["Ren", "ren", "Pilot", "a", "Zeta 1", "éc", "ÉCO", "Éc"])).into(),
            case_insensitive: rng.below(2) == 0,
        },
        12 => C::Contains {
            field: "title".into(),
            text: (*rng.pick(&["ewal", "ansion 3", " 2", "a", "EWAL", "cole", "COLE", "é"])).into(),
            case_insensitive: rng.below(2) == 0,
        },
        16 => C::EndsWith {
            field: "title".into(),
            text: (*rng.pick(&["al 1", "AL 2", "n 3", "PLAN 4", "plan 0", "é"])).into(),
            case_insensitive: rng.below(2) == 0,
        },
        13 => C::EqualTo {
            field: "company".into(),
            value: json!({"className": "Company", "objectId": rng.pick(companies)}),
        },
        _ => C::Or {
            queries: vec![
                Query::new().equal_to("stage", *rng.pick(&STAGES)),
                Query::new().with(C::GreaterThan {
                    field: amount(),
                    value: json!(700),
                }),
            ],
        },
    }
}

fn query(rng: &mut Rng, companies: &[String]) -> Query {
    let mut q = Query::new();
    for _ in 0..rng.below(4) {
        q.constraints.push(constraint(rng, companies));
    }
    for _ in 0..rng.below(3) {
        let field = *rng.pick(&["amount", "expectedCloseDate", "title", "stage", "updatedAt"]);
        q.order.push(if rng.below(2) == 0 {
            field.to_string()
        } else {
            format!("-{field}")
        });
    }
    q.order.push("objectId".into()); // PostgreSQL leaves ties unordered: make the order total
    if rng.below(2) == 0 {
        q.limit = Some(1 + rng.below(20) as u32);
    }
    if rng.below(3) == 0 {
        q.skip = Some(rng.below(10) as u32);
    }
    q
}

/// A JS answer read back as JSON values.
fn from_js_value(v: wasm_bindgen::JsValue) -> Vec<Value> {
    let text = js_sys::JSON::stringify(&v).unwrap().as_string().unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Values as JS holds them (numbers as JS numbers), to compare with [`from_js_value`]'s.
fn through_js(objects: &[Value]) -> Vec<Value> {
    from_js_value(js_sys::JSON::parse(&serde_json::to_string(objects).unwrap()).unwrap())
}

fn ids(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| o["objectId"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Sub-queries over the local companies.
struct LocalCompanies(Vec<Value>);
impl SubQueries for LocalCompanies {
    fn matching_ids(&self, class: &str, query: &Query) -> crm_wasm::error::Result<Vec<String>> {
        assert_eq!(class, "Company");
        let all = Query {
            limit: Some(1000),
            ..query.clone()
        };
        Ok(ids(&eval::run(
            &COMPANY,
            &all,
            self.0.clone(),
            &NoSubQueries,
        )?))
    }
}

#[wasm_bindgen_test]
async fn local_queries_give_the_servers_results_in_the_servers_order() {
    let (c, _) = signed_up("differential").await;
    let mut rng = Rng(20261124);
    let mut company_ids = Vec::new();
    for name in ["Acme", "Globex", "acme labs"] {
        let saved: Company = rust(c.create_company(ts(json!({"name": name}))).await.unwrap());
        company_ids.push(saved.object_id.unwrap());
    }
    let data = dataset(&mut rng, &company_ids);
    let out = c
        .save_all_deals(data.into_iter().map(ts).collect::<js_sys::Array>().into())
        .await
        .unwrap()
        .unchecked_into::<js_sys::Array>();
    assert!(out.iter().all(|r| get(&r, "ok").as_bool() == Some(true)));

    // The local copy is what the server holds (timestamps included), in the models' JS shape.
    let fetch = |cls_query: crm_wasm::bindings::CrmQuery| async move {
        let arr = cls_query
            .find_all()
            .await
            .unwrap()
            .unchecked_into::<js_sys::Array>();
        arr.iter()
            .map(|v| serde_wasm_bindgen::from_value::<Value>(v).unwrap())
            .collect::<Vec<Value>>()
    };
    let local_deals: Vec<Value> = fetch(c.deals()).await;
    let local_companies: Vec<Value> = fetch(c.companies()).await;
    assert_eq!(local_deals.len(), 80);
    // The same data in the IndexedDB local store, queried through it too.
    let store =
        crm_wasm::browser::local_store::LocalStore::open(&unique("crm-wasm-test/differential/"))
            .await
            .unwrap();
    store.pin("Deal", &local_deals, "_default").await.unwrap();
    store
        .pin("Company", &local_companies, "_default")
        .await
        .unwrap();
    let subs = LocalCompanies(local_companies);

    let mut compared = 0;
    let mut refused = 0;
    let mut planned = 0;
    for i in 0..120 {
        let mut q = query(&mut rng, &company_ids);
        if i % 3 == 1 {
            // A query a compound index answers: a stage, ordered by one of its sort fields.
            q.constraints
                .retain(|c| !matches!(c, Constraint::Or { .. }));
            q.constraints.insert(
                0,
                Constraint::EqualTo {
                    field: "stage".into(),
                    value: json!(rng.pick(&STAGES)),
                },
            );
            let field = *rng.pick(&[
                "expectedCloseDate",
                "-expectedCloseDate",
                "updatedAt",
                "-updatedAt",
                "amount",
                "-amount",
            ]);
            q.order.insert(0, field.into());
        }
        if i % 10 == 0 {
            q.constraints.push(Constraint::MatchesQuery {
                field: "company".into(),
                query: Box::new(Query::new().with(Constraint::StartsWith {
                    field: "name".into(),
                    text: "Acme".into(),
                    // "acme labs" is in only when case is ignored.
                    case_insensitive: i % 20 == 0,
                })),
            });
        }
        let server = c
            .find_deals(Some(ts(serde_json::to_value(&q).unwrap())))
            .await;
        let local = eval::run(&DEAL, &q, local_deals.clone(), &subs);
        let server: Vec<Deal> = match server {
            Ok(found) => rust(found),
            Err(e) => {
                // A query the client refuses to send is refused locally too, the same way.
                assert_eq!(
                    local.map(|_| ()).unwrap_err().code(),
                    code_of(&e),
                    "query #{i}"
                );
                refused += 1;
                continue;
            }
        };
        let server_ids: Vec<String> = server.iter().filter_map(|d| d.object_id.clone()).collect();
        let local = local.unwrap();
        let text = serde_json::to_string(&q).unwrap();
        assert_eq!(ids(&local), server_ids, "query #{i}: {text}");
        // The store: its plan, its cursor walks, the same answer; through the pin too.
        let plan = crm_wasm::offline::plan::plan(&DEAL, &q);
        if let crm_wasm::offline::plan::Access::Index { ordered: true, .. } = plan.access {
            planned += 1;
        }
        let stored = store.find("Deal", &q, None).await.unwrap();
        assert_eq!(
            ids(&stored),
            server_ids,
            "store, query #{i}: {text} ({plan:?})"
        );
        // The JS answer (a page straight from the records when the plan's walk is the
        // answer): the same objects.
        assert_eq!(
            from_js_value(store.find_js("Deal", &q, None).await.unwrap()),
            through_js(&stored),
            "find_js, query #{i}: {text} ({plan:?})"
        );
        let pinned = store.find("Deal", &q, Some("_default")).await.unwrap();
        assert_eq!(ids(&pinned), server_ids, "pin, query #{i}: {text}");
        let n = store.count("Deal", &q, None).await.unwrap();
        let expected = eval::count(&DEAL, &q, local_deals.clone(), &subs).unwrap();
        assert_eq!(n, expected, "count, query #{i}: {text} ({plan:?})");
        compared += 1;
    }
    store.close();
    crm_wasm::browser::local_store::wipe(&store.name)
        .await
        .unwrap();
    assert_eq!(compared + refused, 120);
    assert!(
        // (`equalTo(field, null)` beside another condition on the field is refused.)
        compared >= 90,
        "most generated queries are valid ({compared})"
    );
    assert!(
        planned >= 30,
        "compound-index walks were compared ({planned})"
    );
}

/// The ids of each pin of Deal in a [`db_shape`], checking that every id is in its bucket's
/// record (and that there is no other record).
fn pins_in_buckets(shape: &Value) -> std::collections::BTreeMap<String, Vec<String>> {
    use crm_wasm::offline::pins;
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for record in shape["pins"].as_array().unwrap() {
        let name = record["name"].as_str().unwrap();
        assert_eq!(record["className"], "Deal");
        for id in record["ids"].as_array().unwrap() {
            let id = id.as_str().unwrap();
            assert_eq!(
                record["key"],
                pins::bucket_key("Deal", name, pins::bucket(id)),
                "{id} is in its bucket"
            );
            out.entry(name.into()).or_default().push(id.into());
        }
    }
    out.values_mut().for_each(|ids| ids.sort());
    out
}

#[wasm_bindgen_test]
async fn named_pins_are_kept_in_buckets_and_unpinned_exactly() {
    use crm_wasm::browser::local_store::LocalStore;
    let name = unique("crm-wasm-test/pins/");
    let store = LocalStore::open(&name).await.unwrap();
    let deals = stamped_deals(300);
    store.pin("Deal", &deals, "_default").await.unwrap();
    store.pin("Deal", &deals[..40], "hot").await.unwrap();
    let extra = json!({"objectId": "x-only-hot", "title": "Only hot", "stage": "won"});
    store
        .pin("Deal", std::slice::from_ref(&extra), "hot")
        .await
        .unwrap();
    let all = Query::new().limit(1000);
    let count = |pin: Option<&'static str>| {
        let (store, all) = (&store, &all);
        async move { store.find("Deal", all, pin).await.unwrap().len() }
    };
    assert_eq!((count(None).await, count(Some("hot")).await), (301, 41));
    let shape = wasm_bindgen_futures::JsFuture::from(db_shape(&name))
        .await
        .unwrap();
    let pinned = pins_in_buckets(&serde_wasm_bindgen::from_value(shape).unwrap());
    let mut hot = ids(&deals[..40]);
    hot.push("x-only-hot".into());
    hot.sort();
    assert_eq!(pinned["hot"], hot);
    assert_eq!(pinned["_default"], ids(&deals));

    // Out of "hot" only: still stored, being in "_default" too.
    let three: Vec<String> = ids(&deals[..3]);
    store
        .unpin("Deal", Some(&three), Some("hot"))
        .await
        .unwrap();
    assert_eq!((count(None).await, count(Some("hot")).await), (301, 38));
    // The one object no other pin holds goes from the store.
    store
        .unpin("Deal", Some(&["x-only-hot".to_owned()]), Some("hot"))
        .await
        .unwrap();
    assert_eq!(store.get("Deal", "x-only-hot").await.unwrap(), None);
    assert_eq!((count(None).await, count(Some("hot")).await), (300, 37));
    // Many ids out of every pin (more buckets than are read one by one).
    let twenty: Vec<String> = ids(&deals[20..40]);
    store.unpin("Deal", Some(&twenty), None).await.unwrap();
    assert_eq!((count(None).await, count(Some("hot")).await), (280, 17));
    assert_eq!(store.get("Deal", &twenty[0]).await.unwrap(), None);
    // Pinning again what is pinned changes nothing; unpinning a whole name leaves the rest.
    store.pin("Deal", &deals[3..5], "hot").await.unwrap();
    assert_eq!(count(Some("hot")).await, 17);
    store.unpin("Deal", None, Some("hot")).await.unwrap();
    assert_eq!((count(None).await, count(Some("hot")).await), (280, 0));
    store.close();
    crm_wasm::browser::local_store::wipe(&name).await.unwrap();
}

// Version 1 of the local database, written by hand the way that version's code wrote it:
// single-field indexes and records `{objectId, json, <indexed fields>}`.
// Made at run time rather than as an `inline_js` snippet: with a snippet module of its own, this
// file's test page intermittently never finished loading in headless Chromium (ChromeDriver:
// "Timed out receiving message from renderer" while the page loaded its scripts; the only test
// file with one, and the only one that hung).
const HELPERS: &str = r#"
function write_v1(name, deals, op) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      const indexes = { Deal: ['stage', 'updatedAt', 'expectedCloseDate', 'company'],
        Contact: ['company', 'updatedAt'], Activity: ['relatedTo', 'updatedAt'], Company: ['updatedAt'] };
      for (const [cls, idx] of Object.entries(indexes)) {
        const s = db.createObjectStore(cls, { keyPath: 'objectId' });
        for (const i of idx) s.createIndex(i, i);
      }
      db.createObjectStore('pins', { keyPath: 'key' });
      db.createObjectStore('ops', { keyPath: 'seq' });
      db.createObjectStore('meta', { keyPath: 'key' });
    };
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['Deal', 'pins', 'ops', 'meta'], 'readwrite');
      for (const d of deals) {
        const rec = { objectId: d.objectId, json: JSON.stringify(d) };
        for (const f of ['stage', 'updatedAt', 'expectedCloseDate']) if (d[f] != null) rec[f] = d[f];
        if (d.company) rec.company = d.company.objectId;
        tx.objectStore('Deal').put(rec);
      }
      tx.objectStore('pins').put({ key: 'Deal/_default', className: 'Deal', name: '_default',
        ids: deals.map(d => d.objectId).sort() });
      tx.objectStore('pins').put({ key: 'Deal/mine', className: 'Deal', name: 'mine', ids: [deals[0].objectId] });
      tx.objectStore('ops').put({ seq: 1, json: op });
      tx.objectStore('meta').put({ key: 'nextSeq', value: 2 });
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  });
}
function db_shape(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['Deal', 'pins'], 'readonly');
      const shape = { version: db.version, indexes: [...tx.objectStore('Deal').indexNames] };
      const pins = tx.objectStore('pins').getAll();
      pins.onsuccess = () => {
        shape.pins = pins.result;
        db.close();
        resolve(shape);
      };
    };
  });
}
// Damages the log of writes kept with `cls`'s stamp, as other code on the origin (or a bug)
// could: the newest step's first change, in the way `how` names.
function damage_log(name, cls, how) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['meta'], 'readwrite');
      const meta = tx.objectStore('meta');
      const got = meta.get('stamp/' + cls);
      got.onsuccess = () => {
        try {
          const record = got.result;
          // A step keeps its changes as JSON text.
          const step = record.log[record.log.length - 1];
          const changes = JSON.parse(step.text);
          const change = changes[0];
          if (how === 'json') change.after.json = '{"title": broken';
          else if (how === 'objectId') change.after.objectId = 'someone-else';
          else if (how === 'after') change.after = 'not a record';
          else if (how === 'before') change.before = 42;
          else if (how === 'change') changes[0] = null;
          else if (how === 'text') step.text = '[{"id": broken';
          else throw new Error('no such damage: ' + how);
          if (how !== 'text') step.text = JSON.stringify(changes);
          meta.put(record);
        } catch (e) {
          reject(new Error(how + ': ' + e + ' in ' + JSON.stringify(got.result)));
          tx.abort();
        }
      };
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onabort = () => { db.close(); reject(tx.error || new Error('aborted')); };
    };
  });
}
return { write_v1, db_shape, damage_log };
"#;

fn helper(name: &str, args: &[JsValue]) -> js_sys::Promise {
    let helpers = js_sys::Function::new_no_args(HELPERS)
        .call0(&JsValue::NULL)
        .unwrap();
    let f: js_sys::Function = js_sys::Reflect::get(&helpers, &name.into())
        .unwrap()
        .unchecked_into();
    let args: js_sys::Array = args.iter().collect();
    f.apply(&JsValue::NULL, &args).unwrap().unchecked_into()
}

fn write_v1(name: &str, deals: JsValue, op: &str) -> js_sys::Promise {
    helper("write_v1", &[name.into(), deals, op.into()])
}

fn db_shape(name: &str) -> js_sys::Promise {
    helper("db_shape", &[name.into()])
}

fn damage_log(name: &str, class: &str, how: &str) -> js_sys::Promise {
    helper("damage_log", &[name.into(), class.into(), how.into()])
}

#[wasm_bindgen_test]
async fn a_version_1_database_upgrades_in_place_with_its_queue_and_pins() {
    use crm_wasm::browser::local_store::LocalStore;
    use crm_wasm::offline::{OpKind, PendingOp};
    let name = unique("crm-wasm-test/upgrade/");
    let deals: Vec<Value> = (0..30)
        .map(|i| {
            let mut d = json!({
                "objectId": format!("d{i:02}"),
                "title": format!("Deal {i}"),
                "stage": (["won", "lost", "lead"][i % 3]),
                "amount": (i % 7) * 100,
                "updatedAt": format!("2026-01-{:02}T00:00:00.000Z", 1 + i % 20),
            });
            if i % 4 != 0 {
                d["expectedCloseDate"] =
                    json!(format!("2026-03-{:02}T00:00:00.000Z", 1 + (i * 7) % 25));
            }
            if i % 2 == 0 {
                d["company"] = json!({"className": "Company", "objectId": "c1"});
            }
            d
        })
        .collect();
    let op = PendingOp {
        seq: 1,
        class_name: "Deal".into(),
        object_id: "d03".into(),
        request_id: "r1".into(),
        kind: OpKind::Update {
            body: json!({"stage": "won"}).as_object().unwrap().clone(),
            base: json!({"stage": "lost"}).as_object().unwrap().clone(),
        },
        rejected: None,
    };
    let op_text = serde_json::to_string(&op).unwrap();
    wasm_bindgen_futures::JsFuture::from(write_v1(&name, js(&deals), &op_text))
        .await
        .unwrap();

    let store = LocalStore::open(&name).await.unwrap();
    // The queue is intact, and the pins.
    assert_eq!(store.pending().await.unwrap(), vec![op]);
    let all = Query::new().limit(1000);
    assert_eq!(
        store
            .find("Deal", &all, Some("_default"))
            .await
            .unwrap()
            .len(),
        30
    );
    assert_eq!(
        ids(&store.find("Deal", &all, Some("mine")).await.unwrap()),
        ["d00"]
    );
    // The records answer through the new indexes, as the evaluator does.
    for q in [
        Query::new()
            .equal_to("stage", "won")
            .ascending("expectedCloseDate")
            .limit(4),
        Query::new()
            .equal_to("stage", "lost")
            .descending("updatedAt")
            .limit(5),
        Query::new().equal_to("stage", "lead").descending("amount"),
        Query::new().equal_to("company", json!({"className": "Company", "objectId": "c1"})),
    ] {
        let plan = crm_wasm::offline::plan::plan(&DEAL, &q);
        assert!(
            matches!(plan.access, crm_wasm::offline::plan::Access::Index { .. }),
            "{q:?}"
        );
        let expected = eval::run(
            &DEAL,
            &crm_wasm::offline::plan::canonical(&q),
            deals.clone(),
            &NoSubQueries,
        )
        .unwrap();
        assert_eq!(
            ids(&store.find("Deal", &q, None).await.unwrap()),
            ids(&expected),
            "{q:?}"
        );
        assert_eq!(
            from_js_value(store.find_js("Deal", &q, None).await.unwrap()),
            through_js(&expected),
            "find_js {q:?}"
        );
        let n = eval::count(&DEAL, &q, deals.clone(), &NoSubQueries).unwrap();
        assert_eq!(store.count("Deal", &q, None).await.unwrap(), n, "{q:?}");
    }
    store.close();
    let shape = wasm_bindgen_futures::JsFuture::from(db_shape(&name))
        .await
        .unwrap();
    let shape: Value = serde_wasm_bindgen::from_value(shape).unwrap();
    assert_eq!(shape["version"], crm_wasm::browser::local_store::VERSION);
    // The pins are in buckets now, none left in version 1's one record per pin.
    let pinned = pins_in_buckets(&shape);
    assert_eq!(pinned["mine"], ["d00"]);
    assert_eq!(pinned["_default"], ids(&deals));
    let mut indexes: Vec<String> = serde_json::from_value(shape["indexes"].clone()).unwrap();
    indexes.sort();
    assert_eq!(
        indexes,
        [
            "company",
            "contact",
            "stage,amount",
            "stage,expectedCloseDate",
            "stage,updatedAt"
        ]
    );
    crm_wasm::browser::local_store::wipe(&name).await.unwrap();
}

/// Deals for the remembered-answer tests: stage won for every third, close dates spread.
fn stamped_deals(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "objectId": format!("s{i:03}"),
                "title": format!("Deal {i}"),
                "stage": (["won", "lost", "lead"][i % 3]),
                "amount": i * 10,
                // No two alike (day and hour), so order has no ties to break.
                "expectedCloseDate": format!("2026-05-{:02}T{:02}:00:00.000Z", 2 + (i * 7) % 27, i % 24),
                "updatedAt": "2026-01-01T00:00:00.000Z",
            })
        })
        .collect()
}

/// A page of `q` from `store` (as JS gets it), and the count of its matches; also checks that the
/// same query in descending order, in the default pin (read by a walk rather than one getAll),
/// gives the same objects the other way round.
async fn read(store: &crm_wasm::browser::local_store::LocalStore, q: Query) -> (Vec<Value>, usize) {
    let found = from_js_value(store.find_js("Deal", &q, None).await.unwrap());
    let all = Query {
        limit: None,
        order: vec![],
        ..q.clone()
    };
    let n = store.count("Deal", &all, None).await.unwrap();
    let mut backwards = q.clone();
    backwards.order = vec!["-expectedCloseDate".into()];
    backwards.limit = Some(1000);
    let mut last = from_js_value(
        store
            .find_js("Deal", &backwards, Some("_default"))
            .await
            .unwrap(),
    );
    assert_eq!(last.len(), n);
    last.reverse();
    last.truncate(found.len());
    assert_eq!(last, found);
    (found, n)
}

type Store = crm_wasm::browser::local_store::LocalStore;

/// Two connections to one new database (two tabs of the app), 60 deals pinned through the
/// first; the page of won deals by close date, and the first tab's first answer to it.
async fn two_tabs(prefix: &str) -> (String, Store, Store, Query, Vec<Value>, usize) {
    let name = unique(prefix);
    let here = Store::open(&name).await.unwrap();
    let there = Store::open(&name).await.unwrap();
    here.pin("Deal", &stamped_deals(60), "_default")
        .await
        .unwrap();
    let page = Query::new()
        .equal_to("stage", "won")
        .ascending("expectedCloseDate")
        .limit(5);
    let (first, n) = read(&here, page.clone()).await;
    (name, here, there, page, first, n)
}

/// A won deal closing before the others, titled `title`.
fn won_first(title: &str) -> Value {
    let mut deal = stamped_deals(1).remove(0);
    deal["objectId"] = json!("early");
    deal["title"] = json!(title);
    deal["expectedCloseDate"] = json!("2026-05-01T00:00:00.000Z");
    deal
}

#[wasm_bindgen_test]
async fn a_remembered_answer_is_given_only_while_no_tab_has_written_the_class() {
    let (name, here, there, page, first, n) = two_tabs("crm-wasm-test/answers/").await;
    assert_eq!(first.len(), 5);
    assert_eq!(n, 20);
    let reused = here.answers_reused();
    let (again, n_again) = read(&here, page.clone()).await;
    assert_eq!((&again, n_again), (&first, n));
    assert_eq!(
        here.answers_reused(),
        reused + 3,
        "the page, the count and the pinned page are given again"
    );

    // A caller changing an answer's objects does not change the next answer.
    let answer = here.find_js("Deal", &page, None).await.unwrap();
    let first_object = js_sys::Reflect::get(&answer, &0.into()).unwrap();
    js_sys::Reflect::set(&first_object, &"title".into(), &"changed by the app".into()).unwrap();
    assert_eq!(read(&here, page.clone()).await.0, first);

    // The other tab pins a won deal closing first: this tab's next answers have it.
    let early = won_first(stamped_deals(1)[0]["title"].as_str().unwrap());
    there.pin("Deal", &[early], "_default").await.unwrap();
    let reused = here.answers_reused();
    let (found, n) = read(&here, page.clone()).await;
    assert_eq!(ids(&found)[0], "early");
    assert_eq!(ids(&found)[1..], ids(&first)[..4]);
    assert_eq!(n, 21);
    assert_eq!(
        here.answers_reused(),
        reused + 2,
        "the page and the count catch up from the write logged with the stamp; the pinned \
         page (a walk of the pin) is read"
    );

    // An offline delete there, then an unpin there: each shows here at once.
    there
        .queue_delete("Deal", "early", "r-delete".into())
        .await
        .unwrap();
    let (found, n) = read(&here, page.clone()).await;
    assert_eq!((ids(&found), n), (ids(&first), 20));
    let first_id = ids(&first)[0].clone();
    there
        .unpin("Deal", Some(std::slice::from_ref(&first_id)), None)
        .await
        .unwrap();
    let (found, n) = read(&here, page.clone()).await;
    assert!(!ids(&found).contains(&first_id));
    assert_eq!(n, 19);
    // A write of another class leaves this class's answers as they were.
    let reused = here.answers_reused();
    there
        .pin(
            "Company",
            &[json!({"objectId": "co1", "name": "Acme"})],
            "_default",
        )
        .await
        .unwrap();
    assert_eq!(read(&here, page.clone()).await.1, 19);
    assert_eq!(here.answers_reused(), reused + 3);
    // A write there too large to log (more records than are carried): read again here.
    let many: Vec<Value> = stamped_deals(20)
        .into_iter()
        .map(|mut d| {
            d["objectId"] = json!(format!("m-{}", d["objectId"].as_str().unwrap()));
            // Half an hour after the deal it copies: no ties in the order.
            let close = d["expectedCloseDate"]
                .as_str()
                .unwrap()
                .replace(":00:00", ":30:00");
            d["expectedCloseDate"] = json!(close);
            d
        })
        .collect();
    there.pin("Deal", &many, "_default").await.unwrap();
    let reused = here.answers_reused();
    let (found, n) = read(&here, page.clone()).await;
    assert_eq!(here.answers_reused(), reused, "nothing was given again");
    let all = Query {
        limit: None,
        order: vec![],
        ..page.clone()
    };
    assert_eq!(n, there.count("Deal", &all, None).await.unwrap());
    assert!(n > 19);
    assert_eq!(
        found,
        from_js_value(there.find_js("Deal", &page, None).await.unwrap())
    );
    here.close();
    there.close();
    crm_wasm::browser::local_store::wipe(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_damaged_log_of_writes_makes_the_answers_be_read_again() {
    let (name, here, there, page, first, _) = two_tabs("crm-wasm-test/damaged-log/").await;
    for how in ["json", "objectId", "after", "before", "change", "text"] {
        // Another tab writes a won deal closing first (again, retitled), and its log is damaged.
        let early = won_first(&format!("early, then {how}"));
        there.pin("Deal", &[early], "_default").await.unwrap();
        wasm_bindgen_futures::JsFuture::from(damage_log(&name, "Deal", how))
            .await
            .unwrap();
        let reused = here.answers_reused();
        let (found, n) = read(&here, page.clone()).await;
        assert_eq!(ids(&found)[0], "early", "{how}");
        assert_eq!(found[0]["title"], json!(format!("early, then {how}")));
        assert_eq!(ids(&found)[1..], ids(&first)[..4], "{how}");
        assert_eq!(n, 21, "{how}");
        assert_eq!(
            here.answers_reused(),
            reused,
            "{how}: every answer read again"
        );
    }
    // A write over the damaged log (it leaves the damaged steps out of the log it puts).
    there
        .pin("Deal", &[won_first("early, last")], "_default")
        .await
        .unwrap();
    let (found, n) = read(&here, page.clone()).await;
    assert_eq!((found[0]["title"].clone(), n), (json!("early, last"), 21));
    here.close();
    there.close();
    crm_wasm::browser::local_store::wipe(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_version_2_tab_lets_go_of_the_database_when_the_current_version_opens_it() {
    use crm_wasm::browser::local_store::{LocalStore, VERSION};
    let name = unique("crm-wasm-test/upgrade-2/");
    // A tab of the release before: version 2's layout, its pins and a queued write.
    let old = LocalStore::open_at(&name, 2).await.unwrap();
    let deals = stamped_deals(30);
    old.pin("Deal", &deals, "_default").await.unwrap();
    old.pin("Deal", &deals[..2], "mine").await.unwrap();
    let op = old
        .queue_delete("Deal", "s005", "r-old".into())
        .await
        .unwrap();

    let new = LocalStore::open(&name).await.unwrap();
    assert_eq!(VERSION, 4);
    assert_eq!(new.pending().await.unwrap(), vec![op]);
    let all = Query::new().limit(1000);
    assert_eq!(
        ids(&new.find("Deal", &all, Some("mine")).await.unwrap()),
        ["s000", "s001"]
    );
    assert_eq!(
        new.find("Deal", &all, Some("_default"))
            .await
            .unwrap()
            .len(),
        29
    );
    // The old tab cannot answer any more (no stale answer from a database it no longer holds),
    // and says why in its code: the handle is done, not the disk full.
    assert_eq!(
        old.find("Deal", &all, None).await.unwrap_err().code(),
        "CLOSED"
    );
    assert_eq!(
        old.count("Deal", &all, None).await.unwrap_err().code(),
        "CLOSED"
    );
    // The upgraded database has its stamps: a repeated page is given again.
    let page = Query::new()
        .equal_to("stage", "lost")
        .ascending("amount")
        .limit(3);
    let expected = eval::run(
        &DEAL,
        &crm_wasm::offline::plan::canonical(&page),
        deals
            .iter()
            .filter(|d| d["objectId"] != "s005")
            .cloned()
            .collect::<Vec<_>>(),
        &NoSubQueries,
    )
    .unwrap();
    for _ in 0..2 {
        assert_eq!(
            from_js_value(new.find_js("Deal", &page, None).await.unwrap()),
            through_js(&expected)
        );
    }
    assert_eq!(new.answers_reused(), 1);
    new.close();
    crm_wasm::browser::local_store::wipe(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_write_made_here_carries_the_remembered_answers_with_it() {
    // Most answers after a write made here are carried, not read again.
    let (carried, asked) = answers_through_writes("here", false).await;
    assert_eq!(asked, 420);
    assert!(
        carried >= 300,
        "answers given without reading: {carried} of {asked}"
    );
}

#[wasm_bindgen_test]
async fn a_write_in_another_tab_is_caught_up_from_the_log_kept_with_the_stamp() {
    // The same writes made by a second connection (another tab), one to three between reads:
    // this tab's answers catch up from the stamp's log of recent writes.
    let (carried, asked) = answers_through_writes("there", true).await;
    assert!(
        carried * 10 >= asked * 6,
        "answers given without reading: {carried} of {asked}"
    );
}

/// 60 random writes (pins, offline updates and deletes, unpins, a few larger writes) to a store
/// of deals, each checked by four pages and three counts against the evaluator on the same
/// data; the writes made by this connection or (`other_tab`) by a second one, several at a
/// time. Answers how many answers were given again rather than read, of how many were asked.
async fn answers_through_writes(label: &str, other_tab: bool) -> (u64, u64) {
    use crm_wasm::browser::local_store::LocalStore;
    use std::collections::BTreeMap;
    let name = unique(&format!("crm-wasm-test/carry-{label}/"));
    let here = LocalStore::open(&name).await.unwrap();
    let there = LocalStore::open(&name).await.unwrap();
    let writer = if other_tab { &there } else { &here };
    let mut seed = 7u64;
    let mut rnd = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let stages = ["won", "lost", "lead"];
    let deal = |i: u64, rnd: &mut dyn FnMut(u64) -> u64| {
        let mut d = json!({
            "objectId": format!("k{i:03}"),
            "title": format!("Deal {i}"),
            "stage": stages[rnd(3) as usize],
            "amount": rnd(20) * 100,
            "expectedCloseDate": format!("2026-05-{:02}T{:02}:00:00.000Z", 1 + rnd(28), rnd(24)),
            "updatedAt": "2026-01-01T00:00:00.000Z",
        });
        if rnd(3) > 0 {
            d["company"] = json!({"className": "Company", "objectId": format!("c{}", rnd(3))});
        }
        d
    };
    let mut model: BTreeMap<String, Value> = BTreeMap::new();
    let first: Vec<Value> = (0..60).map(|i| deal(i, &mut rnd)).collect();
    here.pin("Deal", &first, "_default").await.unwrap();
    for d in first {
        model.insert(d["objectId"].as_str().unwrap().into(), d);
    }
    let c1 = json!({"className": "Company", "objectId": "c1"});
    let pages = [
        Query::new()
            .equal_to("stage", "won")
            .ascending("expectedCloseDate")
            .limit(5),
        Query {
            skip: Some(2),
            ..Query::new()
                .equal_to("stage", "lead")
                .ascending("amount")
                .limit(4)
        },
        Query::new().equal_to("company", c1.clone()).limit(3),
        // A page larger than the range: it holds the whole range.
        Query::new()
            .equal_to("stage", "lost")
            .ascending("expectedCloseDate")
            .limit(500),
    ];
    let counts = [
        Query::new().equal_to("stage", "won"),
        Query::new().with(Constraint::ContainedIn {
            field: "stage".into(),
            values: vec![json!("won"), json!("lead")],
        }),
        Query::new(),
    ];
    let check = |model: &BTreeMap<String, Value>, step: &str| {
        let objects: Vec<Value> = model.values().cloned().collect();
        let (here, pages, counts) = (&here, &pages, &counts);
        let step = step.to_owned();
        async move {
            for q in pages {
                let expected = eval::run(
                    &DEAL,
                    &crm_wasm::offline::plan::canonical(q),
                    objects.clone(),
                    &NoSubQueries,
                )
                .unwrap();
                assert_eq!(
                    from_js_value(here.find_js("Deal", q, None).await.unwrap()),
                    through_js(&expected),
                    "{step}: {q:?}"
                );
            }
            for q in counts {
                let n = eval::count(&DEAL, q, objects.clone(), &NoSubQueries).unwrap();
                assert_eq!(
                    here.count("Deal", q, None).await.unwrap(),
                    n,
                    "{step}: {q:?}"
                );
            }
        }
    };
    check(&model, "read").await;
    let reused = here.answers_reused();
    let mut next = 60;
    let mut write_only = Vec::new();
    let mut asked = 0;
    for step in 0..60 {
        if other_tab && step % 3 != 2 && rnd(2) == 0 {
            // Checked after the next write too: two or three writes behind.
            write_only.push(step);
        }
        let ids: Vec<String> = model.keys().cloned().collect();
        let some = |rnd: &mut dyn FnMut(u64) -> u64| ids[rnd(ids.len() as u64) as usize].clone();
        let what = match rnd(5) {
            0 => {
                // A new deal, or a deal stored again changed.
                let d = if rnd(2) == 0 {
                    next += 1;
                    deal(next, &mut rnd)
                } else {
                    let mut d = deal(0, &mut rnd);
                    d["objectId"] = json!(some(&mut rnd));
                    d
                };
                writer
                    .pin("Deal", std::slice::from_ref(&d), "_default")
                    .await
                    .unwrap();
                model.insert(d["objectId"].as_str().unwrap().into(), d);
                "pin one"
            }
            1 => {
                let id = some(&mut rnd);
                let changes: crm_wasm::schema::Changes = serde_json::from_value(json!({
                    "stage": stages[rnd(3) as usize],
                    "amount": rnd(20) * 100,
                }))
                .unwrap();
                writer
                    .queue_update("Deal", &id, &changes, format!("r{step}"))
                    .await
                    .unwrap();
                model.insert(id.clone(), here.get("Deal", &id).await.unwrap().unwrap());
                "offline update"
            }
            2 => {
                let id = some(&mut rnd);
                writer
                    .queue_delete("Deal", &id, format!("r{step}"))
                    .await
                    .unwrap();
                model.remove(&id);
                "offline delete"
            }
            3 => {
                let id = some(&mut rnd);
                writer
                    .unpin("Deal", Some(std::slice::from_ref(&id)), None)
                    .await
                    .unwrap();
                // Kept while a queued write still needs it.
                match here.get("Deal", &id).await.unwrap() {
                    Some(o) => model.insert(id, o),
                    None => model.remove(&id),
                };
                "unpin one"
            }
            _ => {
                // Two at once, or more than are carried.
                let n = if rnd(4) == 0 { 20 } else { 2 };
                let batch: Vec<Value> = (0..n)
                    .map(|_| {
                        next += 1;
                        deal(next, &mut rnd)
                    })
                    .collect();
                writer.pin("Deal", &batch, "_default").await.unwrap();
                for d in batch {
                    model.insert(d["objectId"].as_str().unwrap().into(), d);
                }
                "pin several"
            }
        };
        if write_only.last() != Some(&step) {
            check(&model, &format!("step {step} ({what})")).await;
            asked += 7;
        }
    }
    let carried = here.answers_reused() - reused;
    here.close();
    there.close();
    crm_wasm::browser::local_store::wipe(&name).await.unwrap();
    console_log!("{label}: {carried} of {asked} answers given without reading");
    (carried, asked)
}

#[wasm_bindgen_test]
async fn a_closed_store_answers_closed_not_a_storage_error() {
    // After close() (or a log-out, which deletes the database) every call failed with
    // STORAGE_ERROR and IndexedDB's own words, which the README says means quota, blocked or
    // unavailable: an app would have told its user the disk was full.
    use crm_wasm::browser::local_store::LocalStore;
    let name = unique("crm-wasm-test/closed/");
    let store = LocalStore::open(&name).await.unwrap();
    store
        .pin("Deal", &stamped_deals(3), "_default")
        .await
        .unwrap();
    let all = Query::new().limit(10);
    assert_eq!(store.find("Deal", &all, None).await.unwrap().len(), 3);
    store.close();
    let closed = store.find("Deal", &all, None).await.unwrap_err();
    assert_eq!(closed.code(), "CLOSED", "{closed}");
    assert_eq!(
        store.count("Deal", &all, None).await.unwrap_err().code(),
        "CLOSED"
    );
    assert_eq!(store.pending().await.unwrap_err().code(), "CLOSED");
    assert_eq!(
        store
            .pin("Deal", &stamped_deals(1), "_default")
            .await
            .unwrap_err()
            .code(),
        "CLOSED"
    );
    crm_wasm::browser::local_store::wipe(&name).await.unwrap();
}
