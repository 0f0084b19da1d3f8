//! The whole simulated fleet: app instances, the autoscaler that adds and
//! retires them, and the scenario driving both. Time advances in fixed
//! ticks, so the same seed and speed always give the same numbers no
//! matter how often the fleet is looked at.

use super::dist::{calibrated, LogNormal};
use super::instance::{latency_mix, Instance};
use super::script::{Conditions, Phase, Script, MIN_INSTANCES};
use std::collections::HashMap;

/// Longest tick in real seconds.
const MAX_TICK_REAL: f64 = 0.1;
/// Longest tick in simulated seconds (matters at high speeds: at speed
/// 100 the fleet does 100 ticks per real second).
const MAX_TICK_SIM: f64 = 1.0;
/// Simulated seconds the autoscaler takes to bring up one instance.
const SPAWN_SECS: f64 = 1.2;
/// Simulated seconds the autoscaler takes to retire one instance.
const RETIRE_SECS: f64 = 0.3;
/// Real seconds a retired instance keeps answering (deregistered from
/// service discovery first, then drained), so scrapers that have not yet
/// re-read the target list do not see it down.
pub(crate) const DRAIN_SECS: f64 = 5.0;
/// Most ticks integrated in one catch-up; a longer gap (a suspended
/// laptop) is skipped: counters pause instead of the process stalling.
const MAX_CATCH_UP_TICKS: u64 = 20_000;

/// Most latency calibrations remembered.
const MAX_CALIBRATIONS: usize = 8192;

/// The autoscaler's gauges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Autoscaler {
    pub(crate) current: usize,
    pub(crate) desired: usize,
    pub(crate) max: usize,
}

/// The simulated fleet.
#[derive(Debug)]
pub(crate) struct Sim {
    script: Script,
    speed: f64,
    /// Simulated seconds into the script at real time zero.
    offset: f64,
    tick: f64,
    ticks: u64,
    seed: u64,
    next_id: u64,
    live: Vec<Instance>,
    draining: Vec<(Instance, f64)>,
    conditions: Conditions,
    /// The typical instance's latency distribution, for `latency_for`.
    latency: LogNormal,
    latency_for: (i64, i64, usize),
    /// Calibrations already made (the loop repeats them), bounded.
    calibrations: HashMap<(i64, i64, usize), LogNormal>,
    scale_credit: f64,
}

impl Sim {
    /// A fleet at time zero with the script's starting size. `speed` is
    /// simulated seconds per real second (finite, positive).
    pub(crate) fn new(script: Script, speed: f64, seed: u64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        let conditions = script.at(0.0);
        let start = script.start_size();
        let mut sim = Sim {
            tick: MAX_TICK_REAL.min(MAX_TICK_SIM / speed),
            script,
            speed,
            offset: 0.0,
            ticks: 0,
            seed,
            next_id: 0,
            live: Vec::new(),
            draining: Vec::new(),
            conditions,
            latency: calibrated(conditions.p50, conditions.p99, &latency_mix(start)),
            latency_for: latency_key(&conditions, start),
            calibrations: HashMap::new(),
            scale_credit: 0.0,
        };
        for _ in 0..sim.script.start_size() {
            sim.spawn();
        }
        sim
    }

    /// The same fleet started `sim_secs` simulated seconds into its script,
    /// sized as the autoscaler wants it then (before any advance only).
    pub(crate) fn starting_at(mut self, sim_secs: f64) -> Self {
        if !(sim_secs.is_finite() && sim_secs > 0.0) || self.ticks != 0 {
            return self;
        }
        self.offset = sim_secs;
        let c = self.script.at(sim_secs);
        self.conditions = c;
        while self.live.len() < c.desired {
            self.spawn();
        }
        while self.live.len() > c.desired.max(MIN_INSTANCES) {
            self.live.pop();
        }
        let key = latency_key(&c, self.live.len());
        self.latency = calibrated(c.p50, c.p99, &latency_mix(self.live.len()));
        self.latency_for = key;
        self
    }

    /// Real seconds since the start, as far as the fleet has advanced.
    pub(crate) fn now(&self) -> f64 {
        self.ticks as f64 * self.tick
    }

    /// Simulated seconds since the start.
    pub(crate) fn sim_now(&self) -> f64 {
        self.offset + self.now() * self.speed
    }

    /// Advances to `real_secs` seconds after the start (whole ticks only;
    /// going backwards does nothing).
    pub(crate) fn advance_to(&mut self, real_secs: f64) {
        if !real_secs.is_finite() || real_secs <= 0.0 {
            return;
        }
        let target = (real_secs / self.tick).floor().min(u64::MAX as f64 / 2.0) as u64;
        if target <= self.ticks {
            return;
        }
        if target - self.ticks > MAX_CATCH_UP_TICKS {
            self.ticks = target - MAX_CATCH_UP_TICKS;
        }
        while self.ticks < target {
            self.ticks += 1;
            self.step();
        }
    }

    fn step(&mut self) {
        let c = self.script.at(self.sim_now());
        self.conditions = c;
        self.autoscale(&c);
        let key = latency_key(&c, self.live.len());
        if self.latency_for != key {
            if self.calibrations.len() >= MAX_CALIBRATIONS {
                self.calibrations.clear();
            }
            let n = self.live.len();
            self.latency = *self
                .calibrations
                .entry(key)
                .or_insert_with(|| calibrated(c.p50, c.p99, &latency_mix(n)));
            self.latency_for = key;
        }
        let dt = self.tick;
        let share = 1.0 / self.live.len().max(1) as f64;
        for inst in &mut self.live {
            inst.step(&c, &self.latency, share, dt);
        }
        let now = self.now();
        self.draining.retain(|(_, since)| now - since < DRAIN_SECS);
    }

    fn autoscale(&mut self, c: &Conditions) {
        let desired = c.desired.max(MIN_INSTANCES);
        let n = self.live.len();
        let per_change = if n < desired { SPAWN_SECS } else { RETIRE_SECS };
        if n == desired {
            self.scale_credit = 0.0;
            return;
        }
        self.scale_credit += self.tick * self.speed / per_change;
        while self.scale_credit >= 1.0 && self.live.len() != desired {
            self.scale_credit -= 1.0;
            if self.live.len() < desired {
                self.spawn();
            } else if self.live.len() > MIN_INSTANCES {
                self.retire();
            } else {
                break;
            }
        }
    }

    fn spawn(&mut self) {
        let id = self.next_id;
        self.next_id += 1;
        self.live.push(Instance::new(id, self.seed, self.now()));
    }

    /// Retires the newest instance; it keeps answering while it drains.
    fn retire(&mut self) {
        if let Some(inst) = self.live.pop() {
            self.draining.push((inst, self.now()));
        }
    }

    pub(crate) fn script(&self) -> &Script {
        &self.script
    }

    pub(crate) fn phase(&self) -> Phase {
        self.conditions.phase
    }

    /// Ids of the instances in service, oldest first.
    pub(crate) fn live_ids(&self) -> Vec<u64> {
        self.live.iter().map(|i| i.id).collect()
    }

    /// Ids of retired instances still draining.
    pub(crate) fn draining_ids(&self) -> Vec<u64> {
        self.draining.iter().map(|(i, _)| i.id).collect()
    }

    /// An instance in service or draining.
    pub(crate) fn instance(&self, id: u64) -> Option<&Instance> {
        self.live
            .iter()
            .find(|i| i.id == id)
            .or_else(|| self.draining.iter().map(|(i, _)| i).find(|i| i.id == id))
    }

    pub(crate) fn autoscaler(&self) -> Autoscaler {
        Autoscaler {
            current: self.live.len(),
            desired: self.conditions.desired,
            max: self.conditions.max,
        }
    }

    #[cfg(test)]
    pub(crate) fn live(&self) -> &[Instance] {
        &self.live
    }
}

/// Latency changes smaller than 0.5 % reuse the last calibration.
fn latency_key(c: &Conditions, n: usize) -> (i64, i64, usize) {
    let q = |x: f64| (x.max(1e-9).ln() * 200.0).round() as i64;
    (q(c.p50), q(c.p99), n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::script::LOOP_SECS;
    use crate::demo::Scenario;

    fn incident(speed: f64) -> Sim {
        Sim::new(Script::new(Scenario::Incident, 4), speed, 7)
    }

    #[test]
    fn starts_with_the_requested_size() {
        let s = incident(1.0);
        assert_eq!(s.live_ids(), vec![0, 1, 2, 3]);
        assert_eq!(
            s.autoscaler(),
            Autoscaler {
                current: 4,
                desired: 4,
                max: 40
            }
        );
    }

    #[test]
    fn autoscaler_runs_away_and_is_corrected() {
        let mut s = incident(1.0);
        let mut most = 0;
        let mut least = usize::MAX;
        let mut t = 0.0;
        while t < LOOP_SECS - 1.0 {
            t += 1.0;
            s.advance_to(t);
            let a = s.autoscaler();
            most = most.max(a.current);
            least = least.min(a.current);
            if (100.0..150.0).contains(&t) {
                assert_eq!(a.max, 40);
                assert_eq!(a.desired, 40, "pinned at the limit");
            }
        }
        assert_eq!(most, 40, "runs away to the mis-set limit");
        assert!(least >= MIN_INSTANCES);
        assert_eq!(s.autoscaler().current, 4, "back to the starting size");
        assert_eq!(s.autoscaler().max, 16);
    }

    #[test]
    fn scale_up_during_the_surge_and_down_after() {
        let mut s = incident(1.0);
        s.advance_to(110.0);
        assert_eq!(s.phase(), Phase::Runaway);
        assert_eq!(s.autoscaler().current, 40);
        s.advance_to(158.0);
        let n = s.autoscaler().current;
        assert!(n <= 16, "{n}");
        assert!(!s.draining_ids().is_empty(), "retired instances drain");
        s.advance_to(170.0);
        assert!(s.draining_ids().len() < 28);
        assert!(s.instance(0).is_some() && s.instance(1).is_some());
        s.advance_to(230.0);
        assert_eq!(s.phase(), Phase::Overflow);
        assert_eq!(s.autoscaler().current, 12, "grows with the surge");
    }

    #[test]
    fn draining_instances_stop_counting_and_vanish() {
        let mut s = incident(1.0);
        s.advance_to(155.0);
        let id = *s.draining_ids().last().expect("some instance draining");
        let before = s.instance(id).map(|i| i.requests());
        s.advance_to(155.0 + DRAIN_SECS / 2.0);
        assert_eq!(s.instance(id).map(|i| i.requests()), before);
        s.advance_to(155.0 + DRAIN_SECS + 1.0);
        assert!(s.instance(id).is_none());
    }

    #[test]
    fn same_seed_same_fleet_regardless_of_observation() {
        let mut a = incident(3.0);
        let mut b = incident(3.0);
        a.advance_to(100.0);
        for i in 1..=1000 {
            b.advance_to(i as f64 * 0.1);
        }
        let pick = |s: &Sim| {
            s.live()
                .iter()
                .map(|i| (i.id, i.requests(), i.cpu_seconds.to_bits()))
                .collect::<Vec<_>>()
        };
        assert_eq!(pick(&a), pick(&b));
        let mut c = Sim::new(Script::new(Scenario::Incident, 4), 3.0, 8);
        c.advance_to(100.0);
        assert_ne!(pick(&a), pick(&c));
    }

    #[test]
    fn speed_compresses_the_script_not_the_rates() {
        let mut s = Sim::new(Script::new(Scenario::Incident, 4), 10.0, 1);
        s.advance_to(22.0);
        assert_eq!(s.phase(), Phase::Overflow, "220 simulated seconds");
        let mut calm = Sim::new(Script::new(Scenario::Calm, 4), 10.0, 1);
        calm.advance_to(20.0);
        let cpu = calm.live()[1].cpu_seconds / 20.0 / 2.0;
        assert!(
            (cpu - 0.3).abs() < 0.05,
            "cpu fraction per real second {cpu}"
        );
    }

    #[test]
    fn can_start_part_way_through_the_script() {
        let mut s = incident(1.0).starting_at(100.0);
        assert_eq!(s.phase(), Phase::Runaway);
        assert_eq!(s.autoscaler().current, 40);
        s.advance_to(50.0);
        assert_eq!(s.phase(), Phase::Recovery);
        let mut late = incident(1.0);
        late.advance_to(1.0);
        assert_eq!(
            late.starting_at(200.0).phase(),
            Phase::Calm,
            "only before any advance"
        );
        assert_eq!(incident(1.0).starting_at(f64::NAN).autoscaler().current, 4);
    }

    #[test]
    fn calm_keeps_its_size() {
        let mut s = Sim::new(Script::new(Scenario::Calm, 5), 50.0, 1);
        for t in 1..100 {
            s.advance_to(t as f64);
            assert_eq!(s.autoscaler().current, 5);
            assert_eq!(s.phase(), Phase::Calm);
        }
    }

    #[test]
    fn time_never_goes_backwards_and_huge_gaps_are_bounded() {
        let mut s = Sim::new(Script::new(Scenario::Calm, 2), 1.0, 7);
        s.advance_to(10.0);
        let r = s.live()[0].requests();
        s.advance_to(5.0);
        s.advance_to(f64::NAN);
        assert_eq!(s.live()[0].requests(), r);
        s.advance_to(1e12);
        assert!(s.now() > 1e11);
        assert!(s.live()[0].requests() >= r);
    }
}
