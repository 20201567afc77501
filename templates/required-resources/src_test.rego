package gatewright.required_resources_test

import data.gatewright.required_resources.violation

inp(spec) := {"parameters": {"limits": ["memory"], "requests": ["cpu", "memory"]}, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": spec,
}}}

full := {"limits": {"memory": "128Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}

test_all_set_allowed if {
	count(violation) == 0 with input as inp({"containers": [{"name": "a", "resources": full}]})
}

test_missing_limit_and_request if {
	vs := violation with input as inp({"containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}}]})
	{v.msg | some v in vs} == {
		`Pod ns/p, container "a": spec.containers[0].resources.limits.memory is unset; must be set`,
		`Pod ns/p, container "a": spec.containers[0].resources.requests.memory is unset; must be set`,
	}
}

test_init_checked_ephemeral_skipped if {
	count(violation) == 3 with input as inp({
		"containers": [{"name": "a", "resources": full}],
		"initContainers": [{"name": "i"}],
		"ephemeralContainers": [{"name": "e"}],
	})
}

test_no_parameters_allows if {
	count(violation) == 0 with input as object.remove(inp({"containers": [{"name": "a"}]}), ["parameters"])
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(inp({"containers": [{"name": "a"}]}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
