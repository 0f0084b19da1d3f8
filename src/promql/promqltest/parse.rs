//! Parsing of Prometheus's test-file format: commands, series
//! descriptions and the expanding value notation.

use crate::vocab::labels::{Labels, METRIC_NAME};
use crate::vocab::STALE_NAN;

/// One command of a test file.
#[derive(Debug, Clone)]
pub(crate) enum Command {
    Load {
        step_ms: i64,
        series: Vec<(Labels, Vec<Option<f64>>)>,
    },
    Clear,
    Eval(EvalCase),
}

/// An `eval` command and what it expects.
#[derive(Debug, Clone)]
pub(crate) struct EvalCase {
    pub line: usize,
    pub text: String,
    pub expr: String,
    pub t_ms: i64,
    pub fail: bool,
    pub ordered: bool,
    /// Expected samples in order (`None` labels = a scalar).
    pub expected: Vec<(Option<Labels>, f64)>,
}

/// Parses a duration such as `5m`, `1h30m`, `100ms` into milliseconds.
pub(crate) fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s == "0" {
        return Some(0);
    }
    let mut total: i64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let mult = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            "y" => 31_536_000_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(mult)?)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// Parses a number as the test format writes them (`NaN`, `Inf`, `-Inf`...).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let v = s.parse::<f64>().ok();
    if v.is_some() {
        return v;
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|v| v as f64);
    }
    None
}

/// Splits `metric{a="b"} rest` into labels and the rest of the line.
pub(crate) fn parse_series_desc(line: &str) -> Result<(Labels, &str), String> {
    let line = line.trim();
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let mut pairs: Vec<(String, String)> = Vec::new();
    if name_end > 0 {
        pairs.push((METRIC_NAME.to_string(), line[..name_end].to_string()));
    }
    let mut rest = &line[name_end..];
    if let Some(body) = rest.strip_prefix('{') {
        let mut chars = body.char_indices().peekable();
        let consumed;
        loop {
            while chars
                .peek()
                .is_some_and(|(_, c)| c.is_whitespace() || *c == ',')
            {
                chars.next();
            }
            match chars.peek() {
                None => return Err(format!("unterminated label set in {line:?}")),
                Some(&(i, '}')) => {
                    consumed = i + 1;
                    break;
                }
                _ => {}
            }
            let mut name = String::new();
            while let Some(&(_, c)) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    name.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                chars.next();
            }
            if name.is_empty() || chars.next().map(|x| x.1) != Some('=') {
                return Err(format!("bad label in {line:?}"));
            }
            while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                chars.next();
            }
            let quote = match chars.next() {
                Some((_, q @ ('"' | '\'' | '`'))) => q,
                _ => return Err(format!("label value must be quoted in {line:?}")),
            };
            let mut value = String::new();
            loop {
                match chars.next() {
                    None => return Err(format!("unterminated label value in {line:?}")),
                    Some((_, c)) if c == quote => break,
                    Some((_, '\\')) if quote != '`' => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, 't')) => value.push('\t'),
                        Some((_, c)) => value.push(c),
                        None => return Err(format!("bad escape in {line:?}")),
                    },
                    Some((_, c)) => value.push(c),
                }
            }
            pairs.push((name, value));
        }
        rest = &body[consumed..];
    } else if name_end == 0 {
        return Err(format!("expected a series description: {line:?}"));
    }
    Ok((Labels::from_pairs(pairs), rest.trim()))
}

/// Expands `0+10x3 _ 5 stale 1x2 _x2` into values by step (None = gap).
pub(crate) fn parse_values(text: &str) -> Result<Vec<Option<f64>>, String> {
    let mut out = Vec::new();
    for tok in text.split_whitespace() {
        if tok == "_" {
            out.push(None);
            continue;
        }
        if tok == "stale" {
            out.push(Some(STALE_NAN));
            continue;
        }
        if let Some(n) = tok.strip_prefix("_x") {
            let n: usize = n.parse().map_err(|_| format!("bad repeat {tok:?}"))?;
            out.extend(std::iter::repeat_n(None, n));
            continue;
        }
        let Some(xpos) = tok
            .rfind('x')
            .filter(|&p| tok[p + 1..].chars().all(|c| c.is_ascii_digit()) && p + 1 < tok.len())
        else {
            out.push(Some(
                parse_number(tok).ok_or_else(|| format!("bad value {tok:?}"))?,
            ));
            continue;
        };
        let times: usize = tok[xpos + 1..]
            .parse()
            .map_err(|_| format!("bad repeat {tok:?}"))?;
        let base = &tok[..xpos];
        let bytes = base.as_bytes();
        let split = (1..bytes.len()).find(|&i| {
            (bytes[i] == b'+' || bytes[i] == b'-') && !matches!(bytes[i - 1], b'e' | b'E')
        });
        let (start, delta) = match split {
            Some(i) => {
                let d = parse_number(&base[i + 1..]).ok_or_else(|| format!("bad value {tok:?}"))?;
                let s = parse_number(&base[..i]).ok_or_else(|| format!("bad value {tok:?}"))?;
                (s, if bytes[i] == b'-' { -d } else { d })
            }
            None => (
                parse_number(base).ok_or_else(|| format!("bad value {tok:?}"))?,
                0.0,
            ),
        };
        let mut k = start;
        for _ in 0..=times {
            out.push(Some(k));
            k += delta;
        }
    }
    Ok(out)
}

fn parse_eval(head: &str, line: usize, body: &[&str]) -> Result<EvalCase, String> {
    let (cmd, rest) = head
        .split_once(char::is_whitespace)
        .ok_or("eval without expression")?;
    let (fail, ordered) = match cmd {
        "eval" => (false, false),
        "eval_fail" => (true, false),
        "eval_ordered" => (false, true),
        _ => return Err(format!("unknown command {cmd:?}")),
    };
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("instant")
        .ok_or("only 'eval instant' is known")?
        .trim_start();
    let (t_ms, expr) = match rest.strip_prefix("at ") {
        Some(r) => {
            let r = r.trim_start();
            let (t, e) = r
                .split_once(char::is_whitespace)
                .ok_or("missing expression")?;
            (
                parse_duration_ms(t).ok_or_else(|| format!("bad time {t:?}"))?,
                e.trim(),
            )
        }
        None => (0, rest),
    };
    let mut expected = Vec::new();
    for l in body {
        if let Some(v) = parse_number(l) {
            expected.push((None, v));
            continue;
        }
        let (labels, vals) = parse_series_desc(l)?;
        let vals = parse_values(vals)?;
        match vals.as_slice() {
            [Some(v)] => expected.push((Some(labels), *v)),
            _ => return Err(format!("expected exactly one value in {l:?}")),
        }
    }
    Ok(EvalCase {
        line,
        text: head.to_string(),
        expr: expr.to_string(),
        t_ms,
        fail,
        ordered,
        expected,
    })
}

/// Parses a test file into commands; errors carry the line number.
pub(crate) fn parse_file(text: &str) -> Vec<Result<Command, (usize, String)>> {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| {
            let l = l.trim();
            if l.starts_with('#') {
                ""
            } else {
                l
            }
        })
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let head = lines[i];
        let line_no = i + 1;
        i += 1;
        if head.is_empty() {
            continue;
        }
        let word = head.split_whitespace().next().unwrap_or("");
        let start = i;
        while word != "clear" && i < lines.len() && !lines[i].is_empty() {
            i += 1;
        }
        let body = &lines[start..i];
        let cmd = match word {
            "clear" => Ok(Command::Clear),
            "load" => (|| {
                let step = head[4..].trim();
                let step_ms =
                    parse_duration_ms(step).ok_or_else(|| format!("bad step {step:?}"))?;
                let mut series = Vec::new();
                for l in body {
                    let (labels, vals) = parse_series_desc(l)?;
                    let vals = parse_values(vals)?;
                    // A later definition of the same series replaces it.
                    series.retain(|(l, _): &(Labels, _)| l != &labels);
                    series.push((labels, vals));
                }
                Ok(Command::Load { step_ms, series })
            })(),
            _ if word.starts_with("eval") => parse_eval(head, line_no, body).map(Command::Eval),
            _ => Err(format!("unknown command {head:?}")),
        };
        out.push(cmd.map_err(|e| (line_no, e)));
    }
    out
}
