//! Family bookkeeping: HELP, TYPE and UNIT lines, in page order, with
//! the checks Prometheus makes (one of each per family, TYPE before the
//! family's samples).

use super::lex::bytes_eq;
use super::meta::Comment;
use super::stream::State;
use super::{ErrorKind, FamilyRef, MetricType, Visitor};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::collections::hash_map::Entry;

impl<'a> State<'a> {
    pub(super) fn comment<V: Visitor<'a>>(&mut self, c: Comment<'a>, lineno: u64, v: &mut V) {
        let ((name, plain_name), what) = match c {
            Comment::Plain => return,
            Comment::Eof => {
                self.eof = true;
                return;
            }
            Comment::Help(name, text) => (name, Meta::Help(text)),
            Comment::Type(name, kind) => (name, Meta::Type(kind)),
            Comment::Unit(name, unit) => (name, Meta::Unit(unit)),
        };
        let current = self
            .current
            .filter(|&c| bytes_eq(self.families[c].name.as_bytes(), name.as_bytes()));
        let idx = match current {
            Some(f) => f,
            None => {
                let next = self.families.len();
                let idx = if self.is_new_in_order(&name) {
                    next
                } else {
                    *self.index().entry(name.clone()).or_insert(next)
                };
                if idx == next {
                    if matches!(what, Meta::Type(_)) && self.untyped_seen.contains(name.as_ref()) {
                        self.by_name.remove(name.as_ref());
                        let e = ErrorKind::TypeAfterSamples(name.into_owned());
                        return self.error(lineno, e, v);
                    }
                    self.families.push(FamilyRef {
                        name: name.clone(),
                        kind: MetricType::Untyped,
                        help: None,
                        unit: None,
                    });
                    self.seen.push(Seen {
                        plain_name,
                        ..Seen::default()
                    });
                }
                idx
            }
        };
        let fam = &mut self.families[idx];
        let seen = &mut self.seen[idx];
        let dup = match &what {
            Meta::Help(_) => fam.help.is_some().then_some("HELP"),
            Meta::Unit(_) => fam.unit.is_some().then_some("UNIT"),
            Meta::Type(_) => seen.typed.then_some("TYPE"),
        };
        if let Some(kw) = dup {
            let e = ErrorKind::DuplicateMetadata(kw, name.into_owned());
            return self.error(lineno, e, v);
        }
        match what {
            Meta::Help(text) => fam.help = Some(text),
            Meta::Unit(unit) => fam.unit = Some(unit),
            Meta::Type(kind) => {
                if seen.sampled {
                    let e = ErrorKind::TypeAfterSamples(name.into_owned());
                    return self.error(lineno, e, v);
                }
                fam.kind = kind;
                seen.typed = true;
            }
        }
        self.set_current(idx);
        v.metadata(&self.families[idx]);
    }

    /// A HELP line (as [`Self::comment`] handles it), with a shorter way
    /// for a name that is neither the current family's nor known yet.
    pub(super) fn help<V: Visitor<'a>>(
        &mut self,
        name: Cow<'a, str>,
        plain: bool,
        text: Cow<'a, str>,
        lineno: u64,
        v: &mut V,
    ) {
        let current = self.current.map(|c| self.families[c].name.as_bytes());
        if current.is_some_and(|c| bytes_eq(c, name.as_bytes())) {
            return self.comment(Comment::Help((name, plain), text), lineno, v);
        }
        let next = self.families.len();
        if self.is_new_in_order(&name) {
            return self.add_help(name, plain, text, v);
        }
        match self.index().entry(name) {
            Entry::Occupied(e) => {
                let name = e.key().clone();
                self.comment(Comment::Help((name, plain), text), lineno, v);
            }
            Entry::Vacant(e) => {
                let name = e.key().clone();
                e.insert(next);
                self.add_help(name, plain, text, v);
            }
        }
    }

    /// Adds a family that had no line yet with its HELP text.
    fn add_help<V: Visitor<'a>>(
        &mut self,
        name: Cow<'a, str>,
        plain: bool,
        text: Cow<'a, str>,
        v: &mut V,
    ) {
        let next = self.families.len();
        self.families.push(FamilyRef {
            name,
            kind: MetricType::Untyped,
            help: Some(text),
            unit: None,
        });
        self.seen.push(Seen {
            plain_name: plain,
            ..Seen::default()
        });
        self.set_current(next);
        v.metadata(&self.families[next]);
    }

    /// True when `name` sorts after every family so far while the index is
    /// still lazy: it is new, and the index stays unbuilt.
    #[inline]
    fn is_new_in_order(&self, name: &str) -> bool {
        self.lazy_index
            && self
                .families
                .last()
                .is_none_or(|last| last.name.as_bytes() < name.as_bytes())
    }

    /// The family index, built on first use.
    pub(super) fn index(&mut self) -> &mut FxHashMap<Cow<'a, str>, usize> {
        if self.lazy_index {
            self.lazy_index = false;
            self.by_name.reserve(self.families.len() * 2);
            for (i, f) in self.families.iter().enumerate() {
                self.by_name.insert(f.name.clone(), i);
            }
        }
        &mut self.by_name
    }

    /// A TYPE line for family `idx`, the current one (as [`Self::comment`]
    /// handles it once the name is found to be the current family's).
    pub(super) fn type_of<V: Visitor<'a>>(
        &mut self,
        idx: usize,
        name: Cow<'a, str>,
        kind: MetricType,
        lineno: u64,
        v: &mut V,
    ) {
        let seen = &mut self.seen[idx];
        if seen.typed {
            let e = ErrorKind::DuplicateMetadata("TYPE", name.into_owned());
            return self.error(lineno, e, v);
        }
        if seen.sampled {
            let e = ErrorKind::TypeAfterSamples(name.into_owned());
            return self.error(lineno, e, v);
        }
        seen.typed = true;
        self.families[idx].kind = kind;
        self.set_current(idx);
        v.metadata(&self.families[idx]);
    }
}

#[derive(Clone, Copy, Default)]
pub(super) struct Seen {
    pub(super) typed: bool,
    pub(super) sampled: bool,
    /// The name is an unquoted metric name (checked when declared).
    pub(super) plain_name: bool,
}

enum Meta<'a> {
    Help(Cow<'a, str>),
    Type(MetricType),
    Unit(Cow<'a, str>),
}

#[cfg(test)]
mod tests {
    use crate::scrape::expo::{parse, ErrorKind, Format, MetricType, ParseError};
    use crate::scrape::expo::{SampleRef, Visitor};

    #[derive(Default)]
    struct Seen {
        samples: Vec<(String, MetricType, Option<String>)>,
        errors: Vec<ParseError>,
    }

    impl<'a> Visitor<'a> for Seen {
        fn sample(&mut self, s: &SampleRef<'a, '_>) {
            let help = s.family.and_then(|f| f.help.as_deref().map(str::to_string));
            self.samples.push((s.name.to_string(), s.kind(), help));
        }
        fn invalid(&mut self, e: &ParseError) {
            self.errors.push(e.clone());
        }
    }

    fn read(page: &str) -> Seen {
        let mut seen = Seen::default();
        parse(page.as_bytes(), Format::Text, &mut seen);
        seen
    }

    #[test]
    fn families_in_and_out_of_name_order_are_found_and_checked() {
        let page = "# HELP b_m B.\n# TYPE b_m counter\nb_m_total 1\n\
                    # HELP a_m A.\n# TYPE a_m gauge\na_m 2\n\
                    # HELP b_m again\n# HELP c_m C.\nc_m 3\n\
                    # HELP a_m again\nb_m_total 4\n# TYPE c_m gauge\n";
        let seen = read(page);
        let kinds: Vec<_> = seen.samples.iter().map(|s| (s.0.as_str(), s.1)).collect();
        assert_eq!(
            kinds,
            [
                ("b_m_total", MetricType::Counter),
                ("a_m", MetricType::Gauge),
                ("c_m", MetricType::Untyped),
                ("b_m_total", MetricType::Counter),
            ]
        );
        assert_eq!(seen.samples[3].2.as_deref(), Some("B."));
        let errors: Vec<_> = seen
            .errors
            .iter()
            .map(|e| (e.line, e.kind.clone()))
            .collect();
        assert_eq!(
            errors,
            [
                (7, ErrorKind::DuplicateMetadata("HELP", "b_m".into())),
                (10, ErrorKind::DuplicateMetadata("HELP", "a_m".into())),
                (12, ErrorKind::TypeAfterSamples("c_m".into())),
            ]
        );
    }

    #[test]
    fn a_repeated_family_is_caught_while_names_are_in_order() {
        let seen = read("# HELP a x\n# HELP b y\n# HELP a z\n# TYPE b gauge\nb 1\n");
        let errors: Vec<_> = seen
            .errors
            .iter()
            .map(|e| (e.line, e.kind.clone()))
            .collect();
        assert_eq!(
            errors,
            [(3, ErrorKind::DuplicateMetadata("HELP", "a".into()))]
        );
        assert_eq!(
            seen.samples,
            [("b".into(), MetricType::Gauge, Some("y".into()))]
        );
    }
}
