//! The exact catch-up of a Live Query subscription after a gap (a reconnect, a socket that
//! froze): what changed on the server while no events could arrive.
//!
//! Not "objects updated since the newest event seen, minus a margin": Parse stamps `updatedAt`
//! when a write starts and publishes the event when it commits, so events arrive out of
//! `updatedAt` order by as much as a write takes, and any margin is a guess that a slow write
//! beats. Instead the machine keeps, per subscription, the `updatedAt` of every object it knows
//! to match; a round lists the subscription's matches on the server with their `updatedAt` only
//! (paged by objectId), and the difference is exactly what was missed: ids it lacks or holds
//! another version of are fetched whole, ids the server no longer lists are gone. A round begins
//! once the server has confirmed the subscription on the new connection, so whatever commits
//! after the listing arrives as an event, and an object a live event touched during the round
//! keeps the event's version.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::machine::{CatchUp, LiveMachine};
use crate::client::{Client, Platform};
use crate::error::{CrmError, Result};
use crate::query::Constraint;
use crate::schema;

/// An objectId and the `updatedAt` (epoch milliseconds) of one version of it.
pub type Version = (String, Option<i64>);
/// The versions a subscription knows, by objectId.
pub type Versions = BTreeMap<String, Option<i64>>;

/// How many ids one fetch of changed objects names (the URL stays well under limits).
pub const FETCH_CHUNK: usize = 200;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Listed by the server in a version the client does not hold (or not at all).
    pub changed: Vec<String>,
    /// Known to the client, no longer listed: deleted, or no longer matching.
    pub gone: Vec<String>,
}

/// Compares what the client knows with what the server lists, leaving alone the objects live
/// events touched while the round ran (their event is at least as new as the listing).
pub fn diff(known: &Versions, listed: &[Version], touched: &BTreeSet<String>) -> Diff {
    let on_server: BTreeSet<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
    let changed = listed
        .iter()
        .filter(|(id, updated)| !touched.contains(id) && known.get(id) != Some(updated))
        .map(|(id, _)| id.clone())
        .collect();
    let gone = known
        .keys()
        .filter(|id| !touched.contains(*id) && !on_server.contains(id.as_str()))
        .cloned()
        .collect();
    Diff { changed, gone }
}

/// Runs one round ([`crate::live::Action::CatchUp`]) over the REST client and feeds the answers
/// to the machine; its events are then in the machine's queue. A failed round answers its
/// error and stays current ([`LiveMachine::round_is_current`]): the driver runs it again.
pub async fn run<P: Platform>(
    client: &Client<P>,
    machine: &RefCell<LiveMachine>,
    plan: &CatchUp,
) -> Result<()> {
    let schema = schema::for_class(&plan.class)
        .ok_or_else(|| CrmError::InvalidInput(format!("no schema for {}", plan.class)))?;
    let listed = client.find_all_versions(schema, &plan.query).await?;
    let wanted = machine
        .borrow_mut()
        .catch_up_listed(plan.subscription, plan.epoch, listed);
    if wanted.is_empty() {
        return Ok(());
    }
    let mut fetched: Vec<Value> = Vec::with_capacity(wanted.len());
    for chunk in wanted.chunks(FETCH_CHUNK) {
        let mut query = plan.query.clone();
        query.constraints.push(Constraint::ContainedIn {
            field: "objectId".into(),
            values: chunk.iter().map(|id| Value::String(id.clone())).collect(),
        });
        fetched.extend(client.find_all_values(schema, &query).await?);
    }
    machine
        .borrow_mut()
        .catch_up_fetched(plan.subscription, plan.epoch, fetched);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::sim::{block_on, deal, SimServer};
    use std::rc::Rc;

    fn versions(v: &[(&str, i64)]) -> Versions {
        v.iter()
            .map(|(id, t)| ((*id).to_owned(), Some(*t)))
            .collect()
    }

    fn listed(v: &[(&str, Option<i64>)]) -> Vec<Version> {
        v.iter().map(|(id, t)| ((*id).to_owned(), *t)).collect()
    }

    #[test]
    fn the_difference_is_new_changed_and_gone_ids_only() {
        let known = versions(&[("a", 1), ("b", 2), ("c", 3)]);
        let d = diff(
            &known,
            &listed(&[("a", Some(1)), ("b", Some(5)), ("d", Some(0)), ("e", None)]),
            &BTreeSet::new(),
        );
        assert_eq!(d.changed, ["b", "d", "e"]);
        assert_eq!(d.gone, ["c"]);
        // An older version on the server than the client holds is a difference too: the
        // comparison is of versions, not of times.
        let d = diff(
            &known,
            &listed(&[("a", Some(0)), ("b", Some(2)), ("c", Some(3))]),
            &BTreeSet::new(),
        );
        assert_eq!(d.changed, ["a"]);
        assert!(d.gone.is_empty());
    }

    #[test]
    fn objects_live_events_touched_are_left_alone() {
        let known = versions(&[("a", 1), ("b", 2)]);
        let touched: BTreeSet<String> = ["a".to_string(), "b".to_string()].into();
        let d = diff(&known, &listed(&[("a", Some(7))]), &touched);
        assert_eq!(d, Diff::default());
    }

    fn only_round(m: &RefCell<LiveMachine>) -> CatchUp {
        let actions = m.borrow_mut().take_actions();
        let rounds: Vec<CatchUp> = actions
            .into_iter()
            .filter_map(|a| match a {
                crate::live::Action::CatchUp(plan) => Some(plan),
                _ => None,
            })
            .collect();
        match rounds.as_slice() {
            [plan] => plan.clone(),
            other => panic!("expected one round: {other:?}"),
        }
    }

    fn reconnect(m: &RefCell<LiveMachine>, id: u32) -> CatchUp {
        let mut machine = m.borrow_mut();
        machine.on_close(0.0);
        machine.reconnect_due();
        machine.on_open(0);
        machine.on_message(r#"{"op":"connected","clientId":"c"}"#, 0);
        machine.on_message(&format!(r#"{{"op":"subscribed","requestId":{id}}}"#), 0);
        drop(machine);
        only_round(m)
    }

    #[test]
    fn a_round_over_a_simulated_server_pages_and_fetches_exactly_the_differences() {
        const T0: i64 = 1_790_000_000_000;
        let server = Rc::new(SimServer::default());
        for i in 0..2500 {
            server.put(deal(&format!("d{i:04}"), "won", T0));
        }
        server.put(deal("other", "lost", T0));
        let client = Client::new(server.clone(), crate::client::RetryPolicy::default());
        let m = RefCell::new(LiveMachine::new("crm", "key", Some("r:sim".into()), 0));
        let query = crate::query::Query::new().equal_to("stage", "won");
        let id = m.borrow_mut().subscribe(&schema::DEAL, query).unwrap();
        {
            let mut machine = m.borrow_mut();
            machine.take_actions();
            machine.on_open(0);
            machine.on_message(r#"{"op":"connected","clientId":"c"}"#, 0);
            machine.on_message(&format!(r#"{{"op":"subscribed","requestId":{id}}}"#), 0);
        }
        let baseline = only_round(&m);
        block_on(run(&client, &m, &baseline)).unwrap();
        assert_eq!(m.borrow().known(id).unwrap().len(), 2500);
        assert_eq!(server.requests.get(), 3, "2500 versions in pages of 1000");
        assert!(m.borrow_mut().take_events().is_empty());

        // While the socket is down: 300 updates, one of them stamped long before the others
        // (a slow write), 10 deletes, 5 creates, one deal that stops matching.
        for i in 0..300 {
            server.put(deal(&format!("d{i:04}"), "won", T0 + 60_000 + i));
        }
        server.put(deal("d0299", "won", T0 - 30_000));
        for i in 1000..1010 {
            server.deals.borrow_mut().remove(&format!("d{i:04}"));
        }
        for i in 0..5 {
            server.put(deal(&format!("n{i}"), "won", T0));
        }
        server.put(deal("d2000", "lost", T0 + 1));
        let plan = reconnect(&m, id);
        server.requests.set(0);
        server.down.set(true);
        let err = block_on(run(&client, &m, &plan)).unwrap_err();
        assert_eq!(err.code(), "NETWORK_ERROR");
        assert!(
            m.borrow_mut().take_events().is_empty(),
            "a failed round reports nothing"
        );

        server.down.set(false);
        let plan = reconnect(&m, id);
        server.requests.set(0);
        block_on(run(&client, &m, &plan)).unwrap();
        let events = m.borrow_mut().take_events();
        let of = |kind| {
            events
                .iter()
                .filter(|e| e.kind == kind && e.caught_up)
                .map(|e| e.object["objectId"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        let gone = of(crate::live::LiveEventKind::Delete);
        assert_eq!(gone.len(), 11);
        assert!(gone.contains(&"d2000".to_owned()), "no longer matching");
        let updated = of(crate::live::LiveEventKind::Update);
        assert_eq!(updated.len(), 305);
        assert!(updated.contains(&"d0299".to_owned()), "the slow write");
        assert_eq!(events.len(), 316, "nothing else");
        assert_eq!(
            server.requests.get(),
            3 + 2,
            "pages of versions, then 305 ids in 2 fetches"
        );
        // The client now knows exactly what the server holds.
        let listed = server.find(&[
            ("where".into(), r#"{"stage":"won"}"#.into()),
            ("limit".into(), "10000".into()),
        ]);
        assert_eq!(
            m.borrow().known(id).unwrap().len(),
            listed["results"].as_array().unwrap().len()
        );
    }
}
