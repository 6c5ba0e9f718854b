//! CRDs installed outside Flux: helmfile bootstraps (`helmfile.yaml`, `helmfile.yaml.gotmpl`,
//! `helmfile.d/*`, or a `helmfile/` folder of release files), mapped through the CRD-provider
//! catalogue. Real fleets install CRDs this way before Flux starts, so their custom resources
//! need no provider inside Flux.

use crate::catalog::providers;
use crate::source::{self, Entry, Node, Repo, Span};

/// A release of a bootstrap helmfile.
#[derive(Debug, Clone)]
pub struct BootstrapRelease {
    pub name: String,
    pub chart: String,
    /// The namespace it installs into (helmfile creates it by default).
    pub namespace: Option<String>,
    /// The release's `name` value.
    pub span: Span,
    /// API groups the catalogue says its chart installs (empty: chart not in the catalogue).
    pub groups: Vec<String>,
}

/// Every helmfile release found in the repository.
#[derive(Debug, Clone, Default)]
pub struct Bootstrap {
    pub releases: Vec<BootstrapRelease>,
}

impl Bootstrap {
    /// Whether a bootstrap release installs `group`: by the catalogue, or, for a chart the
    /// catalogue does not know, when the group or kind is named after the chart.
    pub fn provides(&self, group: &str, kind: &str) -> Option<&BootstrapRelease> {
        self.releases.iter().find(|r| {
            r.groups.iter().any(|g| g == group)
                || (r.groups.is_empty() && providers::named_after(&r.chart, group, kind))
        })
    }
}

fn is_helmfile(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let dir = source::parent(path).rsplit('/').next().unwrap_or("");
    matches!(
        name,
        "helmfile.yaml" | "helmfile.yml" | "helmfile.yaml.gotmpl" | "helmfile.yml.gotmpl"
    ) || ((dir == "helmfile.d" || dir == "helmfile")
        && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".gotmpl")))
}

/// Finds and reads the helmfile bootstraps of the repository.
pub fn find(repo: &Repo) -> Bootstrap {
    let mut releases = Vec::new();
    let mut pending = vec![(String::new(), 0usize)];
    while let Some((dir, depth)) = pending.pop() {
        if depth > 16 {
            continue;
        }
        for (name, entry) in repo.list_dir(&dir).iter() {
            let path = source::join(&dir, name);
            match entry {
                Entry::Dir if !name.starts_with('.') && name != "node_modules" => {
                    pending.push((path, depth + 1))
                }
                Entry::File if is_helmfile(&path) => read_releases(repo, &path, &mut releases),
                _ => {}
            }
        }
    }
    releases.sort_by(|a: &BootstrapRelease, b| {
        (a.span.file, a.span.start).cmp(&(b.span.file, b.span.start))
    });
    Bootstrap { releases }
}

fn read_releases(repo: &Repo, path: &str, out: &mut Vec<BootstrapRelease>) {
    let Ok(id) = repo.load(path) else { return };
    let file = repo.file(id);
    // Go templates often do not parse as YAML; what does not parse says nothing.
    for root in file.docs.iter().filter_map(|d| d.root.as_ref()) {
        for release in root
            .get("releases")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(name_node) = release.get("name") else {
                continue;
            };
            let Some(name) = name_node.as_str() else {
                continue;
            };
            // A templated chart (resolved from elsewhere at install time) is named after the
            // release, as in the helmfiles that read the chart from the Flux HelmRelease.
            let chart = release
                .str_at(&["chart"])
                .filter(|c| !c.contains("{{"))
                .unwrap_or(name);
            let groups = providers::lookup(chart)
                .map(|entry| entry.groups.clone())
                .unwrap_or_default();
            out.push(BootstrapRelease {
                name: name.to_string(),
                chart: providers::chart_name(chart).to_string(),
                namespace: release.str_at(&["namespace"]).map(str::to_string),
                span: name_node.span,
                groups,
            });
        }
    }
}
