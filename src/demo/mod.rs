//! The built-in simulated fleet of `vitals demo`.
//!
//! Real HTTP exporters on loopback (random free ports) in the same process
//! as the dashboard: app instances exposing what real services expose, and
//! an autoscaler whose instances come and go through a Prometheus
//! `file_sd` JSON file it rewrites (atomically) as the fleet grows and
//! shrinks. The incident scenario plays on a loop (see [`Scenario`]).
//!
//! Time: the fleet reads one clock ([`Clock`]), monotonic by default and
//! injectable for tests. `speed` compresses the *script*: at speed 10 the
//! 11.8-minute incident loop plays in 71 seconds. Counters still grow at their
//! phase's rates per real second, so what a scraper computes (request
//! rates, CPU %, error ratios, quantiles) reads the same at any speed.
//! The simulation advances in fixed ticks from a seeded random source, so
//! a given seed and speed always produce the same numbers.

mod clock;
mod dist;
mod file_sd;
mod instance;
mod page;
mod registry;
mod rng;
#[cfg(test)]
mod scenario_check;
mod script;
mod server;
mod sim;

pub use clock::{Clock, ManualClock};
pub use script::LOOP_SECS;

use anyhow::{bail, Context};
use registry::Registry;
use server::{Exporter, Role, Shared};
use sim::Sim;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Largest starting fleet accepted. The incident grows the fleet sixfold
/// (each exporter holds sockets in this process), so it allows fewer.
const MAX_INSTANCES: usize = 200;
const MAX_INCIDENT_INSTANCES: usize = 30;
/// Fastest speed accepted (the incident loop then lasts 0.71 s).
const MAX_SPEED: f64 = 1000.0;
/// How often the autoscaler brings exporters and file_sd up to date.
const DRIVER_PERIOD: Duration = Duration::from_millis(200);
/// How long a stopping exporter may take to finish requests under way.
const STOP_GRACE: Duration = Duration::from_secs(2);
/// Seed used unless [`FleetSetup`] says otherwise.
pub const DEFAULT_SEED: u64 = 0x7669_7461_6c73;

/// Which script the fleet plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// The five seed incidents one after another, each in its own phase
    /// with its cause leading, a recovery after each; on a loop of
    /// [`LOOP_SECS`] simulated seconds.
    Incident,
    /// Steady traffic and a constant fleet size: no incident.
    Calm,
    /// One seed incident alone (0 to 4): calm, the incident, recovery.
    Seed(u8),
}

/// The seed incidents (`seed-000` … `seed-004`).
pub const SEEDS: u8 = 5;

impl FromStr for Scenario {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        let seed = s
            .strip_prefix("seed-")
            .filter(|n| n.len() == 3)
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| *n < SEEDS);
        match (s, seed) {
            ("incident", _) => Ok(Scenario::Incident),
            ("calm", _) => Ok(Scenario::Calm),
            (_, Some(n)) => Ok(Scenario::Seed(n)),
            (other, None) => {
                bail!("unknown scenario {other:?}: use incident, calm or seed-000 to seed-004")
            }
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scenario::Incident => f.write_str("incident"),
            Scenario::Calm => f.write_str("calm"),
            Scenario::Seed(n) => write!(f, "seed-{n:03}"),
        }
    }
}

/// What `vitals demo` asks for.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Starting number of app instances (at least 2).
    pub instances: usize,
    /// Simulated seconds per real second.
    pub speed: f64,
    pub scenario: Scenario,
    /// Directory for the file_sd file; default a fresh temp dir, removed
    /// on shutdown (a given directory is kept, with the file).
    pub dir: Option<PathBuf>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            instances: 4,
            speed: 1.0,
            scenario: Scenario::Incident,
            dir: None,
        }
    }
}

/// Less common settings: the clock, the random seed, and where in the
/// script to begin.
#[derive(Clone, Debug)]
pub struct FleetSetup {
    pub clock: Clock,
    pub seed: u64,
    /// Simulated seconds into the scenario at which the fleet starts, sized
    /// as the autoscaler wants it then (e.g. 110: just before the runaway).
    pub start_at_secs: f64,
}

impl Default for FleetSetup {
    fn default() -> Self {
        FleetSetup {
            clock: Clock::Monotonic,
            seed: DEFAULT_SEED,
            start_at_secs: 0.0,
        }
    }
}

/// A running simulated fleet.
pub struct Fleet {
    shared: Arc<Shared>,
    registry: Arc<Mutex<Registry>>,
    driver: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
    file_sd: PathBuf,
    temp_dir: Option<PathBuf>,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("file_sd", &self.file_sd)
            .finish_non_exhaustive()
    }
}

impl Fleet {
    /// Starts every exporter and the scenario clock on the current tokio
    /// runtime; returns when all listen and the file_sd file is written.
    pub async fn start(opts: DemoOptions) -> anyhow::Result<Fleet> {
        Fleet::start_with(opts, FleetSetup::default()).await
    }

    /// [`Fleet::start`] with a chosen clock and seed.
    pub async fn start_with(opts: DemoOptions, setup: FleetSetup) -> anyhow::Result<Fleet> {
        let most = match opts.scenario {
            Scenario::Incident | Scenario::Seed(_) => MAX_INCIDENT_INSTANCES,
            Scenario::Calm => MAX_INSTANCES,
        };
        if opts.instances < script::MIN_INSTANCES || opts.instances > most {
            bail!(
                "demo fleet size must be between {} and {most} instances for the {} scenario (got {})",
                script::MIN_INSTANCES,
                opts.scenario,
                opts.instances
            );
        }
        if !(opts.speed.is_finite() && opts.speed > 0.0 && opts.speed <= MAX_SPEED) {
            bail!(
                "demo speed must be above 0 and at most {MAX_SPEED} (got {})",
                opts.speed
            );
        }
        let (dir, temp_dir) = match &opts.dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create demo directory {}", dir.display()))?;
                (dir.clone(), None)
            }
            None => {
                let dir =
                    file_sd::make_temp_dir().context("cannot create a temp dir for the demo")?;
                (dir.clone(), Some(dir))
            }
        };
        // An absolute path, so it can be handed to Prometheus or another
        // process as printed.
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        let file_sd = dir.join(file_sd::FILE_NAME);
        let sim = Sim::new(
            script::Script::new(opts.scenario, opts.instances),
            opts.speed,
            setup.seed,
        )
        .starting_at(setup.start_at_secs);
        let shared = Arc::new(Shared::new(sim, clock::Started::new(setup.clock)));
        let autoscaler = match Exporter::spawn(Arc::clone(&shared), Role::Autoscaler) {
            Ok(e) => e,
            Err(e) => {
                if let Some(t) = &temp_dir {
                    let _ = std::fs::remove_dir_all(t);
                }
                return Err(e).context("cannot start the demo autoscaler's exporter on 127.0.0.1");
            }
        };
        let registry = Registry::new(file_sd.clone(), autoscaler);
        let mut fleet = Fleet {
            shared,
            registry: Arc::new(Mutex::new(registry)),
            driver: None,
            file_sd,
            temp_dir,
        };
        // On error the fleet is dropped, which stops what was started.
        fleet.sync().await?;
        fleet.driver = Some(spawn_driver(
            Arc::clone(&fleet.shared),
            Arc::clone(&fleet.registry),
        ));
        Ok(fleet)
    }

    /// Where the file_sd JSON file is.
    pub fn file_sd_path(&self) -> &Path {
        &self.file_sd
    }

    /// Current target URLs (`http://127.0.0.1:PORT/metrics`): the app
    /// instances in service, then the autoscaler.
    pub fn targets(&self) -> Vec<String> {
        self.registry().targets.clone()
    }

    /// The autoscaler exporter's URL.
    pub fn autoscaler_target(&self) -> String {
        format!("http://{}/metrics", self.registry().autoscaler_at)
    }

    /// Name of the current scenario phase ("calm", "runaway", "overflow",
    /// "errors", "bottleneck", "memory", "recovery").
    pub fn phase(&self) -> String {
        self.shared.with_sim(|sim| sim.phase().as_str().to_string())
    }

    /// The seed incident playing now (none in calm and recovery).
    pub fn seed(&self) -> Option<u8> {
        self.shared.with_sim(|sim| sim.phase().seed())
    }

    /// `phase: NAME seed=NNN` lines (`seed=none` for calm and recovery)
    /// of the phases that started since the last call with the same
    /// `since`, in order, none skipped however fast the script plays (at
    /// most a loop's worth); the first call gives the phase playing now.
    pub fn phase_lines(&self, since: &mut Option<f64>) -> Vec<String> {
        self.shared.with_sim(|sim| {
            let now = sim.sim_now();
            let lines = match *since {
                None => vec![sim.phase().line()],
                Some(from) => sim
                    .script()
                    .phase_starts(from, now, 16)
                    .into_iter()
                    .map(|(_, p)| p.line())
                    .collect(),
            };
            *since = Some(now);
            lines
        })
    }

    /// Brings the fleet up to the clock's present now: starts and stops
    /// exporters and rewrites file_sd (otherwise done every 200 ms).
    pub async fn sync(&self) -> anyhow::Result<()> {
        let file = self.file_sd.display().to_string();
        self.registry()
            .reconcile(&self.shared)
            .with_context(|| format!("demo fleet: cannot update exporters or {file}"))
    }

    /// Stops every exporter and removes the temp dir it created.
    pub async fn shutdown(mut self) {
        if let Some((stop, task)) = self.driver.take() {
            let _ = stop.send(());
            let _ = task.await;
        }
        let all = self.registry().take_all();
        Registry::stop_all(all, STOP_GRACE).await;
        if let Some(dir) = self.temp_dir.take() {
            let _ = tokio::fs::remove_dir_all(&dir).await;
        }
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        if let Some((stop, task)) = self.driver.take() {
            let _ = stop.send(());
            task.abort();
        }
        for mut e in self.registry().take_all() {
            e.abort();
        }
        if let Some(dir) = self.temp_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The pages of the incident fleet started with `instances` app instances
/// (speed 1, [`DEFAULT_SEED`]), as a scraper every `every_secs` seconds for
/// `secs` seconds would read them, without servers or clocks: for each
/// scrape its time in seconds from the start and every page as `(name,
/// body)`, the app instances in service (`app-ID`, oldest first) then the
/// autoscaler (`autoscaler`). `epoch` is the Unix time of the start (in
/// `process_start_time_seconds`). For benchmarks of the store.
pub fn simulated_scrapes(
    instances: usize,
    every_secs: f64,
    secs: f64,
    epoch: f64,
) -> impl Iterator<Item = (f64, Vec<(String, String)>)> {
    let script = script::Script::new(Scenario::Incident, instances);
    let mut sim = Sim::new(script, 1.0, DEFAULT_SEED);
    let every = if every_secs.is_finite() && every_secs > 0.0 {
        every_secs
    } else {
        1.0
    };
    let scrapes = if secs.is_finite() && secs > 0.0 {
        (secs / every).ceil() as u64
    } else {
        0
    };
    (0..scrapes).map(move |k| {
        let at = k as f64 * every;
        // In steps the simulation integrates whole (it skips longer gaps);
        // the nudge keeps `at` from rounding down to the tick before.
        while sim.now() + CATCH_UP_SECS < at {
            sim.advance_to(sim.now() + CATCH_UP_SECS);
        }
        sim.advance_to(at + 1e-6);
        let mut pages: Vec<(String, String)> = sim
            .live_ids()
            .into_iter()
            .filter_map(|id| {
                let inst = sim.instance(id)?;
                Some((format!("app-{id}"), page::instance_page(inst, epoch)))
            })
            .collect();
        pages.push((
            "autoscaler".to_string(),
            page::autoscaler_page(sim.autoscaler()),
        ));
        (at, pages)
    })
}

/// Simulated seconds [`simulated_scrapes`] advances at once at most.
const CATCH_UP_SECS: f64 = 60.0;

/// The autoscaler's loop: keeps exporters and file_sd in step with the
/// simulation until told to stop.
fn spawn_driver(
    shared: Arc<Shared>,
    registry: Arc<Mutex<Registry>>,
) -> (oneshot::Sender<()>, JoinHandle<()>) {
    let (stop, mut stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let mut ticker = tokio::time::interval(DRIVER_PERIOD);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_error = None;
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                _ = ticker.tick() => {
                    let result = registry.lock().unwrap_or_else(|e| e.into_inner()).reconcile(&shared);
                    let error = result.err().map(|e| e.to_string());
                    if error.is_some() && error != last_error {
                        tracing::warn!("demo fleet: {}", error.as_deref().unwrap_or_default());
                    }
                    last_error = error;
                }
            }
        }
    });
    (stop, task)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_scrapes_are_the_fleet_on_a_grid() {
        let run = || simulated_scrapes(3, 2.0, 20.0, 1.7e9).collect::<Vec<_>>();
        let scrapes = run();
        assert_eq!(scrapes, run(), "same seed, same pages");
        let times: Vec<f64> = scrapes.iter().map(|s| s.0).collect();
        assert_eq!(times, (0..10).map(|k| k as f64 * 2.0).collect::<Vec<_>>());
        let (_, first) = &scrapes[0];
        let names: Vec<&str> = first.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(names, ["app-0", "app-1", "app-2", "autoscaler"]);
        assert!(first[0].1.contains("# TYPE http_requests_total counter"));
        assert!(first[3].1.contains("autoscaler_current_instances 3"));
        let (_, last) = &scrapes[9];
        assert_ne!(first[0].1, last[0].1, "counters move");
    }

    #[test]
    fn simulated_scrapes_cross_long_gaps_whole() {
        // One scrape an hour later: the simulation integrated every tick.
        let mut s = simulated_scrapes(2, 3600.0, 7200.0, 0.0);
        let (_, first) = s.next().unwrap();
        let (t, later) = s.next().unwrap();
        assert_eq!(t, 3600.0);
        let requests = |pages: &[(String, String)]| -> f64 {
            pages[0]
                .1
                .lines()
                .filter(|l| l.starts_with("http_request_duration_seconds_count"))
                .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
                .sum()
        };
        assert_eq!(requests(&first), 0.0);
        // About 50 requests a second per instance when calm.
        assert!(requests(&later) > 3600.0 * 10.0, "{}", requests(&later));
    }
}
