//! Flux objects read from rendered manifests: only the fields fleetlint reasons about.

use std::sync::{Arc, LazyLock};

use crate::kustomize::{Layer, Object, Patch, PathRef};
use crate::source::{Node, Span};
use compact_str::CompactString;

pub const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
pub const HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
pub const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";

/// A reference to another object by kind, namespace and name, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    // Inline strings: a fleet holds one reference per `dependsOn` entry and source, and the
    // names are short.
    pub kind: CompactString,
    pub name: CompactString,
    /// The effective namespace: as written, else the referrer's namespace.
    pub namespace: CompactString,
    /// Whether `namespace` was written (rather than defaulted).
    pub explicit_namespace: bool,
    /// The span of the `name` value.
    pub name_span: Span,
    /// The span of the whole reference entry.
    pub span: Span,
}

impl Reference {
    fn read(node: &Node, default_kind: &str, referrer_namespace: &str) -> Option<Reference> {
        let name_node = node.get("name")?;
        let name = name_node.as_str()?.into();
        let written_ns = node.str_at(&["namespace"]);
        Some(Reference {
            kind: node.str_at(&["kind"]).unwrap_or(default_kind).into(),
            name,
            namespace: written_ns.unwrap_or(referrer_namespace).into(),
            explicit_namespace: written_ns.is_some(),
            name_span: name_node.span,
            span: node.span,
        })
    }

    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// A `substituteFrom` entry.
#[derive(Debug, Clone)]
pub struct SubstituteFrom {
    pub kind: String,
    pub name: String,
    pub optional: bool,
    pub span: Span,
    /// The span of the `name` value.
    pub name_span: Span,
}

/// A Flux Kustomization as the cluster will see it (after the parent's transforms).
#[derive(Debug, Clone, Default)]
pub struct KustomizationSpec {
    pub path: Option<PathRef>,
    pub source_ref: Option<Reference>,
    pub depends_on: Vec<Reference>,
    /// Flux's own transforms, in the shape of a kustomize layer. Shared: builds made on other
    /// threads take it along, and most Kustomizations have none.
    pub transforms: Arc<Layer>,
    pub substitute: Vec<(String, String)>,
    pub substitute_from: Vec<SubstituteFrom>,
    pub substitute_always: bool,
    pub suspend: bool,
    /// `spec.wait`: Ready only once everything it applied is healthy.
    pub wait: bool,
    /// `spec.kubeConfig`: the Secret or ConfigMap naming a remote cluster its content goes to,
    /// as `namespace/name` (it lives in the Kustomization's namespace, so two Kustomizations
    /// naming `cluster-kubeconfig` in two namespaces target two clusters).
    pub kube_config: Option<String>,
}

/// Shared by every Kustomization without transforms (most of them): a large fleet holds
/// thousands of Kustomizations to the end of the run.
static NO_TRANSFORMS: LazyLock<Arc<Layer>> = LazyLock::new(|| Arc::new(Layer::default()));

/// Flux's own transforms as a layer: every field it sets is looked at here, so a
/// Kustomization that sets none gets the shared empty layer.
fn transforms(
    components: Vec<PathRef>,
    patches: Vec<Patch>,
    namespace: Option<PathRef>,
    name_prefix: Option<PathRef>,
    name_suffix: Option<PathRef>,
) -> Arc<Layer> {
    if components.is_empty()
        && patches.is_empty()
        && namespace.is_none()
        && name_prefix.is_none()
        && name_suffix.is_none()
    {
        return Arc::clone(&NO_TRANSFORMS);
    }
    Arc::new(Layer {
        components,
        patches,
        namespace,
        name_prefix,
        name_suffix,
        ..Layer::default()
    })
}

impl KustomizationSpec {
    pub fn read(obj: &Object, namespace: &str) -> KustomizationSpec {
        let spec = obj.body.get("spec");
        let get = |key: &str| spec.and_then(|s| s.get(key));
        let str_ref = |key: &str| {
            get(key).and_then(|n| {
                Some(PathRef {
                    value: n.as_str()?.to_string(),
                    span: n.span,
                })
            })
        };
        let components = get("components")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| {
                Some(PathRef {
                    value: n.as_str()?.to_string(),
                    span: n.span,
                })
            })
            .collect();
        let patches: Vec<Patch> = spec.map(crate::kustomize::file_patches).unwrap_or_default();
        let post_build = get("postBuild");
        let substitute = post_build
            .and_then(|p| p.get("substitute"))
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.as_str()?.to_string(),
                    v.as_str().unwrap_or("").to_string(),
                ))
            })
            .collect();
        let substitute_from = post_build
            .and_then(|p| p.get("substituteFrom"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| {
                let name = n.get("name")?;
                Some(SubstituteFrom {
                    kind: n.str_at(&["kind"]).unwrap_or("ConfigMap").to_string(),
                    name: name.as_str()?.to_string(),
                    optional: n.get("optional").and_then(Node::as_bool).unwrap_or(false),
                    span: n.span,
                    name_span: name.span,
                })
            })
            .collect();
        KustomizationSpec {
            path: str_ref("path"),
            source_ref: get("sourceRef").and_then(|n| Reference::read(n, "", namespace)),
            depends_on: read_depends_on(get("dependsOn"), "Kustomization", namespace),
            transforms: transforms(
                components,
                patches,
                str_ref("targetNamespace"),
                str_ref("namePrefix"),
                str_ref("nameSuffix"),
            ),
            substitute,
            substitute_from,
            substitute_always: post_build.and_then(|p| p.str_at(&["substituteStrategy"]))
                == Some("Always"),
            suspend: get("suspend").and_then(Node::as_bool).unwrap_or(false),
            wait: get("wait").and_then(Node::as_bool).unwrap_or(false),
            kube_config: get("kubeConfig").and_then(|k| {
                k.str_at(&["secretRef", "name"])
                    .or_else(|| k.str_at(&["configMapRef", "name"]))
                    .map(|name| format!("{namespace}/{name}"))
            }),
        }
    }
}

fn read_depends_on(node: Option<&Node>, kind: &str, namespace: &str) -> Vec<Reference> {
    node.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| Reference::read(n, kind, namespace))
        .collect()
}

/// The parts of a HelmRelease that refer to other objects.
#[derive(Debug, Clone)]
pub struct HelmReleaseSpec {
    pub depends_on: Vec<Reference>,
    /// `spec.chart.spec.sourceRef`.
    pub chart_source: Option<Reference>,
    /// `spec.chartRef`.
    pub chart_ref: Option<Reference>,
    pub suspend: bool,
}

impl HelmReleaseSpec {
    pub fn read(obj: &Object, namespace: &str) -> HelmReleaseSpec {
        let spec = obj.body.get("spec");
        HelmReleaseSpec {
            depends_on: read_depends_on(
                spec.and_then(|s| s.get("dependsOn")),
                "HelmRelease",
                namespace,
            ),
            chart_source: spec
                .and_then(|s| s.path(&["chart", "spec", "sourceRef"]))
                .and_then(|n| Reference::read(n, "", namespace)),
            chart_ref: spec
                .and_then(|s| s.get("chartRef"))
                .and_then(|n| Reference::read(n, "", namespace)),
            suspend: spec
                .and_then(|s| s.get("suspend"))
                .and_then(Node::as_bool)
                .unwrap_or(false),
        }
    }
}

pub fn is_kustomization(obj: &Object) -> bool {
    obj.kind == "Kustomization" && obj.group() == KUSTOMIZE_GROUP
}

pub fn is_helm_release(obj: &Object) -> bool {
    obj.kind == "HelmRelease" && obj.group() == HELM_GROUP
}

/// Kinds that `sourceRef`, `chart.spec.sourceRef` and `chartRef` may name.
pub fn is_source(obj: &Object) -> bool {
    match obj.group() {
        SOURCE_GROUP => matches!(
            obj.kind.as_str(),
            "GitRepository"
                | "OCIRepository"
                | "HelmRepository"
                | "Bucket"
                | "HelmChart"
                | "ExternalArtifact"
        ),
        _ => false,
    }
}
