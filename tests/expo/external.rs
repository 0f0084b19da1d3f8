//! The optional external exposition suite: pages and cases kept outside the
//! repository (pages from other projects, which cannot be committed here),
//! in the folder that `VITALS_EXPO_FIXTURES_DIR` names (`cases/` and
//! `real/` inside it). `scripts/test` sets the variable when that folder is
//! beside the checkout. Unset, the suite prints one line `not run: …`; in
//! CI it must run. The project's own cases and pages are checked by the
//! other modules of this binary whether or not this suite runs.

use crate::expo_util;

mod cases;

use expo_util::common::optional_suite;
use expo_util::{record, reference, OM, TEXT};
use std::path::Path;
use vitals::scrape::expo::{parse_page, MetricType};
use vitals::scrape::Page;

/// (file, OpenMetrics?, samples, `_created` lines)
const PAGES: &[(&str, bool, usize, usize)] = &[
    ("node_exporter-e2e-output.txt", false, 3027, 0),
    ("node_exporter-1.5.0-debian-live.txt", false, 507, 0),
    ("prometheus-2.42.0-debian-live.txt", false, 271, 0),
    ("prometheus-alltypes.237mfs.prom.txt", false, 1857, 0),
    // 53 sample lines, of which 9 are `_created` (not samples in OpenMetrics).
    ("prometheus-alltypes.5mfs.om.txt", true, 44, 9),
];

#[test]
fn external_exposition_fixtures() {
    let Some(dir) = optional_suite(
        "VITALS_EXPO_FIXTURES_DIR",
        "the external exposition pages and cases; scripts/test sets it when they are beside the checkout",
    ) else {
        return;
    };
    let cases = dir.join("cases");
    cases::every_case(&cases);
    cases::metadata(&cases);
    cases::errors(&cases);
    cases::long_files(&cases);
    cases::created_exemplars_and_floats(&cases);
    let real = dir.join("real");
    every_real_page_parses_completely(&real);
    label_values_with_commas_are_whole(&real);
    metadata_and_colon_names_on_real_pages(&real);
    real_pages_match_prometheus_client(&real);
}

fn load(dir: &Path, file: &str) -> (Vec<u8>, Page) {
    let body = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let om = PAGES.iter().any(|p| p.0 == file && p.1);
    let page = parse_page(&body, if om { OM } else { TEXT });
    (body, page)
}

fn every_real_page_parses_completely(dir: &Path) {
    for &(file, om, samples, created) in PAGES {
        let (body, page) = load(dir, file);
        assert_eq!(page.invalid_lines, 0, "{file}: {:?}", page.first_error);
        assert_eq!(page.samples.len(), samples, "{file}");
        assert_eq!(page.bytes, body.len() as u64);
        let r = record(&body, om);
        assert_eq!(r.created.len(), created, "{file}");
        expo_util::assert_sample_per_line(file, &body, &page, om);
    }
}

fn label_values_with_commas_are_whole(dir: &Path) {
    let (_, page) = load(dir, "node_exporter-e2e-output.txt");
    let values: Vec<&str> = page
        .samples
        .iter()
        .flat_map(|s| s.labels.iter().map(|(_, v)| v))
        .filter(|v| v.contains(','))
        .collect();
    assert_eq!(values.len(), 6, "{values:?}");
    assert!(values.contains(&"Retpolines, IBPB: conditional, STIBP: always-on, RSB filling, PBRSB-eIBRS: Not affected"), "{values:?}");

    let (_, page) = load(dir, "prometheus-alltypes.237mfs.prom.txt");
    let build = page
        .samples
        .iter()
        .find(|s| s.labels.name() == Some("prometheus_build_info"))
        .expect("build info");
    assert_eq!(
        build.labels.get("tags"),
        Some("netgo,builtinassets,stringlabels")
    );
}

fn metadata_and_colon_names_on_real_pages(dir: &Path) {
    let (_, page) = load(dir, "node_exporter-1.5.0-debian-live.txt");
    let cpu = page
        .family_of("node_cpu_seconds_total")
        .expect("cpu family");
    assert_eq!(cpu.kind, MetricType::Counter);
    assert_eq!(
        cpu.help.as_deref(),
        Some("Seconds the CPUs spent in each mode.")
    );
    let idle = page
        .samples
        .iter()
        .filter(|s| {
            s.labels.name() == Some("node_cpu_seconds_total")
                && s.labels.get("mode") == Some("idle")
        })
        .count();
    assert!(idle >= 1);

    let (_, page) = load(dir, "prometheus-alltypes.237mfs.prom.txt");
    let count = |k: MetricType| page.families.iter().filter(|f| f.kind == k).count();
    let (hist, summ) = (count(MetricType::Histogram), count(MetricType::Summary));
    assert!(hist > 0 && summ > 0, "{hist} {summ}");
    assert!(page.families.len() >= 200, "{}", page.families.len());

    let (_, page) = load(dir, "prometheus-alltypes.5mfs.om.txt");
    let with_ex = page.samples.iter().filter(|s| s.exemplar.is_some()).count();
    assert_eq!(with_ex, 6);
    let first = page
        .samples
        .iter()
        .find_map(|s| s.exemplar.as_ref())
        .expect("exemplar");
    assert_eq!(first.labels.get("dummyID"), Some("17783"));
    assert_eq!(first.timestamp_ms, Some(1726839814224));
    let c = page
        .family_of("rpc_requests_total")
        .expect("counter family");
    assert_eq!(c.kind, MetricType::Counter);
}

fn real_pages_match_prometheus_client(dir: &Path) {
    for &(file, om, samples, _) in PAGES {
        let Some(n) = reference::agrees(&dir.join(file), om) else {
            return;
        };
        assert_eq!(n, samples, "{file}");
    }
}
