//! Moves: a deal moved to another stage at once, then confirmed or reverted when the save
//! answers (a revert leaves the deal alone if something newer, an event or another move,
//! changed its stage since).

use super::*;

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
