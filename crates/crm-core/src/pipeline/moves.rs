//! Moves: a deal moved to another stage at once, then confirmed or reverted when the save
//! answers (a revert leaves the deal alone if something newer, an event or another move,
//! changed its stage since); [`move_and_save`] does the three steps with the client.

use super::*;
use crate::client::{Client, Platform};
use crate::schema::{Change, Changes};
use std::cell::RefCell;

/// Moves a deal at once and saves the new stage through `client`: the move is confirmed if the
/// save succeeds, reverted if it fails (and the error answered). `changed` is told after the
/// move and after a revert, with the pipeline not borrowed, so it may read it.
pub async fn move_and_save<P: Platform>(
    pipeline: &RefCell<Pipeline>,
    client: &Client<P>,
    object_id: &str,
    stage: &str,
    changed: &dyn Fn(),
) -> Result<()> {
    let move_id = pipeline
        .borrow_mut()
        .move_deal(object_id, &Stage::from(stage))?;
    changed();
    let value = Change::Value(serde_json::Value::String(stage.to_owned()));
    let changes: Changes = [("stage".to_owned(), value)].into();
    match client.update::<Deal>(object_id, &changes).await {
        Ok(_) => {
            pipeline.borrow_mut().confirm_move(move_id);
            Ok(())
        }
        Err(e) => {
            let reverted = pipeline.borrow_mut().revert_move(move_id);
            if reverted {
                changed();
            }
            Err(e)
        }
    }
}

impl Pipeline {
    /// Moves a deal to `stage` at once and answers the move's id: save the new stage, then
    /// [`Pipeline::confirm_move`] or [`Pipeline::revert_move`].
    pub fn move_deal(&mut self, object_id: &str, stage: &Stage) -> Result<u32> {
        if !stage.is_known() {
            return Err(CrmError::invalid(
                "Deal",
                "stage",
                format!("unknown stage {:?}", stage.as_str()),
            ));
        }
        let r = *self.by_id.get(object_id).ok_or_else(|| {
            CrmError::InvalidInput(format!("deal {object_id} is not in the pipeline"))
        })?;
        let from = self.stage[r as usize];
        let to = self.stage_of(Some(stage));
        self.set_stage(r, to);
        let move_id = self.next_move;
        self.next_move = self.next_move.wrapping_add(1).max(1);
        self.moves.push((
            move_id,
            PendingMove {
                seq: self.seq[r as usize],
                row: r,
                from,
                to,
            },
        ));
        Ok(move_id)
    }

    pub(super) fn set_stage(&mut self, r: u32, to: u16) {
        self.detach(r);
        self.stage[r as usize] = to;
        self.deals[r as usize].stage = Some(match Stage::KNOWN.get(to as usize) {
            Some(known) => known.clone(),
            None => Stage::from(self.stage_names[to as usize].as_str()),
        });
        self.attach(r);
        self.version += 1;
    }

    pub(super) fn take_move(&mut self, move_id: u32) -> Option<PendingMove> {
        let at = self.moves.iter().position(|(id, _)| *id == move_id)?;
        Some(self.moves.swap_remove(at).1)
    }

    /// The save went through: forget how to undo the move.
    pub fn confirm_move(&mut self, move_id: u32) -> bool {
        self.take_move(move_id).is_some()
    }

    /// The save failed: put the deal back, unless something newer (an event, another move)
    /// changed its stage since.
    pub fn revert_move(&mut self, move_id: u32) -> bool {
        let Some(m) = self.take_move(move_id) else {
            return false;
        };
        let row = if self.seq.get(m.row as usize) == Some(&m.seq) {
            Some(m.row)
        } else {
            self.seq.iter().position(|&s| s == m.seq).map(|r| r as u32)
        };
        match row {
            Some(r) if self.stage[r as usize] == m.to => {
                self.set_stage(r, m.from);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod save_tests {
    use super::*;
    use crate::rest::{Request, Session};
    use std::cell::Cell;

    /// A server answering every request with `answer`, recording what was sent.
    struct OneAnswer {
        answer: Result<serde_json::Value>,
        sent: RefCell<Vec<Request>>,
    }

    impl Platform for OneAnswer {
        async fn send(&self, request: &Request, _: Option<&str>) -> Result<serde_json::Value> {
            self.sent.borrow_mut().push(request.clone());
            self.answer.clone()
        }
        async fn sleep(&self, _: u32) {}
        fn mount_path(&self) -> String {
            "/parse".into()
        }
        fn random_bytes(&self, buf: &mut [u8]) {
            buf.fill(1);
        }
        fn load_session(&self) -> Option<Session> {
            Some(Session {
                user: crate::models::User::default(),
                session_token: "r:t".into(),
            })
        }
        fn store_session(&self, _: Option<&Session>) {}
    }

    fn run(answer: Result<serde_json::Value>) -> (Result<()>, Option<Stage>, u32, usize) {
        let client = Client::new(
            OneAnswer {
                answer,
                sent: RefCell::new(Vec::new()),
            },
            crate::client::RetryPolicy::default(),
        );
        let deal = Deal {
            object_id: Some("d1".into()),
            title: "T".into(),
            stage: Some(Stage::from("lead")),
            ..Default::default()
        };
        let mut p = Pipeline::new();
        p.load(vec![deal]).unwrap();
        let pipeline = RefCell::new(p);
        let told = Cell::new(0);
        let changed = || {
            // Not borrowed while told: it may read the pipeline.
            let _ = pipeline.borrow().len();
            told.set(told.get() + 1);
        };
        let result =
            crate::live::sim::block_on(move_and_save(&pipeline, &client, "d1", "won", &changed));
        let stage = pipeline.borrow().deal("d1").and_then(|d| d.stage.clone());
        let sent = client.platform().sent.borrow().len();
        (result, stage, told.get(), sent)
    }

    #[test]
    fn a_saved_move_stays_and_a_refused_one_is_undone() {
        let (result, stage, told, sent) = run(Ok(
            serde_json::json!({"updatedAt": "2026-01-01T00:00:00.000Z"}),
        ));
        assert!(result.is_ok());
        assert_eq!((stage, told, sent), (Some(Stage::from("won")), 1, 1));
        let refused = Err(CrmError::Server {
            parse_code: crate::error::parse_code::VALIDATION_ERROR,
            message: "no".into(),
        });
        let (result, stage, told, _) = run(refused);
        assert_eq!(result.unwrap_err().code(), "VALIDATION_FAILED");
        assert_eq!(
            (stage, told),
            (Some(Stage::from("lead")), 2),
            "moved, then moved back"
        );
    }
}
