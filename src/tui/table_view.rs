//! Which instance rows the table shows and in what order: the regex filter
//! over instance and job (`/`), and the sort column (`s` cycles, `S`
//! reverses).

use super::view::View;
use crate::frame::{Frame, InstanceRow};
use regex::Regex;
use std::cmp::Ordering;

/// The column the instance table is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortKey {
    /// The order the engine gives.
    #[default]
    Natural,
    Instance,
    Job,
    Up,
    Cpu,
    P99,
    Errors,
}

impl SortKey {
    /// The next column for `s`.
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Natural => SortKey::Instance,
            SortKey::Instance => SortKey::Job,
            SortKey::Job => SortKey::Up,
            SortKey::Up => SortKey::Cpu,
            SortKey::Cpu => SortKey::P99,
            SortKey::P99 => SortKey::Errors,
            SortKey::Errors => SortKey::Natural,
        }
    }

    /// The column heading this key sorts.
    pub fn header(self) -> Option<&'static str> {
        match self {
            SortKey::Natural => None,
            SortKey::Instance => Some("INSTANCE"),
            SortKey::Job => Some("JOB"),
            SortKey::Up => Some("UP"),
            SortKey::Cpu => Some("CPU"),
            SortKey::P99 => Some("P99"),
            SortKey::Errors => Some("ERRORS"),
        }
    }

    /// Numbers and health sort worst first before `S` reverses them.
    pub(super) fn worst_first(self) -> bool {
        matches!(self, SortKey::Cpu | SortKey::P99 | SortKey::Errors)
    }
}

/// Compiles a filter, with a one-line error for a bad pattern.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| {
        let msg = e.to_string();
        let last = msg
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        format!("bad regex: {}", last.trim().trim_start_matches("error: "))
    })
}

/// Missing numbers go last whichever way the column is sorted.
fn by_number(a: Option<f64>, b: Option<f64>, desc: bool) -> Ordering {
    match (a.filter(|v| !v.is_nan()), b.filter(|v| !v.is_nan())) {
        (Some(x), Some(y)) if desc => y.total_cmp(&x),
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn compare(a: &InstanceRow, b: &InstanceRow, key: SortKey, desc: bool) -> Ordering {
    let text = |x: &str, y: &str| if desc { y.cmp(x) } else { x.cmp(y) };
    match key {
        SortKey::Natural => Ordering::Equal,
        SortKey::Instance => text(&a.instance, &b.instance),
        SortKey::Job => text(&a.job, &b.job),
        // Down first, then waiting, then up.
        SortKey::Up => {
            let rank = |r: &InstanceRow| u8::from(r.up) * 2 + u8::from(r.awaiting_first_scrape);
            let o = rank(a).cmp(&rank(b));
            if desc {
                o.reverse()
            } else {
                o
            }
        }
        SortKey::Cpu => by_number(a.cpu, b.cpu, desc),
        SortKey::P99 => by_number(a.p99, b.p99, desc),
        SortKey::Errors => by_number(a.error_ratio, b.error_ratio, desc),
    }
}

/// The filter the table applies now: the prompt's text while it is being
/// typed and valid, else the committed filter.
pub fn active_filter(view: &View) -> Option<Regex> {
    if let Some(p) = view.prompt.as_ref().filter(|p| p.is_filter()) {
        if let Ok(re) = compile(&p.text) {
            return Some(re);
        }
    }
    view.filter.as_deref().and_then(|f| compile(f).ok())
}

/// Indices into `frame.instances` of the rows shown, in display order.
pub fn visible(frame: &Frame, view: &View) -> Vec<usize> {
    let re = active_filter(view);
    let mut idx: Vec<usize> = (0..frame.instances.len())
        .filter(|i| {
            let r = &frame.instances[*i];
            re.as_ref()
                .is_none_or(|re| re.is_match(&r.instance) || re.is_match(&r.job))
        })
        .collect();
    let desc = view.sort.worst_first() != view.sort_reversed;
    idx.sort_by(|a, b| {
        compare(&frame.instances[*a], &frame.instances[*b], view.sort, desc).then(a.cmp(b))
    });
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Frame {
        let row = |i: &str, j: &str, cpu: Option<f64>, up: bool| InstanceRow {
            instance: i.into(),
            job: j.into(),
            cpu,
            up,
            ..InstanceRow::default()
        };
        Frame {
            instances: vec![
                row("b:1", "api", Some(0.5), true),
                row("a:2", "db", None, false),
                row("c:3", "api", Some(0.9), true),
            ],
            ..Frame::default()
        }
    }

    #[test]
    fn sorts_and_reverses_with_missing_last() {
        let f = rows();
        let mut v = View::default();
        assert_eq!(visible(&f, &v), [0, 1, 2]);
        v.sort = SortKey::Instance;
        assert_eq!(visible(&f, &v), [1, 0, 2]);
        v.sort_reversed = true;
        assert_eq!(visible(&f, &v), [2, 0, 1]);
        v.sort = SortKey::Cpu;
        v.sort_reversed = false;
        assert_eq!(visible(&f, &v), [2, 0, 1]);
        v.sort_reversed = true;
        assert_eq!(visible(&f, &v), [0, 2, 1]);
        v.sort = SortKey::Up;
        v.sort_reversed = false;
        assert_eq!(visible(&f, &v)[0], 1);
    }

    #[test]
    fn filter_matches_instance_or_job_and_ignores_bad_patterns() {
        let f = rows();
        let mut v = View {
            filter: Some("api".into()),
            ..View::default()
        };
        assert_eq!(visible(&f, &v), [0, 2]);
        v.filter = Some("^a:".into());
        assert_eq!(visible(&f, &v), [1]);
        v.filter = Some("(".into());
        assert_eq!(visible(&f, &v), [0, 1, 2]);
        assert!(compile("(").unwrap_err().starts_with("bad regex: "));
        assert!(!compile("(").unwrap_err().contains('\n'));
    }

    #[test]
    fn sort_cycle_returns_to_natural() {
        let mut k = SortKey::Natural;
        for _ in 0..7 {
            k = k.next();
        }
        assert_eq!(k, SortKey::Natural);
    }
}
