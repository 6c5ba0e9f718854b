//! Shared by the ordering rules (FL005, FL006, FL007, FL020): every custom resource of a
//! cluster with the state of its CRD provider. Computed once per cluster and kept in the
//! [`ClusterModel`]; pure computation over the model.

use super::{ClusterModel, Context};
use crate::fleet::providers::{Provider, ProviderKind, is_custom};
use crate::kustomize::Object;

pub enum CrdStatus<'a> {
    /// Provided in time; a HelmRelease provider is named when its Kustomization must wait.
    InPlace(Option<&'a Provider>),
    /// Built in, bootstrapped or assumed.
    Assumed,
    /// A provider exists in the cluster but is not guaranteed first.
    Unordered(&'a Provider),
    /// Nothing provides it.
    Unknown,
}

pub struct CustomResource<'a> {
    pub kustomization: usize,
    pub object: &'a Object,
    pub status: CrdStatus<'a>,
}

/// A provider by group and position in `Providers::by_group`.
#[derive(Debug, Clone)]
pub struct ProviderRef {
    group: String,
    index: usize,
}

#[derive(Debug, Clone)]
pub enum Status {
    InPlace(Option<ProviderRef>),
    Assumed,
    Unordered(ProviderRef),
    Unknown,
}

/// One custom resource: the Kustomization applying it, its position in that inventory.
#[derive(Debug, Clone)]
pub struct Fact {
    kustomization: usize,
    object: usize,
    status: Status,
}

pub fn custom_resources<'a>(cx: &Context<'a>, model: &'a ClusterModel) -> Vec<CustomResource<'a>> {
    let facts = model.crd_facts.get_or_init(|| facts(cx, model));
    let provider = |r: &ProviderRef| &model.providers.by_group[&r.group][r.index];
    facts
        .iter()
        .map(|f| CustomResource {
            kustomization: f.kustomization,
            object: &model.cluster.kustomizations[f.kustomization].applied[f.object],
            status: match &f.status {
                Status::InPlace(p) => CrdStatus::InPlace(p.as_ref().map(provider)),
                Status::Assumed => CrdStatus::Assumed,
                Status::Unordered(p) => CrdStatus::Unordered(provider(p)),
                Status::Unknown => CrdStatus::Unknown,
            },
        })
        .collect()
}

fn facts(cx: &Context, model: &ClusterModel) -> Vec<Fact> {
    let cluster = &model.cluster;
    let mut out = Vec::new();
    // Whether a kind is assumed installed depends on its group and kind alone; a cluster
    // applies thousands of custom resources of a few dozen kinds.
    let mut assumed: foldhash::HashMap<(&str, &str), bool> = foldhash::HashMap::default();
    for (k, ks) in cluster.kustomizations.iter().enumerate() {
        if cluster.target_of(k).is_some() {
            continue;
        }
        for (i, obj) in ks.applied.iter().enumerate() {
            if !is_custom(obj, cx.catalog) {
                continue;
            }
            out.push(Fact {
                kustomization: k,
                object: i,
                status: status(cx, model, k, obj, &mut assumed),
            });
        }
    }
    out
}

fn status<'a>(
    cx: &Context,
    model: &ClusterModel,
    k: usize,
    obj: &'a Object,
    assumed: &mut foldhash::HashMap<(&'a str, &'a str), bool>,
) -> Status {
    let group = obj.group();
    let is_assumed = *assumed
        .entry((group, obj.kind.as_str()))
        .or_insert_with(|| {
            model
                .providers
                .assumed(group, &obj.kind, cx.bootstrap)
                .is_some()
        });
    if is_assumed {
        return Status::Assumed;
    }
    let Some(all) = model.providers.by_group.get(group) else {
        // Content that was not rendered may hold this CRD.
        return if model.providers.unseen_unknown {
            Status::Assumed
        } else {
            Status::Unknown
        };
    };
    let matching: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, p)| match &p.kind {
            ProviderKind::Crd { kind, .. } => *kind == obj.kind,
            ProviderKind::HelmRelease { .. } | ProviderKind::Unseen { .. } => true,
        })
        .map(|(i, _)| i)
        .collect();
    if matching.is_empty() {
        return if model.providers.unseen_unknown {
            Status::Assumed
        } else {
            Status::Unknown
        };
    }
    let at = |index: usize| ProviderRef {
        group: group.to_string(),
        index,
    };
    let sets = model.before(k);
    let in_time = matching.iter().copied().find(|&i| {
        let p = &all[i];
        match p.kind {
            ProviderKind::Crd { .. } | ProviderKind::Unseen { .. } => {
                sets.in_place[p.kustomization]
            }
            ProviderKind::HelmRelease { .. } => sets.ready[p.kustomization],
        }
    });
    match in_time {
        Some(i) if matches!(all[i].kind, ProviderKind::HelmRelease { .. }) => {
            Status::InPlace(Some(at(i)))
        }
        Some(_) => Status::InPlace(None),
        // Explain with a provider elsewhere (missing ordering) when there is one; a
        // HelmRelease beside the resource is a deadlock only when it is the sole provider.
        None => Status::Unordered(at(matching
            .iter()
            .copied()
            .find(|&i| all[i].kustomization != k)
            .unwrap_or(matching[0]))),
    }
}
