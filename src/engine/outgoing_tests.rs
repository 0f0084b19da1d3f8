//! The webhook's messages: one per group whose alerts changed, inhibited
//! alerts left out.

use super::super::tests::{ok, target, T0};
use super::*;
use crate::engine::{Engine, EngineOptions};
use crate::scrape::Target;

/// `Deep` warns above 5 and is critical above 8.
const RULES: &str = "groups:
  - name: q
    rules:
      - alert: Deep
        expr: queue_depth > 5
        labels: {severity: warning}
      - alert: Deep
        expr: queue_depth > 8
        labels: {severity: critical}
";

struct Rig {
    e: Engine,
    rx: mpsc::Receiver<Outgoing>,
    targets: Vec<Target>,
    t: i64,
}

impl Rig {
    fn new(n: u16, group_by: &[&str]) -> Rig {
        let mut opts = EngineOptions {
            rules: crate::alerts::rulefile::parse("r.yml", RULES).unwrap(),
            ..Default::default()
        };
        opts.grouping.group_by = group_by.iter().map(|s| s.to_string()).collect();
        let mut e = Engine::new(opts);
        let (tx, rx) = mpsc::channel(64);
        e.connect_sinks(SinkLink {
            tx,
            resend_delay: Duration::from_secs(60),
            alertmanager: false,
            webhook: true,
        });
        let mut targets: Vec<Target> = (0..n).map(|i| target(9100 + i)).collect();
        // Every other target in a second job.
        for t in targets.iter_mut().skip(1).step_by(2) {
            t.job = "db".into();
        }
        e.set_targets(&targets, T0);
        Rig {
            e,
            rx,
            targets,
            t: T0,
        }
    }

    /// One tick with each target's queue depth; the webhook's messages.
    fn step(&mut self, depths: &[f64]) -> Vec<GroupNotice> {
        self.t += 2000;
        for (t, d) in self.targets.iter().zip(depths) {
            let page = format!("# TYPE queue_depth gauge\nqueue_depth {d}\n");
            self.e.apply(ok(t, self.t, &page));
        }
        self.e.tick(self.t);
        let mut out = Vec::new();
        while let Ok(o) = self.rx.try_recv() {
            match o {
                Outgoing::Webhook(g) => {
                    assert!(!g.is_empty(), "an empty batch");
                    out.extend(g)
                }
                Outgoing::Alertmanager(_) => panic!("no alertmanager here"),
            }
        }
        out
    }
}

/// (instance, severity, resolved) of each alert of a message.
fn alerts(n: &GroupNotice) -> Vec<(String, String, bool)> {
    n.alerts
        .iter()
        .map(|a| {
            let l = |k| a.labels.get(k).unwrap_or_default().to_string();
            (l("instance"), l("severity"), a.resolved)
        })
        .collect()
}

fn i(port: u16, severity: &str, resolved: bool) -> (String, String, bool) {
    (format!("127.0.0.1:{port}"), severity.into(), resolved)
}

#[test]
fn alerts_starting_together_are_one_message_and_each_change_one_more() {
    let mut r = Rig::new(3, &[]);
    // Three warnings fire in one tick: one message, three alerts.
    let m = r.step(&[6.0, 6.0, 6.0]);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].group_labels.to_string(), r#"{alertname="Deep"}"#);
    assert_eq!(
        alerts(&m[0]),
        [
            i(9100, "warning", false),
            i(9101, "warning", false),
            i(9102, "warning", false)
        ]
    );
    // Nothing changed: nothing sent.
    assert!(r.step(&[6.0, 6.0, 6.0]).is_empty());
    // One resolves: the group again, the rest still firing.
    let m = r.step(&[6.0, 1.0, 6.0]);
    assert_eq!(m.len(), 1);
    assert_eq!(
        alerts(&m[0]),
        [
            i(9100, "warning", false),
            i(9101, "warning", true),
            i(9102, "warning", false)
        ]
    );
    assert!(r.step(&[6.0, 1.0, 6.0]).is_empty());
    // All resolve: the group's last message, every alert resolved.
    let m = r.step(&[1.0, 1.0, 1.0]);
    assert_eq!(
        alerts(&m[0]),
        [i(9100, "warning", true), i(9102, "warning", true)]
    );
    assert!(r.step(&[1.0, 1.0, 1.0]).is_empty());
}

#[test]
fn group_by_splits_the_messages() {
    let mut r = Rig::new(3, &["job"]);
    let m = r.step(&[6.0, 6.0, 6.0]);
    let keys: Vec<String> = m.iter().map(|g| g.group_labels.to_string()).collect();
    assert_eq!(
        keys,
        [
            r#"{alertname="Deep", job="app"}"#,
            r#"{alertname="Deep", job="db"}"#
        ]
    );
    assert_eq!(alerts(&m[0]).len(), 2);
    assert_eq!(alerts(&m[1]), [i(9101, "warning", false)]);
    // A change in one job's group sends that group alone.
    let m = r.step(&[6.0, 1.0, 6.0]);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].group_labels.get("job"), Some("db"));
}

#[test]
fn inhibited_alerts_are_not_sent() {
    let mut r = Rig::new(2, &[]);
    // Critical and warning start together: the warning is held back.
    let m = r.step(&[9.0, 1.0]);
    assert_eq!(alerts(&m[0]), [i(9100, "critical", false)]);
    // A warning told first, then inhibited by its critical: not sent again.
    let m = r.step(&[9.0, 6.0]);
    assert_eq!(
        alerts(&m[0]),
        [i(9100, "critical", false), i(9101, "warning", false)]
    );
    let m = r.step(&[9.0, 9.0]);
    assert_eq!(
        alerts(&m[0]),
        [i(9100, "critical", false), i(9101, "critical", false)]
    );
    let f = r.e.tick(r.t);
    assert_eq!(f.alerts.iter().filter(|a| a.inhibited).count(), 2);
    // The critical resolves: its resolution, and the warning it held back
    // (told before) firing again in the group's list.
    let m = r.step(&[9.0, 6.0]);
    assert_eq!(
        alerts(&m[0]),
        [
            i(9100, "critical", false),
            i(9101, "critical", true),
            i(9101, "warning", false)
        ]
    );
    // The warning of 9100, never told, is sent once its critical resolves.
    let m = r.step(&[6.0, 6.0]);
    assert_eq!(
        alerts(&m[0]),
        [
            i(9100, "critical", true),
            i(9100, "warning", false),
            i(9101, "warning", false)
        ]
    );
}
