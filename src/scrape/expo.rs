//! The exposition-format parser (text format 0.0.4 and OpenMetrics 1.0).

/// A metric family's type as declared by `# TYPE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    #[default]
    Untyped,
}

/// Parses one exposition page. Minimal text-format reader: `name{labels} value [ts]`
/// lines, `#` lines skipped, anything else counted as invalid.
pub fn parse_page(body: &[u8], _content_type: Option<&str>) -> crate::scrape::Page {
    let mut page = crate::scrape::Page {
        bytes: body.len() as u64,
        ..Default::default()
    };
    for (i, line) in String::from_utf8_lossy(body).lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Some(s) => page.samples.push(s),
            None => {
                page.invalid_lines += 1;
                if page.first_error.is_none() {
                    page.first_error = Some(format!("line {}: invalid sample", i + 1));
                }
            }
        }
    }
    page
}

fn parse_line(line: &str) -> Option<crate::scrape::ScrapedSample> {
    let (series, rest) = match line.find('{') {
        Some(open) => {
            let close = line.rfind('}')?;
            (&line[..=close.max(open)], &line[close + 1..])
        }
        None => line.split_at(line.find(' ')?),
    };
    let name = series.split('{').next()?;
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    if !name_ok(name) {
        return None;
    }
    let mut pairs = vec![(crate::labels::METRIC_NAME.to_string(), name.to_string())];
    if let Some(inner) = series.strip_prefix(name).and_then(|s| s.strip_prefix('{')) {
        for pair in inner
            .trim_end_matches('}')
            .split(',')
            .filter(|p| !p.is_empty())
        {
            let (k, v) = pair.split_once('=')?;
            let v = v.trim().strip_prefix('"')?.strip_suffix('"')?;
            pairs.push((k.trim().to_string(), v.to_string()));
        }
    }
    let mut fields = rest.split_whitespace();
    let value = match fields.next()? {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    let timestamp_ms = match fields.next() {
        Some(t) => Some(t.parse().ok()?),
        None => None,
    };
    Some(crate::scrape::ScrapedSample {
        labels: crate::labels::Labels::from_pairs(pairs),
        value,
        timestamp_ms,
        exemplar: None,
    })
}
