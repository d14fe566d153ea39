//! Loading: a whole set of deals (or a JSON text streamed straight into the rows) built aside
//! and swapped in, so a load that fails changes nothing.

use super::*;

/// Streams a JSON array of deals into a pipeline.
struct DealsSeed<'a>(&'a mut Pipeline);

impl<'de> serde::de::DeserializeSeed<'de> for DealsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for DealsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of deals or {results: [...]}")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        let mut index = 0;
        while let Some(deal) = seq.next_element::<Deal>()? {
            self.0
                .add_loaded(index, deal)
                .map_err(|e| serde::de::Error::custom(e.to_string()))?;
            index += 1;
        }
        Ok(())
    }
}

/// Streams `{"results": [...]}` (a Parse answer) into a pipeline; other keys are skipped.
struct ResultsVisitor<'a>(&'a mut Pipeline);

impl<'de> serde::de::Visitor<'de> for ResultsVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("{results: [...]}")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<crate::wire::BorrowedOrOwned<'de>>()? {
            if key.0 == "results" && !found {
                map.next_value_seed(DealsSeed(&mut *self.0))?;
                found = true;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        if found {
            Ok(())
        } else {
            Err(serde::de::Error::custom(
                "expected an array of deals or {results: [...]}",
            ))
        }
    }
}

impl Pipeline {
    /// Replaces everything with `deals`. Built aside and swapped in: on error nothing changes.
    pub fn load(&mut self, deals: Vec<Deal>) -> Result<()> {
        let mut fresh = self.empty_like(deals.len());
        for (i, deal) in deals.into_iter().enumerate() {
            fresh.add_loaded(i, deal)?;
        }
        self.finish_load(fresh);
        Ok(())
    }

    /// Loads a JSON array of deals, or a Parse answer `{"results": [...]}`, in either the wire
    /// or the JS shape. Each deal goes into the pipeline as it is parsed (no list of all of
    /// them in between); on error nothing changes.
    pub fn load_json(&mut self, text: &str) -> Result<()> {
        let mut fresh = self.empty_like(text.len() / 512);
        let mut de = serde_json::Deserializer::from_str(text);
        let loaded = match text.trim_start().as_bytes().first() {
            Some(b'{') => serde::Deserializer::deserialize_map(&mut de, ResultsVisitor(&mut fresh)),
            _ => serde::de::DeserializeSeed::deserialize(DealsSeed(&mut fresh), &mut de),
        };
        loaded
            .and_then(|()| de.end())
            .map_err(|e| CrmError::InvalidInput(format!("deals JSON: {e}")))?;
        self.finish_load(fresh);
        Ok(())
    }

    /// An empty pipeline with this one's settings, room for `capacity` deals.
    pub(super) fn empty_like(&self, capacity: usize) -> Pipeline {
        let mut fresh = Pipeline::new();
        fresh.probabilities = self.probabilities.clone();
        fresh.weights = self.weights.clone();
        fresh.filter = self.filter.clone();
        fresh.sort = self.sort;
        fresh.now_ms = self.now_ms;
        fresh.version = self.version;
        fresh.by_id.reserve(capacity);
        fresh.deals.reserve(capacity);
        fresh
    }

    pub(super) fn add_loaded(&mut self, index: usize, deal: Deal) -> Result<()> {
        let id = deal.object_id.as_deref().filter(|s| !s.is_empty());
        let id =
            id.ok_or_else(|| CrmError::InvalidInput(format!("deal #{index} has no objectId")))?;
        if self.by_id.contains_key(id) {
            return Err(CrmError::InvalidInput(format!("deal {id} appears twice")));
        }
        check_amount(deal.amount, id)?;
        self.push_row(deal);
        Ok(())
    }

    pub(super) fn finish_load(&mut self, mut fresh: Pipeline) {
        fresh.compiled = fresh.compile(&fresh.filter.clone());
        *self = fresh;
        self.prepare_titles();
        self.regroup();
    }
}
