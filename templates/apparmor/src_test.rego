package gatewright.apparmor_test

import data.gatewright.apparmor.violation

pod(spec, annotations, labels, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "annotations": annotations, "labels": labels},
	"spec": spec,
}}}

msgs(inp) := m if {
	m := {v.msg | some v in violation} with input as inp
}

baseline := {"allowedProfiles": ["runtime/default", "localhost/*"]}

profile(t) := {"securityContext": {"appArmorProfile": {"type": t}}}

test_unset_is_runtime_default if {
	count(msgs(pod({"containers": [{"name": "c"}]}, {}, {}, baseline))) == 0
	msgs(pod({"containers": [{"name": "c"}]}, {}, {}, {"allowedProfiles": ["unconfined"]})) == {`Pod ns/p, container "c": spec.containers[0].securityContext.appArmorProfile is unset (runtime/default); allowed: ["unconfined"]`}
}

test_annotation_unconfined_denied if {
	ann := {"container.apparmor.security.beta.kubernetes.io/i": "unconfined"}
	msgs(pod({"containers": [{"name": "c"}], "initContainers": [{"name": "i"}]}, ann, {}, baseline)) == {`Pod ns/p, init container "i": metadata.annotations["container.apparmor.security.beta.kubernetes.io/i"] is unconfined; allowed: ["runtime/default","localhost/*"]`}
}

test_annotation_localhost_and_empty_allowed if {
	ann := {"container.apparmor.security.beta.kubernetes.io/c": "localhost/foo", "container.apparmor.security.beta.kubernetes.io/d": ""}
	count(msgs(pod({"containers": [{"name": "c"}, {"name": "d"}]}, ann, {}, baseline))) == 0
}

test_field_types_map_to_names if {
	lh := {"securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "k8s-nginx"}}}
	count(msgs(pod({"containers": [object.union({"name": "a"}, profile("RuntimeDefault")), object.union({"name": "b"}, lh)]}, {}, {}, baseline))) == 0
	msgs(pod({"containers": [object.union({"name": "c"}, lh)]}, {}, {}, {"allowedProfiles": ["localhost/other-*"]})) == {`Pod ns/p, container "c": spec.containers[0].securityContext.appArmorProfile.type is localhost/k8s-nginx; allowed: ["localhost/other-*"]`}
	msgs(pod({"ephemeralContainers": [object.union({"name": "e"}, profile("Unconfined"))]}, {}, {}, baseline)) == {`Pod ns/p, ephemeral container "e": spec.ephemeralContainers[0].securityContext.appArmorProfile.type is unconfined; allowed: ["runtime/default","localhost/*"]`}
	count(msgs(pod({"containers": [object.union({"name": "c"}, profile("Bogus"))]}, {}, {}, baseline))) == 1
}

test_container_field_wins_over_annotation_and_pod if {
	ann := {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}
	spec := object.union(profile("Unconfined"), {"containers": [object.union({"name": "c"}, profile("RuntimeDefault"))]})
	count(msgs(pod(spec, ann, {}, baseline))) == 0
}

test_annotation_wins_over_pod_field if {
	ann := {"container.apparmor.security.beta.kubernetes.io/c": "runtime/default"}
	spec := object.union(profile("Unconfined"), {"containers": [{"name": "c"}, {"name": "d"}]})
	msgs(pod(spec, ann, {}, baseline)) == {`Pod ns/p, container "d": spec.securityContext.appArmorProfile.type is unconfined; allowed: ["runtime/default","localhost/*"]`}
}

test_absent_parameter_denies_everything if {
	count(msgs(pod({"containers": [{"name": "c"}]}, {}, {}, {}))) == 1
}

test_deployment_template_annotation if {
	inp := {"parameters": baseline, "review": {"operation": "CREATE", "kind": {"kind": "Deployment"}, "object": {
		"kind": "Deployment",
		"metadata": {"name": "d", "namespace": "ns"},
		"spec": {"template": {
			"metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}},
			"spec": {"containers": [{"name": "c"}]},
		}},
	}}}
	msgs(inp) == {`Deployment ns/d, container "c": spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/c"] is unconfined; allowed: ["runtime/default","localhost/*"]`}
}

test_delete_skipped if {
	inp := json.patch(pod({"containers": [{"name": "c"}]}, {}, {}, {}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(msgs(inp)) == 0
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {"lh": {"spec": {"securityContext": {"appArmorProfile": {"allowedValues": ["unconfined", "localhost/tools-*"]}}}}}}}}}

test_exception_admits_listed_profiles if {
	lh := {"securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "tools-strace"}}}
	inp := pod({"containers": [object.union({"name": "a"}, profile("Unconfined")), object.union({"name": "b"}, lh)]}, {}, {"security.deckhouse.io/security-policy-exception": "lh"}, {"allowedProfiles": ["runtime/default"]})
	count(msgs(inp)) == 0 with data.inventory as spe
}

test_exception_does_not_admit_other_profiles if {
	lh := {"securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "other"}}}
	inp := pod({"containers": [object.union({"name": "b"}, lh)]}, {}, {"security.deckhouse.io/security-policy-exception": "lh"}, {"allowedProfiles": ["runtime/default"]})
	count(msgs(inp)) == 1 with data.inventory as spe
}
