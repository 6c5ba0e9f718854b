//! The CRD-provider catalogue (`schemas/crd-providers.yaml`): which Helm charts install which
//! API groups, and whether a HelmRelease's values switch that on.

use std::sync::OnceLock;

use crate::source::yaml::Document;
use crate::source::{FileId, Node, yaml};

const CATALOGUE: &str = include_str!("../../schemas/crd-providers.yaml");

/// How a chart ships its CRDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Helm's `crds/` directory: HelmRelease `install.crds: Skip` installs none.
    CrdsDir,
    Templates,
    /// The operator creates them at start-up.
    Runtime,
    HookJob,
}

#[derive(Debug, Clone)]
pub struct ChartEntry {
    pub chart: String,
    pub aliases: Vec<String>,
    pub groups: Vec<String>,
    pub delivery: Delivery,
    pub enabled_by: Vec<String>,
    pub enabled_default: bool,
    pub verified: bool,
    /// A CNI: it runs before Flux can, so its CRDs exist before any Kustomization.
    pub before_flux: bool,
    pub source: String,
}

/// Whether a release installs the chart's CRDs, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installs {
    Yes,
    /// The values (or `install.crds: Skip`) switch CRDs off; the text says which.
    No(String),
}

impl ChartEntry {
    /// Decides from a release's values and its Helm `install.crds` policy. Values that come
    /// from `valuesFrom` are unknown offline: then the chart's default stands.
    pub fn installs(&self, values: Option<&Node>, install_crds: Option<&str>) -> Installs {
        if self.delivery == Delivery::CrdsDir && install_crds == Some("Skip") {
            return Installs::No("`install.crds: Skip` skips the chart's crds/ directory".into());
        }
        let set: Vec<(&str, bool)> = self
            .enabled_by
            .iter()
            .filter_map(|path| {
                let keys: Vec<&str> = path.split('.').collect();
                let value = values?.path(&keys)?.as_bool()?;
                Some((path.as_str(), value))
            })
            .collect();
        if set.iter().any(|(_, on)| *on) {
            return Installs::Yes;
        }
        if let Some((path, _)) = set.first() {
            return Installs::No(format!("`{path}: false` in its values"));
        }
        if self.enabled_default {
            Installs::Yes
        } else {
            Installs::No(format!(
                "none of {} is set, and the chart's default is off",
                self.enabled_by
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }
}

/// The catalogue, parsed once.
pub fn charts() -> &'static [ChartEntry] {
    static CHARTS: OnceLock<Vec<ChartEntry>> = OnceLock::new();
    CHARTS.get_or_init(|| chart_entries(catalogue()))
}

/// The catalogue's documents, parsed once for the charts and the platform groups.
fn catalogue() -> &'static [Document] {
    static DOCS: OnceLock<Vec<Document>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let (docs, errors) = yaml::parse(FileId::DETACHED, CATALOGUE);
        assert!(errors.is_empty(), "schemas/crd-providers.yaml: {errors:?}");
        docs
    })
}

/// The entry for a chart name (or an OCI URL / `repo/chart` reference ending in one).
pub fn lookup(chart: &str) -> Option<&'static ChartEntry> {
    let name = chart_name(chart);
    charts()
        .iter()
        .find(|c| c.chart == name || c.aliases.iter().any(|a| a == name))
}

/// API groups the platform serves (`platform:` in the catalogue).
pub fn platform_groups() -> &'static [String] {
    static GROUPS: OnceLock<Vec<String>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        catalogue()
            .iter()
            .filter_map(|d| d.root.as_ref())
            .filter_map(|root| root.get("platform").and_then(Node::as_seq))
            .flatten()
            .filter_map(|p| p.str_at(&["group"]).map(str::to_string))
            .collect()
    })
}

/// Whether a chart the catalogue does not know may install a group's CRDs, judged by names:
/// operators name their API groups or kinds after themselves (`volsync` → `volsync.backube`,
/// `silence-operator` → `Silence`, `plugin-barman-cloud` → `barmancloud.cnpg.io`).
pub fn named_after(chart: &str, group: &str, kind: &str) -> bool {
    ChartName::new(chart).names(group, kind)
}

/// A chart's name as [`named_after`] compares it, worked out once: it is asked about every
/// kind no catalogue entry provides.
#[derive(Debug, Clone, Default)]
pub struct ChartName {
    /// The chart name without `-crds`, `-operator`, `-controller` or `-manager`.
    base: String,
    /// `base` without dashes.
    compact: String,
}

impl ChartName {
    pub fn new(chart: &str) -> ChartName {
        let mut base = chart_name(chart);
        for suffix in ["-crds", "-operator", "-controller", "-manager"] {
            base = base.strip_suffix(suffix).unwrap_or(base);
        }
        ChartName {
            base: base.to_string(),
            compact: base.replace('-', ""),
        }
    }

    /// Whether a chart of this name may install `group`'s CRDs (see [`named_after`]).
    pub fn names(&self, group: &str, kind: &str) -> bool {
        let compact = self.compact.as_str();
        if compact.len() < 4 {
            return false;
        }
        // Short strings, compared byte-wise rather than through a substring searcher.
        let contains = |label: &str| {
            compact
                .as_bytes()
                .windows(label.len())
                .any(|window| window == label.as_bytes())
        };
        kind.eq_ignore_ascii_case(compact)
            || group.split('.').any(|label| {
                label.len() >= 4
                    && (label == self.base
                        || label == compact
                        || (label.len() >= 5 && contains(label)))
            })
    }
}

/// `oci://ghcr.io/org/charts/cert-manager` → `cert-manager`; `jetstack/cert-manager` →
/// `cert-manager`.
pub fn chart_name(reference: &str) -> &str {
    let trimmed = reference.trim_end_matches('/');
    let last = trimmed.rsplit('/').next().unwrap_or(trimmed);
    last.split(':').next().unwrap_or(last)
}

fn chart_entries(docs: &[Document]) -> Vec<ChartEntry> {
    let list = |node: &Node, key: &str| -> Vec<String> {
        node.get(key)
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect()
    };
    docs.iter()
        .filter_map(|d| d.root.as_ref())
        .filter_map(|root| root.get("charts").and_then(Node::as_seq))
        .flatten()
        .map(|entry| ChartEntry {
            chart: entry.str_at(&["chart"]).unwrap_or_default().to_string(),
            aliases: list(entry, "aliases"),
            groups: list(entry, "groups"),
            delivery: match entry.str_at(&["delivery"]) {
                Some("crds-dir") => Delivery::CrdsDir,
                Some("runtime") => Delivery::Runtime,
                Some("hook-job") => Delivery::HookJob,
                _ => Delivery::Templates,
            },
            enabled_by: list(entry, "enabled_by"),
            enabled_default: entry
                .get("enabled_default")
                .and_then(Node::as_bool)
                .unwrap_or(true),
            verified: entry
                .get("verified")
                .and_then(Node::as_bool)
                .unwrap_or(false),
            before_flux: entry
                .get("before_flux")
                .and_then(Node::as_bool)
                .unwrap_or(false),
            source: entry.str_at(&["source"]).unwrap_or_default().to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Node {
        let (docs, _) = yaml::parse(FileId(0), text);
        Node::clone(&docs.into_iter().find_map(|d| d.root).expect("a document"))
    }

    #[test]
    fn every_entry_is_complete() {
        assert!(charts().len() >= 20);
        for c in charts() {
            assert!(
                !c.chart.is_empty() && !c.groups.is_empty() && !c.source.is_empty(),
                "{c:?}"
            );
        }
    }

    #[test]
    fn operators_are_matched_by_name() {
        assert!(named_after(
            "volsync-perfectra1n",
            "volsync.backube",
            "ReplicationSource"
        ));
        assert!(named_after(
            "silence-operator",
            "observability.giantswarm.io",
            "Silence"
        ));
        assert!(named_after(
            "plugin-barman-cloud",
            "barmancloud.cnpg.io",
            "ObjectStore"
        ));
        assert!(named_after(
            "trust-manager",
            "trust.cert-manager.io",
            "Bundle"
        ));
        assert!(!named_after(
            "app-template",
            "cert-manager.io",
            "Certificate"
        ));
        assert!(!named_after(
            "podinfo",
            "monitoring.coreos.com",
            "ServiceMonitor"
        ));
    }

    #[test]
    fn cert_manager_crds_are_off_by_default() {
        let cm = lookup("oci://quay.io/jetstack/charts/cert-manager").expect("in the catalogue");
        assert!(matches!(cm.installs(None, None), Installs::No(_)));
        assert_eq!(
            cm.installs(Some(&values("crds: {enabled: true}")), None),
            Installs::Yes
        );
        assert_eq!(
            cm.installs(Some(&values("installCRDs: true")), None),
            Installs::Yes
        );
    }

    #[test]
    fn crds_dir_charts_honour_install_crds_skip() {
        let kps = lookup("kube-prometheus-stack").expect("in the catalogue");
        assert_eq!(kps.installs(None, None), Installs::Yes);
        assert!(matches!(kps.installs(None, Some("Skip")), Installs::No(_)));
        assert!(matches!(
            kps.installs(Some(&values("crds: {enabled: false}")), None),
            Installs::No(_)
        ));
    }
}
