//! How deep an expression may nest, measured on the text before the parser
//! sees it.
//!
//! `promql-parser` builds a tree whose every consumer recurses: its own
//! actions, dropping the tree, printing it, the evaluator and the walks over
//! selectors. A hostile or clumsy expression (`sum(sum(…))` 2,000 deep,
//! 10,000 terms of `1+1+…`, which is a left-deep tree 10,000 deep) would
//! overflow the stack and abort the process. Prometheus's parser has no
//! limit; no real query comes near [`MAX_DEPTH`].

/// The deepest tree an expression may build: brackets inside each other
/// plus the operators chained at each level (a chain of `n` binary
/// operators is a tree `n` deep).
pub const MAX_DEPTH: usize = 128;

/// One bracket level being scanned.
#[derive(Default)]
struct Frame {
    /// Operators in the current argument of this level.
    ops: usize,
    /// Most operators in any argument so far.
    max_ops: usize,
    /// Deepest tree among the groups closed inside this level.
    child: usize,
    /// Braces hold label matchers: `=`, `!=` and `=~` are not operators.
    braces: bool,
}

impl Frame {
    fn depth(&self) -> usize {
        self.ops.max(self.max_ops) + self.child
    }
}

/// The index of the quote that closes the string opening at `start` (`"`
/// and `'` with backslash escapes, `` ` `` raw), or `b.len()` when it is
/// never closed.
pub(super) fn string_end(b: &[u8], start: usize) -> usize {
    let quote = b[start];
    let mut i = start + 1;
    while i < b.len() && b[i] != quote {
        if quote != b'`' && b[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i.min(b.len())
}

/// Checks that `text` nests at most [`MAX_DEPTH`] deep; the error is the
/// message and the byte offset it points at.
pub fn check_depth(text: &str) -> Result<(), (String, usize)> {
    let too_deep = |at: usize| {
        Err((
            format!(
                "expression nests deeper than {MAX_DEPTH} levels of brackets and chained operators"
            ),
            at,
        ))
    };
    let b = text.as_bytes();
    let mut stack = vec![Frame::default()];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'"' | b'\'' | b'`' => i = string_end(b, i),
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                stack.push(Frame {
                    braces: c == b'{',
                    ..Frame::default()
                });
                if stack.len() > MAX_DEPTH {
                    return too_deep(i);
                }
            }
            b')' | b']' | b'}' if stack.len() > 1 => {
                let done = stack.pop().unwrap_or_default();
                let top = stack.last_mut().expect("root frame");
                top.child = top.child.max(done.depth() + 1);
                if top.depth() + stack.len() > MAX_DEPTH {
                    return too_deep(i);
                }
            }
            b',' => {
                let top = stack.last_mut().expect("root frame");
                top.max_ops = top.max_ops.max(top.ops);
                top.ops = 0;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'=' | b'!' | b'<' | b'>' | b'~' => {
                // A run such as `!=` or `>=` is one operator.
                while i + 1 < b.len() && matches!(b[i + 1], b'=' | b'~') {
                    i += 1;
                }
                if !stack.last().is_some_and(|f| f.braces) && count_op(&mut stack) {
                    return too_deep(i);
                }
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b':' || c == b'.' => {
                let start = i;
                while i + 1 < b.len() && is_word(b[i + 1]) {
                    i += 1;
                    // The sign of an exponent (`1e-3`) is part of the number.
                    if b[start].is_ascii_digit()
                        && matches!(b[i], b'e' | b'E')
                        && i + 1 < b.len()
                        && matches!(b[i + 1], b'+' | b'-')
                    {
                        i += 1;
                    }
                }
                let word = &text[start..=i];
                let keyword = ["and", "or", "unless", "atan2"]
                    .iter()
                    .any(|k| word.eq_ignore_ascii_case(k));
                if keyword && !stack.last().is_some_and(|f| f.braces) && count_op(&mut stack) {
                    return too_deep(start);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':' || c == b'.'
}

/// Counts one operator at the current level; true when the tree is now
/// too deep.
fn count_op(stack: &mut [Frame]) -> bool {
    let levels = stack.len();
    let top = stack.last_mut().expect("root frame");
    top.ops += 1;
    top.depth() + levels > MAX_DEPTH
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(open: &str, inner: &str, close: &str, n: usize) -> String {
        format!("{}{inner}{}", open.repeat(n), close.repeat(n))
    }

    #[test]
    fn real_queries_pass() {
        for q in [
            "histogram_quantile(0.99, sum by (le) (rate(x_bucket{a=~\"b|c\",d!=\"(\"}[5m])))",
            "1 - avg(rate(node_cpu_seconds_total{mode=\"idle\"}[1m])) by (instance) > 0.9",
            "a and b or c unless d # comment ((((",
            "x offset -5m + 1e-3 * 2E+4",
        ] {
            assert_eq!(check_depth(q), Ok(()), "{q}");
        }
    }

    #[test]
    fn deep_brackets_are_refused_at_the_bracket() {
        let q = nested("sum(", "up", ")", 2000);
        let (msg, at) = check_depth(&q).unwrap_err();
        assert!(msg.contains(&MAX_DEPTH.to_string()), "{msg}");
        assert_eq!(at, 4 * (MAX_DEPTH - 1) + 3);
        assert!(check_depth(&nested("(", "1", ")", 50_000)).is_err());
    }

    #[test]
    fn long_chains_are_refused_at_the_operator() {
        let q = vec!["1"; 10_000].join("+");
        let (_, at) = check_depth(&q).unwrap_err();
        assert_eq!(&q[at..at + 1], "+");
        assert_eq!(at, 2 * MAX_DEPTH - 1);
        let q = vec!["a"; 1000].join(" or ");
        assert!(check_depth(&q).is_err());
    }

    #[test]
    fn chains_inside_brackets_add_up() {
        // 100 brackets around 200 operators: 300 deep.
        let chain = vec!["1"; 201].join("+");
        let q = nested("(", &chain, ")", 100);
        assert!(check_depth(&q).is_err());
        // The group's operators count however late the group closes.
        let q = format!("({chain}){}", " * 2".repeat(100));
        assert!(check_depth(&q).is_err());
        // Separate arguments do not add up.
        let half = vec!["1"; 120].join("+");
        assert_eq!(check_depth(&format!("f({half}, {half}, {half})")), Ok(()));
    }

    #[test]
    fn matchers_and_strings_are_not_counted() {
        let q = format!("x{{a=\"{}\"}}", "(+".repeat(5000));
        assert_eq!(check_depth(&q), Ok(()));
        let labels: Vec<String> = (0..400).map(|i| format!("l{i}!=\"v\"")).collect();
        assert_eq!(check_depth(&format!("x{{{}}}", labels.join(","))), Ok(()));
    }
}
