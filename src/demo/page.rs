//! The exporters' pages in the Prometheus text format 0.0.4.

use super::dist::BUCKETS;
use super::instance::{
    Instance, CODES, CPU_LIMIT_CORES, MEMORY_LIMIT_BYTES, METHODS, QUEUE_CAPACITY,
};
use super::sim::Autoscaler;
use std::fmt::Write;

/// Content-Type of the pages, as the Prometheus client libraries send it.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    family(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {value}");
}

/// The `/metrics` page of an app instance. `epoch` is the Unix time of
/// the fleet's start.
pub(crate) fn instance_page(inst: &Instance, epoch: f64) -> String {
    let mut out = String::with_capacity(4096);
    let name = "http_request_duration_seconds";
    family(
        &mut out,
        name,
        "histogram",
        "Time spent serving HTTP requests.",
    );
    for ((method, _, _), stats) in METHODS.iter().zip(&inst.methods) {
        let mut cumulative = 0u64;
        for (bound, count) in BUCKETS.iter().zip(&stats.buckets) {
            cumulative += count;
            let _ = writeln!(
                out,
                "{name}_bucket{{method=\"{method}\",le=\"{bound}\"}} {cumulative}"
            );
        }
        let total = stats.count();
        let _ = writeln!(
            out,
            "{name}_bucket{{method=\"{method}\",le=\"+Inf\"}} {total}"
        );
        let _ = writeln!(out, "{name}_sum{{method=\"{method}\"}} {}", stats.sum);
        let _ = writeln!(out, "{name}_count{{method=\"{method}\"}} {total}");
    }

    family(
        &mut out,
        "http_requests_total",
        "counter",
        "Total HTTP requests by status code and method.",
    );
    for ((method, _, _), stats) in METHODS.iter().zip(&inst.methods) {
        for (i, code) in CODES.iter().enumerate() {
            if stats.seen[i] {
                let _ = writeln!(
                    out,
                    "http_requests_total{{code=\"{code}\",method=\"{method}\"}} {}",
                    stats.codes[i]
                );
            }
        }
    }

    family(
        &mut out,
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
    );
    let _ = writeln!(
        out,
        "process_cpu_seconds_total {}",
        round_ms(inst.cpu_seconds)
    );
    gauge(
        &mut out,
        "app_cpu_limit_cores",
        "CPU cores the instance may use (its cgroup quota).",
        CPU_LIMIT_CORES,
    );
    gauge(
        &mut out,
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        inst.memory_bytes,
    );
    gauge(
        &mut out,
        "app_memory_limit_bytes",
        "Memory the instance may use before it is killed, in bytes.",
        MEMORY_LIMIT_BYTES,
    );
    gauge(
        &mut out,
        "app_event_queue_depth",
        "Events waiting in the instance's event queue.",
        inst.queue_depth,
    );
    gauge(
        &mut out,
        "app_event_queue_capacity",
        "Most events the event queue holds; beyond it events are dropped.",
        QUEUE_CAPACITY,
    );
    gauge(
        &mut out,
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds.",
        round_ms(epoch + inst.started_at),
    );
    out
}

/// The `/metrics` page of the autoscaler.
pub(crate) fn autoscaler_page(a: Autoscaler) -> String {
    let mut out = String::with_capacity(512);
    gauge(
        &mut out,
        "autoscaler_current_instances",
        "App instances currently running.",
        a.current as f64,
    );
    gauge(
        &mut out,
        "autoscaler_desired_instances",
        "App instances the autoscaler wants.",
        a.desired as f64,
    );
    gauge(
        &mut out,
        "autoscaler_max_instances",
        "Upper limit on app instances (max_instances).",
        a.max as f64,
    );
    out
}

/// Rounds to milliseconds, so pages show tidy numbers.
fn round_ms(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::dist::LogNormal;
    use crate::demo::script::Script;
    use crate::demo::Scenario;

    #[test]
    fn instance_page_has_every_family_with_help_and_type() {
        let c = Script::new(Scenario::Calm, 4).at(0.0);
        let mut inst = Instance::new(0, 1, 2.5);
        for _ in 0..50 {
            inst.step(&c, &LogNormal::from_median_p99(c.p50, c.p99), 0.25, 0.1);
        }
        let page = instance_page(&inst, 1_800_000_000.0);
        for name in [
            "http_request_duration_seconds",
            "http_requests_total",
            "process_cpu_seconds_total",
            "app_cpu_limit_cores",
            "process_resident_memory_bytes",
            "app_memory_limit_bytes",
            "app_event_queue_depth",
            "app_event_queue_capacity",
            "process_start_time_seconds",
        ] {
            assert!(page.contains(&format!("# HELP {name} ")), "{name}");
            assert!(page.contains(&format!("# TYPE {name} ")), "{name}");
        }
        assert!(page.contains("http_request_duration_seconds_bucket{method=\"GET\",le=\"0.005\"} "));
        assert!(page.contains("http_request_duration_seconds_bucket{method=\"POST\",le=\"+Inf\"} "));
        assert!(page.contains("process_start_time_seconds 1800000002.5\n"));
        assert!(page.contains("app_memory_limit_bytes 1073741824\n"));
        for line in page.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap_or("");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }

    #[test]
    fn buckets_are_cumulative_and_end_at_the_count() {
        let c = Script::new(Scenario::Incident, 4).at(220.0);
        let mut inst = Instance::new(1, 1, 0.0);
        for _ in 0..100 {
            inst.step(&c, &LogNormal::from_median_p99(c.p50, c.p99), 0.05, 0.1);
        }
        let page = instance_page(&inst, 0.0);
        let values: Vec<u64> = page
            .lines()
            .filter(|l| l.starts_with("http_request_duration_seconds_bucket{method=\"GET\""))
            .map(|l| {
                l.rsplit(' ')
                    .next()
                    .unwrap_or("")
                    .parse()
                    .unwrap_or(u64::MAX)
            })
            .collect();
        assert_eq!(values.len(), 14);
        assert!(values.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(values[13], inst.methods[0].count());
    }

    #[test]
    fn autoscaler_page_shows_three_gauges() {
        let page = autoscaler_page(Autoscaler {
            current: 12,
            desired: 40,
            max: 40,
        });
        assert!(page.contains("autoscaler_current_instances 12\n"));
        assert!(page.contains("autoscaler_desired_instances 40\n"));
        assert!(page.contains("autoscaler_max_instances 40\n"));
    }
}
