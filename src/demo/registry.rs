//! Keeps the running exporters and the file_sd file in step with the
//! simulated fleet.

use super::file_sd;
use super::server::{Exporter, Role, Shared};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The exporters that run and what the file_sd file last said.
#[derive(Debug)]
pub(crate) struct Registry {
    pub(crate) file_sd: PathBuf,
    autoscaler: Option<Exporter>,
    /// The autoscaler's `host:port`.
    pub(crate) autoscaler_at: String,
    /// App exporters in service, by instance id.
    apps: BTreeMap<u64, Exporter>,
    /// Retired app exporters, still answering while they drain.
    draining: BTreeMap<u64, Exporter>,
    /// Exporters told to stop, not yet finished.
    stopping: Vec<Exporter>,
    written: Option<String>,
    /// Scrape URLs of the targets in the file, apps first.
    pub(crate) targets: Vec<String>,
}

impl Registry {
    pub(crate) fn new(file_sd: PathBuf, autoscaler: Exporter) -> Self {
        Registry {
            file_sd,
            autoscaler_at: autoscaler.host_port(),
            autoscaler: Some(autoscaler),
            apps: BTreeMap::new(),
            draining: BTreeMap::new(),
            stopping: Vec::new(),
            written: None,
            targets: Vec::new(),
        }
    }

    /// Brings the exporters and the file in line with the simulation:
    /// starts exporters for new instances, then rewrites the file, then
    /// stops the exporters of instances that have finished draining.
    pub(crate) fn reconcile(&mut self, shared: &Arc<Shared>) -> std::io::Result<()> {
        let (live, draining) = shared.with_sim(|sim| (sim.live_ids(), sim.draining_ids()));

        // Out of service: draining (still answering) or gone for good.
        let retired: Vec<u64> = self
            .apps
            .keys()
            .filter(|id| !live.contains(id))
            .copied()
            .collect();
        let mut gone = Vec::new();
        for id in retired {
            if let Some(e) = self.apps.remove(&id) {
                if draining.contains(&id) {
                    self.draining.insert(id, e);
                } else {
                    gone.push(e);
                }
            }
        }
        let drained: Vec<u64> = self
            .draining
            .keys()
            .filter(|id| !draining.contains(id))
            .copied()
            .collect();
        gone.extend(drained.iter().filter_map(|id| self.draining.remove(id)));

        let mut started = Ok(());
        for id in &live {
            if self.apps.contains_key(id) {
                continue;
            }
            match Exporter::spawn(Arc::clone(shared), Role::App(*id)) {
                Ok(e) => {
                    self.apps.insert(*id, e);
                }
                Err(e) => {
                    started = Err(e);
                    break;
                }
            }
        }

        let apps: Vec<String> = self.apps.values().map(Exporter::host_port).collect();
        let text = file_sd::render(&apps, &self.autoscaler_at);
        let mut written = Ok(());
        if self.written.as_deref() != Some(text.as_str()) {
            written = file_sd::write_atomic(&self.file_sd, &text);
            self.written = written.is_ok().then_some(text);
        }
        self.targets = self.apps.values().map(Exporter::url).collect();
        self.targets
            .push(format!("http://{}/metrics", self.autoscaler_at));

        for mut e in gone {
            e.signal_stop();
            self.stopping.push(e);
        }
        self.stopping.retain(|e| !e.is_finished());
        written.and(started)
    }

    /// Every exporter, for a final stop.
    pub(crate) fn take_all(&mut self) -> Vec<Exporter> {
        let mut all: Vec<Exporter> = std::mem::take(&mut self.apps).into_values().collect();
        all.extend(std::mem::take(&mut self.draining).into_values());
        all.append(&mut self.stopping);
        all.extend(self.autoscaler.take());
        all
    }

    /// Stops every exporter, the autoscaler's last.
    pub(crate) async fn stop_all(exporters: Vec<Exporter>, grace: Duration) {
        let mut all = exporters;
        for e in &mut all {
            e.signal_stop();
        }
        for e in all {
            e.stop(grace).await;
        }
    }
}
