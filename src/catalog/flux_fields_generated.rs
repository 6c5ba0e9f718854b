// Generated from schemas/flux-fields.yaml by tests/generated.rs: do not edit; run
// `FLEETLINT_REGENERATE=1 cargo test --test generated` after changing the schema.

pub(super) fn schema() -> Result<FluxSchema, String> {
    let mut patterns = std::collections::BTreeMap::new();
    patterns.insert("duration".to_string(), pattern("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$", "a Go duration such as \"30s\", \"10m\" or \"1h30m\"")?);
    patterns.insert("duration-no-hours".to_string(), pattern("^([0-9]+(\\.[0-9]+)?(ms|s|m))+$", "a duration in minutes, seconds or milliseconds, such as \"60s\" or \"5m\"")?);
    patterns.insert("git-url".to_string(), pattern("^(http|https|ssh)://.*$", "an http://, https:// or ssh:// URL (for SSH: \"ssh://git@github.com/org/repo\")")?);
    patterns.insert("helm-url".to_string(), pattern("^(http|https|oci)://.*$", "an http://, https:// or oci:// URL")?);
    patterns.insert("oci-url".to_string(), pattern("^oci://.*$", "an oci:// URL")?);
    let mut types = std::collections::BTreeMap::new();
    types.insert("BucketSpec".to_string(), object(
        vec![
            ("provider", string(&["generic", "aws", "gcp", "azure"], None)),
            ("bucketName", text()),
            ("endpoint", text()),
            ("region", text()),
            ("prefix", text()),
            ("insecure", Ty::Bool),
            ("secretRef", reference("LocalObjectReference")),
            ("certSecretRef", reference("LocalObjectReference")),
            ("proxySecretRef", reference("LocalObjectReference")),
            ("interval", reference("duration")),
            ("timeout", reference("duration")),
            ("ignore", text()),
            ("suspend", Ty::Bool),
            ("serviceAccountName", text()),
        ],
        &["bucketName", "endpoint", "interval"],
        false,
        &[],
        &[],
    ));
    types.insert("CommonMetadata".to_string(), fields(vec![
            ("annotations", map(text())),
            ("labels", map(text())),
        ]));
    types.insert("CustomHealthCheck".to_string(), object(
        vec![
            ("apiVersion", text()),
            ("kind", text()),
            ("current", text()),
            ("inProgress", text()),
            ("failed", text()),
        ],
        &["apiVersion", "kind"],
        false,
        &[],
        &[],
    ));
    types.insert("DependencyReference".to_string(), object(
        vec![
            ("name", text()),
            ("namespace", text()),
            ("readyExpr", text()),
        ],
        &["name"],
        true,
        &[],
        &[],
    ));
    types.insert("DriftIgnoreRule".to_string(), object(
        vec![
            ("paths", array(text())),
            ("target", reference("Selector")),
        ],
        &["paths"],
        true,
        &[],
        &[],
    ));
    types.insert("GitRepositorySpec".to_string(), object(
        vec![
            ("url", string(&[], Some("git-url"))),
            ("secretRef", reference("LocalObjectReference")),
            ("interval", reference("duration")),
            ("timeout", string(&[], Some("duration-no-hours"))),
            ("ref", fields(vec![
                ("branch", text()),
                ("tag", text()),
                ("semver", text()),
                ("name", text()),
                ("commit", text()),
            ])),
            ("verify", object(
            vec![
                ("mode", string(&["head", "HEAD", "Tag", "TagAndHEAD"], None)),
                ("secretRef", reference("LocalObjectReference")),
            ],
            &[],
            false,
            &[],
            &[],
        )),
            ("proxySecretRef", reference("LocalObjectReference")),
            ("ignore", text()),
            ("suspend", Ty::Bool),
            ("recurseSubmodules", Ty::Bool),
            ("include", array(object(
            vec![
                ("repository", reference("LocalObjectReference")),
                ("fromPath", text()),
                ("toPath", text()),
            ],
            &[],
            false,
            &[],
            &[],
        ))),
            ("sparseCheckout", array(text())),
            ("provider", text()),
            ("serviceAccountName", text()),
        ],
        &["url", "interval"],
        false,
        &[],
        &[],
    ));
    types.insert("HelmChartSpec".to_string(), object(
        vec![
            ("chart", text()),
            ("version", text()),
            ("sourceRef", object(
            vec![
                ("apiVersion", text()),
                ("kind", string(&["HelmRepository", "GitRepository", "Bucket"], None)),
                ("name", text()),
            ],
            &["kind", "name"],
            true,
            &[],
            &[],
        )),
            ("interval", reference("duration")),
            ("reconcileStrategy", string(&["ChartVersion", "Revision"], None)),
            ("valuesFiles", array(text())),
            ("ignoreMissingValuesFiles", Ty::Bool),
            ("suspend", Ty::Bool),
        ],
        &["chart", "sourceRef", "interval"],
        false,
        &[],
        &[],
    ));
    types.insert("HelmReleaseSpec".to_string(), object(
        vec![
            ("chart", object(
            vec![
                ("metadata", reference("CommonMetadata")),
                ("spec", object(
                vec![
                    ("chart", text()),
                    ("version", text()),
                    ("sourceRef", object(
                    vec![
                        ("apiVersion", text()),
                        ("kind", string(&["HelmRepository", "GitRepository", "Bucket"], None)),
                        ("name", text()),
                        ("namespace", text()),
                    ],
                    &["kind", "name"],
                    true,
                    &[],
                    &[],
                )),
                    ("interval", reference("duration")),
                    ("reconcileStrategy", string(&["ChartVersion", "Revision"], None)),
                    ("valuesFiles", array(text())),
                    ("valuesFile", text()),
                    ("ignoreMissingValuesFiles", Ty::Bool),
                    ("verify", object(
                    vec![
                        ("provider", string(&["cosign", "notation"], None)),
                        ("secretRef", reference("LocalObjectReference")),
                    ],
                    &[],
                    false,
                    &[],
                    &[],
                )),
                ],
                &["chart", "sourceRef"],
                true,
                &[],
                &[],
            )),
            ],
            &["spec"],
            true,
            &[],
            &[],
        )),
            ("chartRef", object(
            vec![
                ("apiVersion", text()),
                ("kind", string(&["OCIRepository", "HelmChart", "ExternalArtifact"], None)),
                ("name", text()),
                ("namespace", text()),
            ],
            &["kind", "name"],
            true,
            &[],
            &[],
        )),
            ("interval", reference("duration")),
            ("kubeConfig", reference("KubeConfigReference")),
            ("suspend", Ty::Bool),
            ("releaseName", text()),
            ("targetNamespace", text()),
            ("storageNamespace", text()),
            ("dependsOn", array(reference("DependencyReference"))),
            ("timeout", reference("duration")),
            ("maxHistory", Ty::Int),
            ("serviceAccountName", text()),
            ("persistentClient", Ty::Bool),
            ("driftDetection", fields(vec![
                ("mode", string(&["enabled", "warn", "disabled"], None)),
                ("ignore", array(reference("DriftIgnoreRule"))),
            ])),
            ("install", object(
            vec![
                ("timeout", reference("duration")),
                ("remediation", fields(vec![
                    ("retries", Ty::Int),
                    ("ignoreTestFailures", Ty::Bool),
                    ("remediateLastFailure", Ty::Bool),
                ])),
                ("disableWait", Ty::Bool),
                ("disableWaitForJobs", Ty::Bool),
                ("disableHooks", Ty::Bool),
                ("disableOpenAPIValidation", Ty::Bool),
                ("replace", Ty::Bool),
                ("skipCRDs", Ty::Bool),
                ("crds", string(&["Skip", "Create", "CreateReplace"], None)),
                ("createNamespace", Ty::Bool),
            ],
            &[],
            false,
            &[],
            &[],
        )),
            ("upgrade", object(
            vec![
                ("timeout", reference("duration")),
                ("remediation", fields(vec![
                    ("retries", Ty::Int),
                    ("ignoreTestFailures", Ty::Bool),
                    ("remediateLastFailure", Ty::Bool),
                    ("strategy", string(&["rollback", "uninstall"], None)),
                ])),
                ("disableWait", Ty::Bool),
                ("disableWaitForJobs", Ty::Bool),
                ("disableHooks", Ty::Bool),
                ("disableOpenAPIValidation", Ty::Bool),
                ("force", Ty::Bool),
                ("preserveValues", Ty::Bool),
                ("cleanupOnFail", Ty::Bool),
                ("crds", string(&["Skip", "Create", "CreateReplace"], None)),
            ],
            &[],
            false,
            &[],
            &[],
        )),
            ("test", object(
            vec![
                ("enable", Ty::Bool),
                ("timeout", reference("duration")),
                ("ignoreFailures", Ty::Bool),
                ("filters", array(object(
                vec![
                    ("name", text()),
                    ("exclude", Ty::Bool),
                ],
                &["name"],
                true,
                &[],
                &[],
            ))),
            ],
            &[],
            false,
            &[],
            &[],
        )),
            ("rollback", object(
            vec![
                ("timeout", reference("duration")),
                ("disableWait", Ty::Bool),
                ("disableWaitForJobs", Ty::Bool),
                ("disableHooks", Ty::Bool),
                ("recreate", Ty::Bool),
                ("force", Ty::Bool),
                ("cleanupOnFail", Ty::Bool),
            ],
            &[],
            false,
            &[],
            &[],
        )),
            ("uninstall", object(
            vec![
                ("timeout", reference("duration")),
                ("disableHooks", Ty::Bool),
                ("keepHistory", Ty::Bool),
                ("disableWait", Ty::Bool),
                ("deletionPropagation", string(&["background", "foreground", "orphan"], None)),
            ],
            &[],
            false,
            &[],
            &[],
        )),
            ("valuesFrom", array(object(
            vec![
                ("kind", string(&["Secret", "ConfigMap"], None)),
                ("name", text()),
                ("valuesKey", text()),
                ("targetPath", text()),
                ("optional", Ty::Bool),
            ],
            &["kind", "name"],
            true,
            &[],
            &[],
        ))),
            ("values", Ty::Any),
            ("postRenderers", array(fields(vec![
                ("kustomize", object(
                vec![
                    ("patches", array(reference("Patch"))),
                    ("images", array(reference("Image"))),
                ],
                &[],
                false,
                &[],
                &[],
            )),
            ]))),
            ("commonMetadata", Ty::Any),
            ("waitStrategy", Ty::Any),
            ("healthCheckExprs", Ty::Any),
        ],
        &["interval"],
        true,
        &[&["chart", "chartRef"]],
        &[],
    ));
    types.insert("HelmRepositorySpec".to_string(), object(
        vec![
            ("url", string(&[], Some("helm-url"))),
            ("secretRef", reference("LocalObjectReference")),
            ("certSecretRef", reference("LocalObjectReference")),
            ("passCredentials", Ty::Bool),
            ("interval", reference("duration")),
            ("insecure", Ty::Bool),
            ("timeout", string(&[], Some("duration-no-hours"))),
            ("suspend", Ty::Bool),
            ("accessFrom", Ty::Any),
            ("type", string(&["default", "oci"], None)),
            ("provider", string(&["generic", "aws", "azure", "gcp"], None)),
        ],
        &["url"],
        false,
        &[],
        &[],
    ));
    types.insert("Image".to_string(), object(
        vec![
            ("name", text()),
            ("newName", text()),
            ("newTag", text()),
            ("digest", text()),
        ],
        &["name"],
        true,
        &[],
        &[],
    ));
    types.insert("KubeConfigReference".to_string(), object(
        vec![
            ("secretRef", reference("SecretKeyReference")),
            ("configMapRef", reference("LocalObjectReference")),
            ("provider", text()),
        ],
        &[],
        false,
        &[],
        &[],
    ));
    types.insert("KustomizationSpec".to_string(), object(
        vec![
            ("commonMetadata", reference("CommonMetadata")),
            ("components", array(text())),
            ("decryption", object(
            vec![
                ("provider", string(&["sops"], None)),
                ("secretRef", reference("LocalObjectReference")),
                ("serviceAccountName", text()),
            ],
            &["provider"],
            true,
            &[],
            &[],
        )),
            ("deletionPolicy", string(&["MirrorPrune", "Delete", "WaitForTermination", "Orphan"], None)),
            ("dependsOn", array(reference("DependencyReference"))),
            ("driftIgnoreRules", array(reference("DriftIgnoreRule"))),
            ("force", Ty::Bool),
            ("healthCheckExprs", array(reference("CustomHealthCheck"))),
            ("healthChecks", array(reference("NamespacedObjectKindReference"))),
            ("ignoreMissingComponents", Ty::Bool),
            ("images", array(reference("Image"))),
            ("interval", reference("duration")),
            ("kubeConfig", reference("KubeConfigReference")),
            ("namePrefix", text()),
            ("nameSuffix", text()),
            ("patches", array(reference("Patch"))),
            ("path", text()),
            ("postBuild", fields(vec![
                ("substitute", map(text())),
                ("substituteFrom", array(object(
                vec![
                    ("kind", string(&["Secret", "ConfigMap"], None)),
                    ("name", text()),
                    ("optional", Ty::Bool),
                ],
                &["kind", "name"],
                true,
                &[],
                &[],
            ))),
                ("substituteStrategy", text()),
            ])),
            ("prune", Ty::Bool),
            ("retryInterval", reference("duration")),
            ("serviceAccountName", text()),
            ("sourceRef", object(
            vec![
                ("apiVersion", text()),
                ("kind", string(&["OCIRepository", "GitRepository", "Bucket", "ExternalArtifact"], None)),
                ("name", text()),
                ("namespace", text()),
            ],
            &["kind", "name"],
            true,
            &[],
            &[],
        )),
            ("suspend", Ty::Bool),
            ("targetNamespace", text()),
            ("timeout", reference("duration")),
            ("wait", Ty::Bool),
            ("buildMetadata", Ty::Any),
            ("ignore", Ty::Any),
        ],
        &["interval", "prune", "sourceRef"],
        true,
        &[],
        &[("validation", "removed in kustomize.toolkit.fluxcd.io/v1 (it was no longer used): delete it"), ("patchesStrategicMerge", "removed in kustomize.toolkit.fluxcd.io/v1: move each patch into `patches` as a `- patch: |` entry"), ("patchesJson6902", "removed in kustomize.toolkit.fluxcd.io/v1: move each patch into `patches` with its `target`")],
    ));
    types.insert("LocalObjectReference".to_string(), object(
        vec![
            ("name", text()),
        ],
        &["name"],
        true,
        &[],
        &[],
    ));
    types.insert("NamespacedObjectKindReference".to_string(), object(
        vec![
            ("apiVersion", text()),
            ("kind", text()),
            ("name", text()),
            ("namespace", text()),
        ],
        &["kind", "name"],
        true,
        &[],
        &[],
    ));
    types.insert("OCIRepositorySpec".to_string(), object(
        vec![
            ("url", string(&[], Some("oci-url"))),
            ("ref", fields(vec![
                ("digest", text()),
                ("tag", text()),
                ("semver", text()),
                ("semverFilter", text()),
            ])),
            ("layerSelector", object(
            vec![
                ("mediaType", text()),
                ("operation", string(&["extract", "copy"], None)),
            ],
            &[],
            false,
            &[],
            &[],
        )),
            ("provider", string(&["generic", "aws", "azure", "gcp"], None)),
            ("secretRef", reference("LocalObjectReference")),
            ("serviceAccountName", text()),
            ("certSecretRef", reference("LocalObjectReference")),
            ("proxySecretRef", reference("LocalObjectReference")),
            ("interval", reference("duration")),
            ("timeout", reference("duration")),
            ("ignore", text()),
            ("insecure", Ty::Bool),
            ("suspend", Ty::Bool),
        ],
        &["url", "interval"],
        false,
        &[],
        &[],
    ));
    types.insert("ObjectMeta".to_string(), fields(vec![
            ("name", text()),
            ("generateName", text()),
            ("namespace", text()),
            ("labels", map(text())),
            ("annotations", map(text())),
            ("finalizers", array(text())),
            ("ownerReferences", array(Ty::Any)),
            ("uid", text()),
            ("resourceVersion", text()),
            ("generation", Ty::Int),
            ("creationTimestamp", Ty::Any),
            ("deletionTimestamp", Ty::Any),
            ("deletionGracePeriodSeconds", Ty::Int),
            ("managedFields", array(Ty::Any)),
            ("selfLink", text()),
        ]));
    types.insert("Patch".to_string(), fields(vec![
            ("patch", text()),
            ("target", reference("Selector")),
        ]));
    types.insert("SecretKeyReference".to_string(), object(
        vec![
            ("name", text()),
            ("key", text()),
        ],
        &["name"],
        true,
        &[],
        &[],
    ));
    types.insert("Selector".to_string(), fields(vec![
            ("group", text()),
            ("version", text()),
            ("kind", text()),
            ("namespace", text()),
            ("name", text()),
            ("annotationSelector", text()),
            ("labelSelector", text()),
        ]));
    types.insert("duration".to_string(), string(&[], Some("duration")));
    let kinds = vec![
        ("kustomize.toolkit.fluxcd.io/v1".to_string(), "Kustomization".to_string(), kind_object(reference("KustomizationSpec"))),
        ("helm.toolkit.fluxcd.io/v2".to_string(), "HelmRelease".to_string(), kind_object(reference("HelmReleaseSpec"))),
        ("source.toolkit.fluxcd.io/v1".to_string(), "GitRepository".to_string(), kind_object(reference("GitRepositorySpec"))),
        ("source.toolkit.fluxcd.io/v1".to_string(), "OCIRepository".to_string(), kind_object(reference("OCIRepositorySpec"))),
        ("source.toolkit.fluxcd.io/v1".to_string(), "HelmRepository".to_string(), kind_object(reference("HelmRepositorySpec"))),
        ("source.toolkit.fluxcd.io/v1".to_string(), "Bucket".to_string(), kind_object(reference("BucketSpec"))),
        ("source.toolkit.fluxcd.io/v1".to_string(), "HelmChart".to_string(), kind_object(reference("HelmChartSpec"))),
    ];
    Ok(FluxSchema { types, patterns, kinds })
}
