//! A bound on how deeply a rule file's YAML nests, checked before the YAML
//! parser sees it: the parser takes quadratic time in the nesting depth
//! (100,000 levels of `[` took 37 s), and a rule file needs a handful.

/// The deepest nesting a rule file may use: flow collections (`[`, `{`)
/// inside each other plus block sequences opened on one line (`- - -`).
pub const MAX_YAML_DEPTH: usize = 64;

/// `Err((line, column, message))` when `text` nests deeper than
/// [`MAX_YAML_DEPTH`]; line and column count from 1.
pub fn check(text: &str) -> Result<(), (usize, usize, String)> {
    let too_deep = |line: usize, col: usize| {
        Err((
            line + 1,
            col + 1,
            format!("YAML nests deeper than {MAX_YAML_DEPTH} levels"),
        ))
    };
    let mut flow = 0usize;
    for (n, line) in text.lines().enumerate() {
        let b = line.as_bytes();
        let mut i = 0;
        // Block sequence entries opened on this line: `- - - x`.
        let mut dashes = 0usize;
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'-' | b'?') {
            if b[i] != b' ' && b[i] != b'\t' {
                if b.get(i + 1).is_some_and(|c| !matches!(c, b' ' | b'\t')) {
                    break;
                }
                dashes += 1;
                if dashes > MAX_YAML_DEPTH {
                    return too_deep(n, i);
                }
            }
            i += 1;
        }
        while i < b.len() {
            match b[i] {
                b'#' if i == 0 || matches!(b[i - 1], b' ' | b'\t') => break,
                q @ (b'"' | b'\'') if flow > 0 || i == 0 || matches!(b[i - 1], b' ' | b':') => {
                    // A quoted scalar on this line (multi-line ones are rare
                    // in rule files; their brackets count, which errs safe).
                    i += 1;
                    while i < b.len() && b[i] != q {
                        if q == b'"' && b[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                }
                b'[' | b'{' => {
                    flow += 1;
                    if flow + dashes > MAX_YAML_DEPTH {
                        return too_deep(n, i);
                    }
                }
                b']' | b'}' => flow = flow.saturating_sub(1),
                _ => {}
            }
            i += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_files_pass() {
        let text = "groups:\n- name: g # [[[\n  rules:\n  - alert: A\n    expr: sum(x{a=\"[\"}) > 1\n    labels: {severity: page, x: [1, 2]}\n    annotations:\n      summary: '{{ $labels.a }} [[['\n";
        assert_eq!(check(text), Ok(()));
    }

    #[test]
    fn deep_flow_and_block_nesting_is_refused_where_it_passes_the_limit() {
        let deep = format!("groups: {}", "[".repeat(100_000));
        let (line, col, msg) = check(&deep).unwrap_err();
        assert_eq!((line, col), (1, 9 + MAX_YAML_DEPTH));
        assert!(msg.contains("64"), "{msg}");
        let deep = format!("x:\n{}y", "- ".repeat(1000));
        assert_eq!(check(&deep).unwrap_err().0, 2);
        let ok = format!(
            "x: {}1{}",
            "[".repeat(MAX_YAML_DEPTH),
            "]".repeat(MAX_YAML_DEPTH)
        );
        assert_eq!(check(&ok), Ok(()));
    }
}
