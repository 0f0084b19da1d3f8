//! Per-target limits on what one scrape may bring, as Prometheus's
//! `sample_limit`, `label_limit`, `label_name_length_limit` and
//! `label_value_length_limit`, with defaults that protect a shared host.
//!
//! A scrape that breaks one of them fails as a whole: the target is down
//! with the reason as its error and nothing of that page is stored.

use crate::vocab::labels::Labels;

/// Default `sample_limit`: samples on one page (a node_exporter page has
/// 500 to 2,300).
pub const DEFAULT_SAMPLE_LIMIT: u64 = 50_000;
/// Default `label_limit`: labels of one series, `__name__` and the
/// target's labels included.
pub const DEFAULT_LABEL_LIMIT: u64 = 64;
/// Default `label_name_length_limit`, bytes.
pub const DEFAULT_LABEL_NAME_LENGTH_LIMIT: u64 = 256;
/// Default `label_value_length_limit`, bytes.
pub const DEFAULT_LABEL_VALUE_LENGTH_LIMIT: u64 = 4_096;
/// Default `target_limit`: targets one file_sd file may list.
pub const DEFAULT_TARGET_LIMIT: u64 = 1_000;

/// The limits of one target. Zero means no limit, as in Prometheus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScrapeLimits {
    pub sample_limit: u64,
    pub label_limit: u64,
    pub label_name_length_limit: u64,
    pub label_value_length_limit: u64,
}

impl Default for ScrapeLimits {
    fn default() -> Self {
        ScrapeLimits {
            sample_limit: DEFAULT_SAMPLE_LIMIT,
            label_limit: DEFAULT_LABEL_LIMIT,
            label_name_length_limit: DEFAULT_LABEL_NAME_LENGTH_LIMIT,
            label_value_length_limit: DEFAULT_LABEL_VALUE_LENGTH_LIMIT,
        }
    }
}

/// Limits given in one place of the configuration (top level, a
/// `[[target]]` or a `file_sd` table); unset ones come from the level above.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LimitOverrides {
    pub sample_limit: Option<u64>,
    pub label_limit: Option<u64>,
    pub label_name_length_limit: Option<u64>,
    pub label_value_length_limit: Option<u64>,
}

impl LimitOverrides {
    /// `base` with the limits set here replacing its own.
    pub fn over(&self, base: ScrapeLimits) -> ScrapeLimits {
        ScrapeLimits {
            sample_limit: self.sample_limit.unwrap_or(base.sample_limit),
            label_limit: self.label_limit.unwrap_or(base.label_limit),
            label_name_length_limit: self
                .label_name_length_limit
                .unwrap_or(base.label_name_length_limit),
            label_value_length_limit: self
                .label_value_length_limit
                .unwrap_or(base.label_value_length_limit),
        }
    }
}

fn over(limit: u64, n: u64) -> bool {
    limit != 0 && n > limit
}

impl ScrapeLimits {
    /// The error of a page holding `samples` samples, if that is too many.
    pub fn check_samples(&self, samples: u64) -> Option<String> {
        over(self.sample_limit, samples).then(|| {
            format!(
                "sample limit exceeded: more than {} samples on the page (sample_limit)",
                self.sample_limit
            )
        })
    }

    /// The error of a series with these labels (target labels attached),
    /// if one breaks a label limit.
    pub fn check_labels(&self, labels: &Labels) -> Option<String> {
        let name = labels.name().unwrap_or_default();
        let n = labels.len() as u64;
        if over(self.label_limit, n) {
            return Some(format!(
                "label limit exceeded: series {} has {n} labels, more than label_limit {}",
                clip(name),
                self.label_limit
            ));
        }
        for (l, v) in labels.iter() {
            if over(self.label_name_length_limit, l.len() as u64) {
                return Some(format!(
                    "label name length limit exceeded: series {} has a label name of {} bytes, more than label_name_length_limit {}",
                    clip(name),
                    l.len(),
                    self.label_name_length_limit
                ));
            }
            if over(self.label_value_length_limit, v.len() as u64) {
                return Some(format!(
                    "label value length limit exceeded: series {} has label {} of {} bytes, more than label_value_length_limit {}",
                    clip(name),
                    clip(l),
                    v.len(),
                    self.label_value_length_limit
                ));
            }
        }
        None
    }
}

/// `s` cut to 64 characters for an error line.
fn clip(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_admit_a_node_exporter_page_and_zero_means_none() {
        let l = ScrapeLimits::default();
        assert_eq!(l.check_samples(2_300), None);
        assert!(l
            .check_samples(50_001)
            .unwrap()
            .contains("sample limit exceeded"));
        let none = LimitOverrides {
            sample_limit: Some(0),
            ..Default::default()
        }
        .over(l);
        assert_eq!(none.check_samples(u64::MAX), None);
        assert_eq!(none.label_limit, DEFAULT_LABEL_LIMIT);
    }

    #[test]
    fn label_limits_name_the_series() {
        let l = ScrapeLimits {
            label_limit: 2,
            label_name_length_limit: 8,
            label_value_length_limit: 3,
            ..Default::default()
        };
        let ok = Labels::from_pairs([("__name__", "m"), ("a", "xyz")]);
        assert_eq!(l.check_labels(&ok), None);
        let many = Labels::from_pairs([("__name__", "m"), ("a", "1"), ("b", "2")]);
        assert!(l
            .check_labels(&many)
            .unwrap()
            .starts_with("label limit exceeded: series m has 3"));
        let name = Labels::from_pairs([("__name__", "m"), ("abcdefghi", "1")]);
        assert!(l.check_labels(&name).unwrap().contains("label name length"));
        let value = Labels::from_pairs([("__name__", "m"), ("a", "1234")]);
        assert!(l
            .check_labels(&value)
            .unwrap()
            .contains("label value length"));
    }
}
