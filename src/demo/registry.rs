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

        for id in &draining {
            if let Some(e) = self.apps.remove(id) {
                self.draining.insert(*id, e);
            }
        }
        let mut started = Ok(());
        for id in &live {
            if let Some(e) = self.draining.remove(id) {
                self.apps.insert(*id, e);
            }
            if !self.apps.contains_key(id) {
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
        }
        let gone: Vec<u64> = self
            .apps
            .keys()
            .filter(|id| !live.contains(id))
            .chain(self.draining.keys().filter(|id| !draining.contains(id)))
            .copied()
            .collect();

        let apps: Vec<String> = self.apps.values().map(Exporter::host_port).collect();
        let text = file_sd::render(&apps, &self.autoscaler_at);
        if self.written.as_deref() != Some(text.as_str()) {
            file_sd::write_atomic(&self.file_sd, &text)?;
            self.written = Some(text);
        }
        self.targets = self.apps.values().map(Exporter::url).collect();
        self.targets
            .push(format!("http://{}/metrics", self.autoscaler_at));

        for id in gone {
            if let Some(mut e) = self.apps.remove(&id).or_else(|| self.draining.remove(&id)) {
                e.signal_stop();
                self.stopping.push(e);
            }
        }
        self.stopping.retain(|e| !e.is_finished());
        started
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
