//! The unit of an expression typed by hand (`:expr`, `--expr`), read from
//! its shape and metric names as the detected panels' units are chosen:
//! `histogram_quantile` over `*_seconds_bucket` is seconds, a rate of a
//! counter is per second, a counter's rate over another's (errors over
//! requests) is a ratio, `*_bytes` is bytes. `unit=NAME EXPR` overrides it.

use crate::frame::Unit;
use crate::promql::Expr;
use promql_parser::parser::token;

/// Splits `unit=NAME ` off the front of an ad hoc expression: the unit
/// named (`seconds`, `ratio`, `per_second`, `count`, `bytes`, `cores`,
/// `none`) and the expression. Text without it is returned whole; an
/// unknown unit is an error naming the known ones.
pub fn split_unit(text: &str) -> Result<(Option<Unit>, &str), String> {
    let t = text.trim_start();
    let Some(rest) = t.strip_prefix("unit=") else {
        return Ok((None, text));
    };
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let unit = match &rest[..end] {
        "seconds" => Unit::Seconds,
        "ratio" | "percent" => Unit::Ratio,
        "per_second" => Unit::PerSecond,
        "count" => Unit::Count,
        "bytes" => Unit::Bytes,
        "cores" => Unit::Cores,
        "none" => Unit::None,
        other => {
            return Err(format!(
                "unit={other}: unknown unit; expected seconds, ratio, per_second, count, bytes, cores or none"
            ))
        }
    };
    Ok((Some(unit), rest[end..].trim_start()))
}

/// The unit of `expr`, `Unit::None` when its shape does not say.
pub fn infer(expr: &Expr) -> Unit {
    match expr {
        Expr::Paren(p) => infer(&p.expr),
        Expr::VectorSelector(vs) => name_unit(vs.name.as_deref().unwrap_or("")),
        Expr::MatrixSelector(ms) => name_unit(ms.vs.name.as_deref().unwrap_or("")),
        Expr::Subquery(s) => infer(&s.expr),
        Expr::Unary(u) => infer(&u.expr),
        Expr::Aggregate(a) => match a.op.id() {
            token::T_COUNT | token::T_COUNT_VALUES => Unit::Count,
            _ => infer(&a.expr),
        },
        Expr::Call(c) => call(c.func.name, &c.args.args),
        Expr::Binary(b) => binary(b.op.id(), &b.lhs, &b.rhs, b.return_bool()),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => Unit::None,
    }
}

/// The unit a metric's name says, for its raw value.
fn name_unit(name: &str) -> Unit {
    let base = name
        .strip_suffix("_total")
        .or_else(|| name.strip_suffix("_bucket"))
        .or_else(|| name.strip_suffix("_sum"))
        .unwrap_or(name);
    if base.ends_with("_seconds") {
        Unit::Seconds
    } else if base.ends_with("_bytes") {
        Unit::Bytes
    } else if base.ends_with("_ratio") {
        Unit::Ratio
    } else if name.ends_with("_total") || name.ends_with("_count") {
        Unit::Count
    } else {
        Unit::None
    }
}

/// The first metric name an expression selects.
fn first_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::VectorSelector(vs) => vs.name.as_deref(),
        Expr::MatrixSelector(ms) => ms.vs.name.as_deref(),
        Expr::Paren(p) => first_name(&p.expr),
        Expr::Subquery(s) => first_name(&s.expr),
        Expr::Unary(u) => first_name(&u.expr),
        Expr::Aggregate(a) => first_name(&a.expr),
        Expr::Call(c) => c.args.args.iter().find_map(|a| first_name(a)),
        Expr::Binary(b) => first_name(&b.lhs).or_else(|| first_name(&b.rhs)),
        _ => None,
    }
}

fn call(name: &str, args: &[Box<Expr>]) -> Unit {
    let arg = |i: usize| args.get(i).map(|a| a.as_ref());
    match name {
        "histogram_quantile" => match arg(1).and_then(first_name) {
            Some(n) if n.ends_with("_seconds_bucket") => Unit::Seconds,
            Some(n) if n.ends_with("_bytes_bucket") => Unit::Bytes,
            _ => Unit::None,
        },
        "rate" | "irate" => match arg(0).and_then(first_name) {
            // CPU seconds per second: cores busy.
            Some(n) if n.contains("cpu") && n.ends_with("_seconds_total") => Unit::Cores,
            // Bytes or seconds per second have no unit of their own.
            Some(n) if n.ends_with("_bytes_total") || n.ends_with("_seconds_total") => Unit::None,
            Some(_) => Unit::PerSecond,
            None => Unit::None,
        },
        "increase" | "resets" | "changes" | "count_over_time" => Unit::Count,
        "avg_over_time" | "min_over_time" | "max_over_time" | "last_over_time"
        | "quantile_over_time" | "abs" | "ceil" | "floor" | "round" | "clamp" | "clamp_min"
        | "clamp_max" | "sort" | "sort_desc" | "label_replace" | "label_join" | "sum_over_time" => {
            // The quantile's first argument is the quantile itself.
            let at = usize::from(name == "quantile_over_time");
            arg(at).map_or(Unit::None, infer)
        }
        _ => Unit::None,
    }
}

fn binary(op: token::TokenId, lhs: &Expr, rhs: &Expr, bool_: bool) -> Unit {
    let number = |e: &Expr| matches!(strip(e), Expr::NumberLiteral(_));
    let (l, r) = (infer(lhs), infer(rhs));
    match op {
        // A filter keeps the values it compares.
        token::T_GTR
        | token::T_LSS
        | token::T_GTE
        | token::T_LTE
        | token::T_EQLC
        | token::T_NEQ => {
            if bool_ {
                Unit::None
            } else if number(rhs) {
                l
            } else if number(lhs) {
                r
            } else {
                l
            }
        }
        token::T_DIV => {
            // sum / count of a summary or histogram: its mean, in its unit.
            if let (Some(a), Some(b)) = (first_name(lhs), first_name(rhs)) {
                if let (Some(sa), Some(sb)) = (a.strip_suffix("_sum"), b.strip_suffix("_count")) {
                    if sa == sb {
                        return name_unit(sa);
                    }
                }
            }
            if number(rhs) {
                l
            } else if l == r && l != Unit::None {
                // Like over like (errors over requests, used over limit).
                Unit::Ratio
            } else {
                Unit::None
            }
        }
        token::T_ADD | token::T_SUB => match (l, r) {
            (l, r) if l == r => l,
            (l, _) if number(rhs) => l,
            (_, r) if number(lhs) => r,
            _ => Unit::None,
        },
        token::T_MUL => match (number(lhs), number(rhs)) {
            (false, true) => l,
            (true, false) => r,
            _ => Unit::None,
        },
        token::T_LAND | token::T_LUNLESS => l,
        token::T_LOR if l == r => l,
        _ => Unit::None,
    }
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(text: &str) -> Unit {
        infer(&crate::promql::parse(text).unwrap())
    }

    #[test]
    fn units_follow_the_shape_and_the_names() {
        for (text, want) in [
            (
                "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))",
                Unit::Seconds,
            ),
            (
                r#"sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))"#,
                Unit::Ratio,
            ),
            ("sum(rate(http_requests_total[1m]))", Unit::PerSecond),
            ("rate(process_cpu_seconds_total[1m])", Unit::Cores),
            ("process_resident_memory_bytes", Unit::Bytes),
            (
                "process_resident_memory_bytes / app_memory_limit_bytes",
                Unit::Ratio,
            ),
            (
                "rate(http_request_duration_seconds_sum[1m]) / rate(http_request_duration_seconds_count[1m])",
                Unit::Seconds,
            ),
            ("count(up == 1)", Unit::Count),
            ("max(app_queue_fill_ratio) > 0.8", Unit::Ratio),
            ("avg_over_time(process_resident_memory_bytes[5m])", Unit::Bytes),
            ("increase(http_requests_total[5m])", Unit::Count),
            ("app_queue_depth", Unit::None),
            ("time()", Unit::None),
            ("up == bool 1", Unit::None),
            ("rate(node_network_receive_bytes_total[1m])", Unit::None),
        ] {
            assert_eq!(unit(text), want, "{text}");
        }
    }

    #[test]
    fn unit_equals_overrides_the_guess() {
        assert_eq!(
            split_unit("unit=ratio app_queue_depth / 1000"),
            Ok((Some(Unit::Ratio), "app_queue_depth / 1000"))
        );
        assert_eq!(
            split_unit("  unit=seconds x"),
            Ok((Some(Unit::Seconds), "x"))
        );
        assert!(split_unit("unit=parsecs x")
            .unwrap_err()
            .starts_with("unit=parsecs: unknown unit"));
        assert_eq!(split_unit("up"), Ok((None, "up")));
    }
}
