//! Which of the plan's queries vitals wrote itself, grouped for shared
//! requests ([`crate::promapi::Plan::groups`]): a detected panel's
//! expressions, the instance table's, the detected rules'. A text a user
//! wrote (a configured panel or rule, `--expr`, a `--rules` file) is in no
//! group, even when it equals a detected one: it is sent exactly as
//! written.

use super::remote::RemoteState;
use super::Engine;
use crate::alerts::rulefile::FileRule;
use std::collections::HashSet;

impl Engine {
    /// The plan's groups; `table` holds the instance table's expressions.
    pub(super) fn batch_groups(&self, r: &RemoteState, table: &[&String]) -> Vec<Vec<String>> {
        let o = &self.opts;
        let mut user: HashSet<&str> = o.exprs.iter().map(String::as_str).collect();
        user.extend(
            o.panels
                .iter()
                .flat_map(|p| p.exprs.iter().map(|e| e.expr.as_str())),
        );
        user.extend(o.rules.iter().map(|f| match f {
            FileRule::Alerting(a) => a.expr.as_str(),
            FileRule::Recording(r) => r.expr.as_str(),
        }));
        let ours = |texts: Vec<String>| -> Vec<String> {
            texts
                .into_iter()
                .filter(|t| !user.contains(t.as_str()))
                .collect()
        };
        let mut groups: Vec<Vec<String>> = self
            .detected
            .panels
            .iter()
            .map(|p| ours(p.exprs.iter().map(|e| e.expr.clone()).collect()))
            .collect();
        let mut t: Vec<String> = Vec::new();
        for e in table {
            t.push(e.to_string());
            t.extend(r.window_text(e));
        }
        if r.targets.is_none() || !self.rules.is_empty() {
            t.push(r.down_text().into());
        }
        groups.push(ours(t));
        if o.detected_panels {
            groups.push(ours(
                self.detected.rules.iter().map(|d| d.expr.clone()).collect(),
            ));
        }
        // A pinned panel's texts are its fleet texts narrowed to the
        // instance: grouped when those are.
        let mut pinned = Vec::new();
        for (pp, fp) in self.pin.iter().flat_map(|p| &p.runtimes).zip(&self.panels) {
            for (pe, fe) in pp.def.exprs.iter().zip(&fp.def.exprs) {
                if groups.iter().any(|g| g.contains(&fe.expr)) {
                    pinned.push(pe.expr.clone());
                }
            }
        }
        groups.push(pinned);
        groups.retain(|g| !g.is_empty());
        groups
    }
}
