//! IndexedDB for the browser, as a few async functions over web-sys. Requests become futures;
//! a write batch places all its requests at once and awaits the transaction's completion, so a
//! transaction never waits on anything but IndexedDB (it would auto-commit otherwise). A
//! [`Walker`] reads a cursor in batches, continuing inside the success callback, so a walk costs
//! one await per batch rather than per record.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::error::{CrmError, Result};

fn err(what: &str, e: JsValue) -> CrmError {
    let detail = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| {
            e.dyn_ref::<web_sys::DomException>()
                .map(|d| format!("{}: {}", d.name(), d.message()))
        })
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    CrmError::Storage(format!("{what}: {detail}"))
}

fn factory() -> Result<web_sys::IdbFactory> {
    let global = js_sys::global();
    let idb = if let Some(w) = global.dyn_ref::<web_sys::Window>() {
        w.indexed_db()
    } else if let Some(w) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
        w.indexed_db()
    } else {
        return Err(CrmError::Storage("no IndexedDB in this environment".into()));
    };
    idb.map_err(|e| err("indexedDB", e))?
        .ok_or_else(|| CrmError::Storage("IndexedDB is disabled".into()))
}

/// The result of the request an event is about (undefined if none).
fn request_result(e: &web_sys::Event) -> JsValue {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::IdbRequest>().ok())
        .and_then(|r| r.result().ok())
        .unwrap_or(JsValue::UNDEFINED)
}

/// The error of the request an event is about.
fn request_error(e: &web_sys::Event) -> JsValue {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::IdbRequest>().ok())
        .and_then(|r| r.error().ok().flatten())
        .map(JsValue::from)
        .unwrap_or_else(|| JsValue::from_str("request failed"))
}

/// Resolves with the request's result, or rejects with its error.
pub async fn request(req: &web_sys::IdbRequest) -> Result<JsValue> {
    request_now(req).await
}

/// [`request`] with its callbacks set now, not when first polled: for a request placed ahead of
/// others in its transaction and awaited after them (its events may come first).
pub fn request_now(
    req: &web_sys::IdbRequest,
) -> impl std::future::Future<Output = Result<JsValue>> {
    // Listened to now, not when first polled: a request dropped unread (its transaction aborted)
    // must not leave a rejected promise that nobody handles.
    let answer = JsFuture::from(crm_wasm_request(req));
    async move { answer.await.map_err(|e| err("IndexedDB request", e)) }
}

// The promise of a request and of a transaction, made in JS: a write places three or four
// requests, and each promise made from Rust took two wasm closures to listen with.
#[wasm_bindgen(inline_js = r#"
export function crm_wasm_request(req) {
  return new Promise((ok, no) => {
    req.onsuccess = () => ok(req.result);
    req.onerror = () => no(req.error || new Error('request failed'));
  });
}
export function crm_wasm_done(tx) {
  const done = new Promise((ok, no) => {
    tx.oncomplete = () => ok();
    // An error event comes from a request (an abort follows it); an abort carries its cause.
    tx.onerror = () => no({ aborted: false, cause: null });
    tx.onabort = () => no({ aborted: true, cause: tx.error });
  });
  // Every request is placed: committing now spares the round trip the browser would otherwise
  // wait for (the last answer delivered here) before committing by itself, about 0.1 ms of a
  // one-record write. It throws only when the transaction is no longer active, and then the
  // browser commits it by itself.
  try { tx.commit(); } catch (_) { /* committing by itself */ }
  return done;
}
"#)]
extern "C" {
    fn crm_wasm_request(req: &web_sys::IdbRequest) -> js_sys::Promise;
    fn crm_wasm_done(tx: &web_sys::IdbTransaction) -> js_sys::Promise;
}

/// Commits the transaction (call once its last request is placed); resolves when it has
/// committed, rejects if it aborts.
pub async fn done(tx: &web_sys::IdbTransaction) -> Result<()> {
    let failed = match JsFuture::from(crm_wasm_done(tx)).await {
        Ok(_) => return Ok(()),
        Err(failed) => failed,
    };
    let field = |k: &str| js_sys::Reflect::get(&failed, &k.into()).unwrap_or(JsValue::UNDEFINED);
    if field("aborted").as_bool() != Some(true) {
        return Err(err(
            "IndexedDB transaction",
            JsValue::from_str("transaction aborted"),
        ));
    }
    // An abort carries its cause on the transaction (QuotaExceededError above all).
    let message = match field("cause").dyn_into::<web_sys::DomException>() {
        Ok(d) if d.name() == "QuotaExceededError" => format!(
            "the browser's storage quota for this site is full, nothing was written ({}: {})",
            d.name(),
            d.message()
        ),
        Ok(d) => format!("transaction aborted ({}: {})", d.name(), d.message()),
        Err(_) => "transaction aborted".to_owned(),
    };
    Err(err("IndexedDB transaction", JsValue::from_str(&message)))
}

/// Opens (creating or upgrading) a database; `upgrade(db, tx, old_version)` runs inside the
/// version-change transaction `tx`. An upgrade that fails aborts it: the open fails and the
/// database stays as it was.
pub async fn open(
    name: &str,
    version: u32,
    upgrade: impl Fn(&web_sys::IdbDatabase, &web_sys::IdbTransaction, u32) -> Result<()> + 'static,
) -> Result<web_sys::IdbDatabase> {
    let req = factory()?
        .open_with_u32(name, version)
        .map_err(|e| err("open", e))?;
    let on_upgrade = Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new(
        move |e: web_sys::IdbVersionChangeEvent| {
            let req = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::IdbOpenDbRequest>().ok());
            let db = req
                .as_ref()
                .and_then(|r| r.result().ok())
                .and_then(|r| r.dyn_into::<web_sys::IdbDatabase>().ok());
            let tx = req.as_ref().and_then(|r| r.transaction());
            if let (Some(db), Some(tx)) = (db, tx) {
                if let Err(e) = upgrade(&db, &tx, e.old_version() as u32) {
                    web_sys::console::error_1(
                        &format!("crm-wasm: upgrading the local database failed: {e}").into(),
                    );
                    let _ = tx.abort();
                }
            }
        },
    );
    req.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let db = request_unless_blocked(
        &req,
        "the local database needs an upgrade that another tab blocks: close the app's other tabs and try again",
        0,
    )
    .await?;
    drop(on_upgrade);
    let db: web_sys::IdbDatabase = db
        .dyn_into()
        .map_err(|_| CrmError::Storage("open answered no database".into()))?;
    // Another tab wants a newer version (or to delete it): let go rather than block it.
    let closing = db.clone();
    let on_version_change = Closure::<dyn FnMut()>::new(move || closing.close());
    db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    on_version_change.forget(); // lives as long as the database handle
    Ok(db)
}

/// How two IndexedDB keys compare; None if either is not a valid key (a record whose key path
/// gives no valid key is not in that index).
pub fn cmp(a: &JsValue, b: &JsValue) -> Option<std::cmp::Ordering> {
    match factory().ok()?.cmp(a, b).ok()? {
        -1 => Some(std::cmp::Ordering::Less),
        0 => Some(std::cmp::Ordering::Equal),
        1 => Some(std::cmp::Ordering::Greater),
        _ => None,
    }
}

pub async fn delete_database(name: &str) -> Result<()> {
    let req = factory()?
        .delete_database(name)
        .map_err(|e| err("deleteDatabase", e))?;
    // A connection of this page closed just before (a log-out right after a query) still
    // finishes its last read transaction, and Chrome reports that as blocked: give it a moment.
    request_unless_blocked(
        &req,
        "another tab holds the local database open: it is deleted as soon as that tab closes it",
        1000,
    )
    .await
    .map(|_| ())
}

/// Like [`request`] for an open or delete request, but a `blocked` event (another connection
/// that does not let go) fails it at once with `blocked_message` instead of waiting without end.
/// The request itself stays queued in the browser: an open that succeeds later is closed again,
/// a delete completes when the other connection closes. With `grace_ms`, a `blocked` fails it
/// only if it has not succeeded that much later.
async fn request_unless_blocked(
    req: &web_sys::IdbOpenDbRequest,
    blocked_message: &'static str,
    grace_ms: i32,
) -> Result<JsValue> {
    let gave_up = std::rc::Rc::new(std::cell::Cell::new(false));
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let gave_up_ok = gave_up.clone();
        let ok = Closure::once_into_js(move |e: web_sys::Event| {
            let result = request_result(&e);
            if gave_up_ok.get() {
                if let Some(db) = result.dyn_ref::<web_sys::IdbDatabase>() {
                    db.close();
                }
            }
            let _ = resolve.call1(&JsValue::NULL, &result);
        });
        let reject_blocked = reject.clone();
        let fail = Closure::once_into_js(move |e: web_sys::Event| {
            let error = request_error(&e);
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        let gave_up_blocked = gave_up.clone();
        let give_up = move || {
            gave_up_blocked.set(true);
            let _ = reject_blocked.call1(&JsValue::NULL, &JsValue::from_str(blocked_message));
        };
        let blocked = if grace_ms == 0 {
            Closure::once_into_js(give_up)
        } else {
            let later = Closure::once_into_js(give_up);
            Closure::once_into_js(move || {
                let set_timeout = js_sys::Reflect::get(&js_sys::global(), &"setTimeout".into())
                    .ok()
                    .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
                if let Some(set_timeout) = set_timeout {
                    let _ = set_timeout.call2(&JsValue::NULL, &later, &JsValue::from(grace_ms));
                }
            })
        };
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(fail.unchecked_ref()));
        req.set_onblocked(Some(blocked.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map_err(|e| err("IndexedDB", e))
}

pub fn transaction(
    db: &web_sys::IdbDatabase,
    stores: &[&str],
    write: bool,
) -> Result<web_sys::IdbTransaction> {
    let names: js_sys::Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
    let mode = if write {
        web_sys::IdbTransactionMode::Readwrite
    } else {
        web_sys::IdbTransactionMode::Readonly
    };
    db.transaction_with_str_sequence_and_mode(&names, mode)
        .map_err(|e| {
            // The connection is closing or closed: `close()`, a log-out (which deletes the
            // database), or another tab deleting or upgrading it. Not a storage failure (the
            // app would tell its user the disk is full): the handle is done.
            let closed = e
                .dyn_ref::<web_sys::DomException>()
                .is_some_and(|d| d.name() == "InvalidStateError");
            if closed {
                CrmError::Closed(
                    "this LocalStore (after close(), a log-out, or another tab deleting or upgrading its database)".into(),
                )
            } else {
                err("transaction", e)
            }
        })
}

pub fn store(tx: &web_sys::IdbTransaction, name: &str) -> Result<web_sys::IdbObjectStore> {
    tx.object_store(name).map_err(|e| err(name, e))
}

pub async fn get(store: &web_sys::IdbObjectStore, key: &str) -> Result<JsValue> {
    get_now(store, key)?.await
}

pub async fn get_all(store: &web_sys::IdbObjectStore) -> Result<js_sys::Array> {
    let v = request(&store.get_all().map_err(|e| err("getAll", e))?).await?;
    Ok(v.unchecked_into())
}

pub fn put(store: &web_sys::IdbObjectStore, value: &JsValue) -> Result<()> {
    store.put(value).map(|_| ()).map_err(|e| err("put", e))
}

pub fn delete(store: &web_sys::IdbObjectStore, key: &str) -> Result<()> {
    store
        .delete(&JsValue::from_str(key))
        .map(|_| ())
        .map_err(|e| err("delete", e))
}

/// The keys strictly between `lower` and `upper`.
pub fn between(lower: &JsValue, upper: &JsValue) -> Result<web_sys::IdbKeyRange> {
    web_sys::IdbKeyRange::bound_with_lower_open_and_upper_open(lower, upper, true, true)
        .map_err(|e| err("IDBKeyRange", e))
}

/// The keys from `lower` (included) up to `upper` (excluded).
pub fn from_to(lower: &str, upper: &str) -> Result<web_sys::IdbKeyRange> {
    web_sys::IdbKeyRange::bound_with_lower_open_and_upper_open(
        &lower.into(),
        &upper.into(),
        false,
        true,
    )
    .map_err(|e| err("IDBKeyRange", e))
}

/// Every value of `store` keyed in `range`, asked now (see [`request_now`]): several can be
/// in flight at once.
pub fn get_all_now(
    store: &web_sys::IdbObjectStore,
    range: &web_sys::IdbKeyRange,
) -> Result<impl std::future::Future<Output = Result<js_sys::Array>>> {
    let asked = request_now(
        &store
            .get_all_with_key(range)
            .map_err(|e| err("getAll", e))?,
    );
    Ok(async move { Ok(asked.await?.unchecked_into()) })
}

/// The value of `key` in `store`, asked now (see [`request_now`]).
pub fn get_now(
    store: &web_sys::IdbObjectStore,
    key: &str,
) -> Result<impl std::future::Future<Output = Result<JsValue>>> {
    Ok(request_now(
        &store
            .get(&JsValue::from_str(key))
            .map_err(|e| err("get", e))?,
    ))
}

/// How many records of `index` lie in `range`.
pub async fn count_in(
    store: &web_sys::IdbObjectStore,
    index: &str,
    range: &web_sys::IdbKeyRange,
) -> Result<f64> {
    let idx = store.index(index).map_err(|e| err(index, e))?;
    let req = idx.count_with_key(range).map_err(|e| err("count", e))?;
    Ok(request(&req).await?.as_f64().unwrap_or(0.0))
}

/// Up to `count` values of `index` (or the store) in `range`, in key order: one request.
pub async fn get_all_in(
    store: &web_sys::IdbObjectStore,
    index: Option<&str>,
    range: &JsValue,
    count: u32,
) -> Result<js_sys::Array> {
    let req = match index {
        Some(name) => store
            .index(name)
            .map_err(|e| err(name, e))?
            .get_all_with_key_and_limit(range, count),
        None => store.get_all_with_key_and_limit(range, count),
    }
    .map_err(|e| err("getAll", e))?;
    Ok(request(&req).await?.unchecked_into())
}

/// The keys after `lower` (excluded), up to `upper` (excluded) if given.
pub fn after(lower: &JsValue, upper: Option<&JsValue>) -> Result<web_sys::IdbKeyRange> {
    match upper {
        Some(upper) => between(lower, upper),
        None => web_sys::IdbKeyRange::lower_bound_with_open(lower, true)
            .map_err(|e| err("IDBKeyRange", e)),
    }
}

pub async fn count_all(store: &web_sys::IdbObjectStore) -> Result<f64> {
    let req = store.count().map_err(|e| err("count", e))?;
    Ok(request(&req).await?.as_f64().unwrap_or(0.0))
}

#[derive(Default)]
struct WalkState {
    batch: Vec<JsValue>,
    want: usize,
    ended: bool,
    cursor: Option<web_sys::IdbCursorWithValue>,
    resolve: Option<js_sys::Function>,
    reject: Option<js_sys::Function>,
}

/// A cursor over a store or an index, read in batches of values.
pub struct Walker {
    state: std::rc::Rc<std::cell::RefCell<WalkState>>,
    _on_success: Closure<dyn FnMut(web_sys::Event)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Walker {
    /// Walks `index` of `store` (the store itself if None) over `range`, backwards if `prev`.
    pub fn open(
        store: &web_sys::IdbObjectStore,
        index: Option<&str>,
        range: Option<&web_sys::IdbKeyRange>,
        prev: bool,
    ) -> Result<Walker> {
        use web_sys::IdbCursorDirection as D;
        let direction = if prev { D::Prev } else { D::Next };
        let range = range.map_or(JsValue::UNDEFINED, |r| r.into());
        let req = match index {
            Some(name) => store
                .index(name)
                .map_err(|e| err(name, e))?
                .open_cursor_with_range_and_direction(&range, direction),
            None => store.open_cursor_with_range_and_direction(&range, direction),
        }
        .map_err(|e| err("openCursor", e))?;
        let state = std::rc::Rc::new(std::cell::RefCell::new(WalkState::default()));
        let s = state.clone();
        let on_success = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let mut st = s.borrow_mut();
            let cursor = request_result(&e)
                .dyn_into::<web_sys::IdbCursorWithValue>()
                .ok();
            let Some(cursor) = cursor else {
                st.ended = true;
                if let Some(resolve) = st.resolve.take() {
                    let _ = resolve.call0(&JsValue::NULL);
                }
                return;
            };
            st.batch.push(cursor.value().unwrap_or(JsValue::UNDEFINED));
            if st.batch.len() < st.want {
                if cursor.continue_().is_ok() {
                    return;
                }
                st.ended = true; // continue() can only fail once the transaction is gone
            } else {
                st.cursor = Some(cursor);
            }
            if let Some(resolve) = st.resolve.take() {
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        let s = state.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let mut st = s.borrow_mut();
            st.ended = true;
            if let Some(reject) = st.reject.take() {
                let _ = reject.call1(&JsValue::NULL, &request_error(&e));
            }
        });
        req.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
        req.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Walker {
            state,
            _on_success: on_success,
            _on_error: on_error,
        })
    }

    /// Up to `max` more values (at least one), or None once the walk is over.
    pub async fn next(&mut self, max: usize) -> Result<Option<Vec<JsValue>>> {
        {
            let st = self.state.borrow();
            if st.ended && st.batch.is_empty() {
                return Ok(None);
            }
        }
        let state = self.state.clone();
        let promise = js_sys::Promise::new(&mut |resolve, reject| {
            let mut st = state.borrow_mut();
            st.want = max.max(1);
            if st.ended {
                let _ = resolve.call0(&JsValue::NULL);
                return;
            }
            st.resolve = Some(resolve);
            st.reject = Some(reject);
            if let Some(cursor) = st.cursor.take() {
                if cursor.continue_().is_err() {
                    st.ended = true;
                    if let Some(resolve) = st.resolve.take() {
                        let _ = resolve.call0(&JsValue::NULL);
                    }
                }
            }
        });
        JsFuture::from(promise)
            .await
            .map_err(|e| err("IndexedDB cursor", e))?;
        let batch = std::mem::take(&mut self.state.borrow_mut().batch);
        Ok((!batch.is_empty()).then_some(batch))
    }
}

/// Replaces every record of `store`, inside the version-change transaction `tx`: `replace`
/// answers a record's replacements (any keys; none deletes it), or None to keep it as it is.
/// A replacement keyed before the cursor is not visited again.
pub fn replace_all(
    store: &web_sys::IdbObjectStore,
    tx: &web_sys::IdbTransaction,
    replace: impl Fn(&JsValue) -> Option<Vec<JsValue>> + 'static,
) -> Result<()> {
    let req = store.open_cursor().map_err(|e| err("openCursor", e))?;
    let (tx, target) = (tx.clone(), store.clone());
    let on_success = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let Ok(cursor) = request_result(&e).dyn_into::<web_sys::IdbCursorWithValue>() else {
            return; // the end
        };
        let value = cursor.value().unwrap_or(JsValue::UNDEFINED);
        let written = match replace(&value) {
            Some(new) => cursor
                .delete()
                .map(|_| ())
                .and_then(|_| new.iter().try_for_each(|v| target.put(v).map(|_| ()))),
            None => Ok(()),
        };
        if written.and_then(|_| cursor.continue_()).is_err() {
            let _ = tx.abort();
        }
    });
    req.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
    // The callback must outlive this call (the walk runs after it returns) and runs once per
    // upgrade: leaking it is simpler than tying it to the transaction's end.
    on_success.forget();
    Ok(())
}
