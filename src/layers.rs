//! The layer order of the crate, written once, and the test that holds
//! every source file to it: a top-level module may import (`crate::…`)
//! only the modules listed before it. A strict order leaves no room for an
//! import cycle between top-level modules. docs/architecture.md draws the
//! same layers.

/// Lowest first. Within a layer the modules are ordered too: each may use
/// the ones before it.
const LAYERS: &[(&str, &[&str])] = &[
    // Label sets, durations, severities, alert states, the metric
    // catalog, XDG paths, RFC 3339: imports nothing of the crate.
    ("vocabulary", &["vocab"]),
    // Talking to the outside world and keeping samples: HTTP credentials,
    // the series store, scraping and its parser, PromQL over the store, the
    // HTTP API client of a Prometheus-compatible server, the demo fleet.
    (
        "adapters",
        &[
            "net", "store", "scrape", "record", "promql", "promapi", "demo",
        ],
    ),
    // What the dashboard computes, without I/O of its own: the published
    // picture, detection, alert state machines, settings.
    ("domain", &["frame", "detect", "alerts", "config"]),
    // The single owner of state: one tick, one frame.
    ("engine", &["engine"]),
    // The alert log and acks state file, Alertmanager, the webhook.
    ("sinks", &["sinks"]),
    // The snapshot JSON and Markdown, shared number formatting.
    ("reports", &["report"]),
    // The terminal.
    ("tui", &["theme", "tui"]),
    // Wiring (tasks, channels, run loops, headless collects), then the
    // command line that parses, dispatches and prints.
    ("application", &["app", "cli"]),
];

#[cfg(test)]
mod tests {
    use super::LAYERS;
    use std::path::{Path, PathBuf};

    /// The position of a top-level module in the order.
    fn rank(module: &str) -> Option<usize> {
        LAYERS
            .iter()
            .flat_map(|(_, ms)| ms.iter())
            .position(|m| *m == module)
    }

    fn layer_of(module: &str) -> &'static str {
        LAYERS
            .iter()
            .find(|(_, ms)| ms.contains(&module))
            .map_or("?", |(l, _)| l)
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// `text` without comments, string and character literals (their
    /// bytes become spaces, so line numbers stay).
    fn code_only(text: &str) -> String {
        let b = text.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        let blank = |c: u8| if c == b'\n' { b'\n' } else { b' ' };
        while i < b.len() {
            let rest = &b[i..];
            if rest.starts_with(b"//") {
                while i < b.len() && b[i] != b'\n' {
                    out.push(b' ');
                    i += 1;
                }
            } else if rest.starts_with(b"/*") {
                let mut depth = 0;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        out.extend([b' ', b' ']);
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        out.extend([b' ', b' ']);
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        out.push(blank(b[i]));
                        i += 1;
                    }
                }
            } else if rest.starts_with(b"r#\"") || rest.starts_with(b"r\"") {
                // Raw string: r#"…"#, with as many # on both ends.
                let hashes = rest[1..].iter().take_while(|c| **c == b'#').count();
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                let start = i + 2 + hashes;
                let end = b[start..]
                    .windows(close.len())
                    .position(|w| w == close.as_slice())
                    .map_or(b.len(), |p| start + p + close.len());
                out.extend(b[i..end].iter().map(|c| blank(*c)));
                i = end;
            } else if b[i] == b'"' {
                out.push(b' ');
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    let n = if b[i] == b'\\' { 2 } else { 1 };
                    for _ in 0..n.min(b.len() - i) {
                        out.push(blank(b[i]));
                        i += 1;
                    }
                }
                out.push(b' ');
                i += 1;
            } else if b[i] == b'\'' && char_literal_len(rest).is_some() {
                let n = char_literal_len(rest).unwrap();
                out.extend(std::iter::repeat_n(b' ', n));
                i += n;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        out.truncate(b.len());
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The length of a character literal at the start of `s` (`'a'`,
    /// `'\n'`, `'\''`, `'\u{1F600}'`, a multi-byte char), None for a
    /// lifetime (`'a`).
    fn char_literal_len(s: &[u8]) -> Option<usize> {
        if s.get(1) == Some(&b'\\') {
            let close = s.iter().skip(3).position(|c| *c == b'\'')?;
            return Some(close + 4);
        }
        let end = s.len().min(6);
        let tail = (2..=end)
            .rev()
            .find_map(|n| std::str::from_utf8(&s[1..n]).ok())?;
        let n = 1 + tail.chars().next()?.len_utf8();
        (s.get(n) == Some(&b'\'')).then_some(n + 1)
    }

    /// The top-level modules a `crate::` path names: `crate::a::b` names
    /// `a`; `crate::{a::b, c}` names `a` and `c`.
    fn named(after: &str) -> Vec<String> {
        let after = after.trim_start();
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 0;
            let mut items = vec![String::new()];
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(String::new());
                        continue;
                    }
                    _ => {}
                }
                items.last_mut().unwrap().push(c);
            }
            items
                .iter()
                .filter_map(|i| first_ident(i.trim()))
                .filter(|i| i != "self")
                .collect()
        } else {
            first_ident(after).into_iter().collect()
        }
    }

    fn first_ident(s: &str) -> Option<String> {
        let id: String = s
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        (!id.is_empty()).then_some(id)
    }

    /// Every `crate::` import of the crate's source files: (file, line,
    /// importing module, imported module).
    fn imports() -> Vec<(String, usize, String, String)> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![];
        rust_files(&src, &mut files);
        files.sort();
        let mut out = vec![];
        for f in files {
            let rel = f.strip_prefix(&src).unwrap();
            let first = rel.components().next().unwrap().as_os_str();
            let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
            if module == "lib" || module == "main" {
                continue;
            }
            let code = code_only(&std::fs::read_to_string(&f).unwrap());
            for (n, line) in code.lines().enumerate() {
                let mut rest = line;
                while let Some(i) = rest.find("crate::") {
                    let boundary = rest[..i]
                        .chars()
                        .last()
                        .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
                    let tail = &rest[i + "crate::".len()..];
                    if boundary {
                        // A group may span lines: read on from here.
                        let from = code.lines().skip(n).collect::<Vec<_>>().join("\n");
                        let at = from.find(tail).unwrap_or(0);
                        for m in named(&from[at..]) {
                            if m != module {
                                out.push((rel.display().to_string(), n + 1, module.clone(), m));
                            }
                        }
                    }
                    rest = tail;
                }
            }
        }
        out
    }

    #[test]
    fn every_top_level_module_has_a_layer() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut missing = vec![];
        for e in std::fs::read_dir(&src).unwrap().flatten() {
            let name = e
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if !["lib", "main", "layers"].contains(&name.as_str()) && rank(&name).is_none() {
                missing.push(name);
            }
        }
        assert!(
            missing.is_empty(),
            "modules not in src/layers.rs LAYERS: {missing:?}"
        );
    }

    #[test]
    fn imports_only_go_down_the_layers() {
        let found = imports();
        assert!(found.len() > 100, "the scan reads imports: {}", found.len());
        let wrong: Vec<String> = found
            .iter()
            .filter(|(_, _, from, to)| match (rank(from), rank(to)) {
                (Some(a), Some(b)) => b >= a,
                _ => true,
            })
            .map(|(file, line, from, to)| {
                format!(
                    "src/{file}:{line}: {from} ({}) imports {to} ({})",
                    layer_of(from),
                    layer_of(to)
                )
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "imports against the layer order of src/layers.rs:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn the_scan_sees_groups_and_skips_comments_and_strings() {
        let code = code_only(
            "use crate::{a::X, b::{c, d}, self};\n// crate::e\nlet s = \"crate::f\"; let c = '\"'; let r = r#\"crate::g\"#;\n/* crate::h */ crate::i::j();\nfn f<'a>(x: &'a str) {}",
        );
        assert!(!code.contains("crate::e") && !code.contains("crate::f"));
        assert!(!code.contains("crate::g") && !code.contains("crate::h"));
        assert_eq!(named("{a::X, b::{c, d}, self};"), ["a", "b"]);
        assert_eq!(named("i::j();"), ["i"]);
        assert!(code.contains("crate::i::j") && code.contains("fn f<'a>(x: &'a str)"));
    }
}
