//! Shared by the ordering rules (FL005, FL006, FL007): every custom resource of a cluster with
//! the state of its CRD provider. Pure computation over the model.

use std::collections::HashMap;

use super::{ClusterModel, Context};
use crate::fleet::providers::{Provider, ProviderKind, is_custom};
use crate::graph::Before;
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

/// Happens-before sets, computed once per Kustomization that needs them.
pub struct BeforeCache<'a> {
    model: &'a ClusterModel,
    cache: HashMap<usize, Before>,
}

impl<'a> BeforeCache<'a> {
    pub fn new(model: &'a ClusterModel) -> Self {
        BeforeCache {
            model,
            cache: HashMap::new(),
        }
    }

    pub fn get(&mut self, k: usize) -> &Before {
        self.cache
            .entry(k)
            .or_insert_with(|| Before::of(&self.model.cluster, k))
    }
}

pub fn custom_resources<'a>(cx: &Context<'a>, model: &'a ClusterModel) -> Vec<CustomResource<'a>> {
    let cluster = &model.cluster;
    let mut before = BeforeCache::new(model);
    let mut out = Vec::new();
    for (k, obj) in cluster.applied() {
        if cluster.target_of(k).is_some() || !is_custom(obj, cx.catalog) {
            continue;
        }
        let group = obj.group();
        let status = if model
            .providers
            .assumed(group, &obj.kind, cx.bootstrap)
            .is_some()
        {
            CrdStatus::Assumed
        } else {
            let providers: Vec<&Provider> = model.providers.of(group, &obj.kind).collect();
            if providers.is_empty() && model.providers.unseen_unknown {
                // Content that was not rendered may hold this CRD.
                CrdStatus::Assumed
            } else if providers.is_empty() {
                CrdStatus::Unknown
            } else {
                let sets = before.get(k);
                let in_time = providers.iter().copied().find(|p| match p.kind {
                    ProviderKind::Crd { .. } | ProviderKind::Unseen { .. } => {
                        sets.in_place[p.kustomization]
                    }
                    ProviderKind::HelmRelease { .. } => sets.ready[p.kustomization],
                });
                match in_time {
                    Some(p) if matches!(p.kind, ProviderKind::HelmRelease { .. }) => {
                        CrdStatus::InPlace(Some(p))
                    }
                    Some(_) => CrdStatus::InPlace(None),
                    None => {
                        // Explain with a provider elsewhere (missing ordering) when there is
                        // one; a HelmRelease beside the resource is a deadlock only when it is
                        // the sole provider.
                        let best = providers
                            .iter()
                            .copied()
                            .find(|p| p.kustomization != k)
                            .unwrap_or(providers[0]);
                        CrdStatus::Unordered(best)
                    }
                }
            }
        };
        out.push(CustomResource {
            kustomization: k,
            object: obj,
            status,
        });
    }
    out
}
