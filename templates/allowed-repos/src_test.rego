package gatewright.allowed_repos_test

import data.gatewright.allowed_repos.violation

review(obj) := {"review": {"operation": "CREATE", "kind": {"kind": obj.kind}, "object": obj}}

pod(containers) := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": containers}}

params := {"repos": ["registry.example.com", "docker.io/library/"]}

test_allowed_registry if {
	count(violation) == 0 with input as object.union(review(pod([{"name": "a", "image": "registry.example.com/app:1"}])), {"parameters": params})
}

test_official_image_via_normalised_form if {
	count(violation) == 0 with input as object.union(review(pod([{"name": "a", "image": "nginx"}])), {"parameters": params})
}

test_suffix_attack_denied if {
	inp := object.union(review(pod([{"name": "a", "image": "registry.example.com.evil.io/app:1"}])), {"parameters": params})
	some v in violation with input as inp
	v.msg == `Pod ns/p, container "a": spec.containers[0].image is registry.example.com.evil.io/app:1; allowed: ["registry.example.com","docker.io/library/"]`
	v.details.actual == "registry.example.com.evil.io/app:1"
}

test_missing_image_and_missing_parameter_denied if {
	count(violation) == 1 with input as object.union(review(pod([{"name": "a"}])), {"parameters": params})
	count(violation) == 1 with input as review(pod([{"name": "a", "image": "registry.example.com/app"}]))
}

test_init_and_ephemeral_checked if {
	obj := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {
		"containers": [{"name": "a", "image": "registry.example.com/app"}],
		"initContainers": [{"name": "i", "image": "quay.io/x"}],
		"ephemeralContainers": [{"name": "e", "image": "ghcr.io/y"}],
	}}
	count(violation) == 2 with input as object.union(review(obj), {"parameters": params})
}

test_delete_skipped if {
	inp := object.union(review(pod([{"name": "a", "image": "quay.io/x"}])), {"parameters": params})
	count(violation) == 0 with input as json.patch(inp, [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
