//! What a scrape adds to the exposed samples: the target's labels and the
//! per-target series `up`, `scrape_duration_seconds` and
//! `scrape_samples_scraped`, as Prometheus does.

use super::{ScrapeResult, ScrapedSample, Target};
use crate::vocab::labels::{Labels, METRIC_NAME};

impl Target {
    /// The labels every series of this target carries: `job`, `instance`
    /// and the extra target labels.
    pub fn target_labels(&self) -> Labels {
        let mut l = self.labels.clone();
        l.set("job", &self.job);
        l.set("instance", &self.instance);
        l
    }

    /// `exposed` with the target's labels attached. An exposed label that
    /// clashes with a target label is kept as `exported_NAME` (Prometheus'
    /// `honor_labels: false`).
    pub fn attach_labels(&self, exposed: &Labels) -> Labels {
        let target = self.target_labels();
        let mut out = exposed.clone();
        let mut clashes: Vec<(&str, &str)> = Vec::new();
        for (name, value) in target.iter() {
            if let Some(clash) = exposed.get(name) {
                clashes.push((name, clash));
            }
            out.set(name, value);
        }
        // shortest names first, each to the first free exported_… name
        clashes.sort_by_key(|(name, _)| name.len());
        for (name, value) in clashes {
            let mut renamed = format!("exported_{name}");
            while out.get(&renamed).is_some() {
                renamed.insert_str(0, "exported_");
            }
            out.set(&renamed, value);
        }
        out
    }
}

impl ScrapeResult {
    /// `up` (1 for a page, 0 for a failure), `scrape_duration_seconds` and
    /// `scrape_samples_scraped` for this scrape, labelled with the target's
    /// labels and stamped with the scrape's start. For a page still in its
    /// body the sample count is not known here (0): the engine writes these
    /// series itself when it parses the body (`Engine::apply_body`).
    pub fn synthetic_samples(&self) -> Vec<ScrapedSample> {
        let (up, samples) = match &self.outcome {
            Ok(page) => (1.0, page.samples.len() as f64),
            Err(_) => (0.0, 0.0),
        };
        let base = self.target.target_labels();
        [
            ("up", up),
            ("scrape_duration_seconds", self.duration.as_secs_f64()),
            ("scrape_samples_scraped", samples),
        ]
        .into_iter()
        .map(|(name, value)| {
            let mut labels = base.clone();
            labels.set(METRIC_NAME, name);
            ScrapedSample {
                labels,
                value,
                timestamp_ms: Some(self.time_ms),
                exemplar: None,
            }
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Page, ScrapeError};
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn target() -> Target {
        Target {
            url: "http://h:1/metrics".into(),
            job: "node".into(),
            instance: "h:1".into(),
            labels: Labels::from_pairs([("env", "prod")]),
            ..Default::default()
        }
    }

    #[test]
    fn attaches_target_labels() {
        let t = target();
        let exposed = Labels::from_pairs([("__name__", "m"), ("code", "200")]);
        assert_eq!(
            t.attach_labels(&exposed),
            Labels::from_pairs([
                ("__name__", "m"),
                ("code", "200"),
                ("env", "prod"),
                ("instance", "h:1"),
                ("job", "node"),
            ])
        );
    }

    #[test]
    fn clashing_labels_are_exported() {
        let t = target();
        let exposed = Labels::from_pairs([
            ("__name__", "m"),
            ("job", "app"),
            ("exported_job", "older"),
            ("env", "dev"),
        ]);
        let got = t.attach_labels(&exposed);
        assert_eq!(got.get("job"), Some("node"));
        assert_eq!(got.get("exported_job"), Some("older"));
        assert_eq!(got.get("exported_exported_job"), Some("app"));
        assert_eq!(got.get("env"), Some("prod"));
        assert_eq!(got.get("exported_env"), Some("dev"));
    }

    #[test]
    fn synthetic_series() {
        let mut r = ScrapeResult {
            target: Arc::new(target()),
            time_ms: 1_000,
            duration: Duration::from_millis(250),
            outcome: Ok(Page {
                samples: vec![ScrapedSample {
                    labels: Labels::from_pairs([("__name__", "m")]),
                    value: 1.0,
                    timestamp_ms: None,
                    exemplar: None,
                }],
                ..Page::default()
            }),
        };
        let s = r.synthetic_samples();
        let get = |s: &[ScrapedSample], n: &str| {
            s.iter()
                .find(|x| x.labels.name() == Some(n))
                .map(|x| x.value)
        };
        assert_eq!(get(&s, "up"), Some(1.0));
        assert_eq!(get(&s, "scrape_duration_seconds"), Some(0.25));
        assert_eq!(get(&s, "scrape_samples_scraped"), Some(1.0));
        assert!(s.iter().all(|x| x.timestamp_ms == Some(1_000)));
        assert!(s.iter().all(|x| x.labels.get("instance") == Some("h:1")));
        r.outcome = Err(ScrapeError::Timeout(Duration::from_secs(1)));
        let s = r.synthetic_samples();
        assert_eq!(get(&s, "up"), Some(0.0));
        assert_eq!(get(&s, "scrape_samples_scraped"), Some(0.0));
    }

    #[test]
    fn an_unparsed_page_parses_on_demand() {
        let body = |text: &str| Page {
            body: Some(super::super::Body {
                bytes: text.as_bytes().to_vec(),
                content_type: Some("text/plain; version=0.0.4".into()),
            }),
            ..Page::default()
        };
        let page = body("a 1\nbad\nb{x=\"y\"} 2\n").parsed().unwrap();
        assert_eq!(page.samples.len(), 2);
        assert_eq!(page.invalid_lines, 1);
        assert_eq!((page.bytes, page.body), (19, None));
        let err = body("bad\n").parsed().unwrap_err();
        assert!(matches!(err, ScrapeError::NoSamples(Some(_))), "{err}");
        let parsed = Page::default();
        assert_eq!(parsed.clone().parsed(), Ok(parsed));
    }
}
