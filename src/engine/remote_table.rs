//! The instance table's column queries over a server: each column's
//! busiest [`TABLE_TOP_N`] (`topk`), except the column the table is sorted
//! by, which is ranked down past the deepest row in sight (`topk`, or
//! `bottomk` when the least busy come first): on a fleet of thousands,
//! every row a user scrolls to has its value and its place, in either
//! direction.

use super::remote::TABLE_TOP_N;
use super::Engine;
use crate::frame::{TableColumn, TableRank};
use crate::promapi;

/// Rows asked beyond the deepest one in sight, and the size the ranked
/// depth is rounded up to (so scrolling changes the query rarely).
const RANK_STEP: usize = 100;

/// Series a ranked column asks for when the deepest row in sight is `rows`.
pub(super) fn rank_depth(rows: usize) -> usize {
    rows.saturating_add(RANK_STEP / 2)
        .div_ceil(RANK_STEP)
        .saturating_mul(RANK_STEP)
        .max(TABLE_TOP_N)
}

impl Engine {
    /// The table's value sort (`Command::TableRank`).
    pub(super) fn set_table_rank(&mut self, rank: Option<TableRank>) {
        let Some(r) = self.backend.server_mut() else {
            return;
        };
        if r.rank != rank {
            r.rank = rank;
            self.update_plan();
        }
    }

    /// The CPU, p99 and error columns' queries as asked, each with the
    /// number of series it keeps.
    pub(super) fn table_queries(&self) -> [Option<(String, usize)>; 3] {
        let t = &self.detected.table;
        let rank = self.backend.server().and_then(|r| r.rank);
        let column = |e: &Option<String>, c: TableColumn| {
            let e = e.as_ref()?;
            let ranked = rank.filter(|k| k.column == c).and_then(|k| {
                let n = rank_depth(k.rows);
                let text = promapi::rerank_top(e, TABLE_TOP_N, n, k.worst_first)?;
                Some((text, n))
            });
            Some(ranked.unwrap_or_else(|| (e.clone(), TABLE_TOP_N)))
        };
        [
            column(&t.cpu, TableColumn::Cpu),
            column(&t.p99, TableColumn::P99),
            column(&t.error_ratio, TableColumn::Errors),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_rounded_up_past_the_rows_in_sight() {
        assert_eq!(rank_depth(0), TABLE_TOP_N);
        assert_eq!(rank_depth(150), TABLE_TOP_N);
        assert_eq!(rank_depth(151), 300);
        assert_eq!(rank_depth(230), 300);
        assert_eq!(rank_depth(251), 400);
        assert_eq!(rank_depth(usize::MAX), usize::MAX, "no overflow");
    }
}
