//! What the local datastore's handle asks of the core before it touches storage: which class
//! a name means, objects checked as their model, and a new object prepared for the queue
//! exactly as [`Client::create`] prepares it for the server, an update as it is queued.

use serde_json::{Map, Value};

use super::{apply_update, base_of, OpKind};
use crate::class::CrmClass;
use crate::client::{Client, Platform};
use crate::error::{CrmError, Result};
use crate::schema::{Changes, ClassSchema, HasSchema};

/// The class a local store keeps under `name`.
pub fn local_class(name: &str) -> Result<CrmClass> {
    CrmClass::from_name(name)
        .ok_or_else(|| CrmError::InvalidInput(format!("no local store for {name:?}")))
}

/// A queued op's `seq` given as a JS number: a whole number from 1 (to 2^53).
pub fn op_seq(seq: f64) -> Result<u64> {
    if seq.is_finite() && seq.fract() == 0.0 && (1.0..=2f64.powi(53)).contains(&seq) {
        Ok(seq as u64)
    } else {
        Err(CrmError::InvalidInput(format!(
            "seq must be the seq of a queued op (a whole number from 1), got {seq}"
        )))
    }
}

/// Objects (JS shape) decoded as the class's model, so bad input is refused, and encoded back
/// in the JS shape.
pub fn typed_objects(class: CrmClass, objects: Vec<Value>) -> Result<Vec<Value>> {
    fn typed<T: serde::de::DeserializeOwned + serde::Serialize>(
        v: Value,
        what: &str,
    ) -> Result<Value> {
        let object: T =
            serde_json::from_value(v).map_err(|e| CrmError::from_input(what, &e.to_string()))?;
        serde_json::to_value(object).map_err(|e| CrmError::from_input(what, &e.to_string()))
    }
    let what = class.name();
    objects
        .into_iter()
        .map(|o| crate::with_model!(class, T => typed::<T>(o, what)))
        .collect()
}

/// A new object to create offline-first, as its class's model: answers the object (JS shape,
/// with its client-chosen objectId), the wire body and the request id to queue. The same
/// [`Client::prepare_new`] as an online create: one set of checks and one encoding.
pub fn prepare_create<P: Platform>(
    client: &Client<P>,
    class: CrmClass,
    object: Value,
) -> Result<(Value, Map<String, Value>, String)> {
    let what = class.name();
    crate::with_model!(class, T => {
        T::SCHEMA.check_fields(&object)?;
        let mut typed: T =
            serde_json::from_value(object).map_err(|e| CrmError::from_input(what, &e.to_string()))?;
        let (body, request_id) = client.prepare_new(&mut typed)?;
        let js = serde_json::to_value(&typed).map_err(|e| CrmError::from_input(what, &e.to_string()))?;
        Ok((js, body, request_id))
    })
}

/// An update to queue offline: the op (the wire body, and the values those fields had here, to
/// detect concurrent changes when it is replayed) and the local copy with the change applied.
pub fn prepare_update(
    schema: &ClassSchema,
    local: Option<Value>,
    object_id: &str,
    changes: &Changes,
) -> Result<(OpKind, Value)> {
    let body = schema.encode_changes(changes)?;
    let base = base_of(schema, local.as_ref(), &body);
    let mut object = local.unwrap_or_else(|| serde_json::json!({ "objectId": object_id }));
    apply_update(&mut object, &body);
    Ok((OpKind::Update { body, base }, object))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_op_seq_is_a_whole_number_from_one() {
        assert_eq!(super::op_seq(1.0).unwrap(), 1);
        assert_eq!(super::op_seq(9_007_199_254_740_992.0).unwrap(), 1 << 53);
        for bad in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY, 1e300] {
            assert_eq!(
                super::op_seq(bad).unwrap_err().code(),
                "INVALID_INPUT",
                "{bad}"
            );
        }
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_objects_are_checked() {
        assert_eq!(local_class("Deal").unwrap(), CrmClass::Deal);
        assert_eq!(local_class("_User").unwrap_err().code(), "INVALID_INPUT");
        let ok =
            typed_objects(CrmClass::Deal, vec![json!({"objectId": "d", "title": "T"})]).unwrap();
        assert_eq!(ok[0]["title"], "T");
        let bad = typed_objects(
            CrmClass::Deal,
            vec![json!({"objectId": "d", "amount": "x"})],
        );
        assert!(bad.is_err());
    }

    #[test]
    fn an_offline_create_is_prepared_like_an_online_one() {
        let client = Client::new(
            std::rc::Rc::new(crate::live::sim::SimServer::default()),
            crate::client::RetryPolicy::default(),
        );
        let (js, body, _request_id) = prepare_create(
            &client,
            CrmClass::Deal,
            json!({"title": "T", "stage": "lead"}),
        )
        .unwrap();
        let id = js["objectId"].as_str().unwrap();
        assert_eq!(id.len(), 10);
        assert_eq!(body["objectId"], id);
        let missing = prepare_create(&client, CrmClass::Deal, json!({"stage": "lead"}));
        assert_eq!(missing.unwrap_err().code(), "MISSING_FIELD");
    }
}
