//! The example configuration shipped in the repository is valid.

#[test]
fn the_example_config_is_valid_and_complete() {
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/vitals.toml"));
    let c = vitals::config::load(path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.target.len(), 2);
    assert_eq!(c.panel.len(), 2);
    assert_eq!(c.rule.len(), 1);
    assert!(c.alertmanager.is_some() && c.webhook.is_some());
    assert!(c.target[0].auth.cert_file.is_some());
}
