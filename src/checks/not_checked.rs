//! FL020 `not-checked`: what fleetlint could not check offline (remote bases, sources that are
//! not this repository, Flux objects no root reaches), said once per cause.

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::fleet::providers::Assumed;
use crate::kustomize::Problem;
use crate::source::Span;

pub const CHECK: Check = Check {
    code: "FL020",
    name: "not-checked",
    summary: "something fleetlint could not check offline",
    severity: Severity::Info,
    docs: include_str!("../../docs/rules/FL020.md"),
    run,
};

/// Orphans listed in the message before "and N more".
const LISTED: usize = 5;

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        for ks in &model.cluster.kustomizations {
            if let Some((span, why)) = ks.not_checked.as_deref() {
                // `span` is the name in the sourceRef.
                findings.push(
                    CHECK
                        .finding(why.clone(), *span, "not fetched")
                        .help("map the source to a local directory in .fleetlint.yaml (`sources:`) to check it")
                        .in_cluster(&model.cluster.name),
                );
            }
            for problem in &ks.problems {
                if let Problem::Remote { span, kind, url } = problem {
                    findings.push(
                        CHECK
                            .finding(
                                format!(
                                    "remote {} \"{url}\" is not fetched, so what it contains is not checked",
                                    kind.as_str()
                                ),
                                *span,
                                "not fetched",
                            )
                            .in_cluster(&model.cluster.name),
                    );
                }
            }
        }
    }
    for model in cx.clusters {
        if let Some(finding) = assumptions(cx, model) {
            findings.push(finding.in_cluster(&model.cluster.name));
        }
    }
    if let Some(first) = cx.orphans.first() {
        let names: Vec<String> = cx
            .orphans
            .iter()
            .map(|o| format!("{}/{}", o.namespace.as_deref().unwrap_or("default"), o.name))
            .collect();
        let listed = names
            .iter()
            .take(LISTED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = names.len().saturating_sub(LISTED);
        let message = format!(
            "{} Flux Kustomization{} not reached from any cluster root, so not checked: {listed}{}",
            names.len(),
            if names.len() == 1 { " is" } else { "s are" },
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        let mut finding = CHECK
            .finding(message, first.name_span, "not reached from any root")
            .help("if these should be applied, reference their directory from a Kustomization a root reaches; otherwise they are drafts or archives");
        for orphan in cx.orphans.iter().skip(1).take(LISTED - 1) {
            finding = finding.label(orphan.name_span, "not reached from any root");
        }
        findings.push(finding);
    }
    findings
}

/// One finding per cluster saying which CRD groups were taken as installed outside the
/// cluster's Kustomizations (bootstrap helmfiles, configuration, catalogue guesses).
fn assumptions(cx: &Context, model: &super::ClusterModel) -> Option<Finding> {
    let mut listed: Vec<String> = Vec::new();
    let mut span: Option<Span> = None;
    let mut used = |group: &str, assumed: &Assumed, listed: &mut Vec<String>| {
        let why = match assumed {
            Assumed::Builtin => return,
            Assumed::Bootstrap { release, span: at } => {
                span.get_or_insert(*at);
                format!("bootstrap release {release}")
            }
            Assumed::Unverified { chart } => {
                format!("chart {chart}, not verified in the catalogue")
            }
            Assumed::BeforeFlux { chart } => format!("CNI chart {chart}, installed before Flux"),
            Assumed::Platform => "the platform".to_string(),
            Assumed::Config => ".fleetlint.yaml".to_string(),
        };
        let entry = format!("{group} ({why})");
        if !listed.contains(&entry) {
            listed.push(entry);
        }
    };
    // Only what this cluster's custom resources actually relied on; each group and kind is
    // asked once (a fleet applies hundreds of resources of a few kinds).
    let uses = super::ordering::custom_resources(cx, model);
    let mut asked: foldhash::HashSet<(&str, &str)> = foldhash::HashSet::default();
    for use_ in &uses {
        if matches!(use_.status, super::ordering::CrdStatus::Assumed)
            && asked.insert((use_.object.group(), &use_.object.kind))
            && let Some(assumed) =
                model
                    .providers
                    .assumed(use_.object.group(), &use_.object.kind, cx.bootstrap)
        {
            used(use_.object.group(), &assumed, &mut listed);
        }
    }
    if listed.is_empty() {
        return None;
    }
    listed.sort();
    let span = span.or_else(|| {
        uses.iter()
            .find(|u| matches!(u.status, super::ordering::CrdStatus::Assumed))
            .map(|u| u.object.origin)
    })?;
    Some(
        CHECK
            .finding(
                format!(
                    "CRDs taken as installed outside this cluster's Kustomizations, so their ordering is not checked: {}",
                    listed.join(", ")
                ),
                span,
                "assumed installed",
            )
            .help("declare CRDs installed outside Flux in .fleetlint.yaml (`assume: {groups: [...]}`) to make this explicit"),
    )
}
