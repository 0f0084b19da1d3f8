//! The server's answers to a plan's instant queries at every step of a
//! span of history (one range query per text), as one refresh per step:
//! what alert states catch up with at start.

use super::plan::Plan;
use super::poll::{Poller, Refresh};
use super::SourceError;
use futures_util::future::join_all;

/// The steps `start_ms`, `start_ms + step_ms`, ... up to `end_ms`.
fn steps(start_ms: i64, end_ms: i64, step_ms: i64) -> Vec<i64> {
    let n = if step_ms > 0 && end_ms >= start_ms {
        (end_ms.saturating_sub(start_ms) / step_ms).saturating_add(1)
    } else {
        0
    };
    (0..n.min(super::MAX_POINTS))
        .map(|i| start_ms.saturating_add(i.saturating_mul(step_ms)))
        .collect()
}

impl Poller {
    /// Every instant query of `plan` as the server answers it at each step
    /// from `start_ms` to `end_ms` (one range query per text), as one
    /// refresh per step, oldest first: the history alert rules are brought
    /// up to date with. Fails when no query could be answered.
    pub async fn history(
        &self,
        plan: &Plan,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<Vec<Refresh>, SourceError> {
        let c = self.client();
        let answers = join_all(
            plan.instant
                .iter()
                .map(|e| c.query_range(e, start_ms, end_ms, step_ms)),
        )
        .await;
        let mut out: Vec<Refresh> = steps(start_ms, end_ms, step_ms)
            .into_iter()
            .map(|t| Refresh {
                time_ms: t,
                requests: plan.instant.len() as u32,
                ..Refresh::default()
            })
            .collect();
        let mut first_error = None;
        let mut answered = 0;
        for (expr, a) in plan.instant.iter().zip(answers) {
            match a {
                Ok(r) => {
                    answered += 1;
                    for refresh in &mut out {
                        let t = refresh.time_ms;
                        let v = r
                            .series
                            .iter()
                            .filter_map(|(l, pts)| {
                                let i = pts.binary_search_by_key(&t, |p| p.0).ok()?;
                                Some((l.clone(), pts[i].1))
                            })
                            .collect();
                        refresh.instant.insert(expr.clone(), Ok(v));
                    }
                }
                Err(e) => {
                    for refresh in &mut out {
                        refresh.instant.insert(expr.clone(), Err(e.to_string()));
                        refresh.error.get_or_insert_with(|| e.to_string());
                    }
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if answered == 0 => Err(e),
            _ => Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_steps() {
        assert_eq!(steps(0, 10, 5), vec![0, 5, 10]);
        assert_eq!(steps(0, 9, 5), vec![0, 5]);
        assert!(steps(10, 0, 5).is_empty() && steps(0, 10, 0).is_empty());
        assert_eq!(
            steps(0, i64::MAX, 1).len() as i64,
            crate::promapi::MAX_POINTS
        );
    }
}
