//! Who provides each custom resource's CRD in a cluster: CustomResourceDefinition manifests,
//! HelmReleases of charts in the catalogue, the bootstrap, or assumptions. Built once per
//! cluster from the model; the ordering checks query it.

use std::collections::BTreeMap;

use super::Cluster;
use super::bootstrap::Bootstrap;
use crate::catalog::Catalog;
use crate::catalog::providers::{self, Delivery, Installs};
use crate::config::Assume;
use crate::kustomize::{EntryKind, Object, Problem};
use crate::source::{Node, Span};

/// Flux's own API groups: built in where a cluster has no Flux CRD manifests.
pub const FLUX_GROUPS: &[&str] = &[
    "source.toolkit.fluxcd.io",
    "kustomize.toolkit.fluxcd.io",
    "helm.toolkit.fluxcd.io",
    "notification.toolkit.fluxcd.io",
    "image.toolkit.fluxcd.io",
    "source.extensions.fluxcd.io",
];

#[derive(Debug, Clone)]
pub enum ProviderKind {
    /// A CustomResourceDefinition manifest for one kind.
    Crd { kind: String, cluster_scoped: bool },
    /// Content fleetlint did not render (a foreign source, a remote base) whose address names
    /// a catalogued chart: taken to hold that chart's CRDs, applied like plain manifests.
    Unseen { chart: String },
    /// A HelmRelease (by index) of a chart that installs the whole group.
    HelmRelease {
        release: usize,
        chart: String,
        delivery: Delivery,
    },
}

#[derive(Debug, Clone)]
pub struct Provider {
    /// The Kustomization that applies the provider.
    pub kustomization: usize,
    pub group: String,
    /// Where it is: the CRD's `kind` value, or the HelmRelease's name.
    pub span: Span,
    pub kind: ProviderKind,
}

/// Why a group is present without a provider in the cluster.
#[derive(Debug, Clone)]
pub enum Assumed {
    /// Built into Kubernetes or Flux.
    Builtin,
    /// A bootstrap helmfile release (its `name` span).
    Bootstrap { release: String, span: Span },
    /// A catalogue entry that is not verified, or a chart the catalogue does not know that is
    /// named like the group: counted as present, never reported.
    Unverified { chart: String },
    /// A CNI chart: installed before Flux could run.
    BeforeFlux { chart: String },
    /// Served by the platform (catalogue `platform:`).
    Platform,
    /// `.fleetlint.yaml` `assume:`.
    Config,
}

/// A HelmRelease of a catalogued chart whose values switch CRD installation off.
#[derive(Debug, Clone)]
pub struct NotInstalling {
    pub release: usize,
    pub group: String,
    pub why: String,
}

#[derive(Debug, Default)]
pub struct Providers {
    pub by_group: BTreeMap<String, Vec<Provider>>,
    pub not_installing: Vec<NotInstalling>,
    /// Groups present for reasons outside the cluster's Kustomizations.
    pub assumed: BTreeMap<String, Assumed>,
    /// What the configuration assumes (`assume:`).
    pub assume: Assume,
    /// HelmReleases of charts the catalogue does not know: (chart, release index).
    pub uncatalogued: Vec<(String, usize)>,
    /// The names of `uncatalogued`'s charts, as [`Providers::assumed`] compares them.
    uncatalogued_names: Vec<providers::ChartName>,
    /// Content that was not rendered and names no catalogued chart: it may hold any CRD, so
    /// "nothing provides this kind" cannot be said.
    pub unseen_unknown: bool,
    /// The cluster installs Crossplane provider packages (`pkg.crossplane.io` Provider), which
    /// register their API groups at runtime (FLUX-SEMANTICS §4).
    pub crossplane_providers: bool,
}

impl Providers {
    pub fn build(cluster: &Cluster, bootstrap: &Bootstrap, assume: &Assume) -> Providers {
        let mut providers = Providers::default();
        for (k, obj) in cluster.applied() {
            if cluster.target_of(k).is_some() {
                continue;
            }
            if obj.kind == "CustomResourceDefinition"
                && obj.group() == "apiextensions.k8s.io"
                && let Some((group, kind, cluster_scoped, span)) = crd_facts(obj)
            {
                providers
                    .by_group
                    .entry(group.clone())
                    .or_default()
                    .push(Provider {
                        kustomization: k,
                        group,
                        span,
                        kind: ProviderKind::Crd {
                            kind,
                            cluster_scoped,
                        },
                    });
            }
        }
        for (i, hr) in cluster.helm_releases.iter().enumerate() {
            if cluster.target_of(hr.applied_by).is_some() {
                continue;
            }
            let Some(chart) = chart_of(cluster, &hr.object) else {
                continue;
            };
            let Some(entry) = providers::lookup(&chart) else {
                providers
                    .uncatalogued
                    .push((providers::chart_name(&chart).to_string(), i));
                providers
                    .uncatalogued_names
                    .push(providers::ChartName::new(&chart));
                continue;
            };
            let chart = entry.chart.clone();
            if entry.before_flux {
                providers.assume_groups(&entry.groups, Assumed::BeforeFlux { chart });
                continue;
            }
            if !entry.verified {
                providers.assume_groups(&entry.groups, Assumed::Unverified { chart });
                continue;
            }
            let spec = hr.object.body.get("spec");
            let values = spec.and_then(|s| s.get("values"));
            let install_crds = spec.and_then(|s| s.str_at(&["install", "crds"]));
            let from_elsewhere = spec.and_then(|s| s.get("valuesFrom")).is_some();
            match entry.installs(values, install_crds) {
                // Values from ConfigMaps are unknown offline: they might switch CRDs on.
                Installs::No(_) if from_elsewhere && install_crds != Some("Skip") => {
                    providers.assume_groups(&entry.groups, Assumed::Unverified { chart });
                }
                Installs::No(why) => {
                    for group in &entry.groups {
                        providers.not_installing.push(NotInstalling {
                            release: i,
                            group: group.clone(),
                            why: why.clone(),
                        });
                    }
                }
                Installs::Yes => {
                    for group in &entry.groups {
                        providers
                            .by_group
                            .entry(group.clone())
                            .or_default()
                            .push(Provider {
                                kustomization: hr.applied_by,
                                group: group.clone(),
                                span: hr.object.name_span,
                                kind: ProviderKind::HelmRelease {
                                    release: i,
                                    chart: entry.chart.clone(),
                                    delivery: entry.delivery,
                                },
                            });
                    }
                }
            }
        }
        providers.add_unseen(cluster);
        providers.crossplane_providers = cluster
            .applied()
            .any(|(_, o)| o.kind == "Provider" && o.group() == "pkg.crossplane.io");
        // Flux's groups come from its CRD manifests when the cluster has them (gotk-components),
        // else Flux is installed some other way (Flux Operator, bootstrap) and serves them.
        let has_flux_crds = FLUX_GROUPS
            .iter()
            .any(|g| providers.by_group.contains_key(*g));
        if !has_flux_crds {
            for group in FLUX_GROUPS {
                providers
                    .assumed
                    .insert(group.to_string(), Assumed::Builtin);
            }
        }
        if cluster.bootstrapped_by_operator() {
            providers
                .assumed
                .insert("fluxcd.controlplane.io".into(), Assumed::Builtin);
        }
        for group in &assume.groups {
            providers.assumed.insert(group.clone(), Assumed::Config);
        }
        providers.assume = assume.clone();
        for release in &bootstrap.releases {
            for group in &release.groups {
                providers
                    .assumed
                    .entry(group.clone())
                    .or_insert(Assumed::Bootstrap {
                        release: release.name.clone(),
                        span: release.span,
                    });
            }
        }
        providers
    }

    /// Marks groups as present for a reason outside the cluster (the first reason stays).
    fn assume_groups(&mut self, groups: &[String], why: Assumed) {
        for group in groups {
            self.assumed
                .entry(group.clone())
                .or_insert_with(|| why.clone());
        }
    }

    /// Providers for content that was not rendered: foreign sources and remote resources are
    /// matched to the catalogue by the chart names in their addresses.
    fn add_unseen(&mut self, cluster: &Cluster) {
        for (k, ks) in cluster.kustomizations.iter().enumerate() {
            let mut hints: Vec<(String, Span)> = Vec::new();
            if let Some((span, _)) = ks.not_checked.as_deref() {
                let mut hint = ks.name.clone();
                if let Some(path) = &ks.spec.path {
                    hint.push(' ');
                    hint.push_str(&path.value);
                }
                if let Some(src) = &ks.spec.source_ref
                    && let Some(spec) = cluster
                        .find_source(&src.kind, &src.namespace, &src.name)
                        .and_then(|s| s.object.as_ref())
                        .and_then(|o| o.body.get("spec"))
                {
                    for field in ["url", "ignore"] {
                        if let Some(text) = spec.str_at(&[field]) {
                            hint.push(' ');
                            hint.push_str(text);
                        }
                    }
                }
                hints.push((hint, *span));
            }
            for problem in &ks.problems {
                if let Problem::Remote { span, url, kind } = problem
                    && *kind != EntryKind::GeneratorFile
                {
                    hints.push((url.clone(), *span));
                }
            }
            for (hint, span) in hints {
                let charts: Vec<_> = providers::charts()
                    .iter()
                    .filter(|c| {
                        std::iter::once(&c.chart)
                            .chain(&c.aliases)
                            .any(|name| mentions(&hint, name))
                    })
                    .collect();
                if charts.is_empty() {
                    self.unseen_unknown = true;
                }
                for chart in charts {
                    for group in &chart.groups {
                        self.by_group
                            .entry(group.clone())
                            .or_default()
                            .push(Provider {
                                kustomization: k,
                                group: group.clone(),
                                span,
                                kind: ProviderKind::Unseen {
                                    chart: chart.chart.clone(),
                                },
                            });
                    }
                }
            }
        }
    }

    /// Why a group/kind needs no provider in the cluster, if it does not.
    pub fn assumed(&self, group: &str, kind: &str, bootstrap: &Bootstrap) -> Option<Assumed> {
        if let Some(a) = self.assumed.get(group) {
            return Some(a.clone());
        }
        if self.assume.covers(group, kind) {
            return Some(Assumed::Config);
        }
        if let Some(r) = bootstrap.provides(group, kind) {
            return Some(Assumed::Bootstrap {
                release: r.name.clone(),
                span: r.span,
            });
        }
        if providers::platform_groups().iter().any(|g| g == group) {
            return Some(Assumed::Platform);
        }
        if self.crossplane_providers
            && (group.ends_with(".crossplane.io") || group.ends_with(".upbound.io"))
        {
            return Some(Assumed::Unverified {
                chart: "Crossplane provider packages".into(),
            });
        }
        self.uncatalogued
            .iter()
            .zip(&self.uncatalogued_names)
            .find(|(_, name)| name.names(group, kind))
            .map(|((chart, _), _)| Assumed::Unverified {
                chart: chart.clone(),
            })
    }

    /// Providers of a group and kind: CRDs of that kind, HelmReleases of the whole group.
    pub fn of<'a>(&'a self, group: &str, kind: &'a str) -> impl Iterator<Item = &'a Provider> {
        self.by_group
            .get(group)
            .into_iter()
            .flatten()
            .filter(move |p| match &p.kind {
                ProviderKind::Crd { kind: k, .. } => k == kind,
                ProviderKind::HelmRelease { .. } | ProviderKind::Unseen { .. } => true,
            })
    }

    /// Whether a custom kind is cluster-scoped, when a CRD in the cluster says so.
    pub fn cluster_scoped(&self, group: &str, kind: &str) -> Option<bool> {
        self.of(group, kind).find_map(|p| match &p.kind {
            ProviderKind::Crd { cluster_scoped, .. } => Some(*cluster_scoped),
            ProviderKind::HelmRelease { .. } | ProviderKind::Unseen { .. } => None,
        })
    }
}

/// Whether `text` names `chart` as a whole word of a path or URL (`.../cert-manager/...`,
/// `cert-manager.crds.yaml`, `chart=kube-prometheus-stack`).
fn mentions(text: &str, chart: &str) -> bool {
    text.match_indices(chart).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + chart.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-'));
        boundary(before) && boundary(after)
    })
}

/// Whether an object is a custom resource: its kind is neither built into Kubernetes nor a
/// CRD itself.
pub fn is_custom(obj: &Object, catalog: &Catalog) -> bool {
    let group = obj.group();
    !group.is_empty() && !catalog.is_builtin_group(group)
}

/// Group, kind, scope and the span of `spec.names.kind` of a CRD manifest.
fn crd_facts(obj: &Object) -> Option<(String, String, bool, Span)> {
    let spec = obj.body.get("spec")?;
    let group = spec.str_at(&["group"])?.to_string();
    let kind_node = spec.path(&["names", "kind"])?;
    let kind = kind_node.as_str()?.to_string();
    let cluster_scoped = spec.str_at(&["scope"]) == Some("Cluster");
    Some((group, kind, cluster_scoped, kind_node.span))
}

/// The chart a HelmRelease installs: `chart.spec.chart`, or for `chartRef` the OCIRepository's
/// URL (its last segment names the chart) or the HelmChart's chart.
fn chart_of(cluster: &Cluster, hr: &Object) -> Option<String> {
    let spec = hr.body.get("spec")?;
    if let Some(chart) = spec.str_at(&["chart", "spec", "chart"]) {
        return Some(chart.to_string());
    }
    let chart_ref = spec.get("chartRef")?;
    let kind = chart_ref.str_at(&["kind"])?;
    let name = chart_ref.str_at(&["name"])?;
    let namespace = chart_ref
        .str_at(&["namespace"])
        .or(hr.namespace.as_deref())
        .unwrap_or("default");
    let source = cluster
        .find_source(kind, namespace, name)?
        .object
        .as_ref()?;
    let field: &[&str] = match kind {
        "OCIRepository" => &["spec", "url"],
        "HelmChart" => &["spec", "chart"],
        _ => return None,
    };
    source.body.str_at(field).map(str::to_string)
}

/// `spec.healthChecks` entries and `spec.wait` of a Kustomization object.
pub fn waits_for(ks: Option<&Object>, kind: &str, namespace: &str, name: &str) -> bool {
    let Some(spec) = ks.and_then(|o| o.body.get("spec")) else {
        return false;
    };
    if spec.get("wait").and_then(Node::as_bool) == Some(true) {
        return true;
    }
    spec.get("healthChecks")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .any(|check| {
            check.str_at(&["kind"]) == Some(kind)
                && check.str_at(&["name"]) == Some(name)
                && check
                    .str_at(&["namespace"])
                    .is_none_or(|ns| ns == namespace)
        })
}

/// Whether a Kustomization's health checks cover a CRD (any CustomResourceDefinition entry).
pub fn checks_crds(ks: Option<&Object>) -> bool {
    ks.and_then(|o| o.body.path(&["spec", "healthChecks"]))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .any(|c| c.str_at(&["kind"]) == Some("CustomResourceDefinition"))
}
