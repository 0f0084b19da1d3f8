//! The last error of each watched file_sd file, shared between the watcher
//! (which writes it) and the engine (which shows it on the status line and
//! in the snapshot). A file with an error keeps the targets it last gave,
//! as Prometheus does; the error goes when the file reads again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A shared handle; clones see the same errors.
#[derive(Clone, Debug, Default)]
pub struct SdErrors(Arc<Mutex<BTreeMap<PathBuf, String>>>);

impl SdErrors {
    /// Records (`Some`) or clears (`None`) the error of the file at `path`.
    pub fn set(&self, path: &Path, error: Option<String>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match error {
            Some(e) => {
                map.insert(path.to_path_buf(), e);
            }
            None => {
                map.remove(path);
            }
        }
    }

    /// Forgets every file (the set of files is being replaced).
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Each file with an error, by path, with its error.
    pub fn current(&self) -> Vec<(String, String)> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.iter()
            .map(|(p, e)| (p.display().to_string(), e.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_set_cleared_and_shared() {
        let a = SdErrors::default();
        let b = a.clone();
        a.set(Path::new("/x.json"), Some("file_sd /x.json: gone".into()));
        a.set(Path::new("/y.json"), None);
        assert_eq!(
            b.current(),
            vec![("/x.json".to_string(), "file_sd /x.json: gone".to_string())]
        );
        b.set(Path::new("/x.json"), None);
        assert!(a.current().is_empty());
        a.set(Path::new("/x.json"), Some("e".into()));
        a.clear();
        assert!(b.current().is_empty());
    }
}
