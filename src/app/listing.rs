//! Lists that load progressively: a pane of 2,000 services shows its rows as the list
//! pages arrive (the name is in the ARN), then fills in each row's details, those on
//! screen first. In steady state the rows on screen are described again every refresh
//! interval, the rest of the list is swept in the background, and the list itself is read
//! again less often. Every row knows when its details were read.
//!
//! `Listing` is what the panes draw (a snapshot, shared behind an `Arc`); `Loader` is the
//! schedule behind it: which page or batch to ask for next, and at what priority.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::domain::budget::Priority;
use crate::domain::model::{ContainerInstance, Service, Task, arn_name};

/// An item a listing holds: what identifies it and how it sorts.
pub trait Listed {
    fn arn(&self) -> &str;
}

impl Listed for Service {
    fn arn(&self) -> &str {
        &self.arn
    }
}

impl Listed for Task {
    fn arn(&self) -> &str {
        &self.arn
    }
}

impl Listed for ContainerInstance {
    fn arn(&self) -> &str {
        &self.arn
    }
}

/// One row of a listing: known by its ARN from the list, described once its details came.
#[derive(Debug)]
pub struct Entry<T> {
    pub arn: String,
    pub item: Option<Arc<T>>,
    /// When the details were read.
    pub at: Option<DateTime<Utc>>,
}

impl<T> Entry<T> {
    /// The last segment of the ARN (a service's name, a task's id).
    pub fn name(&self) -> &str {
        arn_name(&self.arn)
    }
}

impl<T> Clone for Entry<T> {
    fn clone(&self) -> Self {
        Entry {
            arn: self.arn.clone(),
            item: self.item.clone(),
            at: self.at,
        }
    }
}

/// The order of a listing: by name, then ARN.
fn order(arn: &str) -> (&str, &str) {
    (arn_name(arn), arn)
}

/// Rows in name order, described or waiting for their details. Found by binary search
/// (no index): a 10,000-row listing costs its entries and nothing more.
#[derive(Debug)]
pub struct Listing<T> {
    entries: Vec<Entry<T>>,
    described: usize,
    /// The list has been read to its last page at least once.
    pub complete: bool,
}

impl<T> Clone for Listing<T> {
    fn clone(&self) -> Self {
        Listing {
            entries: self.entries.clone(),
            described: self.described,
            complete: self.complete,
        }
    }
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Listing {
            entries: Vec::new(),
            described: 0,
            complete: false,
        }
    }
}

impl<T: Listed> From<Vec<T>> for Listing<T> {
    /// A whole answer: every row described, the list complete (the time is unknown).
    fn from(items: Vec<T>) -> Self {
        let mut listing = Listing::default();
        listing.merge_names(items.iter().map(|i| i.arn().to_owned()));
        for item in items {
            listing.describe(item, None);
        }
        listing.complete = true;
        listing
    }
}

impl<T: Listed> Listing<T> {
    /// The described items, in name order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().filter_map(|e| e.item.as_deref())
    }

    /// The described items as shared, in name order.
    pub fn shared(&self) -> impl Iterator<Item = &Arc<T>> {
        self.entries.iter().filter_map(|e| e.item.as_ref())
    }

    /// Every row, described or not, in name order.
    pub fn entries(&self) -> &[Entry<T>] {
        &self.entries
    }

    fn position(&self, arn: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|e| order(&e.arn).cmp(&order(arn)))
    }

    pub fn get(&self, arn: &str) -> Option<&Entry<T>> {
        self.position(arn).ok().map(|i| &self.entries[i])
    }

    /// Rows known, and how many of them have their details.
    pub fn counts(&self) -> (usize, usize) {
        (self.entries.len(), self.described)
    }

    /// Adds the rows of a list page not yet known (without details).
    fn merge_names(&mut self, arns: impl IntoIterator<Item = String>) -> bool {
        let known = self.entries.len();
        for arn in arns {
            let sorted = &self.entries[..known];
            if sorted
                .binary_search_by(|e| order(&e.arn).cmp(&order(&arn)))
                .is_ok()
            {
                continue;
            }
            self.entries.push(Entry {
                arn,
                item: None,
                at: None,
            });
        }
        if self.entries.len() == known {
            return false;
        }
        self.entries
            .sort_by(|a, b| order(&a.arn).cmp(&order(&b.arn)));
        self.entries.dedup_by(|a, b| a.arn == b.arn);
        true
    }

    /// Sets a row's details (adding the row if the list had not shown it yet).
    fn describe(&mut self, item: T, at: Option<DateTime<Utc>>) {
        let i = match self.position(item.arn()) {
            Ok(i) => i,
            Err(i) => {
                let arn = item.arn().to_owned();
                self.entries.insert(
                    i,
                    Entry {
                        arn,
                        item: None,
                        at: None,
                    },
                );
                i
            }
        };
        let entry = &mut self.entries[i];
        if entry.item.is_none() {
            self.described += 1;
        }
        entry.item = Some(Arc::new(item));
        entry.at = at;
    }

    /// Puts an item as a write's answer described it, keeping when its row was last read
    /// (the rest of the row's details were not read again).
    pub fn put(&mut self, item: T) {
        let at = self.get(item.arn()).and_then(|e| e.at);
        self.describe(item, at);
    }

    /// Drops rows: gone from the list, or missing when described.
    fn remove(&mut self, gone: &HashSet<String>) {
        if gone.is_empty() {
            return;
        }
        self.entries.retain(|e| !gone.contains(&e.arn));
        self.described = self.entries.iter().filter(|e| e.item.is_some()).count();
    }
}

/// A piece of a listing to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// One page of the list; `None` for the first.
    List { token: Option<String> },
    /// Details of these rows.
    Describe { arns: Vec<String> },
}

/// What came back for a part.
#[derive(Debug, Clone)]
pub enum PartAnswer<T> {
    Page {
        arns: Vec<String>,
        next: Option<String>,
    },
    Described(Vec<T>),
}

/// How many describe calls of one listing may be in flight at once: enough to keep a
/// load going at the budget's pace, few enough that the next batch is still chosen by
/// what is on screen when it goes.
const DESCRIBES_IN_FLIGHT: usize = 3;
/// A load (a pane opened, a refresh asked for) may use the full rate this long at most.
const LOAD_AT_MOST_SECS: i64 = 20;

/// The schedule of one listing.
#[derive(Debug, Clone)]
pub struct Loader<T> {
    /// Shared with the store's slot (what the panes draw); changed in place when nothing
    /// else holds it, else copied once.
    pub listing: Arc<Listing<T>>,
    /// Most rows one describe call takes (10 services, 100 tasks or instances).
    batch: usize,
    /// A list pass under way: the rows it has seen, whether a page is in flight, the
    /// next page's token.
    pass: Option<Pass>,
    pub listed_at: Option<DateTime<Utc>>,
    describing: HashSet<String>,
    calls: usize,
    /// Since when the first load (or the refresh asked for) has run: it may use the
    /// category's full rate until every row is described.
    load_since: Option<DateTime<Utc>>,
    /// Rows described before this are due on screen again (`r`).
    forced_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
    /// A sweep of the rows off screen: how many rows were due when it began, and how
    /// many still are.
    sweep: Option<usize>,
    sweep_left: Option<usize>,
}

#[derive(Debug, Clone, Default)]
struct Pass {
    seen: HashSet<String>,
    waiting: bool,
    next: Option<String>,
    pages: usize,
}

/// How far a listing has got, for the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadState {
    pub rows: usize,
    pub described: usize,
    /// The list is still being read (more pages to come).
    pub listing: bool,
    /// A background sweep: rows done of the rows it began with.
    pub sweep: Option<(usize, usize)>,
}

/// The timing a plan follows.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub now: DateTime<Utc>,
    /// The refresh interval; `None` when automatic refresh is off (rows are still
    /// described once).
    pub refresh: Option<Duration>,
}

impl Timing {
    /// Rows off screen are swept this often...
    fn sweep_age(&self) -> Option<Duration> {
        self.refresh.map(|r| (r * 6).max(Duration::seconds(30)))
    }

    /// ...and the list itself is read again as often (new and deleted rows).
    fn list_age(&self) -> Option<Duration> {
        self.sweep_age()
    }

    /// After a failure, nothing is asked again before this.
    fn backoff(&self) -> Duration {
        self.refresh
            .unwrap_or(Duration::seconds(5))
            .max(Duration::seconds(2))
    }
}

impl<T: Listed> Loader<T> {
    pub fn new(batch: usize) -> Loader<T> {
        Loader {
            listing: Arc::new(Listing::default()),
            batch: batch.max(1),
            pass: None,
            listed_at: None,
            describing: HashSet::new(),
            calls: 0,
            load_since: None,
            forced_at: None,
            failed_at: None,
            sweep: None,
            sweep_left: None,
        }
    }

    /// A schedule starting from a whole answer read at `at` (every row described).
    pub fn seeded(batch: usize, mut listing: Listing<T>, at: DateTime<Utc>) -> Loader<T> {
        for e in &mut listing.entries {
            e.at = e.item.as_ref().map(|_| at);
        }
        listing.complete = true;
        Loader {
            listing: Arc::new(listing),
            listed_at: Some(at),
            ..Loader::new(batch)
        }
    }

    /// A refresh asked for: the list and the rows on screen again, at the full rate.
    pub fn force(&mut self, now: DateTime<Utc>) {
        self.forced_at = Some(now);
        self.load_since = Some(now);
        self.failed_at = None;
        if self.pass.as_ref().is_none_or(|p| !p.waiting) {
            self.pass = None;
            self.listed_at = None;
        }
    }

    fn loading(&self, now: DateTime<Utc>) -> bool {
        self.load_since
            .is_some_and(|since| now - since < Duration::seconds(LOAD_AT_MOST_SECS))
    }

    pub fn state(&self) -> LoadState {
        let (rows, described) = self.listing.counts();
        LoadState {
            rows,
            described,
            listing: self.pass.is_some() && !self.listing.complete,
            sweep: self.sweep.map(|total| {
                let left = self.sweep_left.unwrap_or(0).min(total);
                (total - left, total)
            }),
        }
    }

    /// What to fetch now, with `visible` the ARNs on screen (top to bottom).
    pub fn plan(&mut self, timing: Timing, visible: &[String]) -> Vec<(Part, Priority)> {
        let now = timing.now;
        if self.failed_at.is_some_and(|at| now - at < timing.backoff()) {
            return Vec::new();
        }
        let first = self.listed_at.is_none() && self.pass.is_none() && self.listing.counts().0 == 0;
        if first && self.load_since.is_none() {
            self.load_since = Some(now);
        }
        let loading = self.loading(now);
        if !loading {
            self.load_since = None;
        }
        let mut out = self.plan_list(timing, loading);
        // Details: on screen first, then rows never described, then the oldest.
        while self.calls < DESCRIBES_IN_FLIGHT {
            let Some((arns, priority)) = self.next_batch(timing, visible, loading) else {
                break;
            };
            self.calls += 1;
            self.describing.extend(arns.iter().cloned());
            out.push((Part::Describe { arns }, priority));
        }
        out
    }

    /// For `:find`, which reads every cluster's services: the next list page (the
    /// names), and the details of the rows on screen only (`visible`), nothing else.
    pub fn plan_names(&mut self, timing: Timing, visible: &[String]) -> Vec<(Part, Priority)> {
        if self
            .failed_at
            .is_some_and(|at| timing.now - at < timing.backoff())
        {
            return Vec::new();
        }
        let loading = self.listed_at.is_none();
        let mut out = self.plan_list(timing, loading);
        let stale = |e: &Entry<T>| {
            e.at.is_none_or(|at| timing.refresh.is_some_and(|r| timing.now - at >= r))
        };
        while self.calls < DESCRIBES_IN_FLIGHT {
            let arns: Vec<String> = visible
                .iter()
                .filter(|a| !self.describing.contains(*a))
                .filter(|a| self.listing.get(a).is_some_and(stale))
                .take(self.batch)
                .cloned()
                .collect();
            if arns.is_empty() {
                break;
            }
            self.calls += 1;
            self.describing.extend(arns.iter().cloned());
            out.push((Part::Describe { arns }, Priority::Visible));
        }
        out
    }

    /// The first page when the list is due, or the next one of a pass under way.
    fn plan_list(&mut self, timing: Timing, loading: bool) -> Vec<(Part, Priority)> {
        let now = timing.now;
        let list_due = match (self.listed_at, timing.list_age()) {
            (None, _) => true,
            (Some(at), Some(age)) => now - at >= age,
            (Some(_), None) => false,
        };
        let priority = self.priority(loading, Priority::Visible);
        match &mut self.pass {
            None if list_due => {
                self.pass = Some(Pass {
                    waiting: true,
                    ..Pass::default()
                });
                vec![(Part::List { token: None }, priority)]
            }
            Some(pass) if !pass.waiting && pass.next.is_some() => {
                pass.waiting = true;
                vec![(
                    Part::List {
                        token: pass.next.clone(),
                    },
                    priority,
                )]
            }
            _ => Vec::new(),
        }
    }

    fn priority(&self, loading: bool, otherwise: Priority) -> Priority {
        if loading { Priority::Load } else { otherwise }
    }

    fn next_batch(
        &mut self,
        timing: Timing,
        visible: &[String],
        loading: bool,
    ) -> Option<(Vec<String>, Priority)> {
        let now = timing.now;
        let free = |arn: &String| !self.describing.contains(arn);
        // On screen: never described, described before a refresh asked for, or older
        // than the refresh interval.
        let stale_on_screen = |e: &Entry<T>| match e.at {
            None => e.item.is_none() || self.forced_at.is_some(),
            Some(at) => {
                self.forced_at.is_some_and(|f| at < f)
                    || timing.refresh.is_some_and(|r| now - at >= r)
            }
        };
        let on_screen: Vec<String> = visible
            .iter()
            .filter(|a| free(a))
            .filter(|a| self.listing.get(a).is_some_and(stale_on_screen))
            .take(self.batch)
            .cloned()
            .collect();
        if !on_screen.is_empty() {
            return Some((on_screen, self.priority(loading, Priority::Visible)));
        }
        let never: Vec<String> = self
            .listing
            .entries()
            .iter()
            .filter(|e| e.item.is_none() && free(&e.arn))
            .take(self.batch)
            .map(|e| e.arn.clone())
            .collect();
        if !never.is_empty() {
            return Some((never, self.priority(loading, Priority::Background)));
        }
        // The sweep: rows off screen older than the sweep age, oldest first. Its progress
        // counts the rows still old, those in flight included, so it only goes up until
        // none is left.
        let age = timing.sweep_age()?;
        let is_old = |e: &Entry<T>| e.at.is_some_and(|at| now - at >= age);
        let left = self.listing.entries().iter().filter(|e| is_old(e)).count();
        if left == 0 {
            self.sweep = None;
            self.sweep_left = None;
            return None;
        }
        let total = *self.sweep.get_or_insert(left);
        self.sweep_left = Some(left.min(total));
        let mut old: Vec<(&DateTime<Utc>, &String)> = self
            .listing
            .entries()
            .iter()
            .filter(|e| free(&e.arn) && is_old(e))
            .filter_map(|e| e.at.as_ref().map(|at| (at, &e.arn)))
            .collect();
        if old.is_empty() {
            return None;
        }
        old.sort();
        let arns = old
            .iter()
            .take(self.batch)
            .map(|(_, a)| (*a).clone())
            .collect();
        Some((arns, Priority::Background))
    }

    /// Records what came back for `part`. Returns whether rows were added or removed (the
    /// order on screen may have changed).
    pub fn land(
        &mut self,
        part: &Part,
        answer: Result<PartAnswer<T>, ()>,
        at: DateTime<Utc>,
    ) -> bool {
        match (part, answer) {
            (Part::List { .. }, Ok(PartAnswer::Page { arns, next })) => {
                let Some(pass) = self.pass.as_mut() else {
                    return false;
                };
                pass.waiting = false;
                pass.pages += 1;
                pass.seen.extend(arns.iter().cloned());
                let mut changed = Arc::make_mut(&mut self.listing).merge_names(arns);
                pass.next = next;
                if pass.next.is_none() {
                    // The whole list read: rows it no longer has are gone.
                    let pass = self.pass.take().unwrap_or_default();
                    let gone: HashSet<String> = self
                        .listing
                        .entries()
                        .iter()
                        .filter(|e| !pass.seen.contains(&e.arn))
                        .map(|e| e.arn.clone())
                        .collect();
                    changed |= !gone.is_empty();
                    let listing = Arc::make_mut(&mut self.listing);
                    listing.remove(&gone);
                    listing.complete = true;
                    self.listed_at = Some(at);
                }
                changed
            }
            (Part::Describe { arns }, Ok(PartAnswer::Described(items))) => {
                self.calls = self.calls.saturating_sub(1);
                let mut missing: HashSet<String> = arns.iter().cloned().collect();
                for arn in arns {
                    self.describing.remove(arn);
                }
                let listing = Arc::make_mut(&mut self.listing);
                for item in items {
                    missing.remove(item.arn());
                    listing.describe(item, Some(at));
                }
                let changed = !missing.is_empty();
                listing.remove(&missing);
                if self.listing.counts().0 == self.listing.counts().1 && self.pass.is_none() {
                    // Every row described: the load is over, back to the share.
                    self.load_since = None;
                    if self
                        .forced_at
                        .is_some_and(|f| self.oldest().is_some_and(|o| o >= f))
                    {
                        self.forced_at = None;
                    }
                }
                changed
            }
            (part, _) => {
                // A failure (or an answer of the wrong shape): ask again after the backoff.
                match part {
                    Part::List { .. } => self.pass = None,
                    Part::Describe { arns } => {
                        self.calls = self.calls.saturating_sub(1);
                        for arn in arns {
                            self.describing.remove(arn);
                        }
                    }
                }
                self.failed_at = Some(at);
                false
            }
        }
    }

    /// When the oldest described row was read.
    pub fn oldest(&self) -> Option<DateTime<Utc>> {
        self.listing.entries().iter().filter_map(|e| e.at).min()
    }

    /// When the oldest described row among `arns` was read (rows it does not hold, or
    /// holds without details, are left out).
    pub fn oldest_present(&self, arns: &[String]) -> Option<DateTime<Utc>> {
        arns.iter()
            .filter_map(|a| self.listing.get(a).and_then(|e| e.at))
            .min()
    }

    /// Whether nothing is in flight.
    pub fn idle(&self) -> bool {
        self.calls == 0 && self.pass.as_ref().is_none_or(|p| !p.waiting)
    }
}

#[cfg(test)]
mod tests;
