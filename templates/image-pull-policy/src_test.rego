package gatewright.image_pull_policy_test

import data.gatewright.image_pull_policy.violation

inp(policy, containers) := {"parameters": {"policy": policy}, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": containers},
}}}

test_explicit_mismatch_denied if {
	some v in violation with input as inp("Always", [{"name": "a", "image": "app:1", "imagePullPolicy": "IfNotPresent"}])
	v.msg == `Pod ns/p, container "a": spec.containers[0].imagePullPolicy is IfNotPresent; allowed: Always`
}

test_unset_defaults_from_tag if {
	some v in violation with input as inp("Always", [{"name": "a", "image": "app:1"}])
	v.msg == `Pod ns/p, container "a": spec.containers[0].imagePullPolicy is unset (defaults to IfNotPresent); allowed: Always`
	count(violation) == 0 with input as inp("Always", [{"name": "a", "image": "app"}, {"name": "b", "image": "app:latest"}])
	count(violation) == 1 with input as inp("IfNotPresent", [{"name": "a", "image": "app"}, {"name": "b", "image": "app@sha256:abc"}])
}

test_matching_policy_allowed if {
	count(violation) == 0 with input as inp("IfNotPresent", [{"name": "a", "image": "app:1", "imagePullPolicy": "IfNotPresent"}])
}

test_never_denied if {
	count(violation) == 1 with input as inp("IfNotPresent", [{"name": "a", "image": "app:1", "imagePullPolicy": "Never"}])
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(inp("Always", [{"name": "a", "image": "app:1"}]), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
