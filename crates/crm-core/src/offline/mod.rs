//! The offline side of the client, without I/O: what a stored record looks like (with the
//! keys local queries use as indexes), how a local query walks those indexes, the persisted queue
//! of writes made offline, how a replayed write's answer is judged, and how an update merges
//! with a server object that changed meanwhile.
//!
//! Exactly once: every queued write keeps the client objectId and `X-Parse-Request-Id` it was
//! made with, so a replay after a lost answer is recognised by the server (see
//! [`crate::client`] for how 159 / 137 answers are confirmed).
//!
//! By concept: [`record`] (stored records), [`plan`] (query plans over the indexes), [`pins`]
//! (named pins, in buckets), [`queue`] (offline writes), [`merge`] (conflicts), [`sync`]
//! (judging replays, the sync state), [`driver`] (the replay loop over a [`QueueStore`] and the
//! client).

mod driver;
mod local;
mod merge;
pub mod pins;
pub mod plan;
mod queue;
mod record;
mod sync;

pub use driver::{settled_copy, OfflineSync, QueueStore, SyncEvent};
pub use local::{local_class, op_seq, prepare_create, prepare_update, typed_objects};
pub use merge::{base_of, merge_update, Conflict, ConflictPolicy};
pub use queue::{apply_update, to_js_shape, OpError, OpKind, PendingOp};
pub use record::{record, JSON as RECORD_JSON};
pub use sync::{judge, LocalOptions, Outcome, SyncReport, SyncState, SyncStatus};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CrmError;
    use crate::schema::DEAL;
    use serde_json::{json, Map, Value};

    #[test]
    fn records_carry_their_index_keys_and_version() {
        let deal = json!({"objectId": "d1", "title": "T", "stage": "won", "updatedAt": "2026-01-01T00:00:00.000Z",
                          "company": {"className": "Company", "objectId": "c1"}});
        let rec = Value::Object(record("Deal", &deal).unwrap());
        assert_eq!(rec["k"]["stage"], "won");
        assert_eq!(rec["k"]["company"], "c1");
        assert!(rec["k"].get("contact").is_none());
        assert_eq!(rec["k"]["expectedCloseDate"], json!([9.0]));
        assert_eq!(rec["k"]["updatedAt"], json!([1.0, 1767225600000.0]));
        assert_eq!(rec["u"], json!(1767225600000i64));
        let back: Value = serde_json::from_str(rec["json"].as_str().unwrap()).unwrap();
        assert_eq!(back, deal);
        assert!(record("Deal", &json!({"title": "no id"})).is_none());
        let act = Value::Object(
            record(
                "Activity",
                &json!({"objectId": "a", "relatedTo": {"className": "Deal", "objectId": "d1"}}),
            )
            .unwrap(),
        );
        assert_eq!(act["k"]["relatedTo"], json!(["Deal", "d1"]));
        assert!(act.get("u").is_none());
    }

    #[test]
    fn ops_round_trip_through_storage() {
        let op = PendingOp {
            seq: 3,
            class_name: "Deal".into(),
            object_id: "d1".into(),
            request_id: "r1".into(),
            kind: OpKind::Update {
                body: json!({"stage": "won"}).as_object().unwrap().clone(),
                base: Map::new(),
            },
            rejected: None,
        };
        let text = serde_json::to_string(&op).unwrap();
        assert_eq!(serde_json::from_str::<PendingOp>(&text).unwrap(), op);
        assert!(serde_json::from_str::<PendingOp>("{\"seq\": 1}").is_err());
    }

    #[test]
    fn replay_outcomes() {
        let server = |code: i64, m: &str| {
            Err(CrmError::Server {
                parse_code: code,
                message: m.into(),
            })
        };
        assert!(matches!(
            judge(Ok(json!({})), &OpKind::Delete),
            Outcome::Applied(_)
        ));
        assert!(matches!(
            judge(Err(CrmError::Network("x".into())), &OpKind::Delete),
            Outcome::Stop(_)
        ));
        assert!(matches!(
            judge(server(101, "Object not found."), &OpKind::Delete),
            Outcome::Applied(_)
        ));
        assert!(matches!(
            judge(
                server(101, "Object not found."),
                &OpKind::Create { body: Map::new() }
            ),
            Outcome::Rejected(_)
        ));
        assert!(matches!(
            judge(server(142, "bad"), &OpKind::Delete),
            Outcome::Rejected(_)
        ));
        assert!(matches!(
            judge(server(209, "Invalid session token"), &OpKind::Delete),
            Outcome::Stop(_)
        ));
    }

    #[test]
    fn updates_merge_with_concurrent_server_changes() {
        let body = json!({"title": "ours", "amount": 10, "notes": "n"})
            .as_object()
            .unwrap()
            .clone();
        let base = json!({"title": "orig", "amount": 5, "notes": null})
            .as_object()
            .unwrap()
            .clone();
        // The server changed the title (conflict) and the stage (not ours: untouched).
        let server = json!({"title": "theirs", "amount": 5, "stage": "won"});
        let (send, conflicts) = merge_update(
            &DEAL,
            "d1",
            &body,
            &base,
            &server,
            ConflictPolicy::LastWriterWins,
        );
        assert_eq!(
            Value::Object(send),
            json!({"title": "ours", "amount": 10, "notes": "n"})
        );
        assert_eq!(conflicts.len(), 1);
        assert_eq!(
            (conflicts[0].field.as_str(), &conflicts[0].theirs),
            ("title", &json!("theirs"))
        );
        let (send, conflicts) = merge_update(
            &DEAL,
            "d1",
            &body,
            &base,
            &server,
            ConflictPolicy::ServerWins,
        );
        assert_eq!(Value::Object(send), json!({"amount": 10, "notes": "n"}));
        assert_eq!(conflicts.len(), 1);
        // Both sides made the same change: no conflict.
        let (_, conflicts) = merge_update(
            &DEAL,
            "d1",
            &body,
            &base,
            &json!({"title": "ours", "amount": 5}),
            ConflictPolicy::LastWriterWins,
        );
        assert!(conflicts.is_empty());
    }

    #[test]
    fn local_objects_follow_updates() {
        let mut local = json!({"objectId": "d1", "amount": 5, "notes": "x", "title": "t"});
        let body = json!({"amount": {"__op": "Increment", "amount": 2}, "notes": {"__op": "Delete"},
                          "expectedCloseDate": {"__type": "Date", "iso": "2026-01-01T00:00:00.000Z"},
                          "company": {"__type": "Pointer", "className": "Company", "objectId": "c1"}});
        apply_update(&mut local, body.as_object().unwrap());
        assert_eq!(
            local,
            json!({"objectId": "d1", "amount": 7.0, "title": "t", "expectedCloseDate": "2026-01-01T00:00:00.000Z",
                                 "company": {"className": "Company", "objectId": "c1"}})
        );
        let base = base_of(
            &DEAL,
            Some(&json!({"title": "t", "company": {"className": "Company", "objectId": "c0"}})),
            body.as_object().unwrap(),
        );
        assert_eq!(
            base["company"],
            json!({"__type": "Pointer", "className": "Company", "objectId": "c0"})
        );
        assert_eq!(base["amount"], Value::Null);
    }
}
