//! A row as a pane holds it. A pane of 10,000 tasks shows about fifty at a time, so a
//! row knows its identity and tone at once but builds its cells only when something
//! looks at them: the rows drawn keep theirs, while a filter or a sort looks at the
//! others' cells for a moment and lets them go. Rows of small panes are built at once.

use std::cell::OnceCell;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use super::rows::{Cell, Row, Tone, cmp_cells};

/// A pane's rows, each shared: a rebuild after new details land reuses the rows of the
/// items that did not change.
pub type Rows = Vec<Rc<Shown>>;

/// Panes up to this many rows build every row's cells at once (columns fit every row);
/// larger ones build them when looked at (columns fit the rows drawn).
pub const EAGER_ROWS: usize = 1_000;

pub struct Shown {
    /// Stable identity (an ARN) so the selection survives refreshes and re-sorts.
    pub id: String,
    pub tone: Tone,
    row: OnceCell<Row>,
    make: Option<Rc<dyn Fn() -> Row>>,
}

impl Shown {
    /// A row whose cells `make` builds when first looked at.
    pub fn lazy(id: String, tone: Tone, make: impl Fn() -> Row + 'static) -> Shown {
        Shown {
            id,
            tone,
            row: OnceCell::new(),
            make: Some(Rc::new(make)),
        }
    }

    /// The row, its cells built (and kept) if they were not.
    pub fn row(&self) -> &Row {
        self
    }

    /// The row if its cells are built.
    pub fn built(&self) -> Option<&Row> {
        self.row.get()
    }

    /// Looks at the row without keeping cells that were not built yet.
    pub fn peek<R>(&self, f: impl FnOnce(&Row) -> R) -> R {
        match (self.row.get(), &self.make) {
            (Some(row), _) => f(row),
            (None, Some(make)) => f(&make()),
            (None, None) => unreachable!("a row is built or knows how to build itself"),
        }
    }

    /// Case-insensitive substring match over every cell; `needle` is already lowercase.
    pub fn matches(&self, needle: &str) -> bool {
        needle.is_empty() || self.peek(|r| r.matches(needle))
    }
}

impl From<Row> for Shown {
    fn from(row: Row) -> Shown {
        Shown {
            id: row.id.clone(),
            tone: row.tone,
            row: OnceCell::from(row),
            make: None,
        }
    }
}

/// Looking at a row's cells builds and keeps them.
impl Deref for Shown {
    type Target = Row;
    fn deref(&self) -> &Row {
        self.row.get_or_init(|| match &self.make {
            Some(make) => make(),
            None => unreachable!("a row without a builder is built"),
        })
    }
}

impl fmt::Debug for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.peek(|row| row.fmt(f))
    }
}

impl PartialEq for Shown {
    fn eq(&self, other: &Shown) -> bool {
        self.id == other.id && self.peek(|a| other.peek(|b| a == b))
    }
}

/// Sorts rows by one column, stably, so equal keys keep the pane's natural order. Each
/// row's cell is looked at once; cells not built are not kept.
pub fn sort_shown(rows: &mut Rows, column: usize, descending: bool) {
    let keys: Vec<Option<Cell>> = rows
        .iter()
        .map(|r| r.peek(|row| row.cells.get(column).cloned()))
        .collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        let (Some(x), Some(y)) = (&keys[a], &keys[b]) else {
            return std::cmp::Ordering::Equal;
        };
        let o = cmp_cells(x, y);
        if descending { o.reverse() } else { o }
    });
    let sorted: Rows = order.into_iter().map(|i| Rc::clone(&rows[i])).collect();
    *rows = sorted;
}

#[cfg(test)]
mod tests {
    use std::cell::Cell as Counter;

    use super::*;

    fn counted(id: &str, text: &'static str, builds: &Rc<Counter<usize>>) -> Shown {
        let builds = Rc::clone(builds);
        let row_id = id.to_string();
        Shown::lazy(id.into(), Tone::Normal, move || {
            builds.set(builds.get() + 1);
            Row {
                id: row_id.clone(),
                cells: vec![Cell::text(text)],
                tone: Tone::Normal,
            }
        })
    }

    #[test]
    fn filtering_and_sorting_keep_no_cells_and_drawing_keeps_them() {
        let builds = Rc::new(Counter::new(0));
        let mut rows: Rows = [("a", "web"), ("b", "api"), ("c", "worker")]
            .into_iter()
            .map(|(id, text)| Rc::new(counted(id, text, &builds)))
            .collect();
        assert!(rows.iter().all(|r| r.built().is_none()));
        assert!(rows[0].matches("we"));
        assert!(!rows[1].matches("we"));
        sort_shown(&mut rows, 0, false);
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b", "a", "c"]);
        assert!(
            rows.iter().all(|r| r.built().is_none()),
            "looked at, not kept"
        );
        let before = builds.get();
        // Drawing looks at the cells: built once, then kept.
        assert_eq!(rows[0].cells[0].text, "api");
        assert_eq!(rows[0].cells[0].text, "api");
        assert_eq!(builds.get(), before + 1);
        assert!(rows[0].built().is_some());
    }

    #[test]
    fn a_built_row_is_not_built_again() {
        let shown = Shown::from(Row {
            id: "x".into(),
            cells: vec![Cell::text("one")],
            tone: Tone::Dim,
        });
        assert_eq!(shown.tone, Tone::Dim);
        assert!(shown.built().is_some());
        assert!(shown.matches("on"));
        assert_eq!(shown.cells.len(), 1);
    }
}
