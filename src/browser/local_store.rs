//! The local datastore in the browser: IndexedDB, one database per app and signed-in user,
//! a store per CRM class (records from [`crate::offline::record`], with their indexes), named
//! pins (in buckets, [`crate::offline::pins`]), the queue of offline writes, and a meta store.
//! Local queries follow the core's plan ([`crate::offline::plan`]): a compound index walked
//! with a cursor in the query's order and stopped once the page is complete, a native count
//! where the index answers the filter, the evaluator for the rest; records are read in batches,
//! so memory follows the page, not the store. Every write transaction on a class puts a new
//! stamp for it in the meta store, so a page or count read again at an unchanged stamp is given
//! from [`Answers`] (correct across tabs: the stamp is read in the reading transaction). A
//! small write also logs what it changed with its stamp, so remembered answers in this tab or
//! another are carried over it with its changes applied, not read again. Offline writes
//! apply to the local copy at once and are queued. The replay is the core's
//! [`crate::offline::OfflineSync`], over this store as its [`QueueStore`].

use std::collections::BTreeSet;

use serde_json::{Map, Value};
use wasm_bindgen::{JsCast, JsValue};

use super::answers::{self, Answer, Answers, Change, Scope, Step, CARRY_MAX};
use super::fetch::BrowserPlatform;
use super::idb;
use super::js::js_text;
use crate::class::CrmClass;
use crate::client::Client;
use crate::error::{CrmError, Result};
use crate::eval::{self, SubQueries};
use crate::offline::pins;
use crate::offline::plan::{self, Access, Walk};
use crate::offline::{self, OpKind, PendingOp, QueueStore, RECORD_JSON as JSON};
use crate::query::Query;
use crate::schema::{Changes, ClassSchema};

/// 1: single-field indexes, records `{objectId, json, <indexed fields>}`. 2: the planner's
/// compound indexes, records `{objectId, json, k, u}` (see [`offline::record`]). 3: a stamp per
/// class in the meta store, renewed by every write (a version 2 tab would write without it, so
/// opening at 3 makes such tabs let go of the database). 4: a pin's ids in buckets
/// ([`offline::pins`]), so that a write rewrites the buckets of the ids it pins, not the pin.
pub const VERSION: u32 = 4;
/// Objects converted and written per step of a `pinAll`, and records read per batch of a walk:
/// what the wasm memory holds at once.
pub const CHUNK: usize = 1000;
const PINS: &str = "pins";
const OPS: &str = "ops";
const META: &str = "meta";
pub const DEFAULT_PIN: &str = "_default";

fn class_schema(class: &str) -> Result<&'static ClassSchema> {
    CrmClass::from_name(class)
        .map(CrmClass::schema)
        .ok_or_else(|| {
            CrmError::InvalidInput(format!(
                "the local store keeps Company, Contact, Deal and Activity, not {class:?}"
            ))
        })
}

fn to_js(v: &Value) -> Result<JsValue> {
    js_sys::JSON::parse(&v.to_string())
        .map_err(|_| CrmError::Storage("could not encode a record".into()))
}

/// The object inside a stored record (its `json` text); None for a damaged record.
fn object_of(record: &JsValue) -> Option<Value> {
    let text = js_text(&js_sys::Reflect::get(record, &JSON.into()).ok()?)?;
    serde_json::from_str(&text).ok()
}

fn stamp_key(class: &str) -> String {
    format!("stamp/{class}")
}

/// Puts `stamp` as the stamp of `class`, with `log` (see [`answers::logged`]), inside a write
/// transaction on the class (which holds `meta`).
fn put_stamp(meta: &web_sys::IdbObjectStore, class: &str, stamp: f64, log: &JsValue) -> Result<()> {
    let record = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&record, &k.into(), v).map(|_| ());
    set("key", &stamp_key(class).into())
        .and_then(|_| set("value", &stamp.into()))
        .and_then(|_| set("log", log))
        .map_err(|_| CrmError::Storage("could not encode a stamp".into()))?;
    idb::put(meta, &record)
}

type Pending<T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>>>>;

/// What a write transaction on a class changes: the stamp record it found (asked first), and
/// each record before and after, up to [`CARRY_MAX`] distinct records. [`Written::restamp`]
/// puts the class's new stamp with the write logged, for every tab's answers to catch up.
struct Written {
    class: String,
    found: Pending<JsValue>,
    changes: Option<Vec<(String, Pending<JsValue>, JsValue)>>,
}

impl Written {
    /// For a write transaction `tx` on `class`: asks now for the stamp record it finds.
    fn new(tx: &web_sys::IdbTransaction, class: &str) -> Result<Self> {
        Ok(Written {
            class: class.to_owned(),
            found: Box::pin(stamp_record(tx, class)?),
            changes: Some(Vec::new()),
        })
    }

    /// Notes a write of `after` (undefined: a delete) to record `id` of `store`, asking for the
    /// record before it: call before the write's own request.
    fn note(&mut self, store: &web_sys::IdbObjectStore, id: &str, after: &JsValue) -> Result<()> {
        if let Some(changes) = &mut self.changes {
            if changes.len() >= CARRY_MAX || changes.iter().any(|(c, _, _)| c == id) {
                self.changes = None;
            } else {
                let before = Box::pin(idb::get_now(store, id)?);
                changes.push((id.to_owned(), before, after.clone()));
            }
        }
        Ok(())
    }

    /// Puts the class's new stamp, with this write at the end of the log of recent writes (see
    /// [`answers::logged`]): the last request of the transaction. Once it has committed, the
    /// answers of this tab catch up with [`Stamped::carry`].
    async fn restamp(self, meta: &web_sys::IdbObjectStore) -> Result<Stamped> {
        let found = self.found.await?;
        let to = js_sys::Math::random();
        let mut step = None;
        if let (Some(from), Some(noted)) = (value_of(&found), self.changes) {
            let mut changes = Vec::with_capacity(noted.len());
            for (id, before, after) in noted {
                let before = before.await?;
                changes.push(Change { id, before, after });
            }
            step = Some(Step { from, to, changes });
        }
        put_stamp(
            meta,
            &self.class,
            to,
            &answers::logged(&found, step.as_ref()),
        )?;
        Ok(Stamped {
            class: self.class,
            to,
            step,
        })
    }
}

/// A write's new stamp, and what it changed if it was logged.
struct Stamped {
    class: String,
    to: f64,
    step: Option<Step>,
}

impl Stamped {
    /// This tab's answers carried over the committed write, without waiting for a read.
    fn carry(&self, answers: &Answers) {
        answers.catch_up(&self.class, self.to, self.step.as_slice());
    }
}

/// The stamp record of `class` (undefined if it has none), asked now of `tx`, the transaction
/// that reads its records: placed first, it holds the stamp those records were written at.
/// Await it first only when an answer may be remembered; otherwise the reads go out behind it
/// at once.
fn stamp_record(
    tx: &web_sys::IdbTransaction,
    class: &str,
) -> Result<impl std::future::Future<Output = Result<JsValue>>> {
    idb::get_now(&idb::store(tx, META)?, &stamp_key(class))
}

/// A stamp record's stamp.
fn value_of(record: &JsValue) -> Option<f64> {
    js_sys::Reflect::get(record, &"value".into())
        .ok()
        .and_then(|v| v.as_f64())
}

pub struct LocalStore {
    db: web_sys::IdbDatabase,
    pub name: String,
    answers: Answers,
    /// Told the class of every write transaction committed through this store (see
    /// [`Self::on_commit`]).
    on_commit: std::cell::RefCell<Option<Tell>>,
}

/// Told the class of a committed write.
pub type Tell = std::rc::Rc<dyn Fn(&str)>;

impl LocalStore {
    pub async fn open(name: &str) -> Result<LocalStore> {
        Self::open_at(name, VERSION).await
    }

    /// Opens the database at an older layout `version` (for the upgrade tests: a tab of an
    /// earlier release).
    #[doc(hidden)]
    pub async fn open_at(name: &str, version: u32) -> Result<LocalStore> {
        let db = idb::open(name, version, move |db, tx, old| {
            upgrade(db, tx, old, version)
        })
        .await?;
        Ok(LocalStore {
            db,
            name: name.to_owned(),
            answers: Answers::default(),
            on_commit: Default::default(),
        })
    }

    /// Calls `tell` with the class of each write committed through this store from now on (pins,
    /// unpins, offline writes, replays), once per transaction, after this tab's answers caught
    /// up with it. `tell` must not call into JavaScript itself (the store is borrowed).
    pub fn on_commit(&self, tell: Tell) {
        *self.on_commit.borrow_mut() = Some(tell);
    }

    /// After a write transaction committed: this tab's answers carried over it, and the write
    /// told.
    fn committed(&self, stamped: Stamped) {
        stamped.carry(&self.answers);
        let tell = self.on_commit.borrow().clone();
        if let Some(tell) = tell {
            tell(&stamped.class);
        }
    }

    /// How many page and count answers were given again without reading them (for tests).
    #[doc(hidden)]
    pub fn answers_reused(&self) -> u64 {
        self.answers.reused()
    }

    pub fn close(&self) {
        self.db.close();
    }

    /// Stores `objects` (JS shape) and adds them to the pin `name`, in one transaction.
    pub async fn pin(&self, class: &str, objects: &[Value], name: &str) -> Result<usize> {
        let mut chunks = objects.chunks(CHUNK);
        let n = objects.len().div_ceil(CHUNK);
        self.pin_chunked(class, name, n, &mut |_| {
            Ok(chunks.next().unwrap_or_default().to_vec())
        })
        .await
    }

    /// [`Self::pin`] for `chunks` chunks of objects, each asked of `chunk(i)` when its turn
    /// comes and written before the next is asked: one transaction, so a chunk that fails
    /// (an invalid object) writes nothing at all.
    pub async fn pin_chunked(
        &self,
        class: &str,
        name: &str,
        chunks: usize,
        // One body for every caller: the size of the package (#19).
        chunk: &mut dyn FnMut(usize) -> Result<Vec<Value>>,
    ) -> Result<usize> {
        class_schema(class)?;
        let tx = idb::transaction(&self.db, &[class, PINS, META], true)?;
        let mut written_here = Written::new(&tx, class)?;
        let pins = idb::store(&tx, PINS)?;
        let mut ids: Vec<String> = Vec::new();
        let store = idb::store(&tx, class)?;
        let mut written = 0;
        for i in 0..chunks {
            let step = chunk(i).and_then(|objects| {
                let mut records = Vec::with_capacity(objects.len());
                let mut texts = Vec::with_capacity(objects.len());
                for (j, o) in objects.iter().enumerate() {
                    let mut rec = offline::record(class, o).ok_or_else(|| {
                        CrmError::InvalidInput(format!("{class} #{} has no objectId", written + j))
                    })?;
                    ids.push(o["objectId"].as_str().unwrap_or_default().to_owned());
                    texts.push(rec.remove(JSON));
                    records.push(Value::Object(rec));
                }
                // The records' keys cross as one JSON text, parsed by the engine; each object's
                // JSON text crosses as a string of its own (inside that JSON text it would be
                // escaped, then parsed again: most of the engine's time in a pinAll).
                let records: js_sys::Array = to_js(&Value::Array(records))?.unchecked_into();
                let json = JsValue::from_str(JSON);
                for ((r, text), o) in records.iter().zip(texts).zip(&objects) {
                    if let Some(Value::String(text)) = text {
                        js_sys::Reflect::set(&r, &json, &JsValue::from_str(&text))
                            .map_err(|_| CrmError::Storage("could not encode a record".into()))?;
                    }
                    written_here.note(&store, o["objectId"].as_str().unwrap_or_default(), &r)?;
                    idb::put(&store, &r)?;
                }
                Ok(objects.len())
            });
            match step {
                Ok(n) => written += n,
                Err(e) => {
                    let _ = tx.abort();
                    return Err(e);
                }
            }
        }
        // Only the buckets the ids fall in are read (all asked at once) and written back.
        let added = pins::by_bucket(ids.iter().map(String::as_str));
        let mut asked = Vec::with_capacity(added.len());
        for bucket in added.keys() {
            let key = pins::bucket_key(class, name, *bucket);
            asked.push((idb::get_now(&pins, &key)?, key));
        }
        for ((current, key), ids) in asked.into_iter().zip(added.into_values()) {
            let current = current.await?;
            // A bucket that holds the ids already (objects stored again) is left as it is.
            if ids.len() <= 4 && ids.iter().all(|id| pin_holds(&current, id)) {
                continue;
            }
            let mut members = pin_members(&current);
            let held = members.len();
            members.extend(ids);
            if members.len() > held {
                idb::put(&pins, &pin_record(&key, class, name, &members)?)?;
            }
        }
        let stamped = written_here.restamp(&idb::store(&tx, META)?).await?;
        idb::done(&tx).await?;
        self.committed(stamped);
        Ok(written)
    }

    /// Removes objects from a pin (or from every pin of the class when `name` is None), and
    /// deletes from the store those no pin and no queued write still needs.
    pub async fn unpin(
        &self,
        class: &str,
        ids: Option<&[String]>,
        name: Option<&str>,
    ) -> Result<()> {
        class_schema(class)?;
        let tx = idb::transaction(&self.db, &[class, PINS, OPS, META], true)?;
        let mut written_here = Written::new(&tx, class)?;
        let pins = idb::store(&tx, PINS)?;
        // The pin records that can hold the ids, every name's: the buckets they fall in (a few
        // ranges, all asked at once), or every bucket of the class.
        let ranges = match ids.map(|ids| pins::by_bucket(ids.iter().map(String::as_str))) {
            Some(buckets) if buckets.len() <= 8 => buckets
                .into_keys()
                .map(|b| pins::bucket_range(class, b))
                .collect(),
            _ => vec![pins::class_range(class)],
        };
        let mut asked = Vec::with_capacity(ranges.len());
        for (lo, hi) in &ranges {
            asked.push(idb::get_all_now(&pins, &idb::from_to(lo, hi)?)?);
        }
        let queued = self.queued_ids(&idb::store(&tx, OPS)?).await?;
        let mut still_pinned = BTreeSet::new();
        let mut dropped = BTreeSet::new();
        for records in asked {
            for p in records.await?.iter() {
                let (Some(key), Some(pname)) = (prop_str(&p, "key"), prop_str(&p, "name")) else {
                    continue;
                };
                let mut members = pin_members(&p);
                if name.is_none_or(|n| n == pname) {
                    let removed: Vec<String> = match ids {
                        Some(ids) => ids
                            .iter()
                            .filter(|id| members.remove(*id))
                            .cloned()
                            .collect(),
                        None => std::mem::take(&mut members).into_iter().collect(),
                    };
                    if members.is_empty() {
                        idb::delete(&pins, &key)?;
                    } else if !removed.is_empty() {
                        idb::put(&pins, &pin_record(&key, class, &pname, &members)?)?;
                    }
                    dropped.extend(removed);
                }
                still_pinned.extend(members);
            }
        }
        let store = idb::store(&tx, class)?;
        for id in dropped.difference(&still_pinned) {
            if !queued.contains(id) {
                written_here.note(&store, id, &JsValue::UNDEFINED)?;
                idb::delete(&store, id)?;
            }
        }
        let stamped = written_here.restamp(&idb::store(&tx, META)?).await?;
        idb::done(&tx).await?;
        self.committed(stamped);
        Ok(())
    }

    /// Every pin of a name, whatever the class, or every pin of a class.
    pub async fn unpin_all(&self, class_or_name: &str) -> Result<()> {
        if CrmClass::from_name(class_or_name).is_some() {
            return self.unpin(class_or_name, None, None).await;
        }
        for class in CrmClass::ALL {
            self.unpin(class.name(), None, Some(class_or_name)).await?;
        }
        Ok(())
    }

    async fn queued_ids(&self, ops: &web_sys::IdbObjectStore) -> Result<BTreeSet<String>> {
        let all = idb::get_all(ops).await?;
        Ok(all
            .iter()
            .filter_map(|r| op_of(&r))
            .map(|op| op.object_id)
            .collect())
    }

    /// The objects of a class matching `query`, from the local store (only the pin `pin`, if
    /// given): same results, same order as the server would give (ties by objectId).
    pub async fn find(&self, class: &str, query: &Query, pin: Option<&str>) -> Result<Vec<Value>> {
        let schema = class_schema(class)?;
        let subs = LocalSubQueries::load(self, query).await?;
        let plan = plan::plan(schema, query);
        let mut walk = Walk::find(schema, query, &plan, &subs)?;
        self.walk(class, &plan, pin, &mut walk, None).await?;
        walk.finish()
    }

    /// [`Self::find`]'s answer as JS objects, given again from [`Answers`] while the class's
    /// stamp is the one it was read at. When the plan's ranges hold exactly the matches and are
    /// read in the answer's order (and the query selects no fields, in no pin), the page is the
    /// first `skip + limit` records of the index: one getAll, and each object's JSON text
    /// parsed by the engine, with no object crossing into wasm.
    pub async fn find_js(&self, class: &str, query: &Query, pin: Option<&str>) -> Result<JsValue> {
        let schema = class_schema(class)?;
        let plan = plan::plan(schema, query);
        let walk = Walk::find(schema, query, &plan, &eval::NoSubQueries)?;
        let skip = query.skip.unwrap_or(0);
        let key = answer_key("find", pin, query)?;
        if let (None, true, true, Some(n), Access::Index { index, keys, .. }) = (
            pin,
            query.keys.is_empty() && plan.exact,
            walk.in_order(),
            walk.wanted(),
            &plan.access,
        ) {
            if n == 0 {
                return Ok(js_sys::Array::new().into());
            }
            let tx = idb::transaction(&self.db, &[class, META], false)?;
            let stamp = match self.remembered(&tx, class, &key).await? {
                Ok(answer) => return answer_js(answer, skip),
                Err(stamp) => stamp,
            };
            let (lo, hi) = plan::range(&keys[0]);
            let (lo, hi) = (to_js(&lo)?, to_js(&hi)?);
            let range = idb::between(&lo, &hi)?;
            let store = idb::store(&tx, class)?;
            let count = u32::try_from(n).unwrap_or(u32::MAX);
            let records = idb::get_all_in(&store, Some(index), &range.into(), count).await?;
            let stamp = stamp.read().await?;
            let page = crm_wasm_records_page(&records, skip);
            if !page.is_null() {
                if let (Some(s), Some(def)) = (stamp, plan::index_def(class, index)) {
                    let scope = Scope::Page {
                        def,
                        lo,
                        hi,
                        wanted: n,
                    };
                    self.answers
                        .keep(class, key, s, Answer::Records(records), Some(scope));
                }
                return Ok(page);
            }
        }
        // Sub-queries read other classes, whose writes do not change this class's stamp.
        let subs = LocalSubQueries::load(self, query).await?;
        let key = subs.objects.is_empty().then_some(key);
        let mut walk = Walk::find(schema, query, &plan, &subs)?;
        let stamp = match self
            .walk(class, &plan, pin, &mut walk, key.as_deref())
            .await?
        {
            Read::Remembered(answer) => return answer_js(answer, skip),
            Read::Walked(stamp) => stamp,
        };
        let text = serde_json::to_string(&walk.finish()?)
            .map_err(|_| CrmError::Storage("could not encode an answer".into()))?;
        let answer = js_sys::JSON::parse(&text)
            .map_err(|_| CrmError::Storage("could not encode an answer".into()))?;
        if let (Some(key), Some(s)) = (key, stamp) {
            let n = js_sys::Array::from(&answer).length() as usize;
            self.answers.keep(
                class,
                key,
                s,
                Answer::Text(JsValue::from_str(&text), n),
                None,
            );
        }
        Ok(answer)
    }

    pub async fn count(&self, class: &str, query: &Query, pin: Option<&str>) -> Result<usize> {
        let schema = class_schema(class)?;
        let plan = plan::plan(schema, query);
        if pin.is_none() {
            query.compile_where(schema)?;
        }
        let key = answer_key("count", pin, query)?;
        let exact_ranges = plan.exact && matches!(plan.access, Access::Index { .. });
        if pin.is_none() && (query.constraints.is_empty() || exact_ranges) {
            let tx = idb::transaction(&self.db, &[class, META], false)?;
            let stamp = match self.remembered(&tx, class, &key).await? {
                Ok(Answer::Count(n)) => return Ok(n),
                Ok(_) => return Err(remembered_as_page()),
                Err(stamp) => stamp,
            };
            let store = idb::store(&tx, class)?;
            let (counted, scope) = match &plan.access {
                // The ranges hold exactly the matches, and are disjoint: IndexedDB counts.
                Access::Index { index, keys, .. }
                    if exact_ranges && !query.constraints.is_empty() =>
                {
                    let mut n = 0.0;
                    let mut ranges = Vec::with_capacity(keys.len());
                    for k in keys {
                        let (lo, hi) = plan::range(k);
                        let (lo, hi) = (to_js(&lo)?, to_js(&hi)?);
                        n += idb::count_in(&store, index, &idb::between(&lo, &hi)?).await?;
                        ranges.push((lo, hi));
                    }
                    let def = plan::index_def(class, index);
                    (n as usize, def.map(|def| Scope::Counted { def, ranges }))
                }
                // No constraint: every record.
                _ => (idb::count_all(&store).await? as usize, Some(Scope::All)),
            };
            if let Some(s) = stamp.read().await? {
                self.answers
                    .keep(class, key, s, Answer::Count(counted), scope);
            }
            return Ok(counted);
        }
        let subs = LocalSubQueries::load(self, query).await?;
        let key = subs.objects.is_empty().then_some(key);
        let mut walk = Walk::count(schema, query, &subs)?;
        match self
            .walk(class, &plan, pin, &mut walk, key.as_deref())
            .await?
        {
            Read::Remembered(Answer::Count(n)) => Ok(n),
            Read::Remembered(_) => Err(remembered_as_page()),
            Read::Walked(stamp) => {
                let n = walk.counted();
                if let (Some(key), Some(s)) = (key, stamp) {
                    self.answers.keep(class, key, s, Answer::Count(n), None);
                }
                Ok(n)
            }
        }
    }

    /// The answer to `key` of `class` if one is remembered at the class's stamp in `tx`;
    /// otherwise the stamp, for the reads that follow in `tx` to be filed under: read already
    /// when an answer was held (at another stamp), else asked and not waited for.
    async fn remembered(
        &self,
        tx: &web_sys::IdbTransaction,
        class: &str,
        key: &str,
    ) -> Result<
        std::result::Result<Answer, Stamp<impl std::future::Future<Output = Result<Option<f64>>>>>,
    > {
        let asked = stamp_record(tx, class)?;
        let Some(held) = self.answers.stamp_of(class, key) else {
            return Ok(Err(Stamp::Asked(
                async move { Ok(value_of(&asked.await?)) },
            )));
        };
        let record = asked.await?;
        let stamp = value_of(&record);
        // Written since: catch up with the writes logged with the stamp, if they reach back.
        if let Some(now) = stamp.filter(|now| *now != held) {
            let steps = answers::steps_of(&record, &self.answers.stamps(class));
            self.answers.catch_up(class, now, &steps);
        }
        Ok(match stamp.and_then(|s| self.answers.get(class, key, s)) {
            Some(answer) => Ok(answer),
            None => Err(Stamp::Read(stamp)),
        })
    }

    /// Reads the records `plan` names into `walk`, in batches, until the walk has enough; or,
    /// with a `key` whose answer is remembered at the class's stamp, gives that answer instead.
    async fn walk(
        &self,
        class: &str,
        plan: &plan::Plan,
        pin: Option<&str>,
        walk: &mut Walk<'_>,
        key: Option<&str>,
    ) -> Result<Read> {
        let stores: &[&str] = if pin.is_some() {
            &[class, META, PINS]
        } else {
            &[class, META]
        };
        let tx = idb::transaction(&self.db, stores, false)?;
        let stamp = match key {
            Some(key) => match self.remembered(&tx, class, key).await? {
                Ok(answer) => return Ok(Read::Remembered(answer)),
                Err(stamp) => stamp,
            },
            None => Stamp::Read(None),
        };
        let store = idb::store(&tx, class)?;
        let allowed = match pin {
            Some(name) => Some(pinned(&idb::store(&tx, PINS)?, class, name).await?),
            None => None,
        };
        // One walk per key range, opened when its turn comes: a walk opened and then dropped
        // unread would get its first event after its callback is gone.
        let (def, bounds, descending) = match &plan.access {
            Access::Scan => (None, vec![None], false),
            Access::Index {
                index,
                keys,
                descending,
                ..
            } => {
                let def = plan::index_def(class, index)
                    .ok_or_else(|| CrmError::Storage(format!("no index {index}")))?;
                let mut bounds = Vec::with_capacity(keys.len());
                for k in keys {
                    let (lo, hi) = plan::range(k);
                    bounds.push(Some((to_js(&lo)?, to_js(&hi)?)));
                }
                (Some(def), bounds, *descending)
            }
        };
        let index = def.map(|d| d.name);
        // The first batch is the page itself (and the record after it, which may end it); a
        // walk that may stop then only lacks the rest of a group of ties: small batches, growing.
        let may_stop = walk.may_stop();
        let mut batch = walk.first_batch().map_or(CHUNK, |n| n.min(CHUNK));
        let mut grow = 16;
        let mut next_batch = || {
            let b = if may_stop { grow } else { CHUNK };
            grow = (grow * 4).min(CHUNK);
            b
        };
        let keep = |r: JsValue, walk: &mut Walk<'_>| -> Result<bool> {
            if let Some(a) = &allowed {
                if !prop_str(&r, "objectId").is_some_and(|id| a.contains(&id)) {
                    return Ok(true);
                }
            }
            match object_of(&r) {
                Some(object) => walk.push(object),
                None => Ok(true),
            }
        };
        'walks: for bound in bounds {
            if descending {
                // getAll reads forwards only: a cursor, continued in batches.
                let range = match &bound {
                    Some((lo, hi)) => Some(idb::between(lo, hi)?),
                    None => None,
                };
                let mut w = idb::Walker::open(&store, index, range.as_ref(), true)?;
                while let Some(records) = w.next(batch).await? {
                    batch = next_batch();
                    for r in records {
                        if !keep(r, walk)? {
                            break 'walks;
                        }
                    }
                }
                continue;
            }
            // Forwards: getAll in batches, each starting after the last key read (keys are
            // unique: every index key ends in the objectId).
            let mut last: Option<JsValue> = None;
            loop {
                let range: JsValue = match (&last, &bound) {
                    (None, None) => JsValue::UNDEFINED,
                    (None, Some((lo, hi))) => idb::between(lo, hi)?.into(),
                    (Some(l), b) => idb::after(l, b.as_ref().map(|(_, hi)| hi))?.into(),
                };
                let records = idb::get_all_in(&store, index, &range, batch as u32).await?;
                let (n, asked) = (records.length() as usize, batch);
                batch = next_batch();
                if n == 0 {
                    break;
                }
                last = Some(key_of(&records.get(n as u32 - 1), def));
                for r in records.iter() {
                    if !keep(r, walk)? {
                        break 'walks;
                    }
                }
                if n < asked {
                    break;
                }
            }
        }
        Ok(Read::Walked(stamp.read().await?))
    }

    /// The versions (`updatedAt` in ms) of the objects of a pin, read from the records' keys
    /// without parsing the objects.
    async fn versions(&self, class: &str, name: &str) -> Result<crate::live::Versions> {
        let tx = idb::transaction(&self.db, &[class, PINS], false)?;
        let members = pinned(&idb::store(&tx, PINS)?, class, name).await?;
        let mut walker = idb::Walker::open(&idb::store(&tx, class)?, None, None, false)?;
        let mut out = crate::live::Versions::new();
        while let Some(records) = walker.next(CHUNK).await? {
            for r in records {
                let Some(id) = prop_str(&r, "objectId") else {
                    continue;
                };
                if members.contains(&id) {
                    let version = js_sys::Reflect::get(&r, &plan::VERSION.into()).ok();
                    out.insert(id, version.and_then(|v| v.as_f64()).map(|ms| ms as i64));
                }
            }
        }
        Ok(out)
    }

    pub async fn get(&self, class: &str, id: &str) -> Result<Option<Value>> {
        let tx = idb::transaction(&self.db, &[class], false)?;
        let r = idb::get(&idb::store(&tx, class)?, id).await?;
        Ok(if r.is_undefined() {
            None
        } else {
            object_of(&r)
        })
    }

    /// The stored object `id` of `class`, or OBJECT_NOT_FOUND (as the server would answer).
    pub async fn get_found(&self, class: &str, id: &str) -> Result<Value> {
        self.get(class, id).await?.ok_or_else(|| CrmError::Server {
            parse_code: crate::error::parse_code::OBJECT_NOT_FOUND,
            message: "Object not found in the local datastore.".into(),
        })
    }

    // ---- offline writes ----

    async fn enqueue(
        &self,
        op_class: &str,
        object_id: &str,
        kind: OpKind,
        request_id: String,
        local: Option<Value>,
    ) -> Result<PendingOp> {
        let tx = idb::transaction(&self.db, &[op_class, OPS, META], true)?;
        let mut written_here = Written::new(&tx, op_class)?;
        let meta = idb::store(&tx, META)?;
        let seq_record = idb::get(&meta, "nextSeq").await?;
        let seq = js_sys::Reflect::get(&seq_record, &"value".into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(1.0) as u64;
        let op = PendingOp {
            seq,
            class_name: op_class.to_owned(),
            object_id: object_id.to_owned(),
            request_id,
            kind,
            rejected: None,
        };
        idb::put(
            &meta,
            &to_js(&serde_json::json!({ "key": "nextSeq", "value": seq + 1 }))?,
        )?;
        idb::put(&idb::store(&tx, OPS)?, &op_record(&op)?)?;
        let store = idb::store(&tx, op_class)?;
        match local {
            Some(object) => {
                let rec = offline::record(op_class, &object)
                    .ok_or_else(|| CrmError::InvalidInput("no objectId".into()))?;
                let rec = to_js(&Value::Object(rec))?;
                written_here.note(&store, object_id, &rec)?;
                idb::put(&store, &rec)?;
            }
            None => {
                written_here.note(&store, object_id, &JsValue::UNDEFINED)?;
                idb::delete(&store, object_id)?;
            }
        }
        let stamped = written_here.restamp(&meta).await?;
        idb::done(&tx).await?;
        self.committed(stamped);
        Ok(op)
    }

    /// Queues a create of `object` (JS shape, validated, with its objectId) and stores it.
    pub async fn queue_create(
        &self,
        class: &str,
        object: Value,
        wire_body: Map<String, Value>,
        request_id: String,
    ) -> Result<PendingOp> {
        let id = object
            .get("objectId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        self.enqueue(
            class,
            &id,
            OpKind::Create { body: wire_body },
            request_id,
            Some(object),
        )
        .await
    }

    /// Queues an update and applies it to the local copy.
    pub async fn queue_update(
        &self,
        class: &str,
        id: &str,
        changes: &Changes,
        request_id: String,
    ) -> Result<PendingOp> {
        let local = self.get(class, id).await?;
        let (kind, object) = offline::prepare_update(class_schema(class)?, local, id, changes)?;
        self.enqueue(class, id, kind, request_id, Some(object))
            .await
    }

    /// Queues a delete and removes the local copy.
    pub async fn queue_delete(
        &self,
        class: &str,
        id: &str,
        request_id: String,
    ) -> Result<PendingOp> {
        class_schema(class)?;
        self.enqueue(class, id, OpKind::Delete, request_id, None)
            .await
    }

    pub async fn pending(&self) -> Result<Vec<PendingOp>> {
        let tx = idb::transaction(&self.db, &[OPS], false)?;
        let all = idb::get_all(&idb::store(&tx, OPS)?).await?;
        let mut ops: Vec<PendingOp> = all.iter().filter_map(|r| op_of(&r)).collect();
        ops.sort_by_key(|o| o.seq);
        Ok(ops)
    }

    /// Forgets a queued write (typically one the server rejected).
    /// Deletes a queued op; answers whether it was there.
    pub async fn drop_op(&self, seq: u64) -> Result<bool> {
        let tx = idb::transaction(&self.db, &[OPS], true)?;
        let ops = idb::store(&tx, OPS)?;
        let key = JsValue::from_f64(seq as f64);
        let found = ops
            .get(&key)
            .map_err(|_| CrmError::Storage("read op".into()))?;
        let present = !idb::request(&found).await?.is_undefined();
        if present {
            ops.delete(&key)
                .map_err(|_| CrmError::Storage("delete op".into()))?;
        }
        idb::done(&tx).await?;
        Ok(present)
    }

    /// Refreshes a pin from the server: objects whose version on the server differs from the
    /// one pinned (or that are not pinned yet) are fetched and stored, and pinned objects the
    /// server no longer returns are removed. Answers (updated, removed). Versions are compared
    /// (`objectId`, `updatedAt`), not times since the last refresh: a write stamped before that
    /// refresh but committed after it is found all the same (see `live::catch_up`).
    pub async fn refresh_pin(
        &self,
        client: &Client<BrowserPlatform>,
        class: &str,
        name: &str,
        query: &Query,
    ) -> Result<(usize, usize)> {
        let schema = class_schema(class)?;
        let listed = client.find_all_versions(schema, query).await?;
        let held = self.versions(class, name).await?;
        let diff = crate::live::catch_up::diff(&held, &listed, &BTreeSet::new());
        let mut changed = Vec::with_capacity(diff.changed.len());
        for chunk in diff.changed.chunks(crate::live::catch_up::FETCH_CHUNK) {
            let mut q = Query {
                constraints: query.constraints.clone(),
                ..Query::default()
            };
            q.constraints.push(crate::query::Constraint::ContainedIn {
                field: "objectId".into(),
                values: chunk.iter().map(|id| Value::String(id.clone())).collect(),
            });
            changed.extend(client.find_all_values(schema, &q).await?);
        }
        if !changed.is_empty() {
            self.pin(class, &changed, name).await?;
        }
        if !diff.gone.is_empty() {
            self.unpin(class, Some(&diff.gone), Some(name)).await?;
        }
        Ok((changed.len(), diff.gone.len()))
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function crm_wasm_records_page(records, skip) {
  // The objects of records read in the answer's order, from the skip-th; null when the
  // records cannot be the answer as they are: an id outside ASCII (IndexedDB orders ids by
  // UTF-16 code units, the answer by bytes) or a damaged record (the walk skips those).
  const page = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (typeof r.objectId !== 'string' || !/^[\x00-\x7f]*$/.test(r.objectId) || typeof r.json !== 'string') {
      return null;
    }
    let o;
    try {
      o = JSON.parse(r.json);
    } catch (e) {
      return null;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      return null;
    }
    if (i >= skip) {
      page.push(o);
    }
  }
  return page;
}
"#)]
extern "C" {
    fn crm_wasm_records_page(records: &js_sys::Array, skip: u32) -> JsValue;
}

/// Where a replayed write settles (see [`offline::OfflineSync::sync`]).
impl QueueStore for LocalStore {
    async fn pending(&self) -> Result<Vec<PendingOp>> {
        LocalStore::pending(self).await
    }

    async fn applied(&self, op: &PendingOp, answer: &Value) -> Result<()> {
        let tx = idb::transaction(&self.db, &[&op.class_name, OPS, META], true)?;
        let mut written_here = Written::new(&tx, &op.class_name)?;
        idb::store(&tx, OPS)?
            .delete(&JsValue::from_f64(op.seq as f64))
            .map_err(|_| CrmError::Storage("delete op".into()))?;
        let store = idb::store(&tx, &op.class_name)?;
        let current = object_of(&idb::get(&store, &op.object_id).await?);
        if let Some(object) = offline::settled_copy(op, current, answer) {
            if let Some(rec) = offline::record(&op.class_name, &object) {
                let rec = to_js(&Value::Object(rec))?;
                written_here.note(&store, &op.object_id, &rec)?;
                idb::put(&store, &rec)?;
            }
        }
        let stamped = written_here.restamp(&idb::store(&tx, META)?).await?;
        idb::done(&tx).await?;
        self.committed(stamped);
        Ok(())
    }

    async fn rejected(&self, op: &PendingOp) -> Result<()> {
        let tx = idb::transaction(&self.db, &[OPS], true)?;
        idb::put(&idb::store(&tx, OPS)?, &op_record(op)?)?;
        idb::done(&tx).await
    }
}

/// A record's key in `def` (its primary key for the store itself), from its stored keys.
pub(super) fn key_of(record: &JsValue, def: Option<&plan::IndexDef>) -> JsValue {
    let id = js_sys::Reflect::get(record, &"objectId".into()).unwrap_or(JsValue::UNDEFINED);
    let Some(def) = def else { return id };
    let keys = js_sys::Reflect::get(record, &plan::KEYS.into()).unwrap_or(JsValue::UNDEFINED);
    let part = |f: &str| js_sys::Reflect::get(&keys, &f.into()).unwrap_or(JsValue::UNDEFINED);
    let key = js_sys::Array::new();
    key.push(&part(def.eq));
    if let Some(sort) = def.sort {
        key.push(&part(sort));
    }
    key.push(&id);
    key.into()
}

/// What a remembered answer is filed under: the kind of answer, the pin and the whole query.
fn answer_key(kind: &str, pin: Option<&str>, query: &Query) -> Result<String> {
    let query = serde_json::to_string(query).map_err(|e| CrmError::InvalidInput(e.to_string()))?;
    Ok(format!("{kind} {} {query}", serde_json::json!(pin)))
}

fn remembered_as_page() -> CrmError {
    CrmError::Storage("a count remembered as a page".into())
}

/// A stamp already read, or asked and still to be awaited.
enum Stamp<F> {
    Read(Option<f64>),
    Asked(F),
}

impl<F: std::future::Future<Output = Result<Option<f64>>>> Stamp<F> {
    async fn read(self) -> Result<Option<f64>> {
        match self {
            Stamp::Read(stamp) => Ok(stamp),
            Stamp::Asked(asked) => asked.await,
        }
    }
}

/// What [`LocalStore::walk`] did: read the records (at this stamp of the class), or found the
/// answer remembered.
enum Read {
    Walked(Option<f64>),
    Remembered(Answer),
}

/// A remembered page as fresh JS objects (the caller may change them).
fn answer_js(answer: Answer, skip: u32) -> Result<JsValue> {
    let fail = || CrmError::Storage("a remembered answer could not be read".into());
    match answer {
        Answer::Records(records) => Some(crm_wasm_records_page(&records, skip))
            .filter(|page| !page.is_null())
            .ok_or_else(fail),
        Answer::Text(text, _) => {
            js_sys::JSON::parse(&text.as_string().ok_or_else(fail)?).map_err(|_| fail())
        }
        Answer::Count(_) => Err(fail()),
    }
}

fn prop_str(v: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(v, &key.into()).ok()?.as_string()
}

/// A pin record's ids, as it holds them.
fn pin_ids(record: &JsValue) -> Option<js_sys::Array> {
    js_sys::Reflect::get(record, &"ids".into())
        .ok()
        .and_then(|v| v.dyn_into::<js_sys::Array>().ok())
}

fn pin_members(record: &JsValue) -> BTreeSet<String> {
    pin_ids(record)
        .map(|a| a.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default()
}

/// Whether the pin record holds `id`, asked of it where it is (no copy of its ids).
fn pin_holds(record: &JsValue, id: &str) -> bool {
    pin_ids(record).is_some_and(|ids| ids.includes(&JsValue::from_str(id), 0))
}

fn pin_record(key: &str, class: &str, name: &str, members: &BTreeSet<String>) -> Result<JsValue> {
    to_js(&serde_json::json!({ "key": key, "className": class, "name": name, "ids": members }))
}

/// Every id of the pin `name` of `class`: its buckets' ids.
async fn pinned(
    pins: &web_sys::IdbObjectStore,
    class: &str,
    name: &str,
) -> Result<BTreeSet<String>> {
    let (lo, hi) = pins::class_range(class);
    let mut ids = BTreeSet::new();
    for r in idb::get_all_now(pins, &idb::from_to(&lo, &hi)?)?
        .await?
        .iter()
    {
        if prop_str(&r, "name").as_deref() == Some(name) {
            ids.extend(pin_members(&r));
        }
    }
    Ok(ids)
}

/// A pin record of version 3 and before (every id of a pin, keyed `{class}/{name}`) as the
/// records of its buckets; None for a record already in buckets.
fn in_buckets(record: &JsValue) -> Option<Vec<JsValue>> {
    let key = prop_str(record, "key")?;
    let (class, name) = (prop_str(record, "className")?, prop_str(record, "name")?);
    if key != format!("{class}/{name}") {
        return None;
    }
    let members = pin_members(record);
    pins::by_bucket(members.iter().map(String::as_str))
        .into_iter()
        .map(|(b, ids)| pin_record(&pins::bucket_key(&class, &name, b), &class, &name, &ids).ok())
        .collect()
}

fn op_record(op: &PendingOp) -> Result<JsValue> {
    let json = serde_json::to_string(op).map_err(|e| CrmError::Storage(e.to_string()))?;
    to_js(&serde_json::json!({ "seq": op.seq, "json": json }))
}

fn op_of(record: &JsValue) -> Option<PendingOp> {
    let text = js_text(&js_sys::Reflect::get(record, &"json".into()).ok()?)?;
    serde_json::from_str(&text).ok()
}

/// Creates the database, or brings an older one to [`VERSION`] in place: its pins and queue are
/// kept as they are, its records rewritten in the new layout (inside the version-change
/// transaction, so a failure leaves the database at its old version, untouched).
fn upgrade(
    db: &web_sys::IdbDatabase,
    tx: &web_sys::IdbTransaction,
    old: u32,
    to: u32,
) -> Result<()> {
    let fail = |what: &str| CrmError::Storage(format!("upgrading the local database: {what}"));
    if old < 1 {
        for class in CrmClass::ALL.map(CrmClass::name) {
            let params = web_sys::IdbObjectStoreParameters::new();
            params.set_key_path(&JsValue::from_str("objectId"));
            db.create_object_store_with_optional_parameters(class, &params)
                .map_err(|_| fail(class))?;
        }
        for (name, key) in [(PINS, "key"), (OPS, "seq"), (META, "key")] {
            let params = web_sys::IdbObjectStoreParameters::new();
            params.set_key_path(&JsValue::from_str(key));
            db.create_object_store_with_optional_parameters(name, &params)
                .map_err(|_| fail(name))?;
        }
    }
    if old < 2 && to >= 2 {
        for class in CrmClass::ALL.map(CrmClass::name) {
            let store = idb::store(tx, class)?;
            // Version 1's single-field indexes.
            let names = store.index_names();
            for i in (0..names.length()).rev() {
                if let Some(n) = names.item(i) {
                    store.delete_index(&n).map_err(|_| fail(&n))?;
                }
            }
            for def in plan::index_defs(class) {
                let path: js_sys::Array = plan::key_path(def).iter().map(JsValue::from).collect();
                store
                    .create_index_with_str_sequence(def.name, &path)
                    .map_err(|_| fail(def.name))?;
            }
            if old >= 1 {
                let name = class.to_owned();
                idb::replace_all(&store, tx, move |r| {
                    let rec = offline::record(&name, &object_of(r)?)?;
                    Some(vec![to_js(&Value::Object(rec)).ok()?])
                })?;
            }
        }
    }
    if old < 3 && to >= 3 {
        let meta = idb::store(tx, META)?;
        for class in CrmClass::ALL.map(CrmClass::name) {
            put_stamp(&meta, class, js_sys::Math::random(), &js_sys::Array::new())?;
        }
    }
    if (1..4).contains(&old) && to >= 4 {
        idb::replace_all(&idb::store(tx, PINS)?, tx, in_buckets)?;
    }
    // Later versions add their steps here, each guarded by `old < N && to >= N`.
    Ok(())
}

/// `$inQuery` sub-queries answered from the local store: the classes a query's sub-queries
/// name are loaded once per query.
struct LocalSubQueries {
    objects: Vec<(String, Vec<Value>)>,
}

impl LocalSubQueries {
    async fn load(store: &LocalStore, query: &Query) -> Result<Self> {
        let mut classes = BTreeSet::new();
        collect_sub_classes(query, &mut classes);
        let mut objects = Vec::new();
        for class in classes {
            let tx = idb::transaction(&store.db, &[&class], false)?;
            let all = idb::get_all(&idb::store(&tx, &class)?).await?;
            objects.push((class, all.iter().filter_map(|r| object_of(&r)).collect()));
        }
        Ok(Self { objects })
    }
}

fn collect_sub_classes(query: &Query, out: &mut BTreeSet<String>) {
    use crate::query::Constraint as C;
    for c in &query.constraints {
        match c {
            C::MatchesQuery { query, .. } | C::DoesNotMatchQuery { query, .. } => {
                // The target class is the pointer's; any CRM class may be named.
                out.extend(CrmClass::ALL.map(|c| c.name().to_owned()));
                collect_sub_classes(query, out);
            }
            C::Or { queries } | C::And { queries } => {
                queries.iter().for_each(|q| collect_sub_classes(q, out))
            }
            _ => {}
        }
    }
}

impl SubQueries for LocalSubQueries {
    fn matching_ids(&self, class: &str, query: &Query) -> Result<Vec<String>> {
        let schema = class_schema(class)?;
        let objects = self
            .objects
            .iter()
            .find(|(c, _)| c == class)
            .map(|(_, o)| o.clone())
            .unwrap_or_default();
        let all = Query {
            limit: Some(u32::MAX),
            ..query.clone()
        };
        Ok(eval::run(schema, &all, objects, self)?
            .iter()
            .filter_map(|o| o.get("objectId").and_then(Value::as_str).map(str::to_owned))
            .collect())
    }
}

/// Deletes the local database of a user (on log-out). A missing database is fine.
pub async fn wipe(name: &str) -> Result<()> {
    idb::delete_database(name).await
}

/// Logs out (revoking the session on the server) and deletes the signed-in user's local
/// datastore, pins and queued writes, so the next user of this browser sees nothing of it. The
/// database goes even if the server could not be told; the log-out's own error comes after.
pub async fn log_out_and_wipe(client: &Client<BrowserPlatform>) -> Result<()> {
    let user = client.current_user();
    let result = client.log_out().await;
    if let Some(id) = user.and_then(|u| u.object_id) {
        wipe(&client.platform().endpoint().database_name(&id)).await?;
    }
    result
}
