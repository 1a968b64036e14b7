//! Which streams the tail reads: resolved once at the start (fatal when the service or
//! task does not exist), then, for a service, again every `resolve_every` so that tasks
//! started by a deploy join. A stream new to the tail is read from `start_ms`, not from
//! now: the task may have logged before it was noticed.

use std::collections::{BTreeMap, BTreeSet};

use tokio::time::Instant;

use super::TailMsg;
use super::dedup::Seen;
use super::engine::{Engine, Group, GroupKey, Halt, Job, SEEN_CAP, Step};
use crate::domain::ErrorKind;
use crate::logs::source::{LogSource, resolve};

impl Engine {
    pub(super) async fn first_resolve(&mut self) -> Step<Vec<LogSource>> {
        loop {
            match resolve(
                &*self.ecs,
                &self.req.scope,
                self.req.container.as_deref(),
                &self.cache,
            )
            .await
            {
                Ok(sources) => {
                    self.recovered()?;
                    return Ok(sources);
                }
                // Nothing to tail without the task or service.
                Err(e) if e.kind == ErrorKind::NotFound => {
                    self.send(TailMsg::Error(e))?;
                    return Err(Halt::Fatal);
                }
                Err(e) => self.failed(e).await?,
            }
        }
    }

    /// Lists the service's tasks again; new streams are read from `start_ms`. A failure
    /// keeps the current sources: the next attempt comes at the next interval.
    pub(super) async fn re_resolve(&mut self) -> Step {
        self.next_resolve = Some(Instant::now() + self.opts.resolve_every);
        let found = resolve(
            &*self.ecs,
            &self.req.scope,
            self.req.container.as_deref(),
            &self.cache,
        )
        .await;
        match found {
            Ok(sources) => {
                self.last_resolve_error = None;
                let changed = self.apply_sources(sources, false)?;
                self.sources_changed(changed).await
            }
            Err(e) => {
                if self.last_resolve_error.as_ref() != Some(&e) {
                    self.last_resolve_error = Some(e.clone());
                    self.send(TailMsg::Error(e))?;
                }
                Ok(())
            }
        }
    }

    /// Takes a new set of sources; returns the groups whose streams changed.
    pub(super) fn apply_sources(
        &mut self,
        sources: Vec<LogSource>,
        first: bool,
    ) -> Step<BTreeSet<GroupKey>> {
        if first || sources != self.sources {
            self.send(TailMsg::Sources(sources.clone()))?;
        }
        let mut wanted: BTreeMap<GroupKey, BTreeSet<String>> = BTreeMap::new();
        for (region, group, stream) in sources.iter().filter_map(LogSource::cloudwatch) {
            wanted
                .entry((region.to_owned(), group.to_owned()))
                .or_default()
                .insert(stream.to_owned());
        }
        let mut changed = BTreeSet::new();
        for (key, streams) in &wanted {
            let streams: Vec<String> = streams.iter().cloned().collect();
            let new: Vec<String> = streams
                .iter()
                .filter(|s| !self.known.contains(&(key.clone(), (*s).clone())))
                .cloned()
                .collect();
            self.known
                .extend(new.iter().map(|s| (key.clone(), s.clone())));
            let retention = self.dedup_window();
            let group = self.groups.entry(key.clone()).or_insert_with(|| Group {
                region: key.0.clone(),
                name: key.1.clone(),
                streams: Vec::new(),
                newest: None,
                seen: Seen::new(retention, SEEN_CAP),
                last_sweep: Instant::now(),
                missing: false,
                live: None,
            });
            if group.streams != streams {
                group.streams = streams;
                changed.insert(key.clone());
            }
            if !first && !new.is_empty() {
                // A task that joined: its stream from the start, not just from now.
                self.queue(Job {
                    key: key.clone(),
                    streams: new,
                    start: self.req.start_ms,
                    end: None,
                });
            }
        }
        for (key, group) in &mut self.groups {
            if !wanted.contains_key(key) && !group.streams.is_empty() {
                group.streams.clear();
                changed.insert(key.clone());
            }
        }
        self.sources = sources;
        Ok(changed)
    }
}
